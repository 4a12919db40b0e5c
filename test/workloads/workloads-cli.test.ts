import { spawnSync } from 'node:child_process'
import * as fs from 'node:fs'
import * as path from 'node:path'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { parse, parseAllDocuments } from 'yaml'
import { listTree, REPO, runCli, runMemory, source, tempTree } from '../helpers/cli.ts'
import { kubectlPath } from '../helpers/tools.ts'
import { inventoryYaml, region } from '../helpers/inventory.ts'

/**
 * Workloads through the CLI: the Liqo tutorial end to end (plan, build, kubectl kustomize),
 * every patched kind, pass-through, Local and `runtimeClassName: liqo`, and bad inputs.
 */

/** kubectl of the release under test (test/helpers/tools.ts), the machine's if none is built. */
const kubectl = kubectlPath()

interface PlanJson {
  namespaces: { namespace: string; workloads: { kind: string; name: string; schedulable: boolean; nodes: string[]; reasons?: string[] }[] }[]
  diagnostics: { code: string; severity: string; file: string; line: number; column: number }[]
}

const south = { key: 'topology.liqo.io/region', operator: 'In', values: ['south'] }
const center = { key: 'topology.liqo.io/region', operator: 'In', values: ['center'] }
const typeNotIn = { key: 'liqo.io/type', operator: 'NotIn', values: ['virtual-node'] }
const tol = { effect: 'NoExecute', key: 'virtual-node.liqo.io/not-allowed', operator: 'Exists' }

test('tutorial: plan --format json places app-south on naples only, app-center nowhere', async () => {
  const r = await runCli(['plan', '--format', 'json'], REPO)
  assert.is(r.code, 0, r.stderr)
  const doc = JSON.parse(r.stdout) as PlanJson
  const ws = doc.namespaces[0]?.workloads ?? []
  assert.equal(
    ws.map((w) => ({ kind: w.kind, name: w.name, schedulable: w.schedulable, nodes: w.nodes })),
    [
      { kind: 'Deployment', name: 'app-center', schedulable: false, nodes: [] },
      { kind: 'Deployment', name: 'app-south', schedulable: true, nodes: ['naples'] },
    ],
  )
  assert.equal(
    doc.diagnostics.map((d) => [d.code, d.severity, d.file, d.line, d.column]),
    [['NSO4006', 'warning', 'apps/liqo-demo/deploy.yaml', 55, 11]],
  )
})

test('tutorial: plan --strict makes the unschedulable app-center an error (exit 1)', async () => {
  const r = await runCli(['plan', '--strict'], REPO)
  assert.is(r.code, 1)
  assert.ok(r.stderr.includes('apps/liqo-demo/deploy.yaml:55:11: error NSO4006: Deployment/app-center would stay Pending'), r.stderr)
  assert.ok(r.stderr.includes('required node affinity excludes venice-control-plane, florence, naples'), r.stderr)
})

test('tutorial: build --cluster venice has both Deployments with the exact merged terms and the toleration', async () => {
  const r = await runCli(['build', '--cluster', 'venice'], REPO)
  assert.is(r.code, 0, r.stderr)
  const docs = parseAllDocuments(r.stdout).map((d) => d.toJS() as Record<string, any>)
  const deployment = (name: string) => docs.find((d) => d['kind'] === 'Deployment' && d['metadata']?.name === name)
  const podSpec = (name: string) => deployment(name)?.['spec']?.template?.spec
  assert.equal(podSpec('app-south')?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms, [
    { matchExpressions: [south, south] },
    { matchExpressions: [south, typeNotIn] },
  ])
  assert.equal(podSpec('app-center')?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms, [
    { matchExpressions: [center, south] },
    { matchExpressions: [center, typeNotIn] },
  ])
  assert.equal(podSpec('app-south')?.tolerations, [tol])
  assert.equal(podSpec('app-center')?.tolerations, [tol])
  assert.is(deployment('app-south')?.['metadata']?.namespace, 'liqo-demo', "a workload without a namespace takes the policy's")
  // The rest of the user's manifest is preserved.
  assert.equal(podSpec('app-south')?.containers, [{ image: 'nginx', name: 'nginx', ports: [{ containerPort: 80, name: 'web' }] }])
  // Remotes get no workloads.
  for (const c of ['naples', 'florence']) {
    const o = await runCli(['build', '--cluster', c], REPO)
    assert.not.ok(o.stdout.includes('kind: Deployment'))
  }
})

