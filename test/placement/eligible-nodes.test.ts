import { test } from 'uvu'
import * as assert from 'uvu/assert'
import type { NodeSelectorRequirement, Toleration } from '../../src/model/k8s.ts'
import {
  admitRuntimeClass,
  eligibleNodes,
  exclusionSummary,
  judgeNodes,
  schedulerMessage,
  type SchedulingNode,
  toleratesTaint,
} from '../../src/placement/eligible-nodes.ts'
import { ownLabels, virtualNode, virtualNodeLabels } from '../../src/liqo/virtual-nodes.ts'
import { selectClusters } from '../../src/liqo/cluster-selection.ts'
import { mutatePod, type PodSpec } from '../../src/liqo/pod-webhook.ts'

/** The placement preview against the kube-scheduler's filters (reference scheduling-semantics.md). */

const home: SchedulingNode = {
  name: 'venice-control-plane',
  labels: { 'kubernetes.io/hostname': 'venice-control-plane', 'topology.liqo.io/region': 'north' },
  taints: [],
}
const florence = virtualNode('florence', 'florence', { 'topology.liqo.io/region': 'center' })
const naples = virtualNode('naples', 'naples', { 'topology.liqo.io/region': 'south' })
const nodes = [home, florence, naples]

const required = (...terms: NodeSelectorRequirement[][]): PodSpec => ({
  affinity: {
    nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: terms.map((matchExpressions) => ({ matchExpressions })) } },
  },
})
const region = (v: string): NodeSelectorRequirement => ({ key: 'topology.liqo.io/region', operator: 'In', values: [v] })

// Liqo's end-to-end placement matrix (liqotech/liqo@v1.2.0 test/e2e/cruise/offloadingpolicies), through
// mutatePod then eligibleNodes. "local" deployment: liqo.io/type DoesNotExist; "remote":
// liqo.io/type Exists; RC: runtimeClassName liqo.
const deployments: Record<string, PodSpec> = {
  remote: required([{ key: 'liqo.io/type', operator: 'Exists' }]),
  local: required([{ key: 'liqo.io/type', operator: 'DoesNotExist' }]),
  'remote + RC': { ...required([{ key: 'liqo.io/type', operator: 'Exists' }]), runtimeClassName: 'liqo' },
  'local + RC': { ...required([{ key: 'liqo.io/type', operator: 'DoesNotExist' }]), runtimeClassName: 'liqo' },
}
const matrix: Record<string, Record<string, 'Running' | 'Pending'>> = {
  Local: { remote: 'Pending', local: 'Running', 'remote + RC': 'Running', 'local + RC': 'Pending' },
  Remote: { remote: 'Running', local: 'Pending', 'remote + RC': 'Running', 'local + RC': 'Pending' },
  LocalAndRemote: { remote: 'Running', local: 'Running', 'remote + RC': 'Running', 'local + RC': 'Pending' },
}
const e2eNodes = [
  { name: 'cluster1-control-plane', labels: { 'kubernetes.io/hostname': 'cluster1-control-plane' }, taints: [] },
  virtualNode('cluster2', 'cluster2', {}),
]
for (const [strategy, row] of Object.entries(matrix)) {
  for (const [deployment, expected] of Object.entries(row)) {
    test(`Liqo e2e matrix: ${strategy} × ${deployment} → ${expected}`, () => {
      const pod = mutatePod({ podOffloadingStrategy: strategy, clusterSelector: { nodeSelectorTerms: [] } }, deployments[deployment] ?? {}).pod
      const where = eligibleNodes(pod, e2eNodes)
      assert.is(where.length > 0 ? 'Running' : 'Pending', expected, `eligible: ${where.join(', ')}`)
      if (expected === 'Running') assert.equal(where, [deployment.startsWith('remote') ? 'cluster2' : 'cluster1-control-plane'])
    })
  }
}

