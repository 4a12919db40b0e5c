import * as path from 'node:path'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { loadProject } from '../../src/cli/project.ts'
import { memoryHost } from '../../src/host/memory-host.ts'
import { nodeHost } from '../../src/host/node-host.ts'
import type { Manifest } from '../../src/model/k8s.ts'
import { afterApply, isSubset, needsApply, ownedPaths } from '../../src/sync/compare.ts'
import { diffClusters, diffPlanOptions } from '../../src/sync/diff.ts'
import type { LiveCluster } from '../../src/sync/live-state.ts'
import { namespaceStatus } from '../../src/sync/live-status.ts'
import { type ApplySet, applySetFor, asMember } from '../../src/sync/applyset.ts'
import { LABEL_PART_OF } from '../../src/model/applyset.ts'
import { codes } from '../../src/diagnostics/codes.ts'
import { headline } from '../../src/diagnostics/format.ts'
import { planSync, type SyncPlan } from '../../src/sync/plan-sync.ts'
import { MEMORY_CWD, REPO } from '../helpers/cli.ts'
import { inventoryYaml, region } from '../helpers/inventory.ts'

/** The sync planner is pure: these tests feed it live states; the e2e suite runs it against real API servers. */

function project(policies: Record<string, string>) {
  const inventory = inventoryYaml({
    remotes: [
      { clusterID: 'florence', labels: region('center') },
      { clusterID: 'naples', labels: region('south') },
    ],
  })
  const files: Record<string, string> = { 'inventory.yaml': inventory }
  for (const [k, v] of Object.entries(policies)) files[`policies/${k}.yaml`] = v
  const p = loadProject(
    memoryHost({ cwd: MEMORY_CWD, files }),
    { policies: ['policies'], inventory: 'inventory.yaml', inventoryExplicit: false, strict: false },
    true,
  )
  if (!p.compiled || !p.validated.inventory) throw new Error(JSON.stringify(p.diagnostics))
  return { compiled: p.compiled, inv: p.validated.inventory }
}

const policy = (name: string, spec: string): string => `apiVersion: nsoffload.dev/v1alpha1\nkind: OffloadingPolicy\nmetadata: {name: ${name}}\nspec: ${spec}\n`
const tutorial = policy('liqo-demo', '{namespaceMappingStrategy: EnforceSameName, clusterSelector: ["topology.liqo.io/region=south"]}')

const cluster = (id: string, namespaces: Manifest[] = [], offloadings?: Manifest[]): LiveCluster => ({
  clusterID: id,
  namespaces: new Map(namespaces.map((n) => [String((n['metadata'] as { name: string }).name), n])),
  ...(offloadings ? { offloadings: new Map(offloadings.map((o) => [String((o['metadata'] as { namespace: string }).namespace), o])) } : {}),
  objects: new Map(),
})

const empty = (): Map<string, LiveCluster> =>
  new Map([
    ['venice', cluster('venice', [], [])],
    ['florence', cluster('florence')],
    ['naples', cluster('naples')],
  ])

/** The set of the test inventory (`italy`), as planSync defaults it. */
const SET: ApplySet = applySetFor('italy', '0.0.0')

/** The live object as the API would return it after our apply: a member of the set. */
const asLive = (m: Manifest, extra: Record<string, unknown> = {}, set: ApplySet = SET): Manifest => {
  const mm = asMember(m, set)
  return { ...mm, metadata: { ...(mm['metadata'] as object), uid: 'x', resourceVersion: '1', ...extra } }
}

/** The live state with each cluster's parent as the plan would leave it (what a previous sync wrote). */
function withParents(live: Map<string, LiveCluster>, plan: SyncPlan): Map<string, LiveCluster> {
  for (const p of plan.parents) {
    const l = live.get(p.cluster)
    const parent = p.after ?? p.before
    if (l && parent) live.set(p.cluster, { ...l, parent })
  }
  return live
}

test('empty clusters: creates the namespace, the NamespaceOffloading and the twin on naples only, in order', () => {
  const { compiled, inv } = project({ demo: tutorial })
  const plan = planSync(compiled, inv, empty(), { prune: false, allowDestructive: false })
  assert.equal(
    plan.actions.map((a) => `${a.op} ${a.cluster} ${a.step}`),
    ['create venice namespace', 'create venice offloading', 'create naples twins'],
  )
  assert.equal(plan.findings, [])
})

