import { test } from 'uvu'
import * as assert from 'uvu/assert'
import type { Taint, Toleration } from '../../src/model/k8s.ts'
import type { PodSchedulingSpec } from '../../src/model/workload.ts'
import { judgeNodes, type SchedulingNode } from '../../src/placement/eligible-nodes.ts'
import { virtualNode } from '../../src/liqo/virtual-nodes.ts'
import { CASES } from './cases.ts'
import { NODE_KEYS, nodeLabels, nodeSelector, nodeValue } from './gen-labels.ts'
import { type Oracle, startOracle } from './oracle.ts'
import { type Property, runProperty } from './property.ts'
import type { Rng } from './random.ts'

// The placement preview against the kube-scheduler's own filters: component-helpers
// `nodeaffinity.GetRequiredNodeAffinity(pod).Match(node)` (NodeAffinity: nodeSelector and required
// node affinity), `FindMatchingUntoleratedTaint` over NoSchedule and NoExecute taints
// (TaintToleration) and the unschedulable taint (NodeUnschedulable), on generated pods and on
// home and virtual nodes (Liqo's taint and labels, as `plan` makes them).

type PlacementCase = { readonly pod: PodSchedulingSpec; readonly nodes: readonly SchedulingNode[] }

const TAINT_KEYS = [
  'virtual-node.liqo.io/not-allowed',
  'dedicated',
  'example.com/gpu',
  'node.kubernetes.io/unschedulable',
  'node-role.kubernetes.io/control-plane',
]
const EFFECTS = ['NoSchedule', 'NoExecute', 'PreferNoSchedule']

function taint(rng: Rng): Taint {
  const t: { key: string; value?: string; effect: string } = { key: rng.pick(TAINT_KEYS), effect: rng.pick(EFFECTS) }
  if (rng.chance(0.5)) t.value = rng.pick(['true', 'gpu', ''])
  return t
}

function toleration(rng: Rng): Toleration {
  const t: { key?: string; operator?: string; value?: string; effect?: string } = {}
  if (rng.chance(0.8)) t.key = rng.pick(TAINT_KEYS)
  const op = rng.pick(['Exists', 'Equal', '', undefined, 'Gt', 'exists'])
  if (op !== undefined) t.operator = op
  if (op !== 'Exists' || rng.chance(0.1)) if (rng.chance(0.7)) t.value = rng.pick(['true', 'gpu', ''])
  if (rng.chance(0.7)) t.effect = rng.pick([...EFFECTS, ''])
  return t
}

function node(rng: Rng, i: number): SchedulingNode {
  const name = rng.pick(['venice', 'florence', 'naples', 'n']) + `-${i}`
  if (rng.chance(0.5)) {
    const v = virtualNode(rng.pick(['florence', 'naples', 'milan']), name, nodeLabels(rng, 4), rng.chance(0.3) ? rng.list(1, 2, () => taint(rng)) : [])
    return { name: v.name, labels: v.labels, taints: v.taints }
  }
  return {
    name,
    labels: nodeLabels(rng, 5),
    taints: rng.chance(0.5) ? [] : rng.list(1, 2, () => taint(rng)),
    ...(rng.chance(0.1) ? { unschedulable: true } : {}),
  }
}

function pod(rng: Rng, names: readonly string[]): PodSchedulingSpec {
  const spec: { nodeSelector?: Record<string, string>; affinity?: unknown; tolerations?: Toleration[] } = {}
  if (rng.chance(0.4)) spec.nodeSelector = Object.fromEntries(rng.subset(NODE_KEYS, 2).map((k) => [k, nodeValue(rng)]))
  if (rng.chance(0.7)) {
    spec.affinity = rng.oneOf<unknown>([
      [8, () => ({ nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: nodeSelector(rng, names) } })],
      [1, () => ({ nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: {} } })],
      [1, () => ({ nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: null } })],
      [1, () => ({ nodeAffinity: {} })],
    ])
  }
  if (rng.chance(0.7)) spec.tolerations = rng.list(0, 3, () => toleration(rng))
  // Most pods meant for virtual nodes tolerate Liqo's taint (the liqo RuntimeClass gives this one).
  if (rng.chance(0.5)) spec.tolerations = [...(spec.tolerations ?? []), { key: 'virtual-node.liqo.io/not-allowed', operator: 'Exists', effect: 'NoExecute' }]
  return spec as PodSchedulingSpec
}

type PlacementAnswer = { nodes: { name: string; affinity: boolean; untoleratedTaint?: Taint; unschedulable: boolean }[] }

const sameTaint = (a: Taint, b: Taint): boolean => a.key === b.key && (a.value ?? '') === (b.value ?? '') && a.effect === b.effect

const placement: Property<PlacementCase> = {
  name: 'placement',
  cases: CASES['placement'],
  generate(rng) {
    const nodes = rng.list(1, 4, (i) => node(rng, i))
    return {
      pod: pod(
        rng,
        nodes.map((n) => n.name),
      ),
      nodes,
    }
  },
  async check(c, oracle, tally) {
    const k8s = await oracle.ask<PlacementAnswer>('placement', { pod: c.pod, nodes: c.nodes })
    const ours = judgeNodes(c.pod, c.nodes)
    const problems: string[] = []
    c.nodes.forEach((n, i) => {
      const want = k8s.nodes[i]
      const got = ours[i]
      if (!want || !got) return problems.push(`node ${n.name}: no answer`)
      const e = got.excludedBy
      // The scheduler's order: NodeUnschedulable, TaintToleration, NodeAffinity; the first that fails is the one said.
      const first = want.unschedulable ? 'unschedulable' : want.untoleratedTaint ? 'taint' : !want.affinity ? 'affinity' : 'eligible'
      tally.add(first)
      const mine = e === undefined ? 'eligible' : e.kind === 'nodeSelector' || e.kind === 'nodeAffinity' ? 'affinity' : e.kind
      if (mine !== first) return problems.push(`node ${n.name}: the scheduler says ${first}, nsoffload ${mine}${e ? ` (${JSON.stringify(e)})` : ''}`)
      if (e?.kind === 'taint' && want.untoleratedTaint && !sameTaint(e.taint, want.untoleratedTaint)) {
        problems.push(`node ${n.name}: untolerated taint ${JSON.stringify(want.untoleratedTaint)}; nsoffload names ${JSON.stringify(e.taint)}`)
      }
      return undefined
    })
    return problems.length > 0 ? problems.join('\n    ') : undefined
  },
}

let oracle: Oracle
test.before(() => {
  oracle = startOracle()
})
test.after(() => oracle.close())

test("placement: the nodes the preview finds eligible are those the kube-scheduler's filters pass", async () => {
  assert.ok((await runProperty(oracle, placement)).cases > 0)
})

test.run()
