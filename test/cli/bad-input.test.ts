import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { runMemory, source } from '../helpers/cli.ts'

/**
 * Malformed and hostile inputs. Every one: exit 1, a diagnostic with code, file, line and
 * column, no stack trace, and nothing written (no output folder, no other file). The inputs
 * are files in memory (`runMemory`): what is on the disk is tested in build-output and
 * policy-inputs.
 */

const INVENTORY = source`
  apiVersion: nsoffload.dev/v1alpha1
  kind: ClusterInventory
  metadata:
    name: italy
  spec:
    home:
      clusterID: venice
    remotes:
      - clusterID: florence
        labels: {topology.liqo.io/region: center}
      - clusterID: naples
        labels: {topology.liqo.io/region: south}
        namespaces: [legacy-app]
`

const policy = (name: string, spec: string): string =>
  `apiVersion: nsoffload.dev/v1alpha1\nkind: OffloadingPolicy\nmetadata:\n  name: ${name}\nspec:\n${spec
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => '  ' + l)
    .join('\n')}\n`

interface Case {
  readonly name: string
  readonly files: Record<string, string | Uint8Array>
  readonly args?: string[]
  /** `file:line:col: error CODE` expected in the output. */
  readonly expect: [file: string, line: number, column: number, code: string]
}

const aliasBomb = ['a: &a ["x","x","x","x","x","x","x","x","x","x"]']
for (const [n, prev] of [
  ['b', 'a'],
  ['c', 'b'],
  ['d', 'c'],
  ['e', 'd'],
] as const) {
  aliasBomb.push(
    `${n}: &${n} [${Array(10)
      .fill('*' + prev)
      .join(',')}]`,
  )
}