test('tutorial: build -o, kubectl kustomize out/venice yields the patched Deployments, byte-identical to build --cluster venice', async () => {
  const out = tempTree()
  const r = await runCli(['build', '-o', out], REPO)
  assert.is(r.code, 0, r.stderr)
  assert.ok(listTree(out).includes('venice/liqo-demo/deployment-app-south.yaml'))
  assert.ok(listTree(out).includes('venice/liqo-demo/deployment-app-center.yaml'))
  const one = await runCli(['build', '--cluster', 'venice'], REPO)
  if (kubectl === undefined) return
  const k = spawnSync(kubectl, ['kustomize', path.join(out, 'venice')], { encoding: 'utf8' })
  assert.is(k.status, 0, k.stderr)
  assert.is(k.stdout, one.stdout, `${kubectl} kustomize`)
  assert.ok(k.stdout.includes('name: app-south') && k.stdout.includes('virtual-node.liqo.io/not-allowed'))
})

test('building twice from the unpatched sources gives the same output (one toleration, not two); the sources are untouched', async () => {
  const before = fs.readFileSync(path.join(REPO, 'apps/liqo-demo/deploy.yaml'), 'utf8')
  const a = await runCli(['build', '--cluster', 'venice'], REPO)
  const b = await runCli(['build', '--cluster', 'venice'], REPO)
  assert.is(a.stdout, b.stdout)
  assert.is(a.stdout.split('virtual-node.liqo.io/not-allowed').length - 1, 2, 'one toleration per Deployment')
  assert.is(fs.readFileSync(path.join(REPO, 'apps/liqo-demo/deploy.yaml'), 'utf8'), before)
})

// A small project for the other cases.
const INVENTORY = inventoryYaml({
  homeNodes: [{ name: 'venice-1', labels: region('north') }],
  remotes: [
    { clusterID: 'florence', labels: region('center') },
    { clusterID: 'naples', labels: region('south') },
  ],
})
const policy = (ns: string, strategy: string, workloads = '[../apps/]'): string =>
  `apiVersion: nsoffload.dev/v1alpha1\nkind: OffloadingPolicy\nmetadata:\n  name: ${ns}\nspec:\n  podOffloadingStrategy: ${strategy}\n  clusterSelector: ["topology.liqo.io/region=south"]\n  workloads: ${workloads}\n`

const podSpec = 'containers: [{name: c, image: nginx}]'
const ALL_KINDS = source`
  apiVersion: v1
  kind: Pod
  metadata: {name: a-pod}
  spec: {${podSpec}}
  ---
  apiVersion: apps/v1
  kind: Deployment
  metadata: {name: a-deployment}
  spec: {template: {spec: {${podSpec}}}}
  ---
  apiVersion: apps/v1
  kind: ReplicaSet
  metadata: {name: a-replicaset}
  spec: {template: {spec: {${podSpec}}}}
  ---
  apiVersion: apps/v1
  kind: StatefulSet
  metadata: {name: a-statefulset}
  spec: {template: {spec: {${podSpec}}}}
  ---
  apiVersion: apps/v1
  kind: DaemonSet
  metadata: {name: a-daemonset}
  spec: {template: {spec: {${podSpec}}}}
  ---
  apiVersion: batch/v1
  kind: Job
  metadata: {name: a-job}
  spec: {template: {spec: {${podSpec}}}}
  ---
  apiVersion: batch/v1
  kind: CronJob
  metadata: {name: a-cronjob}
  spec: {schedule: "* * * * *", jobTemplate: {spec: {template: {spec: {${podSpec}}}}}}
  ---
  apiVersion: v1
  kind: ConfigMap
  metadata: {name: settings}
  data: {enabled: "yes", affinity: "none"}
  ---
  apiVersion: example.com/v1
  kind: Deployment
  metadata: {name: not-apps}
  spec: {template: {spec: {${podSpec}}}}
  ---
  apiVersion: rbac.authorization.k8s.io/v1
  kind: ClusterRole
  metadata: {name: "reader:all"}
  rules: []
`
const POD_PATHS: Record<string, string[]> = {
  Pod: ['spec'],
  Deployment: ['spec', 'template', 'spec'],
  ReplicaSet: ['spec', 'template', 'spec'],
  StatefulSet: ['spec', 'template', 'spec'],
  DaemonSet: ['spec', 'template', 'spec'],
  Job: ['spec', 'template', 'spec'],
  CronJob: ['spec', 'jobTemplate', 'spec', 'template', 'spec'],
}
const at = (o: unknown, p: string[]): any => p.reduce<any>((v, k) => v?.[k], o)

