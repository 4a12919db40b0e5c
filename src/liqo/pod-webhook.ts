// Follows liqotech/liqo@v1.2.0 pkg/webhooks/pod/mutations.go (mutatePod: the toleration, the RuntimeClass path, the node
// selector merge), pkg/utils/nodeUtils.go (the cross-product merge of node selectors) and pkg/webhooks/pod/pod.go (the admission).
import type { NodeSelector, NodeSelectorRequirement, NodeSelectorTerm, Toleration } from '../model/k8s.ts'
import { LABEL_TYPE, LIQO_RUNTIME_CLASS, TYPE_VIRTUAL_NODE, VIRTUAL_NODE_TAINT_KEY } from '../model/liqo.ts'
import type { PodSchedulingSpec } from '../model/workload.ts'

/**
 * Liqo's pod mutating webhook (liqotech/liqo@v1.2.0 pkg/webhooks/pod/mutations.go, pkg/utils/nodeUtils.go), as pure functions over
 * plain data, named after Liqo's own (`pkg/webhooks/pod/mutations.go`,
 * `pkg/utils/nodeUtils.go`). Liqo mutates Pods at admission; nsoffload applies the same
 * mutation to pod templates ahead of time. Inputs are never modified.
 *
 * The admission (pkg/webhooks/pod/pod.go, `Handle`): the webhook sees the pods of the namespaces
 * labelled `liqo.io/scheduling-enabled: "true"` (`liqo/scheduling-label.ts`), reads the
 * namespace's NamespaceOffloading `offloading` for each, and refuses the pod while there is none
 * (failurePolicy `Fail`, deployments/liqo/values.yaml): why the NamespaceOffloading goes right
 * after the Namespace in kustomize's order and in its own Argo CD wave (`render/`).
 */

/** What the webhook reads from the namespace's NamespaceOffloading. */
export interface OffloadingSpec {
  readonly podOffloadingStrategy: string
  readonly clusterSelector: NodeSelector
}

/** A pod spec: its scheduling fields typed, everything else carried along untouched. */
export type PodSpec = PodSchedulingSpec & { readonly [field: string]: unknown }

/** `{virtual-node.liqo.io/not-allowed, Exists, NoExecute}`: no value, no tolerationSeconds. */
export const VIRTUAL_NODE_TOLERATION: Toleration = { key: VIRTUAL_NODE_TAINT_KEY, operator: 'Exists', effect: 'NoExecute' }
/** `liqo.io/type In [virtual-node]` */
export const TYPE_IN: NodeSelectorRequirement = { key: LABEL_TYPE, operator: 'In', values: [TYPE_VIRTUAL_NODE] }
/** `liqo.io/type NotIn [virtual-node]` */
export const TYPE_NOT_IN: NodeSelectorRequirement = { key: LABEL_TYPE, operator: 'NotIn', values: [TYPE_VIRTUAL_NODE] }

const unknownStrategy = (s: string): string => `unknown PodOffloadingStrategyType ${JSON.stringify(s)}`

const copyReq = (r: NodeSelectorRequirement): NodeSelectorRequirement => structuredClone(r)
const copyTerm = (t: NodeSelectorTerm): NodeSelectorTerm => structuredClone(t)

/**
 * Table A: the toleration for a strategy. `Local` gives the empty toleration (`{}`, which the
 * webhook never adds since it stops earlier); `Remote` and `LocalAndRemote` give
 * {@link VIRTUAL_NODE_TOLERATION}; anything else gives the empty toleration and an error.
 */
export function createTolerationFromNamespaceOffloading(strategy: string): { readonly toleration: Toleration; readonly error?: string } {
  switch (strategy) {
    case 'LocalAndRemote':
    case 'Remote':
      return { toleration: { ...VIRTUAL_NODE_TOLERATION } }
    case 'Local':
      return { toleration: {} }
    default:
      return { toleration: {}, error: unknownStrategy(strategy) }
  }
}