const cases: Case[] = [
  {
    name: 'YAML syntax error (unclosed flow sequence)',
    files: { 'policies/a.yaml': 'apiVersion: [nsoffload\nkind: x\n' },
    expect: ['policies/a.yaml', 2, 1, 'NSO1001'],
  },
  {
    name: 'YAML syntax error (bad indentation)',
    files: { 'policies/a.yaml': 'metadata:\n  name: a\n bad: 1\n' },
    expect: ['policies/a.yaml', 3, 1, 'NSO1001'],
  },
  {
    name: 'duplicate key',
    files: { 'policies/a.yaml': policy('a', 'podOffloadingStrategy: Local\npodOffloadingStrategy: Remote') },
    expect: ['policies/a.yaml', 7, 3, 'NSO1002'],
  },
  { name: 'tab indentation', files: { 'policies/a.yaml': 'metadata:\n\tname: a\n' }, expect: ['policies/a.yaml', 2, 1, 'NSO1003'] },
  { name: 'alias bomb', files: { 'policies/a.yaml': aliasBomb.join('\n') + '\n' }, expect: ['policies/a.yaml', 1, 1, 'NSO1004'] },
  {
    name: 'binary garbage',
    files: { 'policies/a.yaml': new Uint8Array([0x7f, 0x45, 0x4c, 0x46, 0x02, 0x01, 0x00, 0x00, 0xff]) },
    expect: ['policies/a.yaml', 1, 7, 'NSO1005'],
  },
  { name: 'a NUL byte in a YAML file', files: { 'policies/a.yaml': 'apiVersion: v1\nkind: x\0\n' }, expect: ['policies/a.yaml', 2, 8, 'NSO1005'] },
  { name: 'invalid UTF-8', files: { 'policies/a.yaml': new Uint8Array([0x6b, 0x3a, 0x20, 0xc3, 0x28, 0x0a]) }, expect: ['policies/a.yaml', 1, 4, 'NSO1005'] },
  {
    name: 'a list instead of a mapping',
    files: { 'policies/a.yaml': '- apiVersion: nsoffload.dev/v1alpha1\n- kind: OffloadingPolicy\n' },
    expect: ['policies/a.yaml', 1, 1, 'NSO1006'],
  },
  { name: 'a scalar document', files: { 'policies/a.yaml': '---\njust a string\n' }, expect: ['policies/a.yaml', 2, 1, 'NSO1006'] },
  {
    name: 'wrong kind (typo)',
    files: { 'policies/a.yaml': policy('a', '{}').replace('kind: OffloadingPolicy', 'kind: OffloadingPolicyy') },
    expect: ['policies/a.yaml', 2, 7, 'NSO1007'],
  },
  {
    name: 'wrong apiVersion',
    files: { 'policies/a.yaml': policy('a', '{}').replace('nsoffload.dev/v1alpha1', 'nsoffload.dev/v1') },
    expect: ['policies/a.yaml', 1, 13, 'NSO1007'],
  },
  {
    name: 'a Deployment among the policies',
    files: { 'policies/a.yaml': 'apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: x}\n' },
    expect: ['policies/a.yaml', 2, 7, 'NSO1007'],
  },
  { name: 'unknown field in spec', files: { 'policies/a.yaml': policy('a', 'clusterSelecter: ["a=b"]') }, expect: ['policies/a.yaml', 6, 3, 'NSO2003'] },
  { name: 'unknown top-level field', files: { 'policies/a.yaml': policy('a', '{}') + 'extra: 1\n' }, expect: ['policies/a.yaml', 7, 1, 'NSO2003'] },
  {
    name: 'enum typo in podOffloadingStrategy',
    files: { 'policies/a.yaml': policy('a', 'podOffloadingStrategy: LocalAndRemot') },
    expect: ['policies/a.yaml', 6, 26, 'NSO2004'],
  },
  {
    name: 'enum typo in namespaceMappingStrategy',
    files: { 'policies/a.yaml': policy('a', 'namespaceMappingStrategy: enforceSameName') },
    expect: ['policies/a.yaml', 6, 29, 'NSO2004'],
  },
  {
    name: 'missing metadata.name',
    files: { 'policies/a.yaml': 'apiVersion: nsoffload.dev/v1alpha1\nkind: OffloadingPolicy\nmetadata:\n  labels: {}\nspec: {}\n' },
    expect: ['policies/a.yaml', 4, 3, 'NSO2002'],
  },
  {
    name: 'missing spec',
    files: { 'policies/a.yaml': 'apiVersion: nsoffload.dev/v1alpha1\nkind: OffloadingPolicy\nmetadata:\n  name: a\n' },
    expect: ['policies/a.yaml', 1, 1, 'NSO2002'],
  },
  {
    name: 'clusterSelector a string, not a list',
    files: { 'policies/a.yaml': policy('a', 'clusterSelector: region=south') },
    expect: ['policies/a.yaml', 6, 20, 'NSO2008'],
  },
  {
    name: 'clusterSelector of the wrong type',
    files: { 'policies/a.yaml': policy('a', 'clusterSelector: 42') },
    expect: ['policies/a.yaml', 6, 20, 'NSO2001'],
  },
  {
    name: 'label value that YAML reads as a boolean',
    files: { 'policies/a.yaml': policy('a', 'namespace:\n  labels:\n    enabled: yes') },
    expect: ['policies/a.yaml', 8, 16, 'NSO2001'],
  },
  { name: 'name with ..', files: { 'policies/a.yaml': policy('../../etc', '{}') }, expect: ['policies/a.yaml', 4, 9, 'NSO3003'] },
  { name: 'name with /', files: { 'policies/a.yaml': policy('team/app', '{}') }, expect: ['policies/a.yaml', 4, 9, 'NSO3003'] },
  { name: 'uppercase name', files: { 'policies/a.yaml': policy('LiqoDemo', '{}') }, expect: ['policies/a.yaml', 4, 9, 'NSO3003'] },
  { name: 'over-long name', files: { 'policies/a.yaml': policy('a'.repeat(64), '{}') }, expect: ['policies/a.yaml', 4, 9, 'NSO3003'] },
  {
    name: 'selector with !=',
    files: { 'policies/a.yaml': policy('a', 'clusterSelector:\n  - "region!=south"') },
    expect: ['policies/a.yaml', 7, 7, 'NSO3006'],
  },
  { name: 'selector with >', files: { 'policies/a.yaml': policy('a', 'clusterSelector:\n  - "cpus>4"') }, expect: ['policies/a.yaml', 7, 7, 'NSO3006'] },
  {
    name: 'broken selector syntax',
    files: { 'policies/a.yaml': policy('a', 'clusterSelector:\n  - ok=1\n  - "region in (south"') },
    expect: ['policies/a.yaml', 8, 7, 'NSO3005'],
  },
  {
    name: 'NodeSelector with an unknown operator',
    files: {
      'policies/a.yaml': policy('a', 'clusterSelector:\n  nodeSelectorTerms:\n  - matchExpressions:\n    - {key: region, operator: Equals, values: [south]}'),
    },
    expect: ['policies/a.yaml', 9, 33, 'NSO3007'],
  },
  {
    name: 'Exists with values',
    files: {
      'policies/a.yaml': policy('a', 'clusterSelector:\n  nodeSelectorTerms:\n  - matchExpressions:\n    - {key: region, operator: Exists, values: [south]}'),
    },
    expect: ['policies/a.yaml', 9, 49, 'NSO3008'],
  },
  {
    name: 'In without values',
    files: { 'policies/a.yaml': policy('a', 'clusterSelector:\n  nodeSelectorTerms:\n  - matchExpressions:\n    - key: region\n      operator: In') },
    expect: ['policies/a.yaml', 9, 9, 'NSO3008'],
  },
  {
    name: 'Gt with a non-integer',
    files: { 'policies/a.yaml': policy('a', 'clusterSelector:\n  nodeSelectorTerms:\n  - matchExpressions:\n    - {key: cpus, operator: Gt, values: [four]}') },
    expect: ['policies/a.yaml', 9, 44, 'NSO3008'],
  },
  {
    name: 'matchFields on another field',
    files: { 'policies/a.yaml': policy('a', 'clusterSelector:\n  nodeSelectorTerms:\n  - matchFields:\n    - {key: metadata.uid, operator: In, values: [x]}') },
    expect: ['policies/a.yaml', 9, 15, 'NSO3010'],
  },
  {
    name: 'SelectedName without remoteNamespaceName',
    files: { 'policies/a.yaml': policy('a', 'namespaceMappingStrategy: SelectedName') },
    expect: ['policies/a.yaml', 6, 29, 'NSO3001'],
  },
  {
    name: 'remoteNamespaceName without SelectedName',
    files: { 'policies/a.yaml': policy('a', 'remoteNamespaceName: other') },
    expect: ['policies/a.yaml', 6, 24, 'NSO3002'],
  },
  {
    name: 'namespace defined twice',
    files: { 'policies/a.yaml': policy('dup', '{}'), 'policies/b.yaml': '# second\n' + policy('dup', '{}') },
    expect: ['policies/b.yaml', 5, 9, 'NSO3012'],
  },
  {
    name: 'twins on the same remote namespace',
    files: {
      'policies/a.yaml': policy('a', 'namespaceMappingStrategy: SelectedName\nremoteNamespaceName: shared'),
      'policies/b.yaml': policy('shared', 'namespaceMappingStrategy: EnforceSameName'),
    },
    expect: ['policies/b.yaml', 4, 9, 'NSO3013'],
  },
  {
    name: 'NamespaceOffloading not named offloading',
    files: {
      'policies/a.yaml': 'apiVersion: offloading.liqo.io/v1beta1\nkind: NamespaceOffloading\nmetadata:\n  name: my-offloading\n  namespace: a\nspec: {}\n',
    },
    expect: ['policies/a.yaml', 4, 9, 'NSO3014'],
  },
  {
    name: 'reserved label set by hand',
    files: { 'policies/a.yaml': policy('a', 'namespace:\n  labels:\n    app.kubernetes.io/managed-by: argocd') },
    expect: ['policies/a.yaml', 8, 7, 'NSO3019'],
  },
  {
    name: 'scheduling label "true" with strategy Local',
    files: { 'policies/a.yaml': policy('a', 'podOffloadingStrategy: Local\nnamespace:\n  labels:\n    liqo.io/scheduling-enabled: "true"') },
    expect: ['policies/a.yaml', 9, 35, 'NSO3028'],
  },
  {
    name: 'invalid label key',
    files: { 'policies/a.yaml': policy('a', 'namespace:\n  labels:\n    "bad key": x') },
    expect: ['policies/a.yaml', 8, 7, 'NSO3020'],
  },
  {
    name: "a Namespace among a policy's workloads (the policy owns it)",
    files: {
      'policies/a.yaml': policy('a', 'workloads: [../apps/a/]'),
      'apps/a/ns.yaml': 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: a\n  labels: {team: x}\n',
    },
    expect: ['apps/a/ns.yaml', 2, 7, 'NSO3060'],
  },
  {
    name: "a Namespace of another name among a policy's workloads",
    files: {
      'policies/a.yaml': policy('a', 'workloads: [../apps/a/]'),
      'apps/a/deploy.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n---\napiVersion: v1\nkind: Namespace\nmetadata:\n  name: other\n',
    },
    expect: ['apps/a/deploy.yaml', 7, 7, 'NSO3060'],
  },
  {
    name: "a workload carrying the ApplySet's part-of label",
    files: {
      'policies/a.yaml': policy('a', 'workloads: [../apps/a/]'),
      'apps/a/cm.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n  labels:\n    applyset.kubernetes.io/part-of: x\n',
    },
    expect: ['apps/a/cm.yaml', 6, 5, 'NSO3019'],
  },
  {
    name: "the ApplySet's part-of label on the policy's namespace",
    files: { 'policies/a.yaml': policy('a', 'namespace:\n  labels:\n    applyset.kubernetes.io/part-of: x') },
    expect: ['policies/a.yaml', 8, 7, 'NSO3019'],
  },
  { name: 'missing workload path', files: { 'policies/a.yaml': policy('a', 'workloads: [../apps/missing/]') }, expect: ['policies/a.yaml', 6, 15, 'NSO3018'] },
  {
    name: 'workload path leaving the repository',
    files: { '.git/HEAD': 'ref: x\n', 'policies/a.yaml': policy('a', 'workloads: [../../../../../../etc/]') },
    expect: ['policies/a.yaml', 6, 15, 'NSO3018'],
  },
  {
    name: 'inventory: duplicate cluster IDs',
    files: { 'policies/a.yaml': policy('a', '{}'), 'inventory.yaml': INVENTORY.replace('clusterID: naples', 'clusterID: florence') },
    expect: ['inventory.yaml', 11, 18, 'NSO3015'],
  },
  {
    name: 'inventory: home among the remotes',
    files: { 'policies/a.yaml': policy('a', '{}'), 'inventory.yaml': INVENTORY.replace('clusterID: naples', 'clusterID: venice') },
    expect: ['inventory.yaml', 11, 18, 'NSO3016'],
  },
  {
    name: 'inventory: no home',
    files: { 'policies/a.yaml': policy('a', '{}'), 'inventory.yaml': INVENTORY.replace('  home:\n    clusterID: venice\n', '') },
    expect: ['inventory.yaml', 6, 3, 'NSO2002'],
  },
  {
    name: 'inventory: cluster ID not DNS-1123',
    files: { 'policies/a.yaml': policy('a', '{}'), 'inventory.yaml': INVENTORY.replace('clusterID: naples', 'clusterID: Naples_1') },
    expect: ['inventory.yaml', 11, 18, 'NSO3004'],
  },
  {
    name: 'inventory: unknown field',
    files: {
      'policies/a.yaml': policy('a', '{}'),
      'inventory.yaml': INVENTORY.replace('labels: {topology.liqo.io/region: center}', 'lables: {topology.liqo.io/region: center}'),
    },
    expect: ['inventory.yaml', 10, 7, 'NSO2003'],
  },
  {
    name: 'inventory: not an inventory',
    files: { 'policies/a.yaml': policy('a', '{}'), 'inventory.yaml': policy('b', '{}') },
    expect: ['inventory.yaml', 2, 7, 'NSO1007'],
  },
  {
    name: '--strict: a twin that exists unmanaged',
    files: { 'policies/a.yaml': policy('legacy-app', 'namespaceMappingStrategy: EnforceSameName') },
    args: ['--strict'],
    expect: ['policies/a.yaml', 4, 9, 'NSO4003'],
  },
]