test('everything already live and ours: no action at all', () => {
  const { compiled, inv } = project({ demo: tutorial })
  const live = new Map<string, LiveCluster>([
    [
      'venice',
      cluster('venice', [asLive(compiled.clusters.get('venice')?.[0] ?? {})], [asLive(compiled.clusters.get('venice')?.[1] ?? {}, { generation: 1 })]),
    ],
    ['florence', cluster('florence')],
    ['naples', cluster('naples', [asLive(compiled.clusters.get('naples')?.[0] ?? {})])],
  ])
  const plan = planSync(compiled, inv, live, { prune: false, allowDestructive: false })
  assert.equal(plan.actions, [])
  // The parents are not there yet: the diff shows them, one per cluster.
  assert.equal(
    diffClusters(planSync(compiled, inv, live, diffPlanOptions(false))).diffs.map((d) => `${d.op} ${d.cluster} ${d.object}`),
    ['create venice secret/default/nsoffload-italy', 'create florence secret/default/nsoffload-italy', 'create naples secret/default/nsoffload-italy'],
  )
  withParents(live, plan)
  assert.equal(planSync(compiled, inv, live, { prune: false, allowDestructive: false }).parents, [])
  assert.equal(diffClusters(planSync(compiled, inv, live, diffPlanOptions(false))).diffs, [])
})

test('an unmanaged namespace with the twin name is left alone and reported as Liqo would', () => {
  const { compiled, inv } = project({ demo: tutorial })
  const live = empty()
  live.set('naples', cluster('naples', [{ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'liqo-demo', labels: { team: 'other' } } }]))
  const plan = planSync(compiled, inv, live, { prune: false, allowDestructive: false })
  assert.not.ok(plan.actions.some((a) => a.cluster === 'naples'))
  assert.equal(
    plan.findings.map((f) => [f.code, f.cluster, f.object]),
    [[codes.twinNotOwned.code, 'naples', 'namespace/liqo-demo']],
  )
  const status = namespaceStatus(compiled.namespaces[0]!, inv, live, undefined, '2026-01-01T00:00:00Z')
  assert.is(status.offloadingPhase, 'AllFailed')
  assert.is(status.remoteNamespacesConditions?.['naples']?.[1]?.reason, 'CreationLoopBackOff')
})

test('a twin that Liqo itself created counts as owned: Ready, and nsoffload does not touch it', () => {
  const { compiled, inv } = project({ demo: tutorial })
  const live = empty()
  live.set(
    'naples',
    cluster('naples', [
      {
        apiVersion: 'v1',
        kind: 'Namespace',
        metadata: { name: 'liqo-demo', annotations: { 'liqo.io/managed-by-namespace-map': 'liqo-tenant-venice/naples' } },
      },
    ]),
  )
  const plan = planSync(compiled, inv, live, { prune: false, allowDestructive: false })
  assert.not.ok(plan.actions.some((a) => a.cluster === 'naples'))
  assert.equal(plan.findings, [])
  assert.is(namespaceStatus(compiled.namespaces[0]!, inv, live, undefined, 'now').offloadingPhase, 'Ready')
})