async function venice(files: Record<string, string>): Promise<Record<string, any>[]> {
  const r = await runMemory({ 'inventory.yaml': INVENTORY, ...files }, ['build', '--cluster', 'venice'])
  assert.is(r.code, 0, r.stderr)
  return parseAllDocuments(r.stdout).map((d) => d.toJS() as Record<string, any>)
}

test('every pod kind is patched at its pod template (CronJob: spec.jobTemplate.spec.template.spec); other kinds pass through', async () => {
  const docs = await venice({ 'policies/p.yaml': policy('shop', 'Remote'), 'apps/all.yaml': ALL_KINDS })
  const source = parseAllDocuments(ALL_KINDS).map((d) => d.toJS() as Record<string, any>)
  for (const [kind, p] of Object.entries(POD_PATHS)) {
    const d = docs.find((x) => x['kind'] === kind && x['apiVersion'] !== 'example.com/v1')
    assert.ok(d, kind)
    assert.equal(at(d, [...p, 'tolerations']), [tol], `${kind} toleration`)
    assert.equal(at(d, [...p, 'affinity', 'nodeAffinity', 'requiredDuringSchedulingIgnoredDuringExecution', 'nodeSelectorTerms']), [
      { matchExpressions: [south, { key: 'liqo.io/type', operator: 'In', values: ['virtual-node'] }] },
    ])
    assert.is(d['metadata'].namespace, 'shop')
  }
  // Pass-through: unchanged but for the namespace (sync adds its ownership annotation when it applies, build does not).
  const unmarked = (d: Record<string, any> | undefined) => {
    if (!d) return d
    assert.is((d['metadata'] as Record<string, any>)['annotations'], undefined)
    return d
  }
  const pass = (kind: string, apiVersion?: string) => unmarked(docs.find((x) => x['kind'] === kind && (!apiVersion || x['apiVersion'] === apiVersion)))
  const orig = (kind: string, apiVersion?: string) => source.find((x) => x['kind'] === kind && (!apiVersion || x['apiVersion'] === apiVersion))
  assert.equal(pass('ConfigMap'), { ...orig('ConfigMap'), metadata: { name: 'settings', namespace: 'shop' } })
  // A custom resource with a standard pod template (here one named Deployment) makes pods Liqo's
  // webhook patches: it is patched too (test/workloads/pod-templates.test.ts has the others).
  const custom = docs.find((x) => x['kind'] === 'Deployment' && x['apiVersion'] === 'example.com/v1')
  assert.equal(at(custom, ['spec', 'template', 'spec', 'tolerations']), [tol], 'a custom resource with a standard pod template is patched')
  assert.equal(pass('ClusterRole'), orig('ClusterRole'), 'cluster-scoped kinds get no namespace')
})

test('plan lists the objects with a pod template only, with their nodes', async () => {
  const r = await runMemory({ 'inventory.yaml': INVENTORY, 'policies/p.yaml': policy('shop', 'Remote'), 'apps/all.yaml': ALL_KINDS }, [
    'plan',
    '--format',
    'json',
  ])
  assert.is(r.code, 0, r.stderr)
  const ws = (JSON.parse(r.stdout) as PlanJson).namespaces[0]?.workloads ?? []
  assert.equal(
    ws.map((w) => `${w.kind}/${w.name}:${w.nodes.join(',')}`),
    [
      'CronJob/a-cronjob:naples',
      'DaemonSet/a-daemonset:naples',
      'Deployment/a-deployment:naples',
      'Deployment/not-apps:naples',
      'Job/a-job:naples',
      'Pod/a-pod:naples',
      'ReplicaSet/a-replicaset:naples',
      'StatefulSet/a-statefulset:naples',
    ],
  )
})

