import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { parseYaml } from '../../src/load/parse-yaml.ts'
import type { Policy } from '../../src/model/policy.ts'
import { virtualNode } from '../../src/liqo/virtual-nodes.ts'
import { compileWorkloads } from '../../src/workloads/compile-workloads.ts'
import { duplicateObjects } from '../../src/workloads/duplicates.ts'
import { podSpecPath } from '../../src/workloads/pod-template.ts'
import { toWorkloads } from '../../src/workloads/to-workloads.ts'

/** The workloads stage on its own: namespaces, placement diagnostics and their hints, duplicates. */

const loc = { file: 'policies/p.yaml', line: 1, column: 1, path: '' }
const policy = (podOffloadingStrategy: Policy['podOffloadingStrategy'], terms: Policy['clusterSelector']['nodeSelectorTerms'] = []): Policy => ({
  namespace: 'web',
  namespaceMappingStrategy: 'DefaultName',
  podOffloadingStrategy,
  clusterSelector: { nodeSelectorTerms: terms },
  namespaceLabels: {},
  namespaceAnnotations: {},
  workloads: ['../apps/'],
  source: { file: 'policies/p.yaml', docIndex: 0, locate: () => loc },
})
const docs = (text: string) => parseYaml('apps/w.yaml', text).docs
const naples = virtualNode('naples', 'naples', { region: 'south' })
const home = { name: 'home-1', labels: { region: 'north' }, taints: [] }

test('podSpecPath: the eight built-in kinds in their API groups, nothing else', () => {
  assert.equal(podSpecPath('v1', 'Pod'), ['spec'])
  assert.equal(podSpecPath('batch/v1', 'CronJob'), ['spec', 'jobTemplate', 'spec', 'template', 'spec'])
  assert.equal(podSpecPath('extensions/v1beta1', 'Deployment'), ['spec', 'template', 'spec'])
  assert.is(podSpecPath('apps/v1', 'Pod'), undefined)
  assert.equal(podSpecPath('v1', 'ReplicationController'), ['spec', 'template', 'spec'])
  assert.is(podSpecPath('apps/v1', 'ReplicationController'), undefined)
  assert.is(podSpecPath('example.com/v1', 'Job'), undefined)
})

test("a workload takes the policy's namespace; one that already has it is fine; cluster-scoped kinds get none", () => {
  const r = toWorkloads(
    policy('Remote'),
    docs(
      'apiVersion: v1\nkind: Pod\nmetadata: {name: a}\nspec: {}\n---\napiVersion: v1\nkind: Service\nmetadata: {name: s, namespace: web}\n---\napiVersion: storage.k8s.io/v1\nkind: StorageClass\nmetadata: {name: fast}\n',
    ),
  )
  assert.equal(r.diagnostics, [])
  assert.equal(
    r.workloads.map((w) => [w.kind, w.namespace ?? '-', (w.manifest['metadata'] as { namespace?: string }).namespace ?? '-']),
    [
      ['Pod', 'web', 'web'],
      ['Service', 'web', 'web'],
      ['StorageClass', '-', '-'],
    ],
  )
})

test('NSO4006 hints: no home nodes in the inventory; a Local namespace keeps pods off virtual nodes', () => {
  const w = toWorkloads(policy('Local'), docs('apiVersion: v1\nkind: Pod\nmetadata: {name: a}\nspec: {}\n')).workloads
  const r = compileWorkloads(policy('Local'), w, { nodes: [naples], homeNodesKnown: false })
  assert.equal(
    r.diagnostics.map((d) => [d.code, d.severity, d.file, d.line, d.column]),
    [['NSO4006', 'warning', 'apps/w.yaml', 3, 18]],
  )
  assert.match(
    r.diagnostics[0]?.message ?? '',
    /^Pod\/a would stay Pending \(0\/1 nodes are available: 1 node\(s\) had untolerated taint \{virtual-node.liqo.io\/not-allowed: true\}\): untolerated taint virtual-node.liqo.io\/not-allowed=true:NoExecute excludes naples$/,
  )
  assert.match(r.diagnostics[0]?.hint ?? '', /lists no nodes of the home cluster/)
  assert.match(r.diagnostics[0]?.hint ?? '', /pods of a Local namespace do not get the virtual-node toleration/)
  assert.is(r.workloads[0]?.patched, false)
})