test('a changed mapping strategy is refused without --allow-destructive, and becomes delete + re-create with it', () => {
  const before = project({ demo: policy('liqo-demo', '{clusterSelector: ["topology.liqo.io/region=south"]}') })
  const after = project({ demo: tutorial })
  const live = new Map<string, LiveCluster>([
    ['venice', cluster('venice', [asLive(before.compiled.clusters.get('venice')?.[0] ?? {})], [asLive(before.compiled.clusters.get('venice')?.[1] ?? {})])],
    ['florence', cluster('florence')],
    ['naples', cluster('naples', [asLive(before.compiled.clusters.get('naples')?.[0] ?? {})])],
  ])
  const refused = planSync(after.compiled, after.inv, live, { prune: false, allowDestructive: false })
  const refusal = refused.findings.find((f) => f.code === codes.destructiveRefused.code)
  assert.ok(refusal?.blocking, JSON.stringify(refused.findings))
  // The message names the change: its data, not how the finding is told.
  assert.match(refusal?.message ?? '', /DefaultName -> EnforceSameName \(remote namespace liqo-demo-venice -> liqo-demo\)/)
  // A diagnostic as validate's are, its place the cluster, the home namespace and the object: printed and listed the same way.
  assert.equal(Object.keys(refusal ?? {}), ['code', 'severity', 'message', 'cluster', 'namespace', 'object', 'blocking'])
  assert.equal(
    [refusal?.severity, refusal?.cluster, refusal?.namespace, refusal?.object],
    ['error', 'venice', 'liqo-demo', 'namespaceoffloading/liqo-demo/offloading'],
  )
  assert.is(refusal && headline(refusal), `venice: error NSO5004: ${refusal?.message}`)
  const allowed = planSync(after.compiled, after.inv, live, { prune: false, allowDestructive: true })
  assert.equal(
    allowed.actions.map((a) => `${a.op} ${a.cluster} ${a.step}${a.op === 'delete' ? ` ${a.why}` : ''}`),
    ['delete venice offloading destructive', 'delete naples twins destructive', 'create venice offloading', 'create naples twins'],
  )
})

test('a removed policy: listed without --prune, unoffloaded with it (twins, NamespaceOffloading, label; the namespace stays)', () => {
  const { compiled } = project({ demo: tutorial })
  const none = project({ other: policy('other', '{clusterSelector: ["nope=1"]}') })
  const homeNs = asLive(compiled.clusters.get('venice')?.[0] ?? {}, {
    managedFields: [
      {
        manager: 'nsoffload',
        operation: 'Apply',
        fieldsV1: { 'f:metadata': { 'f:labels': { 'f:app.kubernetes.io/managed-by': {}, 'f:liqo.io/scheduling-enabled': {} } } },
      },
    ],
  })
  const live = new Map<string, LiveCluster>([
    ['venice', cluster('venice', [homeNs], [asLive(compiled.clusters.get('venice')?.[1] ?? {})])],
    ['florence', cluster('florence')],
    ['naples', cluster('naples', [asLive(compiled.clusters.get('naples')?.[0] ?? {})])],
  ])
  const listed = planSync(none.compiled, none.inv, live, { prune: false, allowDestructive: false })
  assert.not.ok(listed.actions.some((a) => a.namespace === 'liqo-demo'))
  assert.ok(listed.findings.some((f) => f.code === codes.deletionNeedsPrune.code && f.namespace === 'liqo-demo' && f.cluster === 'venice'))
  const pruned = planSync(none.compiled, none.inv, live, { prune: true, allowDestructive: false })
  const mine = pruned.actions.filter((a) => a.namespace === 'liqo-demo')
  assert.equal(
    mine.map((a) => `${a.op} ${a.cluster} ${a.step}`),
    ['delete naples twins', 'delete venice offloading', 'update venice namespace'],
  )
  const relabel = mine[2]
  assert.ok(relabel && relabel.op === 'update')
  if (relabel?.op === 'update')
    assert.equal((relabel.manifest['metadata'] as { labels: object }).labels, { 'app.kubernetes.io/managed-by': 'nsoffload', [LABEL_PART_OF]: SET.id })
  assert.equal(pruned.pruned, ['liqo-demo'])
})

test('a deselected cluster: its owned twin is deleted only with --prune', () => {
  const { compiled, inv } = project({ demo: tutorial })
  const twin = asLive({
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: {
      name: 'liqo-demo',
      labels: { 'app.kubernetes.io/managed-by': 'nsoffload', 'liqo.io/remote-cluster-id': 'venice' },
      annotations: { 'liqo.io/original-name': 'liqo-demo', 'liqo.io/managed-by-namespace-map': 'liqo-tenant-venice/florence' },
    },
  })
  const live = empty()
  live.set('florence', cluster('florence', [twin]))
  assert.ok(
    planSync(compiled, inv, live, { prune: false, allowDestructive: false }).findings.some(
      (f) => f.cluster === 'florence' && f.code === codes.deletionNeedsPrune.code,
    ),
  )
  assert.ok(
    planSync(compiled, inv, live, { prune: true, allowDestructive: false }).actions.some(
      (a) => a.op === 'delete' && a.cluster === 'florence' && a.why === 'deselected',
    ),
  )
})

