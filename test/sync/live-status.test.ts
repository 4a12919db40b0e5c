import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { loadProject } from '../../src/cli/project.ts'
import { reconcileStatus } from '../../src/liqo/offloading-status.ts'
import { memoryHost } from '../../src/host/memory-host.ts'
import type { Manifest } from '../../src/model/k8s.ts'
import type { NamespaceOffloadingStatus } from '../../src/model/liqo.ts'
import type { LiveCluster } from '../../src/sync/live-state.ts'
import { namespaceStatus, prunedStatus } from '../../src/sync/live-status.ts'
import { applySetFor } from '../../src/sync/applyset.ts'
import { LABEL_PART_OF } from '../../src/model/applyset.ts'
import { planSync } from '../../src/sync/plan-sync.ts'
import { MEMORY_CWD } from '../helpers/cli.ts'
import { REQUIRED_FALSE, REQUIRED_TRUE, READY_TRUE, TERMINATING, CREATING } from '../helpers/liqo-conditions.ts'
import { inventoryYaml, region } from '../helpers/inventory.ts'

/**
 * Liqo's status from live twins (liqotech/liqo@v1.2.0 namespaceoffloading-controller/status.go), with Liqo's exact condition
 * types, reasons and messages: above all a cluster no longer selected whose twin still exists.
 */

const LOOP = { type: 'Ready', status: 'False', reason: 'CreationLoopBackOff', message: 'Some problems occurred during remote namespace creation' }

function project(spec: string) {
  const files = {
    'inventory.yaml': inventoryYaml({
      remotes: [
        { clusterID: 'florence', labels: region('center') },
        { clusterID: 'naples', labels: region('south') },
      ],
    }),
    'policies/demo.yaml': `apiVersion: nsoffload.dev/v1alpha1\nkind: OffloadingPolicy\nmetadata: {name: demo}\nspec: ${spec}\n`,
  }
  const p = loadProject(
    memoryHost({ cwd: MEMORY_CWD, files }),
    { policies: ['policies'], inventory: 'inventory.yaml', inventoryExplicit: false, strict: false },
    true,
  )
  if (!p.compiled || !p.validated.inventory) throw new Error(JSON.stringify(p.diagnostics))
  return { compiled: p.compiled, inv: p.validated.inventory, ns: p.compiled.namespaces[0]! }
}
const SOUTH = '{namespaceMappingStrategy: DefaultName, clusterSelector: ["topology.liqo.io/region=south"]}'

/** The members of the test inventory's set (`nsoffload-italy`). */
const SET_ID = applySetFor('italy', '0.0.0').id
const twin = (name: string, extra: Record<string, unknown> = {}): Manifest => ({
  apiVersion: 'v1',
  kind: 'Namespace',
  metadata: {
    name,
    labels: { 'app.kubernetes.io/managed-by': 'nsoffload', 'liqo.io/remote-cluster-id': 'venice', [LABEL_PART_OF]: SET_ID },
    annotations: { 'liqo.io/original-name': 'demo' },
    ...extra,
  },
})
/** A twin of ours on a cluster names that cluster's NamespaceMap of venice, as Liqo's and nsoffload's twins do. */
function onCluster(n: Manifest, id: string): Manifest {
  const md = n['metadata'] as { labels?: Record<string, string>; annotations?: Record<string, string> }
  if (md.labels?.['app.kubernetes.io/managed-by'] !== 'nsoffload' || md.annotations?.['liqo.io/managed-by-namespace-map'] !== undefined) return n
  return { ...n, metadata: { ...md, annotations: { ...md.annotations, 'liqo.io/managed-by-namespace-map': `liqo-tenant-venice/${id}` } } }
}
const live = (twins: Record<string, Manifest[]>, offloadings: Manifest[] = []): Map<string, LiveCluster> =>
  new Map(
    ['venice', 'florence', 'naples'].map((id) => [
      id,
      {
        clusterID: id,
        namespaces: new Map((twins[id] ?? []).map((n) => [String((n['metadata'] as { name: string }).name), onCluster(n, id)])),
        ...(id === 'venice' ? { offloadings: new Map(offloadings.map((o) => [String((o['metadata'] as { namespace: string }).namespace), o])) } : {}),
        objects: new Map(),
      },
    ]),
  )