test('schedulable workloads give no diagnostic; without an inventory nothing is placed', () => {
  const w = toWorkloads(policy('LocalAndRemote'), docs('apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d}\nspec: {template: {spec: {}}}\n')).workloads
  const placed = compileWorkloads(policy('LocalAndRemote'), w, { nodes: [home, naples], homeNodesKnown: true })
  assert.equal(placed.diagnostics, [])
  assert.equal(placed.workloads[0]?.placement?.nodes, ['home-1', 'naples'])
  const unplaced = compileWorkloads(policy('LocalAndRemote'), w)
  assert.is(unplaced.workloads[0]?.placement, undefined)
  assert.is(unplaced.workloads[0]?.patched, true)
})

test("NSO4007: a clusterSelector with matchFields and a pod without required affinity: only the toleration is written, the placement is the pods' after Liqo's webhook", () => {
  const florence = virtualNode('florence', 'florence', { region: 'center' })
  const byName = { key: 'metadata.name', operator: 'In', values: ['naples'] }
  const p = policy('Remote', [{ matchFields: [byName] }])
  const w = toWorkloads(
    p,
    docs(
      'apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d}\nspec: {template: {spec: {containers: []}}}\n---\napiVersion: v1\nkind: Pod\nmetadata: {name: own}\nspec:\n  affinity: {nodeAffinity: {requiredDuringSchedulingIgnoredDuringExecution: {nodeSelectorTerms: [{matchExpressions: [{key: region, operator: Exists}]}]}}}\n',
    ),
  ).workloads
  const r = compileWorkloads(p, w, { nodes: [home, florence, naples], homeNodesKnown: true })
  assert.equal(
    r.diagnostics.map((d) => [d.code, d.severity, d.file, d.line, d.column, d.related?.[0]?.message]),
    [['NSO4007', 'warning', 'apps/w.yaml', 3, 18, 'the clusterSelector with matchFields']],
  )
  assert.match(
    r.diagnostics[0]?.message ?? '',
    /^Deployment\/d: its pod template is not given the node affinity of "web" \(its clusterSelector has matchFields\)/,
  )
  const d = r.workloads.find((x) => x.workload.name === 'd')
  assert.equal((d?.manifest['spec'] as { template: { spec: unknown } }).template.spec, {
    containers: [],
    tolerations: [{ key: 'virtual-node.liqo.io/not-allowed', operator: 'Exists', effect: 'NoExecute' }],
  })
  assert.is(d?.patched, true)
  assert.equal(d?.placement?.nodes, ['naples'], 'the webhook gives the pods the selector with its matchFields: naples only')
  // A pod with its own required terms gets Liqo's merge (which drops the matchFields, as Liqo does) and no warning.
  const own = r.workloads.find((x) => x.workload.name === 'own')
  assert.equal(own?.placement?.nodes, ['florence', 'naples'])
})

test('duplicates: the second object is the error, pointing at the first; generated objects say so', () => {
  const at = (line: number) => ({ file: 'apps/w.yaml', line, column: 1, path: '' })
  const cm = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', namespace: 'web' } }
  const ns = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'web' } }
  const ds = duplicateObjects([
    { manifest: ns, at: () => at(1), generated: true },
    { manifest: cm, at: () => at(2) },
    { manifest: { ...cm, apiVersion: 'v1' }, at: () => at(3) },
    { manifest: ns, at: () => at(4) },
  ])
  assert.equal(
    ds.map((d) => [d.code, d.line, d.related?.[0]?.line, d.related?.[0]?.message]),
    [
      ['NSO3025', 3, 2, 'first defined here'],
      ['NSO3025', 4, 1, 'generated from this policy'],
    ],
  )
})

test.run()