test("the tutorial: app-south only on naples, app-center nowhere, with the scheduler's message", () => {
  const policy = { podOffloadingStrategy: 'LocalAndRemote', clusterSelector: { nodeSelectorTerms: [{ matchExpressions: [region('south')] }] } }
  const south = mutatePod(policy, required([region('south')])).pod
  const center = mutatePod(policy, required([region('center')])).pod
  assert.equal(eligibleNodes(south, nodes), ['naples'])
  assert.equal(eligibleNodes(center, nodes), [])
  const verdicts = judgeNodes(center, nodes)
  assert.is(schedulerMessage(verdicts), "0/3 nodes are available: 3 node(s) didn't match Pod's node affinity/selector.")
  assert.is(exclusionSummary(verdicts), 'required node affinity excludes venice-control-plane, florence, naples')
  assert.equal(verdicts[1]?.excludedBy, {
    kind: 'nodeAffinity',
    misses: ['term 1: topology.liqo.io/region In [south] (label is "center")', 'term 2: liqo.io/type NotIn [virtual-node] (label is "virtual-node")'],
  })
  // Without the webhook's patch, the taint keeps the virtual nodes out.
  const unpatched = judgeNodes(required([region('center')]), nodes)
  assert.is(
    schedulerMessage(unpatched),
    "0/3 nodes are available: 1 node(s) didn't match Pod's node affinity/selector, 2 node(s) had untolerated taint {virtual-node.liqo.io/not-allowed: true}.",
  )
})

test("virtual nodes carry Liqo's labels and taint", () => {
  // Written out as the virtual kubelet writes them (src/model/liqo.ts cites Liqo's sources).
  assert.equal(naples.labels, {
    'kubernetes.io/hostname': 'naples',
    'kubernetes.io/role': 'agent',
    'kubernetes.io/os': 'linux',
    'kubernetes.io/arch': 'amd64',
    'node.kubernetes.io/exclude-from-external-load-balancers': 'true',
    'alpha.service-controller.kubernetes.io/exclude-balancer': 'true',
    'storage.liqo.io/available': 'true',
    'topology.liqo.io/region': 'south',
    'liqo.io/type': 'virtual-node',
    'liqo.io/remote-cluster-id': 'naples',
  })
  assert.equal(naples.taints, [{ key: 'virtual-node.liqo.io/not-allowed', value: 'true', effect: 'NoExecute' }])
  assert.not.ok('type' in naples.labels, "Liqo v1 does not set virtual-kubelet's `type: virtual-kubelet`")
})

test("the inventory's labels override Liqo's defaults, as the VirtualNode's labels do, liqo.io/type and the cluster ID included (issue 15)", () => {
  const arm = virtualNode('turin', 'turin-a', {
    'kubernetes.io/arch': 'arm64',
    'storage.liqo.io/available': 'false',
    'liqo.io/type': 'other',
    'liqo.io/remote-cluster-id': 'x',
  })
  assert.is(arm.labels['kubernetes.io/arch'], 'arm64')
  assert.is(arm.labels['storage.liqo.io/available'], 'false')
  assert.is(arm.labels['kubernetes.io/hostname'], 'turin-a', "the hostname is the node's name, not the cluster ID")
  // liqotech/liqo@v1.2.0 pkg/virtualKubelet/liqoNodeProvider/utils.go: the VirtualNode's labels are merged last.
  assert.is(arm.labels['liqo.io/type'], 'other')
  assert.is(arm.labels['liqo.io/remote-cluster-id'], 'x')
  // Liqo's cluster selection then finds no Node of cluster turin and matches the VirtualNode's own labels.
  assert.equal(arm.selectionLabels, {
    'kubernetes.io/arch': 'arm64',
    'storage.liqo.io/available': 'true',
    'liqo.io/type': 'other',
    'liqo.io/remote-cluster-id': 'turin',
  })
  assert.is(virtualNode('turin', 'turin-b', {}).labels['liqo.io/type'], 'virtual-node')
})

test("most Helm charts' nodeSelector {kubernetes.io/os: linux} fits the virtual nodes; hostname and arch select as on real nodes", () => {
  const tol = [{ key: 'virtual-node.liqo.io/not-allowed', operator: 'Exists', effect: 'NoExecute' }]
  assert.equal(eligibleNodes({ nodeSelector: { 'kubernetes.io/os': 'linux' }, tolerations: tol }, [florence, naples]), ['florence', 'naples'])
  assert.equal(eligibleNodes({ nodeSelector: { 'kubernetes.io/hostname': 'naples' }, tolerations: tol }, [florence, naples]), ['naples'])
  assert.equal(eligibleNodes({ nodeSelector: { 'kubernetes.io/arch': 'arm64' }, tolerations: tol }, [florence, naples]), [])
  assert.equal(
    eligibleNodes(
      { nodeSelector: { 'storage.liqo.io/available': 'true', 'node.kubernetes.io/exclude-from-external-load-balancers': 'true' }, tolerations: tol },
      [florence, naples],
    ),
    ['florence', 'naples'],
  )
})

