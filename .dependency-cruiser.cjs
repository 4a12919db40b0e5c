/**
 * The layer rules of docs/ARCHITECTURE.md, checked by `npm run lint` (dependency-cruiser).
 * The pure stages compute from their inputs: they read and write through the injected Host,
 * never the file system or processes themselves, and never reach for the cluster end or the CLI.
 */
const PURE = '^src/(load|validate|compile|placement|render|report|model|selectors|workloads|liqo)/'

/**
 * The layers of src/, lowest first (docs/ARCHITECTURE.md, "Layers"): a module imports from its
 * own layer and those below it, never from one above, so a policy's walk from load to render and
 * a manifest's through sync only ever go down. The shared rules at the bottom (types, readers,
 * diagnostics, Kubernetes' selectors, Liqo's rules), then the stages in the order data flows
 * through them, then the edges that drive them (krm, pipeline.ts, cli).
 */
const LAYERS = [
  ['model'],
  ['util', 'diagnostics'],
  ['selectors'],
  ['liqo'],
  ['host'],
  ['load'],
  ['validate'],
  ['placement'],
  ['workloads'],
  ['compile'],
  ['render'],
  ['kube'],
  ['sync'],
  ['report'],
  ['krm', 'pipeline'],
  ['cli'],
]
const layerPath = (names) => `^src/(${names.map((n) => (n === 'pipeline' ? 'pipeline\\.ts$' : `${n}/`)).join('|')})`
const shown = (n) => (n === 'pipeline' ? 'src/pipeline.ts' : `src/${n}/`)
const noImportUp = LAYERS.slice(0, -1).map((layer, i) => ({
  name: `layer-${layer.join('-')}-imports-down`,
  comment: `Nothing in ${layer.map(shown).join(' or ')} imports from a layer above it (LAYERS): ${LAYERS.slice(i + 1)
    .flat()
    .map(shown)
    .join(', ')}.`,
  severity: 'error',
  from: { path: layerPath(layer) },
  to: { path: layerPath(LAYERS.slice(i + 1).flat()) },
}))

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    ...noImportUp,
    {
      name: 'pure-stage-no-fs-or-processes',
      comment: 'A pure stage reads and writes through the Host it is given (src/host/), not node:fs or node:child_process.',
      severity: 'error',
      from: { path: PURE },
      to: { dependencyTypes: ['core'], path: '^(node:)?(fs|fs/promises|child_process)$' },
    },
    {
      name: 'pure-stage-no-kube-or-cli',
      comment: 'A pure stage does not reach for the cluster end (src/kube/) or the command line (src/cli/).',
      severity: 'error',
      from: { path: PURE },
      to: { path: '^src/(kube|cli)/' },
    },
    {
      name: 'pure-stage-no-node-host',
      comment: 'The real Host (the disk, processes) is chosen at the CLI edge, never by a pure stage.',
      severity: 'error',
      from: { path: PURE },
      to: { path: '^src/host/(node-host|git-tree)\\.ts$' },
    },
    {
      name: 'liqo-imports-no-stage',
      comment:
        "src/liqo/ holds Liqo's rules (remote names, status and phases, twin marks, the scheduling label, liqoctl's selectors, virtual nodes, the webhooks): validate/, compile/, placement/, workloads/, sync/ and report/ call it, it calls none of them (it builds on model/, selectors/, util/ only).",
      severity: 'error',
      from: { path: '^src/liqo/' },
      to: { path: '^src/(compile|placement|workloads|sync|report|render|validate|load|krm|cli|kube|host)/|^src/pipeline\\.ts$' },
    },
    {
      name: 'report-not-sync-internals',
      comment:
        "report/ reads sync's plan as data: types only, and only from the modules that define the plan (the findings and the object diffs), never sync's code.",
      severity: 'error',
      from: { path: '^src/report/' },
      to: {
        path: '^src/sync/',
        pathNot: '^src/sync/(plan-sync|diff|change-set)\\.ts$',
      },
    },
    {
      name: 'report-sync-types-only',
      comment: "What report/ takes from sync/ is types (import type), so rendering a report never loads sync's code.",
      severity: 'error',
      from: { path: '^src/report/' },
      to: { path: '^src/sync/', dependencyTypesNot: ['type-only'] },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    includeOnly: ['^src/', '^(node:)?(fs|fs/promises|child_process)$'],
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { extensions: ['.ts', '.js', '.mjs', '.json'] },
  },
}