const nso = (status: NamespaceOffloadingStatus | undefined, generation = 2): Manifest => ({
  apiVersion: 'offloading.liqo.io/v1beta1',
  kind: 'NamespaceOffloading',
  metadata: { name: 'offloading', namespace: 'demo', generation, labels: { 'app.kubernetes.io/managed-by': 'nsoffload', [LABEL_PART_OF]: SET_ID } },
  spec: { namespaceMappingStrategy: 'DefaultName', podOffloadingStrategy: 'LocalAndRemote', clusterSelector: { nodeSelectorTerms: [] } },
  ...(status ? { status } : {}),
})
const strip = (s: NamespaceOffloadingStatus | undefined): Record<string, unknown> =>
  Object.fromEntries(Object.entries(s?.remoteNamespacesConditions ?? {}).map(([k, v]) => [k, v.map(({ lastTransitionTime: _t, ...c }) => c)]))
const T0 = '2026-01-01T00:00:00Z'
const T1 = '2026-01-02T00:00:00Z'

test('a deselected cluster whose twin still exists is Terminating (Liqo deletes it), never Ready=True next to OffloadingRequired=False', () => {
  const { inv, ns } = project(SOUTH)
  // The twin on florence is left from when florence was selected (sync without --prune).
  const s = namespaceStatus(ns, inv, live({ florence: [twin('demo-venice')], naples: [twin('demo-venice')] }), undefined, T0)
  assert.equal(strip(s), { florence: [REQUIRED_FALSE, TERMINATING], naples: [REQUIRED_TRUE, READY_TRUE] })
  // Liqo's phase counts the requested clusters only: naples is Ready, so the namespace is.
  assert.is(s.offloadingPhase, 'Ready')
  assert.is(s.remoteNamespaceName, 'demo-venice')
})

test('the same for a twin Liqo itself created, and for no cluster selected at all', () => {
  const { inv, ns } = project('{namespaceMappingStrategy: DefaultName, clusterSelector: ["nowhere=1"]}')
  const liqoTwin: Manifest = {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: { name: 'demo-venice', annotations: { 'liqo.io/managed-by-namespace-map': 'liqo-tenant-venice/naples' } },
  }
  const s = namespaceStatus(ns, inv, live({ naples: [liqoTwin] }), undefined, T0)
  assert.equal(strip(s), { florence: [REQUIRED_FALSE], naples: [REQUIRED_FALSE, TERMINATING] })
  assert.is(s.offloadingPhase, 'NoClusterSelected')
})

test("someone else's namespace under the twin name on a deselected cluster is no mapping at all", () => {
  const { inv, ns } = project(SOUTH)
  const theirs: Manifest = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'demo-venice' } }
  const s = namespaceStatus(ns, inv, live({ florence: [theirs], naples: [twin('demo-venice')] }), undefined, T0)
  assert.equal(strip(s), { florence: [REQUIRED_FALSE], naples: [REQUIRED_TRUE, READY_TRUE] })
})

test('deselection over time: Ready=True becomes Terminating, and Liqo keeps that Ready once the twin is gone', () => {
  const { inv, ns } = project(SOUTH)
  // Before: both selected and ready, as written by an earlier sync.
  const before: NamespaceOffloadingStatus = {
    observedGeneration: 1,
    offloadingPhase: 'Ready',
    remoteNamespaceName: 'demo-venice',
    remoteNamespacesConditions: {
      florence: [
        { ...REQUIRED_TRUE, lastTransitionTime: T0 },
        { ...READY_TRUE, lastTransitionTime: T0 },
      ],
      naples: [
        { ...REQUIRED_TRUE, lastTransitionTime: T0 },
        { ...READY_TRUE, lastTransitionTime: T0 },
      ],
    },
  }
  const twinStays = namespaceStatus(ns, inv, live({ florence: [twin('demo-venice')], naples: [twin('demo-venice')] }), nso(before), T1)
  assert.equal(twinStays.remoteNamespacesConditions?.['florence'], [
    { ...REQUIRED_FALSE, lastTransitionTime: T1 },
    { ...TERMINATING, lastTransitionTime: T1 },
  ])
  // Unchanged conditions keep their lastTransitionTime.
  assert.equal(twinStays.remoteNamespacesConditions?.['naples'], before.remoteNamespacesConditions?.['naples'])
  assert.is(twinStays.observedGeneration, 2)
  // The twin is gone: Liqo sets OffloadingRequired and leaves the last Ready as it was.
  const gone = namespaceStatus(ns, inv, live({ naples: [twin('demo-venice')] }), nso(twinStays), '2026-01-03T00:00:00Z')
  assert.equal(gone.remoteNamespacesConditions?.['florence'], twinStays.remoteNamespacesConditions?.['florence'])
  // Straight from Ready=True to gone (the Terminating moment missed): Terminating all the same.
  const missed = namespaceStatus(ns, inv, live({ naples: [twin('demo-venice')] }), nso(before), T1)
  assert.equal(strip(missed)['florence'], [REQUIRED_FALSE, TERMINATING])
  assert.is(missed.offloadingPhase, 'Ready')
})