test("cluster selection reads the same labels: selectors on kubernetes.io/hostname, os and storage select as on Liqo's nodes", () => {
  const remotes = [florence, naples].map((n) => ({ clusterID: n.name, labels: {}, namespaces: [], virtualNodes: [n] }))
  const selected = (matchExpressions: { key: string; operator: string; values?: string[] }[]): string[] =>
    selectClusters({ nodeSelectorTerms: [{ matchExpressions }] }, remotes)
      .filter((c) => c.selected)
      .map((c) => c.clusterID)
  assert.equal(selected([{ key: 'kubernetes.io/hostname', operator: 'In', values: ['naples'] }]), ['naples'])
  assert.equal(selected([{ key: 'kubernetes.io/os', operator: 'In', values: ['linux'] }]), ['florence', 'naples'])
  assert.equal(selected([{ key: 'storage.liqo.io/available', operator: 'In', values: ['false'] }]), [])
  assert.equal(selected([{ key: 'kubernetes.io/role', operator: 'Exists' }]), ['florence', 'naples'])
})

test('ownLabels keeps exactly what virtualNodeLabels does not give back: a live node round-trips', () => {
  const live = {
    ...virtualNodeLabels('turin', 'turin-b', { zone: 'b', 'kubernetes.io/arch': 'arm64' }),
    'beta.kubernetes.io/os': 'linux',
    'storage.liqo.io/available': 'false',
  }
  const own = ownLabels('turin', 'turin-b', live)
  assert.equal(own, { zone: 'b', 'kubernetes.io/arch': 'arm64', 'beta.kubernetes.io/os': 'linux', 'storage.liqo.io/available': 'false' })
  assert.equal(virtualNodeLabels('turin', 'turin-b', own), live)
})

// Taints and tolerations (core/v1 ToleratesTaint).
const taint = { key: 'k', value: 'v', effect: 'NoSchedule' }
const tolerationCases: [Toleration, boolean][] = [
  [{ key: 'k', operator: 'Equal', value: 'v', effect: 'NoSchedule' }, true],
  [{ key: 'k', value: 'v' }, true],
  [{ key: 'k', operator: 'Equal', value: 'w' }, false],
  [{ key: 'k', operator: 'Exists' }, true],
  [{ key: 'k', operator: 'Exists', effect: 'NoExecute' }, false],
  [{ operator: 'Exists' }, true],
  [{ operator: 'Exists', effect: 'NoSchedule' }, true],
  [{ key: 'other', operator: 'Exists' }, false],
  [{ key: 'k', operator: 'Gt' }, false],
]
tolerationCases.forEach(([t, ok], i) => {
  test(`toleration ${i}: ${JSON.stringify(t)} ${ok ? 'tolerates' : 'does not tolerate'} k=v:NoSchedule`, () => {
    assert.is(toleratesTaint(t, taint), ok)
  })
})

test('only NoSchedule and NoExecute taints filter', () => {
  const mk = (effect: string): SchedulingNode => ({ name: effect, labels: {}, taints: [{ key: 'k', value: 'v', effect }] })
  assert.equal(eligibleNodes({}, [mk('NoSchedule'), mk('NoExecute'), mk('PreferNoSchedule')]), ['PreferNoSchedule'])
})

test('every filtering taint must be tolerated; the first untolerated one is reported', () => {
  const n: SchedulingNode = {
    name: 'n',
    labels: {},
    taints: [
      { key: 'a', effect: 'NoSchedule' },
      { key: 'b', value: '1', effect: 'NoExecute' },
    ],
  }
  const v = judgeNodes({ tolerations: [{ key: 'a', operator: 'Exists' }] }, [n])
  assert.equal(v[0]?.excludedBy, { kind: 'taint', taint: { key: 'b', value: '1', effect: 'NoExecute' } })
  assert.equal(
    eligibleNodes(
      {
        tolerations: [
          { key: 'a', operator: 'Exists' },
          { key: 'b', value: '1' },
        ],
      },
      [n],
    ),
    ['n'],
  )
})

test('nodeSelector: every key with exactly that value, ANDed with the affinity', () => {
  assert.equal(eligibleNodes({ nodeSelector: { 'topology.liqo.io/region': 'north' } }, nodes), ['venice-control-plane'])
  assert.equal(eligibleNodes({ nodeSelector: { 'topology.liqo.io/region': 'north' }, ...required([region('south')]) }, nodes), [])
  assert.equal(judgeNodes({ nodeSelector: { disk: 'ssd' } }, [home])[0]?.excludedBy, {
    kind: 'nodeSelector',
    key: 'disk',
    value: 'ssd',
    fromRuntimeClass: false,
  })
})