test("a second home cluster: a twin whose markers name another home is someone else's, never written, never pruned, CreationLoopBackOff", () => {
  const { compiled, inv } = project({ demo: tutorial })
  // rome's twin on naples, as nsoffload (or Liqo) synced from home rome made it: marked as nsoffload's, another home.
  const romes = asLive(
    {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: {
        name: 'liqo-demo',
        labels: { 'app.kubernetes.io/managed-by': 'nsoffload', 'liqo.io/remote-cluster-id': 'rome' },
        annotations: { 'liqo.io/managed-by-namespace-map': 'liqo-tenant-rome/naples', 'liqo.io/original-name': 'liqo-demo' },
      },
    },
    {},
    SET,
  )
  const live = empty()
  live.set('naples', cluster('naples', [romes]))
  const plan = planSync(compiled, inv, live, { prune: true, allowDestructive: false })
  assert.not.ok(
    plan.actions.some((a) => a.cluster === 'naples'),
    'never written',
  )
  assert.is(plan.findings.find((f) => f.cluster === 'naples')?.code, codes.twinNotOwned.code)
  const status = namespaceStatus(compiled.namespaces[0]!, inv, live, undefined, 'now')
  assert.is(status.remoteNamespacesConditions?.['naples']?.[1]?.reason, 'CreationLoopBackOff')
  assert.is(status.offloadingPhase, 'AllFailed')
  // Its policy gone from venice, or naples deselected: rome's twin is never pruned by venice.
  const none = project({ other: policy('other', '{clusterSelector: ["nope=1"]}') })
  assert.not.ok(planSync(none.compiled, none.inv, live, { prune: true, allowDestructive: false }).actions.some((a) => a.cluster === 'naples'))
  const elsewhere = project({ demo: policy('liqo-demo', '{namespaceMappingStrategy: EnforceSameName, clusterSelector: ["topology.liqo.io/region=center"]}') })
  assert.not.ok(planSync(elsewhere.compiled, elsewhere.inv, live, { prune: true, allowDestructive: false }).actions.some((a) => a.cluster === 'naples'))
})

test('compare: subset, owned fields that are no longer rendered, after-apply view', () => {
  assert.ok(isSubset({ a: 1, b: { c: [1, { d: 2 }] } }, { a: 1, x: 0, b: { c: [1, { d: 2, e: 3 }] } }))
  assert.not.ok(isSubset({ b: { c: [1] } }, { b: { c: [1, 2] } }))
  const live = {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: {
      name: 'n',
      labels: { a: '1', b: '2', theirs: '3' },
      managedFields: [
        { manager: 'nsoffload', operation: 'Apply', fieldsV1: { 'f:metadata': { 'f:labels': { 'f:a': {}, 'f:b': {} } } } },
        { manager: 'kubectl', operation: 'Update', fieldsV1: { 'f:metadata': { 'f:labels': { 'f:theirs': {} } } } },
      ],
    },
  }
  assert.equal(ownedPaths(live), [
    ['metadata', 'labels', 'a'],
    ['metadata', 'labels', 'b'],
  ])
  const rendered = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'n', labels: { a: '1' } } }
  assert.ok(needsApply(rendered, live), 'b was ours and is no longer rendered')
  assert.not.ok(needsApply({ ...rendered, metadata: { name: 'n', labels: { a: '1', b: '2' } } }, live))
  assert.equal(afterApply(rendered, live), { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'n', labels: { a: '1', theirs: '3' } } })
  assert.equal(live.metadata.labels, { a: '1', b: '2', theirs: '3' }, 'the live object (the diff\'s "before") is left as it was')
})

test('the bundled example plans cleanly against empty clusters', () => {
  const p = loadProject(
    nodeHost(REPO, {}),
    { policies: [path.join(REPO, 'policies')], inventory: path.join(REPO, 'inventory.yaml'), inventoryExplicit: true, strict: false },
    true,
  )
  assert.ok(p.compiled && p.validated.inventory)
  if (!p.compiled || !p.validated.inventory) return
  const plan = planSync(p.compiled, p.validated.inventory, empty(), { prune: false, allowDestructive: false })
  assert.ok(plan.actions.length >= 3)
  assert.ok(plan.actions.every((a) => a.op === 'create'))
})

test.run()
