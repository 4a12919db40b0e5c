import type { Taint, Toleration } from '../model/k8s.ts'
import { LIQO_RUNTIME_CLASS_SCHEDULING } from '../liqo/virtual-nodes.ts'
import { LIQO_RUNTIME_CLASS } from '../model/liqo.ts'
import type { PodSchedulingSpec } from '../model/workload.ts'
import { explainMiss, matchTerms } from '../selectors/node-selector.ts'

/**
 * The placement preview: which nodes the kube-scheduler would consider for a pod, judged on
 * the filters that depend only on the pod spec and the node objects (reference
 * scheduling-semantics.md): NodeUnschedulable, NodeName, TaintToleration and NodeAffinity
 * (nodeSelector + required node affinity), in the scheduler's order, after the RuntimeClass
 * admission step. Resources, ports, volumes and pod (anti-)affinity are not judged. Pure; cost
 * linear in nodes × size of the pod's constraints.
 */

/** A node as the scheduler sees it for these filters. */
export interface SchedulingNode {
  readonly name: string
  readonly labels: Readonly<Record<string, string>>
  readonly taints: readonly Taint[]
  /** `spec.unschedulable` (a cordoned node). */
  readonly unschedulable?: boolean
}

/** A RuntimeClass's `scheduling` section. */
export interface RuntimeClassScheduling {
  readonly nodeSelector: Readonly<Record<string, string>>
  readonly tolerations: readonly Toleration[]
}

/** The RuntimeClasses the preview knows (Liqo's, `liqo/virtual-nodes.ts`); a pod naming another one gets no scheduling from it. */
export const KNOWN_RUNTIME_CLASSES: Readonly<Record<string, RuntimeClassScheduling>> = { [LIQO_RUNTIME_CLASS]: LIQO_RUNTIME_CLASS_SCHEDULING }

/** The first filter that rejects a node, in the scheduler's plugin order. */
export type Exclusion =
  | { readonly kind: 'runtimeClassConflict'; readonly key: string; readonly podValue: string; readonly classValue: string }
  | { readonly kind: 'unschedulable' }
  | { readonly kind: 'nodeName'; readonly nodeName: string }
  | { readonly kind: 'taint'; readonly taint: Taint }
  | { readonly kind: 'nodeSelector'; readonly key: string; readonly value: string; readonly actual?: string; readonly fromRuntimeClass: boolean }
  | { readonly kind: 'nodeAffinity'; readonly misses: readonly string[] }

export interface NodeVerdict {
  readonly node: string
  /** Absent when the node is eligible. */
  readonly excludedBy?: Exclusion
}

/** A pod after admission: what the scheduler reads, and where nodeSelector entries came from. */
export interface AdmittedPod {
  readonly spec: PodSchedulingSpec
  readonly runtimeClassKeys: ReadonlySet<string>
  readonly conflict?: Extract<Exclusion, { kind: 'runtimeClassConflict' }>
}

/**
 * The RuntimeClass admission plugin: the class's nodeSelector merged into the pod's (a key with
 * another value makes the API server reject the pod) and its tolerations appended.
 */
export function admitRuntimeClass(pod: PodSchedulingSpec, classes: Readonly<Record<string, RuntimeClassScheduling>> = KNOWN_RUNTIME_CLASSES): AdmittedPod {
  const rc =
    typeof pod.runtimeClassName === 'string' && Object.prototype.hasOwnProperty.call(classes, pod.runtimeClassName) ? classes[pod.runtimeClassName] : undefined
  if (!rc) return { spec: pod, runtimeClassKeys: new Set() }
  const own = pod.nodeSelector ?? {}
  for (const [k, v] of Object.entries(rc.nodeSelector)) {
    const podValue = own[k]
    if (podValue !== undefined && podValue !== v)
      return { spec: pod, runtimeClassKeys: new Set(), conflict: { kind: 'runtimeClassConflict', key: k, podValue, classValue: v } }
  }
  const added = Object.keys(rc.nodeSelector).filter((k) => own[k] === undefined)
  return {
    spec: { ...pod, nodeSelector: { ...own, ...rc.nodeSelector }, tolerations: [...(pod.tolerations ?? []), ...rc.tolerations] },
    runtimeClassKeys: new Set(added),
  }
}

/** core/v1 `Toleration.ToleratesTaint`. */
export function toleratesTaint(t: Toleration, taint: Taint): boolean {
  if (t.effect !== undefined && t.effect !== '' && t.effect !== taint.effect) return false
  if (t.key !== undefined && t.key !== '' && t.key !== taint.key) return false
  switch (t.operator ?? '') {
    case '':
    case 'Equal':
      return (t.value ?? '') === (taint.value ?? '')
    case 'Exists':
      return true
    default:
      return false
  }
}

const FILTERING_EFFECTS = new Set(['NoSchedule', 'NoExecute'])
const UNSCHEDULABLE_TAINT: Taint = { key: 'node.kubernetes.io/unschedulable', effect: 'NoSchedule' }