test('Local: workloads untouched, and kept off the virtual nodes by the taint', async () => {
  const docs = await venice({ 'policies/p.yaml': policy('shop', 'Local'), 'apps/all.yaml': ALL_KINDS })
  const d = docs.find((x) => x['kind'] === 'Deployment' && x['apiVersion'] === 'apps/v1')
  assert.equal(at(d, ['spec', 'template', 'spec']), { containers: [{ image: 'nginx', name: 'c' }] })
  const r = await runMemory({ 'inventory.yaml': INVENTORY, 'policies/p.yaml': policy('shop', 'Local'), 'apps/all.yaml': ALL_KINDS }, [
    'plan',
    '--format',
    'json',
  ])
  const ws = (JSON.parse(r.stdout) as PlanJson).namespaces[0]?.workloads ?? []
  assert.ok(ws.every((w) => w.nodes.join() === 'venice-1'))
})

test('runtimeClassName liqo: untouched by the webhook, placed on virtual nodes by the RuntimeClass', async () => {
  const files = {
    'policies/p.yaml': policy('shop', 'LocalAndRemote'),
    'apps/rc.yaml': `apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: rc}\nspec: {template: {spec: {runtimeClassName: liqo, ${podSpec}}}}\n`,
  }
  const docs = await venice(files)
  assert.equal(
    at(
      docs.find((x) => x['kind'] === 'Deployment'),
      ['spec', 'template', 'spec'],
    ),
    { containers: [{ image: 'nginx', name: 'c' }], runtimeClassName: 'liqo' },
  )
  const r = await runMemory({ 'inventory.yaml': INVENTORY, ...files }, ['plan', '--format', 'json'])
  assert.equal((JSON.parse(r.stdout) as PlanJson).namespaces[0]?.workloads[0]?.nodes, ['florence', 'naples'])
})

test('moving workload documents between files changes no byte of the output', async () => {
  const docs = ALL_KINDS.split(/^---\n/m)
  const a = { 'inventory.yaml': INVENTORY, 'policies/p.yaml': policy('shop', 'Remote'), 'apps/all.yaml': docs.join('---\n') }
  const b = {
    'inventory.yaml': INVENTORY,
    'policies/p.yaml': policy('shop', 'Remote'),
    'apps/z.yaml': [...docs].reverse().slice(0, 4).join('---\n'),
    'apps/a.yml': [...docs].reverse().slice(4).join('---\n'),
  }
  for (const args of [['plan'], ['plan', '--format', 'json'], ['build', '--cluster', 'venice']]) {
    const ra = await runMemory(a, args)
    const rb = await runMemory(b, args)
    assert.is(ra.code, 0, ra.stderr)
    assert.is(ra.stdout, rb.stdout, args.join(' '))
  }
})

