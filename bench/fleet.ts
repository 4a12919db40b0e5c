/**
 * A synthetic fleet for the benchmarks: one home cluster, N remote clusters with labels, and
 * M policies (one file per namespace, as a platform team keeps them) using every selector form
 * (liqoctl strings: `k=v`, `k==v`, `in`, `notin`, `k`, `!k`, commas, ORed entries; NodeSelector
 * terms: In, NotIn, Exists, DoesNotExist, Gt, Lt, matchFields, several terms; none at all),
 * every mapping and pod strategy, NamespaceOffloading documents as liqoctl writes them, extra
 * namespace metadata, and a few workloads. Deterministic: the same sizes give the same files.
 *
 * On average a policy selects about a tenth of the remotes (one region of ten), so the build
 * output holds about policies × clusters / 10 twin namespaces plus two objects per policy on
 * the home cluster.
 */
import * as fs from 'node:fs'
import * as path from 'node:path'
import { fileURLToPath } from 'node:url'

export interface FleetOptions {
  readonly policies: number
  readonly clusters: number
  /** Home cluster ID (default `milan`). */
  readonly home?: string
}

export interface Fleet {
  /** Relative path → content. */
  readonly files: ReadonlyMap<string, string>
  readonly policies: number
  readonly clusters: number
}

export const REGIONS = ['north', 'south', 'center', 'east', 'west', 'alps', 'islands', 'coast', 'plain', 'hills'] as const
const PROVIDERS = ['aws', 'gcp', 'azure', 'onprem'] as const
const TIERS = ['gold', 'silver', 'bronze'] as const
const CORES = ['8', '16', '32', '64'] as const

const pad = (n: number, w: number): string => String(n).padStart(w, '0')
const clusterID = (i: number): string => `edge-${pad(i, 3)}`
const region = (i: number): string => REGIONS[i % REGIONS.length] ?? 'north'