/**
 * Table B: the selector S the strategy imposes (mutations.go createNodeSelectorFromNamespaceOffloading). `undefined` = none (Local, and
 * LocalAndRemote with no cluster selector). Remote: every term of the cluster selector with
 * `liqo.io/type In [virtual-node]` appended (matchFields kept), or that requirement alone when
 * the selector is empty. LocalAndRemote: the selector's terms followed by one term
 * `liqo.io/type NotIn [virtual-node]`.
 */
export function createNodeSelectorFromNamespaceOffloading(spec: OffloadingSpec): { readonly selector?: NodeSelector; readonly error?: string } {
  const terms = spec.clusterSelector.nodeSelectorTerms
  switch (spec.podOffloadingStrategy) {
    case 'Remote': {
      const base: readonly NodeSelectorTerm[] = terms.length === 0 ? [{}] : terms
      return {
        selector: {
          nodeSelectorTerms: base.map((t) => ({ ...copyTerm(t), matchExpressions: [...(t.matchExpressions ?? []).map(copyReq), copyReq(TYPE_IN)] })),
        },
      }
    }
    case 'LocalAndRemote':
      if (terms.length === 0) return {}
      return { selector: { nodeSelectorTerms: [...terms.map(copyTerm), { matchExpressions: [copyReq(TYPE_NOT_IN)] }] } }
    case 'Local':
      return {}
    default:
      return { error: unknownStrategy(spec.podOffloadingStrategy) }
  }
}

/**
 * Table C: `MergeNodeSelector(P, S)`, the AND of two ORs as a cross product. Pod terms form the
 * outer loop, imposed terms the inner one; each result term holds the pod term's
 * matchExpressions followed by the imposed term's. matchFields of both sides are dropped, and
 * nothing is de-duplicated or simplified: |result| = |P| × |S|.
 */
export function mergeNodeSelector(pod: Partial<NodeSelector>, imposed: NodeSelector): NodeSelector {
  const out: NodeSelectorTerm[] = []
  for (const p of pod.nodeSelectorTerms ?? []) {
    for (const s of imposed.nodeSelectorTerms) {
      const exprs = [...(p.matchExpressions ?? []), ...(s.matchExpressions ?? [])].map(copyReq)
      // Go's nil slice: a term with no expressions is serialised as `{}`.
      out.push(exprs.length > 0 ? { matchExpressions: exprs } : {})
    }
  }
  return { nodeSelectorTerms: out }
}

/**
 * Table D: puts S into the pod (mutations.go fillPodWithTheNewNodeSelector). No affinity, no nodeAffinity, or no required terms:
 * the required selector becomes S as is (matchFields included). Otherwise it becomes
 * Merge(pod's, S). podAffinity, podAntiAffinity and preferred terms are preserved.
 */
export function fillPodWithTheNewNodeSelector<P extends PodSpec>(imposed: NodeSelector | undefined, pod: P): P {
  if (imposed === undefined) return pod
  const s = (): NodeSelector => ({ nodeSelectorTerms: imposed.nodeSelectorTerms.map(copyTerm) })
  const aff = pod.affinity
  if (aff === undefined || aff === null) return { ...pod, affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: s() } } }
  const na = aff.nodeAffinity
  if (na === undefined || na === null) return { ...pod, affinity: { ...aff, nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: s() } } }
  const req = na.requiredDuringSchedulingIgnoredDuringExecution
  const required = req === undefined || req === null || (req.nodeSelectorTerms ?? []).length === 0 ? s() : mergeNodeSelector(req, imposed)
  return { ...pod, affinity: { ...aff, nodeAffinity: { ...na, requiredDuringSchedulingIgnoredDuringExecution: required } } }
}

export interface MutationResult<P> {
  readonly pod: P
  /** Whether the pod was changed (false for Local, the Liqo RuntimeClass, and errors). */
  readonly mutated: boolean
  readonly error?: string
}