// Bad inputs: exit 1, code + file + line + column, no stack trace, nothing written.
interface BadCase {
  readonly name: string
  readonly files: Record<string, string | Uint8Array>
  readonly expect: [file: string, line: number, column: number, code: string]
}
const deploy = (meta: string, spec = `{template: {spec: {${podSpec}}}}`): string => `apiVersion: apps/v1\nkind: Deployment\nmetadata: ${meta}\nspec: ${spec}\n`
const badCases: BadCase[] = [
  { name: 'a workload in another namespace', files: { 'apps/d.yaml': deploy('\n  name: web\n  namespace: other') }, expect: ['apps/d.yaml', 5, 14, 'NSO3023'] },
  {
    name: 'a missing workload path',
    files: { 'policies/p.yaml': policy('shop', 'Remote', '[../apps/, ../missing.yaml]') },
    expect: ['policies/p.yaml', 8, 25, 'NSO3018'],
  },
  { name: 'a document that is a list', files: { 'apps/d.yaml': '- apiVersion: v1\n- kind: Pod\n' }, expect: ['apps/d.yaml', 1, 1, 'NSO1006'] },
  { name: 'a scalar document', files: { 'apps/d.yaml': deploy('{name: web}') + '---\njust text\n' }, expect: ['apps/d.yaml', 6, 1, 'NSO1006'] },
  {
    name: 'a YAML syntax error',
    files: { 'apps/d.yaml': 'apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web\nspec: {}\n' },
    expect: ['apps/d.yaml', 4, 1, 'NSO1001'],
  },
  { name: 'a duplicate key', files: { 'apps/d.yaml': deploy('{name: web, name: web2}') }, expect: ['apps/d.yaml', 3, 23, 'NSO1002'] },
  { name: 'tabs as indentation', files: { 'apps/d.yaml': 'apiVersion: v1\nkind: Pod\nmetadata:\n\tname: p\n' }, expect: ['apps/d.yaml', 4, 1, 'NSO1003'] },
  { name: 'invalid UTF-8', files: { 'apps/d.yaml': new Uint8Array([0x6b, 0x3a, 0x20, 0xc3, 0x28, 0x0a]) }, expect: ['apps/d.yaml', 1, 4, 'NSO1005'] },
  { name: 'a NUL byte', files: { 'apps/d.yaml': 'apiVersion: v1\nkind: Pod\0\n' }, expect: ['apps/d.yaml', 2, 10, 'NSO1005'] },
  { name: 'no kind', files: { 'apps/d.yaml': 'apiVersion: v1\nmetadata: {name: x}\n' }, expect: ['apps/d.yaml', 1, 1, 'NSO3024'] },
  { name: 'no metadata.name', files: { 'apps/d.yaml': deploy('{generateName: web-}') }, expect: ['apps/d.yaml', 3, 11, 'NSO3024'] },
  {
    name: 'a name that is a path',
    files: { 'apps/d.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: ../../etc}\n' },
    expect: ['apps/d.yaml', 3, 18, 'NSO3024'],
  },
  { name: 'an invalid Deployment name', files: { 'apps/d.yaml': deploy('{name: Web_1}') }, expect: ['apps/d.yaml', 3, 18, 'NSO3024'] },
  {
    // A folder holding a kustomization.yaml is rendered by kustomize (test/workloads/workload-folders.test.ts);
    // a Kustomization document in a file of another name is not an object to apply.
    name: 'a Kustomization document in a manifest file',
    files: { 'apps/base.yaml': 'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources: [d.yaml]\n' },
    expect: ['apps/base.yaml', 2, 7, 'NSO3024'],
  },
  { name: 'a policy among the workloads', files: { 'apps/p.yaml': policy('x', 'Local') }, expect: ['apps/p.yaml', 2, 7, 'NSO3024'] },
  { name: 'a Deployment without a pod template', files: { 'apps/d.yaml': deploy('{name: web}', '{replicas: 1}') }, expect: ['apps/d.yaml', 4, 7, 'NSO3026'] },
  {
    name: 'affinity that is a list',
    files: { 'apps/d.yaml': deploy('{name: web}', `{template: {spec: {affinity: [], ${podSpec}}}}`) },
    expect: ['apps/d.yaml', 4, 36, 'NSO3026'],
  },
  {
    name: 'a boolean among affinity values (YAML 1.1 yes)',
    files: {
      'apps/d.yaml': deploy(
        '{name: web}',
        '\n  template:\n    spec:\n      affinity:\n        nodeAffinity:\n          requiredDuringSchedulingIgnoredDuringExecution:\n            nodeSelectorTerms:\n            - matchExpressions:\n              - {key: ssd, operator: In, values: [yes]}',
      ),
    },
    expect: ['apps/d.yaml', 12, 51, 'NSO3026'],
  },
  {
    name: "an unknown operator in the pod's own affinity",
    files: {
      'apps/d.yaml': deploy(
        '{name: web}',
        '\n  template:\n    spec:\n      affinity:\n        nodeAffinity:\n          requiredDuringSchedulingIgnoredDuringExecution:\n            nodeSelectorTerms:\n            - matchExpressions:\n              - {key: ssd, operator: Equals, values: ["true"]}',
      ),
    },
    expect: ['apps/d.yaml', 12, 38, 'NSO3007'],
  },
  {
    name: 'a toleration with no key and operator Equal',
    files: { 'apps/d.yaml': deploy('{name: web}', `{template: {spec: {tolerations: [{operator: Equal, value: x}], ${podSpec}}}}`) },
    expect: ['apps/d.yaml', 4, 51, 'NSO3026'],
  },
  {
    name: 'tolerationSeconds without NoExecute',
    files: {
      'apps/d.yaml': deploy(
        '{name: web}',
        `{template: {spec: {tolerations: [{key: k, operator: Exists, effect: NoSchedule, tolerationSeconds: 5}], ${podSpec}}}}`,
      ),
    },
    expect: ['apps/d.yaml', 4, 75, 'NSO3026'],
  },
  {
    name: 'the same Deployment twice',
    files: { 'apps/a.yaml': deploy('{name: web}'), 'apps/b.yaml': deploy('{name: web}') },
    expect: ['apps/b.yaml', 3, 18, 'NSO3025'],
  },
  {
    name: 'a Namespace that nsoffload generates (the policy owns it)',
    files: { 'apps/ns.yaml': 'apiVersion: v1\nkind: Namespace\nmetadata: {name: shop}\n' },
    expect: ['apps/ns.yaml', 2, 7, 'NSO3060'],
  },
]
for (const c of badCases) {
  test(`bad workload: ${c.name}`, async () => {
    const files = { 'inventory.yaml': INVENTORY, 'policies/p.yaml': policy('shop', 'Remote'), ...c.files }
    const r = await runMemory(files, ['build', '-o', 'out'])
    const [file, line, column, code] = c.expect
    const where = line === 0 ? `${file}: error ${code}:` : `${file}:${line}:${column}: error ${code}:`
    assert.is(r.code, 1, `exit code\n${r.stderr}`)
    assert.ok(r.stderr.includes(where), `expected "${where}" in:\n${r.stderr}`)
    assert.not.match(r.stderr, /\n\s+at .+:\d+:\d+\)?\n/, 'no stack trace')
    assert.not.match(r.stderr, /internal error/)
    assert.equal(r.tree, Object.keys(files).sort(), 'nothing written')
    const p = await runMemory(r.files, ['plan', '--format', 'json'])
    assert.is(p.code, 1)
    const ds = (JSON.parse(p.stdout) as PlanJson).diagnostics
    assert.ok(
      ds.some((d) => d.code === code && d.file === file && (line === 0 || (d.line === line && d.column === column))),
      JSON.stringify(ds),
    )
  })
}