for (const c of cases) {
  test(c.name, async () => {
    const files = { 'inventory.yaml': INVENTORY, ...c.files }
    const r = await runMemory(files, ['build', '-o', 'out', ...(c.args ?? [])])
    const [file, line, column, code] = c.expect
    const where = `${file}:${line}:${column}: error ${code}:`
    assert.is(r.code, 1, `exit code\n${r.stderr}`)
    assert.ok(r.stderr.includes(where), `expected "${where}" in:\n${r.stderr}`)
    assert.not.match(r.stderr, /\n\s+at .+:\d+:\d+\)?\n/, 'no stack trace')
    assert.not.match(r.stderr, /internal error/)
    assert.equal(r.tree, Object.keys(files).sort(), 'nothing written')
    // The same diagnostic, as data.
    const j = await runMemory(files, ['validate', '--format', 'json', ...(c.args ?? [])])
    assert.is(j.code, 1)
    const ds = (JSON.parse(j.stdout) as { diagnostics: { code: string; file: string; line?: number; column?: number }[] }).diagnostics
    assert.ok(
      ds.some((d) => d.code === code && d.file === file && d.line === line && d.column === column),
      `json diagnostics: ${JSON.stringify(ds)}`,
    )
  })
}

test('at least 30 hostile inputs are covered', () => {
  assert.ok(cases.length >= 30)
})

test.run()