function judge(pod: AdmittedPod, node: SchedulingNode): Exclusion | undefined {
  if (pod.conflict) return pod.conflict
  const spec = pod.spec
  const tols = spec.tolerations ?? []
  if (node.unschedulable === true && !tols.some((t) => toleratesTaint(t, UNSCHEDULABLE_TAINT))) return { kind: 'unschedulable' }
  if (typeof spec.nodeName === 'string' && spec.nodeName !== '' && spec.nodeName !== node.name) return { kind: 'nodeName', nodeName: spec.nodeName }
  for (const taint of node.taints) {
    if (FILTERING_EFFECTS.has(taint.effect) && !tols.some((t) => toleratesTaint(t, taint))) return { kind: 'taint', taint }
  }
  for (const [key, value] of Object.entries(spec.nodeSelector ?? {})) {
    const actual = node.labels[key]
    if (actual !== value)
      return { kind: 'nodeSelector', key, value, ...(actual !== undefined ? { actual } : {}), fromRuntimeClass: pod.runtimeClassKeys.has(key) }
  }
  // A required node affinity matches a node when one of its terms does (component-helpers
  // `GetRequiredNodeAffinity`): with no term (`nodeSelectorTerms: []`), no node.
  const required = spec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution
  if (required !== undefined && required !== null) {
    const terms = required.nodeSelectorTerms ?? []
    if (!matchTerms(terms, node)) {
      return {
        kind: 'nodeAffinity',
        misses: terms.length === 0 ? ['nodeSelectorTerms is empty: no node matches'] : terms.map((t, i) => `term ${i + 1}: ${explainMiss(t, node)}`),
      }
    }
  }
  return undefined
}

/** Each node's verdict, in the order given: eligible, or the first filter that rejects it. */
export function judgeNodes(
  pod: PodSchedulingSpec,
  nodes: readonly SchedulingNode[],
  classes?: Readonly<Record<string, RuntimeClassScheduling>>,
): NodeVerdict[] {
  const admitted = admitRuntimeClass(pod, classes)
  return nodes.map((n) => {
    const excludedBy = judge(admitted, n)
    return excludedBy ? { node: n.name, excludedBy } : { node: n.name }
  })
}

/**
 * The names of the nodes the kube-scheduler could bind the pod to (as submitted: the
 * RuntimeClass admission step is applied here), in the order given.
 */
export function eligibleNodes(pod: PodSchedulingSpec, nodes: readonly SchedulingNode[], classes?: Readonly<Record<string, RuntimeClassScheduling>>): string[] {
  return judgeNodes(pod, nodes, classes)
    .filter((v) => v.excludedBy === undefined)
    .map((v) => v.node)
}

const showTaint = (t: Taint): string => `${t.key}${t.value ? `=${t.value}` : ''}:${t.effect}`

/** The constraint in a few words, for grouping nodes: `untolerated taint k=v:NoExecute`. */
export function constraintName(e: Exclusion): string {
  switch (e.kind) {
    case 'runtimeClassConflict':
      return 'the RuntimeClass admission (conflicting nodeSelector)'
    case 'unschedulable':
      return 'spec.unschedulable (cordoned)'
    case 'nodeName':
      return `spec.nodeName ${e.nodeName}`
    case 'taint':
      return `untolerated taint ${showTaint(e.taint)}`
    case 'nodeSelector':
      return `nodeSelector ${e.key}=${e.value}${e.fromRuntimeClass ? ' (from RuntimeClass liqo)' : ''}`
    case 'nodeAffinity':
      return 'required node affinity'
    default:
      return assertNever(e)
  }
}

/** The constraint with the node's side of it: `required node affinity: term 1: region In [a] (label is "b")`. */
export function describeExclusion(e: Exclusion): string {
  switch (e.kind) {
    case 'runtimeClassConflict':
      return `the RuntimeClass sets nodeSelector ${e.key}=${e.classValue} but the pod has ${e.key}=${e.podValue}: the API server would reject the pod`
    case 'nodeSelector':
      return `${constraintName(e)} (${e.actual === undefined ? 'label absent' : `label is "${e.actual}"`})`
    case 'nodeAffinity':
      return `${constraintName(e)}: ${e.misses.join('; ')}`
    case 'unschedulable':
    case 'nodeName':
    case 'taint':
      return constraintName(e)
    default:
      return assertNever(e)
  }
}

/** The kube-scheduler's reason for a rejected node (its FitError wording). */
function schedulerReason(e: Exclusion): string {
  switch (e.kind) {
    case 'runtimeClassConflict':
      return 'pod rejected by the RuntimeClass admission'
    case 'unschedulable':
      return 'node(s) were unschedulable'
    case 'nodeName':
      return "node(s) didn't match the requested node name"
    case 'taint':
      return `node(s) had untolerated taint {${e.taint.key}: ${e.taint.value ?? ''}}`
    case 'nodeSelector':
    case 'nodeAffinity':
      return "node(s) didn't match Pod's node affinity/selector"
    default:
      return assertNever(e)
  }
}

/** `0/3 nodes are available: 1 node(s) had untolerated taint {k: v}, 2 node(s) didn't match Pod's node affinity/selector.` */
export function schedulerMessage(verdicts: readonly NodeVerdict[]): string {
  const counts = new Map<string, number>()
  let eligible = 0
  for (const v of verdicts) {
    if (!v.excludedBy) eligible++
    else counts.set(schedulerReason(v.excludedBy), (counts.get(schedulerReason(v.excludedBy)) ?? 0) + 1)
  }
  const reasons = [...counts].map(([r, n]) => `${n} ${r}`).sort()
  return `${eligible}/${verdicts.length} nodes are available${reasons.length > 0 ? `: ${reasons.join(', ')}` : ''}.`
}

/** Groups the excluded nodes by constraint: `required node affinity excludes a, b; untolerated taint … excludes c`. */
export function exclusionSummary(verdicts: readonly NodeVerdict[]): string {
  const groups = new Map<string, string[]>()
  for (const v of verdicts) {
    if (!v.excludedBy) continue
    const k = constraintName(v.excludedBy)
    groups.set(k, [...(groups.get(k) ?? []), v.node])
  }
  return [...groups].map(([c, ns]) => `${c} excludes ${ns.join(', ')}`).join('; ')
}

function assertNever(x: never): never {
  throw new Error(`unexpected exclusion ${JSON.stringify(x)}`)
}
