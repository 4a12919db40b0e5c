import * as fs from 'node:fs'
import * as path from 'node:path'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { CONDITIONS } from '../../src/model/liqo.ts'
import type { NamespaceOffloadingStatus } from '../../src/model/liqo.ts'
import { DIFF_MARKER, diffMarkdown, SYNC_MARKER, syncMarkdown } from '../../src/report/change-markdown.ts'
import type { DiffReport, ObjectChange, SyncReport } from '../../src/report/change-report.ts'
import { code, text } from '../../src/report/markdown.ts'
import { PLAN_MARKER, planFailedMarkdown } from '../../src/report/plan-markdown.ts'
import { REPO, runCli, runMemory } from '../helpers/cli.ts'
import { gfmProblems } from '../helpers/gfm.ts'
import { inventoryYaml, region } from '../helpers/inventory.ts'

/**
 * The Markdown formats (`plan`, `diff`, `sync --format markdown`) as GitHub renders a pull
 * request comment: size limit, tables, fences, only harmless HTML, user text escaped.
 */

const noProblems = (md: string): void => {
  const p = gfmProblems(md)
  assert.ok(p.length === 0, `${p.join('\n')}\n---\n${md}`)
}

/** The content of the fenced blocks of a Markdown text. */
function fencedBlocks(md: string): string[] {
  const out: string[] = []
  const lines = md.split('\n')
  for (let i = 0; i < lines.length; i++) {
    const open = /^(`{3,})(\w*)$/.exec(lines[i] ?? '')
    if (!open) continue
    const body: string[] = []
    let j = i + 1
    for (; j < lines.length && lines[j] !== open[1]; j++) body.push(lines[j] ?? '')
    out.push(body.join('\n'))
    i = j
  }
  return out
}

/** The cells of the table row whose first cell is `first`. */
function row(md: string, first: string): string[] | undefined {
  const l = md.split('\n').find((x) => x.startsWith(`| ${first} |`))
  return l
    ?.slice(2, -2)
    .split(/(?<!\\)\|/)
    .map((c) => c.trim())
}

// ---------------------------------------------------------------- plan

const GOLDEN = path.join(REPO, 'fixtures', 'golden')
for (const name of fs.readdirSync(GOLDEN).sort()) {
  const dir = path.join(GOLDEN, name)
  if (!fs.statSync(dir).isDirectory()) continue
  const cfg = path.join(dir, 'case.json')
  const cwd = fs.existsSync(cfg) ? path.resolve(dir, (JSON.parse(fs.readFileSync(cfg, 'utf8')) as { cwd?: string }).cwd ?? '.') : dir
  test(`plan --format markdown (${name}): valid GitHub Markdown that says what plan --format json says`, async () => {
    const r = await runCli(['plan', '--format', 'markdown'], cwd)
    assert.is(r.code, 0, r.stderr)
    noProblems(r.stdout)
    assert.ok(r.stdout.startsWith(`${PLAN_MARKER}\n`))
    const doc = JSON.parse((await runCli(['plan', '--format', 'json'], cwd)).stdout) as {
      namespaces: {
        namespace: string
        remoteNamespaceName: string
        status: { offloadingPhase: string }
        clusters: { clusterID: string; selected: boolean }[]
      }[]
      diagnostics: { code: string; severity: string }[]
    }
    for (const ns of doc.namespaces) {
      const cells = row(r.stdout, code(ns.namespace))
      assert.ok(cells, `a row for ${ns.namespace}`)
      assert.ok(cells[1]?.endsWith(ns.status.offloadingPhase), `phase of ${ns.namespace}: ${cells[1]}`)
      assert.is(cells[2], code(ns.remoteNamespaceName))
      for (const c of ns.clusters) assert.match(r.stdout, new RegExp(`\\| ${code(c.clusterID).replace(/[`]/g, '`')} \\| ${c.selected ? 'yes' : 'no'} \\|`))
    }
    for (const d of doc.diagnostics.filter((x) => x.severity !== 'info')) assert.match(r.stdout, new RegExp(`\\*\\*${d.code}\\*\\*`))
  })
}

const INVENTORY = inventoryYaml({ remotes: [{ clusterID: 'naples', labels: region('south'), namespaces: ['legacy-app'] }] })
const HOSTILE_FILE = 'policies/a|b <i>*x*`y`.yaml'

test('plan --format markdown: a file name with | < > * ` cannot break the table or open HTML', async () => {
  const r = await runMemory(
    {
      'inventory.yaml': INVENTORY,
      [HOSTILE_FILE]:
        'apiVersion: nsoffload.dev/v1alpha1\nkind: OffloadingPolicy\nmetadata:\n  name: legacy-app\nspec:\n  namespaceMappingStrategy: EnforceSameName\n',
    },
    ['plan', '--format', 'markdown'],
  )
  assert.is(r.code, 0, r.stderr)
  noProblems(r.stdout)
  assert.ok(r.stdout.includes(code(HOSTILE_FILE, false)), 'the file name, verbatim, in a code span')
  assert.match(r.stdout, /\*\*NSO4003\*\*/, 'the warning is listed')
  assert.match(r.stdout, /\| ❌ CreationLoopBackOff \|/, 'the predicted failure is in the cluster column')
})

test('plan --format markdown on invalid input: exit 1 and a comment listing the errors', async () => {
  const r = await runMemory(
    {
      'inventory.yaml': INVENTORY,
      'policies/web.yaml': 'apiVersion: nsoffload.dev/v1alpha1\nkind: OffloadingPolicy\nmetadata:\n  name: web\nspec:\n  podOffloadingStrategy: Remotee\n',
    },
    ['plan', '--format', 'markdown'],
  )
  assert.is(r.code, 1)
  noProblems(r.stdout)
  assert.match(r.stdout, /No plan: the input is invalid/)
  assert.match(r.stdout, /`policies\/web\.yaml:6:26` \*\*NSO2004\*\*/)
})

/** A fleet: `n` namespaces of `w` workloads each, every third one unschedulable for the same reason, over four remotes. */
function fleet(n: number, w: number): Map<string, string> {
  const files = new Map<string, string>([
    [
      'inventory.yaml',
      inventoryYaml({
        name: 'eu',
        home: 'home',
        homeNodes: [{ name: 'home-1', labels: region('north') }],
        remotes: ['east', 'west', 'south', 'center'].map((r) => ({ clusterID: r, labels: region(r) })),
      }),
    ],
  ])
  for (let i = 0; i < n; i++) {
    const ns = `team-${String(i).padStart(3, '0')}`
    files.set(
      `policies/${ns}.yaml`,
      `apiVersion: nsoffload.dev/v1alpha1\nkind: OffloadingPolicy\nmetadata: {name: ${ns}}\nspec:\n  podOffloadingStrategy: Remote\n  clusterSelector: [topology.liqo.io/region=south]\n  workloads: [../apps/${ns}/]\n`,
    )
    const docs = Array.from({ length: w }, (_, j) => {
      const affinity =
        j % 3 === 0
          ? ', affinity: {nodeAffinity: {requiredDuringSchedulingIgnoredDuringExecution: {nodeSelectorTerms: [{matchExpressions: [{key: topology.liqo.io/region, operator: In, values: [east]}]}]}}}'
          : ''
      return `apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: service-${String(j).padStart(3, '0')}-with-a-longer-name}\nspec:\n  selector: {matchLabels: {app: s${j}}}\n  template:\n    metadata: {labels: {app: s${j}}}\n    spec: {containers: [{name: app, image: nginx}]${affinity}}\n`
    })
    files.set(`apps/${ns}/deploy.yaml`, docs.join('---\n'))
  }
  return files
}

test('plan markdown: one line per workload, the reason a workload fits nowhere said once per namespace', async () => {
  const r = await runMemory(fleet(2, 9), ['plan', '--format', 'markdown'])
  assert.is(r.code, 0, r.stderr)
  noProblems(r.stdout)
  const lines = r.stdout.split('\n')
  for (const ns of ['team-000', 'team-001'])
    for (let j = 0; j < 9; j++)
      assert.ok(
        lines.some((l) => l.startsWith(`- \`Deployment/service-00${j}-with-a-longer-name\``)),
        `${ns} service ${j}`,
      )
  assert.is(lines.filter((l) => l.endsWith('❌ **unschedulable** (reason 1)')).length, 6, 'three per namespace')
  assert.is(lines.filter((l) => l.startsWith('Reason 1: ')).length, 2, 'the reason said once per namespace')
  assert.not.match(r.stdout, /Left out/)
})

for (const [n, w] of [
  [10, 92],
  [60, 120],
] as const) {
  test(`plan markdown stays under GitHub's limit at any size (${n} namespaces × ${w} workloads), saying what it left out and where the whole is`, async () => {
    const files = fleet(n, w)
    const r = await runMemory(files, ['plan', '--format', 'markdown'])
    assert.is(r.code, 0, r.stderr)
    noProblems(r.stdout)
    assert.ok(r.stdout.length <= 65536, `${r.stdout.length} characters`)
    const json = JSON.parse((await runMemory(files, ['plan', '--format', 'json'])).stdout) as { namespaces: { namespace: string }[]; diagnostics: unknown[] }
    for (const ns of json.namespaces) assert.ok(r.stdout.includes(`| ${code(ns.namespace)} |`), `a row for ${ns.namespace}`)
    const sections = r.stdout.split('\n').filter((l) => l === '<details>').length
    const note = /_Left out to stay under GitHub's comment limit: (.*)\. `nsoffload plan --format json` has the whole plan/.exec(r.stdout)
    if (sections < n) {
      assert.ok(note, 'a note says what was left out')
      assert.match(note?.[1] ?? '', new RegExp(`the details of ${n - sections} namespaces`))
    } else assert.not.ok(note)
    const items = r.stdout.split('\n').filter((l) => l.startsWith('- ⚠️ ')).length
    if (items < json.diagnostics.length) assert.match(note?.[1] ?? '', new RegExp(`${json.diagnostics.length - items} findings`))
  })
}

test('plan markdown on invalid input stays under the limit too, counting the findings left out', () => {
  const ds = Array.from({ length: 3000 }, (_, i) => ({
    code: 'NSO2004' as const,
    severity: 'error' as const,
    message: `spec.podOffloadingStrategy must be one of Local, Remote, LocalAndRemote (policy ${i})`,
    file: `policies/p-${i}.yaml`,
    line: 6,
    column: 26,
    hint: 'did you mean "Remote"?',
  }))
  const md = planFailedMarkdown(ds)
  noProblems(md)
  assert.ok(md.length <= 65536, `${md.length} characters`)
  const items = md.split('\n').filter((l) => l.startsWith('- ❌ ')).length
  assert.ok(items > 100 && items < 3000, `${items} shown`)
  assert.ok(md.includes(`_${3000 - items} more findings left out`), 'counted')
  assert.is(md.split('did you mean').length - 1, 1, 'a repeated hint is said once')
})

// ---------------------------------------------------------------- diff

const change = (i: number, op: ObjectChange['op'], diff: string, extra: Partial<ObjectChange> = {}): ObjectChange => ({
  cluster: i % 2 ? 'naples' : 'venice',
  namespace: `ns-${i}`,
  op,
  object: `namespace/ns-${i}`,
  diff,
  ...extra,
})

const NASTY_DIFF = [
  '--- live/naples/namespace/liqo-demo',
  '+++ rendered/naples/namespace/liqo-demo',
  '@@ -1,4 +1,5 @@',
  ' metadata:',
  '   annotations:',
  '+    note: "```\\n</details> | <script>"',
  '+    fence: ````',
  ' ```',
  '',
].join('\n')

test('diff markdown: a table of every change, each diff verbatim in a collapsed diff block', () => {
  const report: DiffReport = {
    diffs: [change(1, 'create', NASTY_DIFF), change(2, 'update', NASTY_DIFF), change(3, 'delete', NASTY_DIFF, { needs: '--prune' })],
    findings: [
      {
        code: 'NSO5002',
        severity: 'warning',
        cluster: 'naples',
        namespace: 'ns-9',
        object: 'namespace/ns-9',
        message: 'exists and is not <managed> | by nsoffload',
      },
    ],
  }
  const md = diffMarkdown(report)
  noProblems(md)
  assert.ok(md.startsWith(`${DIFF_MARKER}\n`))
  assert.match(md, /\*\*1 to create, 1 to change, 1 to delete\*\* on 2 clusters/)
  assert.equal(row(md, code('naples')), [code('naples'), code('namespace/ns-1'), '➕ create', '–'])
  assert.equal(row(md, code('venice')), [code('venice'), code('namespace/ns-2'), '✏️ change', '–'])
  assert.ok(md.includes(`| ${code('naples')} | ${code('namespace/ns-3')} | ➖ delete | needs ${code('--prune')} |`))
  const blocks = fencedBlocks(md)
  assert.is(blocks.length, 3)
  for (const b of blocks) assert.is(b + '\n', NASTY_DIFF, 'the diff survives byte for byte')
  assert.ok(md.includes(text('exists and is not <managed> | by nsoffload')), 'findings are escaped')
  assert.ok(md.includes('NSO5002'), 'findings show their code')
})

test('diff markdown: no differences says so', () => {
  const md = diffMarkdown({ diffs: [], findings: [] })
  noProblems(md)
  assert.match(md, /\*\*No differences\*\*/)
})

test('diff markdown: diffs that do not fit in a GitHub comment are left out with a note; the table keeps every object', () => {
  const big = Array.from({ length: 300 }, (_, i) => change(i, 'update', `@@ -1 +1 @@\n-${'a'.repeat(400)}\n+${'b'.repeat(400)}\n`))
  const md = diffMarkdown({ diffs: big, findings: [] })
  noProblems(md)
  assert.ok(md.length <= 65536, `${md.length} characters`)
  for (let i = 0; i < 300; i++) assert.ok(md.includes(`| ${code(`namespace/ns-${i}`)} |`), `row ${i}`)
  const shown = fencedBlocks(md).length
  assert.ok(shown > 10 && shown < 300, `${shown} diffs shown`)
  assert.ok(md.includes(`_${300 - shown} diffs not shown`), 'the note counts what was left out')
})

// ---------------------------------------------------------------- sync

const status = (
  phase: NamespaceOffloadingStatus['offloadingPhase'],
  conds: NamespaceOffloadingStatus['remoteNamespacesConditions'],
): NamespaceOffloadingStatus => ({
  offloadingPhase: phase,
  remoteNamespaceName: 'x',
  observedGeneration: 1,
  ...(conds ? { remoteNamespacesConditions: conds } : {}),
})

const SYNC: SyncReport = {
  dryRun: false,
  clusters: ['florence', 'naples'],
  namespaces: [
    {
      namespace: 'liqo-demo',
      remoteNamespaceName: 'liqo-demo',
      status: status('SomeFailed', {
        florence: [CONDITIONS.clusterSelected, CONDITIONS.namespaceCreated],
        naples: [CONDITIONS.clusterSelected, CONDITIONS.creationLoopBackOff],
      }),
    },
    {
      namespace: 'quiet',
      remoteNamespaceName: 'quiet-venice',
      status: status('NoClusterSelected', { florence: [CONDITIONS.clusterNotSelected], naples: [CONDITIONS.clusterNotSelected] }),
    },
    { namespace: 'new', remoteNamespaceName: 'new-venice', status: status('InProgress', { florence: [CONDITIONS.clusterSelected, CONDITIONS.creating] }) },
  ],
  changes: [
    { cluster: 'venice', namespace: 'liqo-demo', op: 'create', object: 'namespace/liqo-demo', ok: true },
    {
      cluster: 'naples',
      namespace: 'liqo-demo',
      op: 'create',
      object: 'namespace/liqo-demo',
      ok: false,
      error: 'namespaces "liqo-demo" already exists | conflict',
    },
  ],
  findings: [
    {
      code: 'NSO5003',
      severity: 'error',
      cluster: 'naples',
      namespace: 'liqo-demo',
      object: 'namespace/liqo-demo',
      message: 'not owned by nsoffload',
      blocking: false,
    },
  ],
}

test("sync markdown: per namespace its phase and each cluster's readiness, the changes and their result", () => {
  const md = syncMarkdown(SYNC)
  noProblems(md)
  assert.ok(md.startsWith(`${SYNC_MARKER}\n### nsoffload sync\n`))
  assert.match(md, /\*\*3 namespaces\*\*: 1 SomeFailed, 1 NoClusterSelected, 1 InProgress · 2 changes applied, \*\*1 failed\*\*/)
  assert.equal(row(md, code('liqo-demo')), [code('liqo-demo'), '⚠️ SomeFailed', code('liqo-demo'), '✅ Ready', '❌ CreationLoopBackOff'])
  assert.equal(row(md, code('quiet')), [code('quiet'), '⚪ NoClusterSelected', code('quiet-venice'), '–', '–'])
  assert.equal(row(md, code('new')), [code('new'), '⏳ InProgress', code('new-venice'), '⏳ Creating', '–'])
  assert.ok(md.includes(`| ${code('naples')} | ${code('namespace/liqo-demo')} | ➕ create | ❌ ${text('namespaces "liqo-demo" already exists | conflict')} |`))
  assert.match(md, /- ❌ NSO5003 `naples` `namespace\/liqo-demo`: not owned by nsoffload/)
})

test('sync markdown: a dry run says so, and the formatters are pure', () => {
  const dry = { ...SYNC, dryRun: true, changes: SYNC.changes.map((c) => ({ ...c, ok: true })), timedOut: true }
  const md = syncMarkdown(dry)
  noProblems(md)
  assert.match(md, /^### nsoffload sync \(dry run\)$/m)
  assert.match(md, /2 changes to make · ⏳ \*\*timed out waiting\*\*/)
  assert.match(md, /\| dry run \|/)
  assert.is(syncMarkdown(structuredClone(dry)), md)
  assert.is(diffMarkdown({ diffs: [change(1, 'create', NASTY_DIFF)], findings: [] }), diffMarkdown({ diffs: [change(1, 'create', NASTY_DIFF)], findings: [] }))
})

test('the GFM checker itself catches what GitHub would render wrong', () => {
  assert.ok(gfmProblems('text\n| a | b |\n|---|---|\n| 1 |\n').length >= 2, 'no blank line, short row')
  assert.ok(gfmProblems('```\nopen\n').length > 0, 'unclosed fence')
  assert.ok(gfmProblems('<script>x</script>\n').length > 0, 'raw HTML')
  assert.ok(gfmProblems('<details>\n<summary>s</summary>\nbody\n</details>\n').length > 0, 'no blank line after summary')
  assert.ok(gfmProblems('| a | b |\n|---|---|\n| x | y \\| z |\n').length === 0, 'an escaped pipe stays in its cell')
  assert.ok(gfmProblems('x'.repeat(70000)).length > 0, 'too long')
})

test.run()