test('unschedulable nodes are skipped unless the pod tolerates node.kubernetes.io/unschedulable', () => {
  const cordoned: SchedulingNode = { ...home, name: 'cordoned', unschedulable: true }
  assert.equal(eligibleNodes({}, [cordoned, home]), ['venice-control-plane'])
  assert.equal(eligibleNodes({ tolerations: [{ key: 'node.kubernetes.io/unschedulable', operator: 'Exists', effect: 'NoSchedule' }] }, [cordoned]), [
    'cordoned',
  ])
  assert.is(schedulerMessage(judgeNodes({}, [cordoned])), '0/1 nodes are available: 1 node(s) were unschedulable.')
})

test('spec.nodeName binds to that node only', () => {
  assert.equal(eligibleNodes({ nodeName: 'venice-control-plane' }, nodes), ['venice-control-plane'])
  assert.is(schedulerMessage(judgeNodes({ nodeName: 'elsewhere' }, [home])), "0/1 nodes are available: 1 node(s) didn't match the requested node name.")
})

test('required affinity: terms ORed, an empty term matches nothing, [] matches no node (issue 15), matchFields on the name', () => {
  assert.equal(eligibleNodes(required([region('south')], [region('north')]), nodes), ['venice-control-plane'])
  assert.equal(eligibleNodes({ affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{}] } } } }, [home]), [])
  assert.equal(eligibleNodes({ affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [] } } } }, [home]), [])
  assert.equal(eligibleNodes({ affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: null } } }, [home]), ['venice-control-plane'])
  const byName = {
    affinity: {
      nodeAffinity: {
        requiredDuringSchedulingIgnoredDuringExecution: {
          nodeSelectorTerms: [{ matchFields: [{ key: 'metadata.name', operator: 'In', values: ['naples'] }] }],
        },
      },
    },
    tolerations: [{ operator: 'Exists' }],
  }
  assert.equal(eligibleNodes(byName, nodes), ['naples'])
})

test('RuntimeClass liqo: nodeSelector liqo.io/type=virtual-node and the toleration, added at admission', () => {
  const admitted = admitRuntimeClass({ runtimeClassName: 'liqo', tolerations: [{ key: 'x', operator: 'Exists' }] })
  assert.equal(admitted.spec.nodeSelector, { 'liqo.io/type': 'virtual-node' })
  assert.equal(admitted.spec.tolerations, [
    { key: 'x', operator: 'Exists' },
    { key: 'virtual-node.liqo.io/not-allowed', operator: 'Exists', effect: 'NoExecute' },
  ])
  assert.equal(eligibleNodes({ runtimeClassName: 'liqo' }, nodes), ['florence', 'naples'])
  assert.equal(judgeNodes({ runtimeClassName: 'liqo' }, [home])[0]?.excludedBy, {
    kind: 'nodeSelector',
    key: 'liqo.io/type',
    value: 'virtual-node',
    fromRuntimeClass: true,
  })
  // Another runtime class brings no scheduling constraints of its own here.
  assert.equal(eligibleNodes({ runtimeClassName: 'gvisor' }, nodes), ['venice-control-plane'])
})

test('RuntimeClass liqo with a conflicting nodeSelector: the pod is rejected, no node', () => {
  const v = judgeNodes({ runtimeClassName: 'liqo', nodeSelector: { 'liqo.io/type': 'other' } }, nodes)
  assert.ok(v.every((x) => x.excludedBy?.kind === 'runtimeClassConflict'))
})

test("at scale: 2,000 nodes × 200 workloads, every node judged (speed is the benchmark's: npm run bench)", () => {
  const many: SchedulingNode[] = Array.from({ length: 2000 }, (_, i) =>
    i % 2 === 0 ? { name: `n${i}`, labels: { zone: `z${i % 7}` }, taints: [] } : virtualNode(`c${i}`, `c${i}`, { zone: `z${i % 7}` }),
  )
  for (let w = 0; w < 200; w++) {
    const zone = `z${w % 7}`
    // The home nodes of that zone: the virtual nodes' taint is not tolerated.
    const want = many.filter((n, i) => i % 2 === 0 && n.labels['zone'] === zone).map((n) => n.name)
    assert.equal(eligibleNodes(required([{ key: 'zone', operator: 'In', values: [zone] }]), many), want, zone)
  }
})

test.run()