test("Liqo's stale Ready is kept as it was when it was not True (Creating, CreationLoopBackOff)", () => {
  const prev = (ready: object): NamespaceOffloadingStatus => ({
    offloadingPhase: 'InProgress',
    remoteNamespaceName: 'x',
    remoteNamespacesConditions: { naples: [{ ...REQUIRED_TRUE, lastTransitionTime: T0 }, { ...ready, lastTransitionTime: T0 } as never] },
  })
  for (const ready of [CREATING, LOOP]) {
    const s = reconcileStatus(prev(ready), 'x', [{ clusterID: 'naples', requested: false, phase: '' }], { now: T1 })
    assert.equal(s.remoteNamespacesConditions?.['naples'], [
      { ...REQUIRED_FALSE, lastTransitionTime: T1 },
      { ...ready, lastTransitionTime: T0 },
    ])
    assert.is(s.offloadingPhase, 'NoClusterSelected')
  }
  // A cluster that left the inventory (its NamespaceMap is gone) loses its key.
  assert.equal(reconcileStatus(prev(CREATING), 'x', [{ clusterID: 'florence', requested: false, phase: '' }], { now: T1 }).remoteNamespacesConditions, {
    florence: [{ ...REQUIRED_FALSE, lastTransitionTime: T1 }],
  })
})

test("a pruned namespace keeps its computed remoteNamespaceName and shows Liqo's Terminating until its twins are gone", () => {
  const { inv } = project(SOUTH)
  const other = project('{clusterSelector: ["nowhere=1"]}')
  const liveNso = nso({
    offloadingPhase: 'Ready',
    remoteNamespaceName: 'demo-venice',
    remoteNamespacesConditions: {
      naples: [
        { ...REQUIRED_TRUE, lastTransitionTime: T0 },
        { ...READY_TRUE, lastTransitionTime: T0 },
      ],
    },
  })
  const state = live({ naples: [twin('demo-venice')] }, [liveNso])
  // The policy of `demo` is gone (the project now only has other policies): unoffload with --prune.
  const noPolicy = { ...other.compiled, namespaces: [] }
  const plan = planSync(noPolicy, inv, state, { prune: true, allowDestructive: false })
  assert.equal(plan.pruned, ['demo'])
  assert.equal(plan.prunedRemoteNames, { demo: 'demo-venice' })
  const s = prunedStatus('demo-venice', inv, state, liveNso, T1)
  assert.equal(s, {
    observedGeneration: 2,
    offloadingPhase: 'Terminating',
    remoteNamespaceName: 'demo-venice',
    remoteNamespacesConditions: {
      naples: [
        { ...REQUIRED_FALSE, lastTransitionTime: T1 },
        { ...TERMINATING, lastTransitionTime: T1 },
      ],
    },
  })
  // The NamespaceOffloading already deleted, a twin still terminating: the name comes from the twin.
  const later = live({ naples: [twin('demo-venice', { deletionTimestamp: T1 })] })
  assert.equal(planSync(noPolicy, inv, later, { prune: true, allowDestructive: false }).prunedRemoteNames, { demo: 'demo-venice' })
  assert.equal(strip(prunedStatus('demo-venice', inv, later, undefined, T1)), { naples: [REQUIRED_FALSE, TERMINATING] })
  // Every twin gone: nothing left to report (Liqo's finalizer lets the object go).
  assert.is(prunedStatus('demo-venice', inv, live({}), undefined, T1), undefined)
})

test.run()