/**
 * Table E: `mutatePod`. Local: unchanged. A pod whose `runtimeClassName` is exactly the Liqo
 * runtime class: unchanged (neither toleration nor affinity). Otherwise the virtual-node
 * toleration is appended (even when an identical one is there: Liqo does not de-duplicate)
 * and S is put into the pod.
 */
export function mutatePod<P extends PodSpec>(spec: OffloadingSpec, pod: P, liqoRuntimeClassName: string = LIQO_RUNTIME_CLASS): MutationResult<P> {
  if (spec.podOffloadingStrategy === 'Local') return { pod, mutated: false }
  if (pod.runtimeClassName === liqoRuntimeClassName) return { pod, mutated: false }
  const tol = createTolerationFromNamespaceOffloading(spec.podOffloadingStrategy)
  if (tol.error !== undefined) return { pod, mutated: false, error: tol.error }
  const withToleration: P = { ...pod, tolerations: [...(pod.tolerations ?? []), tol.toleration] }
  const sel = createNodeSelectorFromNamespaceOffloading(spec)
  if (sel.error !== undefined) return { pod, mutated: false, error: sel.error }
  return { pod: fillPodWithTheNewNodeSelector(sel.selector, withToleration), mutated: true }
}

export interface TemplatePatch<P> extends MutationResult<P> {
  /**
   * The imposed selector holds `matchFields` and the template has no required node affinity:
   * the template gets only the toleration, and Liqo's webhook puts the selector into each pod
   * as is. A pre-patched copy would be merged with it again at pod creation, and the merge
   * drops `matchFields`.
   */
  readonly affinityLeftToWebhook?: boolean
}

const requiredTerms = (pod: PodSpec): readonly NodeSelectorTerm[] =>
  pod.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms ?? []

/**
 * What nsoffload writes into a pod template. Liqo's webhook runs again on every pod the
 * template makes, so the template must be a fixed point of {@link mutatePod} as far as
 * placement goes: for every pod p and every node, `mutatePod(patchTemplate(p))` is eligible
 * exactly where `mutatePod(p)` is, and so is `patchTemplate(p)`, except where said below.
 * With the imposed selector S (terms S1…Sm) and the template's required terms P (a term's
 * expressions written Pi', Sj'; a term with neither expressions nor fields matches no node):
 * - P not empty: the webhook writes P × S, expressions only, and a second pass (P × S) × S.
 *   A term Pi'∧Sj' of P × S gives Pi'∧Sj'∧Sk' for each k, inside it, and itself for k = j; an
 *   empty one (Pi' and Sj' empty) gives Sk', which P × S already holds as Pi'∧Sk'. So
 *   (P × S) × S ≡ P × S: Liqo's own output is stable, and is what the template gets.
 * - P empty: the webhook copies S as is, matchFields included, and the second pass gives
 *   S × S, expressions only. Without matchFields S × S ≡ S by the same argument, and the
 *   template gets S. With them, S × S loses them and widens placement (to clusters the
 *   namespace is not offloaded to), and no template form survives the merge: the template keeps
 *   its own (absent) affinity and only gets the toleration, the webhook puts S into each pod,
 *   once, and `affinityLeftToWebhook` says so (a warning).
 * The toleration is appended once per admission (Liqo does not de-duplicate): the pods carry
 * it twice, which changes nothing.
 */
export function patchTemplate<P extends PodSpec>(spec: OffloadingSpec, pod: P, liqoRuntimeClassName: string = LIQO_RUNTIME_CLASS): TemplatePatch<P> {
  const m = mutatePod(spec, pod, liqoRuntimeClassName)
  if (!m.mutated || requiredTerms(pod).length > 0) return m
  const imposed = createNodeSelectorFromNamespaceOffloading(spec).selector
  if (imposed === undefined || !imposed.nodeSelectorTerms.some((t) => (t.matchFields ?? []).length > 0)) return m
  return { pod: { ...pod, tolerations: m.pod.tolerations }, mutated: true, affinityLeftToWebhook: true }
}