/** A tiny deterministic PRNG (mulberry32), so fleets are reproducible. */
function rng(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

function inventory(opts: FleetOptions, home: string): string {
  const lines = [
    'apiVersion: nsoffload.dev/v1alpha1',
    'kind: ClusterInventory',
    'metadata:',
    '  name: fleet',
    'spec:',
    '  home:',
    `    clusterID: ${home}`,
    `    context: ${home}`,
    '    nodes:',
    `      - name: ${home}-worker-1`,
    '        labels:',
    `          kubernetes.io/hostname: ${home}-worker-1`,
    '          topology.liqo.io/region: north',
    '  remotes:',
  ]
  for (let i = 0; i < opts.clusters; i++) {
    const id = clusterID(i)
    lines.push(`    - clusterID: ${id}`, `      context: ${id}`, '      labels:')
    lines.push(`        topology.liqo.io/region: ${region(i)}`)
    lines.push(`        provider: ${PROVIDERS[Math.floor(i / 10) % PROVIDERS.length]}`)
    lines.push(`        tier: ${TIERS[Math.floor(i / 3) % TIERS.length]}`)
    lines.push(`        cores: "${CORES[Math.floor(i / 7) % CORES.length]}"`)
    if (i % 5 === 2) lines.push('        gpu: nvidia')
    if (i % 10 === 9) lines.push('        staging: "true"')
    // A few clusters with two virtual nodes (same labels: they agree), one with a namespace of its own.
    if (i % 25 === 24) {
      lines.push('      virtualNodes:')
      for (const n of ['a', 'b']) {
        lines.push(
          `        - name: ${id}-${n}`,
          '          labels:',
          `            topology.liqo.io/region: ${region(i)}`,
          `            provider: ${PROVIDERS[Math.floor(i / 10) % PROVIDERS.length]}`,
          `            tier: ${TIERS[Math.floor(i / 3) % TIERS.length]}`,
          `            cores: "${CORES[Math.floor(i / 7) % CORES.length]}"`,
        )
      }
    }
    if (i % 50 === 7) lines.push('      namespaces: [legacy-billing, kube-public]')
  }
  return lines.join('\n') + '\n'
}

/** The clusterSelector of policy `i`, as YAML lines under `spec:` (indented by 2). */
function selector(i: number, r: () => number, clusters: number): string[] {
  const reg = region(Math.floor(r() * REGIONS.length))
  const other = region(Math.floor(r() * REGIONS.length) + 1)
  const c1 = clusterID(Math.floor(r() * clusters))
  const c2 = clusterID(Math.floor(r() * clusters))
  const form = i % 16
  const strings = (...s: string[]): string[] => ['  clusterSelector:', ...s.map((x) => `    - ${JSON.stringify(x)}`)]
  const terms = (...t: string[][]): string[] => [
    '  clusterSelector:',
    '    nodeSelectorTerms:',
    ...t.flatMap((lines) => lines.map((l, k) => (k === 0 ? `      - ${l}` : `        ${l}`))),
  ]
  switch (form) {
    case 0:
      // No selector: every remote (rare in a large fleet: about 1 policy in 80).
      return i % 80 === 0 ? [] : strings(`topology.liqo.io/region=${reg}`)
    case 1:
      return strings(`topology.liqo.io/region=${reg}`)
    case 2:
      return strings(`topology.liqo.io/region==${reg}`)
    case 3:
      return strings(`topology.liqo.io/region in (${reg})`)
    case 4:
      return strings(`topology.liqo.io/region in (${reg},${other}), tier notin (bronze)`)
    case 5:
      return strings(`gpu, topology.liqo.io/region in (${reg},${other},north)`)
    case 6:
      return strings(`!staging, provider=aws, topology.liqo.io/region=${reg}`)
    case 7:
      return strings(`topology.liqo.io/region=${reg}, tier=gold`, `topology.liqo.io/region=${other}, tier=gold`)
    case 8:
      return terms([
        'matchExpressions:',
        `  - {key: topology.liqo.io/region, operator: In, values: [${reg}]}`,
        '  - {key: cores, operator: Gt, values: ["15"]}',
      ])
    case 9:
      return terms([
        'matchExpressions:',
        `  - {key: topology.liqo.io/region, operator: NotIn, values: [${REGIONS.filter((x) => x !== reg && x !== other).join(', ')}]}`,
      ])
    case 10:
      // Kubernetes takes one node name per matchFields requirement: two terms, ORed.
      return terms(
        ['matchFields:', `  - {key: metadata.name, operator: In, values: [${c1}]}`],
        ['matchFields:', `  - {key: metadata.name, operator: In, values: [${c2}]}`],
      )
    case 11:
      return terms(
        ['matchExpressions:', `  - {key: topology.liqo.io/region, operator: In, values: [${reg}]}`, '  - {key: staging, operator: DoesNotExist}'],
        ['matchExpressions:', '  - {key: gpu, operator: Exists}', '  - {key: cores, operator: Lt, values: ["20"]}'],
      )
    case 12:
      return terms([
        'matchExpressions:',
        `  - {key: provider, operator: In, values: [${PROVIDERS[i % PROVIDERS.length]}]}`,
        `  - {key: topology.liqo.io/region, operator: In, values: [${reg}, ${other}]}`,
        '  - {key: tier, operator: NotIn, values: [bronze, silver]}',
      ])
    case 13:
      // Selects nothing now (a region to come): phase NoClusterSelected.
      return i % 64 === 13 ? strings('topology.liqo.io/region=moon') : strings(`topology.liqo.io/region=${reg}, provider notin (onprem)`)
    case 14:
      return strings(`topology.liqo.io/region=${reg}`, `topology.liqo.io/region=${other}, !gpu`)
    default:
      return strings(`tier in (gold, silver), topology.liqo.io/region=${reg}`)
  }
}

const MAPPING = ['DefaultName', 'EnforceSameName', 'DefaultName', 'SelectedName', 'DefaultName'] as const
const POD = ['LocalAndRemote', 'Remote', 'Local', 'LocalAndRemote'] as const

function policy(i: number, r: () => number, clusters: number, workloads: boolean): string {
  const ns = `team-${pad(i, 5)}`
  const given = MAPPING[i % MAPPING.length] ?? 'DefaultName'
  // Some policies leave the strategy out (DefaultName by default).
  const mapping = given === 'SelectedName' || i % 7 !== 3 ? given : undefined
  const pod = POD[i % POD.length] ?? 'LocalAndRemote'
  const sel = selector(i, r, clusters)
  if (i % 20 === 10) {
    // The form liqoctl --output yaml writes (NodeSelector terms only).
    const terms =
      sel.length === 0 || sel[1]?.includes('nodeSelectorTerms')
        ? sel
        : [
            '  clusterSelector:',
            '    nodeSelectorTerms:',
            '      - matchExpressions:',
            `          - {key: topology.liqo.io/region, operator: In, values: [${region(i)}]}`,
          ]
    return [
      `# liqoctl offload namespace ${ns} --output yaml`,
      'apiVersion: offloading.liqo.io/v1beta1',
      'kind: NamespaceOffloading',
      'metadata:',
      '  name: offloading',
      `  namespace: ${ns}`,
      'spec:',
      ...terms,
      `  namespaceMappingStrategy: ${mapping ?? 'DefaultName'}`,
      `  podOffloadingStrategy: ${pod}`,
      ...(mapping === 'SelectedName' ? [`  remoteNamespaceName: ${ns}-remote`] : []),
      '',
    ].join('\n')
  }
  if (i % 160 === 40) {
    // Liqo's quick offloading: every default.
    return ['apiVersion: nsoffload.dev/v1alpha1', 'kind: OffloadingPolicy', 'metadata:', `  name: ${ns}`, 'spec: {}', ''].join('\n')
  }
  const lines = [`# Offloading policy of ${ns}.`, 'apiVersion: nsoffload.dev/v1alpha1', 'kind: OffloadingPolicy', 'metadata:', `  name: ${ns}`, 'spec:']
  if (mapping !== undefined) lines.push(`  namespaceMappingStrategy: ${mapping}`)
  if (mapping === 'SelectedName') lines.push(`  remoteNamespaceName: ${ns}-r${pad(i % 97, 2)}`)
  if (i % 5 !== 4) lines.push(`  podOffloadingStrategy: ${pod}`)
  lines.push(...sel)
  if (i % 3 === 0) {
    lines.push('  namespace:', '    labels:', `      team: t${i % 40}`, `      cost-center: "${1000 + (i % 300)}"`)
    if (i % 6 === 0) lines.push('    annotations:', `      owner: team-${i % 40}@example.com`, '      description: "A namespace: offloaded by policy"')
  }
  if (workloads) lines.push('  workloads:', `    - ../apps/${ns}.yaml`)
  return lines.join('\n') + '\n'
}

function deployment(ns: string, i: number): string {
  return [
    'apiVersion: apps/v1',
    'kind: Deployment',
    'metadata:',
    `  name: api-${i}`,
    `  namespace: ${ns}`,
    'spec:',
    '  replicas: 2',
    '  selector:',
    '    matchLabels:',
    `      app: api-${i}`,
    '  template:',
    '    metadata:',
    '      labels:',
    `        app: api-${i}`,
    '    spec:',
    '      containers:',
    '        - name: api',
    '          image: registry.example.com/api:1.2.3',
    '',
  ].join('\n')
}

/** The fleet's files: `inventory.yaml`, `policies/<ns>.yaml`, and `apps/<ns>.yaml` for one policy in a hundred. */
export function generateFleet(opts: FleetOptions): Fleet {
  const home = opts.home ?? 'milan'
  const files = new Map<string, string>()
  files.set('inventory.yaml', inventory(opts, home))
  const r = rng(0x5eed)
  for (let i = 0; i < opts.policies; i++) {
    const ns = `team-${pad(i, 5)}`
    const workloads = i % 100 === 51
    files.set(`policies/${ns}.yaml`, policy(i, r, opts.clusters, workloads))
    if (workloads) files.set(`apps/${ns}.yaml`, deployment(ns, i))
  }
  return { files, policies: opts.policies, clusters: opts.clusters }
}

/** Writes a fleet below `dir` (which should be empty or missing). */
export function writeFleet(fleet: Fleet, dir: string): void {
  const made = new Set<string>()
  for (const [rel, content] of fleet.files) {
    const abs = path.join(dir, rel)
    const parent = path.dirname(abs)
    if (!made.has(parent)) {
      fs.mkdirSync(parent, { recursive: true })
      made.add(parent)
    }
    fs.writeFileSync(abs, content)
  }
}

// `node --import tsx bench/fleet.ts DIR [POLICIES] [CLUSTERS]`: writes a fleet to profile with
// (e.g. `cd DIR && node --cpu-prof ../bin/nsoffload.js build -o out`).
if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  const [dir, policies = '5000', clusters = '100'] = process.argv.slice(2)
  if (!dir) throw new Error('usage: node --import tsx bench/fleet.ts DIR [POLICIES] [CLUSTERS]')
  writeFleet(generateFleet({ policies: Number(policies), clusters: Number(clusters) }), dir)
  process.stderr.write(`wrote ${policies} policies × ${clusters} clusters to ${dir}\n`)
}
