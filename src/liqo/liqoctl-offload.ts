// Follows liqotech/liqo@v1.2.0 pkg/liqoctl/offload/handler.go (ParseClusterSelectors, toNodeSelector, output): what
// `liqoctl offload namespace` makes of its `--selector` strings, and the NamespaceOffloading spec it writes.
import type { NodeSelectorRequirement, NodeSelectorTerm } from '../model/k8s.ts'
import type { Policy } from '../model/policy.ts'
import { parseLabelSelector } from '../selectors/label-selector.ts'

export type SelectorParse =
  | { readonly ok: true; readonly term: NodeSelectorTerm }
  | { readonly ok: false; readonly kind: 'syntax' | 'operator'; readonly message: string; readonly hint?: string }

/**
 * One `--selector` string as liqoctl turns it into a NodeSelectorTerm (`ParseClusterSelectors`,
 * then `toNodeSelector`): parsed by apimachinery's `metav1.ParseToLabelSelector`
 * (`selectors/label-selector.ts`: the non-equality requirements sorted by key, its errors), then
 * one `In [v]` per equality requirement appended. liqoctl iterates a Go map there (random order);
 * nsoffload takes key order to stay deterministic.
 */
export function parseLiqoctlSelector(s: string): SelectorParse {
  const r = parseLabelSelector(s)
  if (!r.ok) {
    const f = r.refused
    if (f === undefined) return { ok: false, kind: r.kind, message: r.message }
    const op = f.op === 'gt' ? 'Gt' : 'Lt'
    const hint =
      f.op === '!='
        ? `use "${f.key} notin (${f.value})"`
        : `liqoctl selectors cannot compare numbers; use the NodeSelector form with operator ${op}: clusterSelector: {nodeSelectorTerms: [{matchExpressions: [{key: ${f.key}, operator: ${op}, values: ["${f.value}"]}]}]}`
    return { ok: false, kind: r.kind, message: r.message, hint }
  }
  const expressions: NodeSelectorRequirement[] = [...r.matchExpressions]
  for (const k of [...r.matchLabels.keys()].sort()) expressions.push({ key: k, operator: 'In', values: [r.matchLabels.get(k) ?? ''] })
  return { ok: true, term: expressions.length > 0 ? { matchExpressions: expressions } : {} }
}

/** Keeps `values` only where there are some (Kubernetes omits it empty: kubernetes/kubernetes@v1.30.0 staging/src/k8s.io/api/core/v1/types.go). */
const termOut = (t: NodeSelectorTerm): Record<string, unknown> => ({ ...t })

/**
 * The NamespaceOffloading's spec as liqoctl renders it (`output`): every spec field explicit,
 * spec keys in alphabetical order, `nodeSelectorTerms: []` when nothing is selected on,
 * remoteNamespaceName only with SelectedName. Status is Liqo's to write and is left out.
 */
export function offloadingSpec(
  p: Pick<Policy, 'clusterSelector' | 'namespaceMappingStrategy' | 'podOffloadingStrategy' | 'remoteNamespaceName'>,
): Record<string, unknown> {
  return {
    clusterSelector: { nodeSelectorTerms: p.clusterSelector.nodeSelectorTerms.map(termOut) },
    namespaceMappingStrategy: p.namespaceMappingStrategy,
    podOffloadingStrategy: p.podOffloadingStrategy,
    ...(p.namespaceMappingStrategy === 'SelectedName' && p.remoteNamespaceName ? { remoteNamespaceName: p.remoteNamespaceName } : {}),
  }
}