test('an unreadable workload folder stops the command (exit 2), without a stack trace', async () => {
  const cwd = tempTree({ 'inventory.yaml': INVENTORY, 'policies/p.yaml': policy('shop', 'Remote'), 'apps/d.yaml': deploy('{name: web}') })
  fs.chmodSync(path.join(cwd, 'apps', 'd.yaml'), 0o000)
  const r = await runCli(['build', '--cluster', 'venice'], cwd)
  fs.chmodSync(path.join(cwd, 'apps', 'd.yaml'), 0o644)
  if (process.getuid?.() === 0) return // root reads anything
  assert.is(r.code, 2, r.stderr)
  assert.not.match(r.stderr, /\n\s+at /)
})

test('the tutorial source manifest is the Liqo example, unpatched', () => {
  const docs = parseAllDocuments(fs.readFileSync(path.join(REPO, 'apps/liqo-demo/deploy.yaml'), 'utf8')).map((d) => d.toJS() as Record<string, any>)
  assert.equal(
    docs.map((d) => at(d, ['spec', 'template', 'spec', 'tolerations'])),
    [undefined, undefined],
  )
  assert.ok(parse(fs.readFileSync(path.join(REPO, 'policies/liqo-demo.yaml'), 'utf8')).spec.workloads.includes('../apps/liqo-demo/'))
})

test.run()
