// Follows liqotech/liqo@v1.2.0 pkg/liqo-controller-manager/offloading/namespaceoffloading-controller/clusterselector.go (the
// clusters a NamespaceOffloading selects: its clusterSelector matched against each remote's virtual nodes).
import type { NodeSelector, NodeView } from '../model/k8s.ts'
import type { RemoteCluster } from '../model/inventory.ts'
import { explainMiss, matchTerms, showRequirement } from '../selectors/node-selector.ts'

/** The node as cluster selection reads it: its `selectionLabels` when Liqo does not read the Node's own. */
const asSelected = (n: NodeView): Pick<NodeView, 'name' | 'labels'> => (n.selectionLabels ? { name: n.name, labels: n.selectionLabels } : n)

export interface VirtualNodeMatch {
  readonly name: string
  readonly matched: boolean
}

/**
 * One cluster's selection: the result only. Why, in words, and each virtual node's match are
 * worked out by `selectionWhy` and `virtualNodeMatches` for the readers that show them (plan,
 * a diagnostic): build does not need them, and at fleet scale (thousands of policies × a
 * hundred clusters, most of them not selected) explaining every miss up front costs most of
 * the compile time and memory.
 */
export interface ClusterSelection {
  readonly clusterID: string
  /** The remote cluster the selector was matched against (its virtual nodes explain the result). */
  readonly remote: RemoteCluster
  readonly selected: boolean
  /** The cluster's virtual nodes disagree: Liqo's own result is not determined (its cache's list order decides). */
  readonly disagree: boolean
}

/**
 * Liqo's cluster selection (liqotech/liqo@v1.2.0 …/namespaceoffloading-controller/clusterselector.go) with Kubernetes MatchNodeSelectorTerms semantics
 * over each remote's virtual-node labels. Zero terms select every cluster; a cluster is
 * selected when any of its virtual nodes matches (docs/ARCHITECTURE.md). Selections are in
 * the order of `remotes`.
 */
export function selectClusters(selector: NodeSelector, remotes: readonly RemoteCluster[]): ClusterSelection[] {
  const terms = selector.nodeSelectorTerms
  return remotes.map((r) => {
    let matched = 0
    if (terms.length > 0) for (const n of r.virtualNodes) if (matchTerms(terms, asSelected(n))) matched++
    return {
      clusterID: r.clusterID,
      remote: r,
      selected: terms.length === 0 || matched > 0,
      disagree: terms.length > 0 && matched > 0 && matched < r.virtualNodes.length,
    }
  })
}

/** Whether each of the remote's virtual nodes matches the selector, in the remote's order. */
export function virtualNodeMatches(selector: NodeSelector, remote: RemoteCluster): VirtualNodeMatch[] {
  const terms = selector.nodeSelectorTerms
  return remote.virtualNodes.map((n) => ({ name: n.name, matched: terms.length === 0 || matchTerms(terms, asSelected(n)) }))
}

/** Why the selector selects the remote or not, in words: the matching term, or each term's first failing requirement. */
export function selectionWhy(selector: NodeSelector, remote: RemoteCluster): string {
  const terms = selector.nodeSelectorTerms
  if (terms.length === 0) return 'no clusterSelector: every remote cluster is selected'
  const node = remote.virtualNodes.map(asSelected).find((n) => matchTerms(terms, n))
  if (node) {
    const i = terms.findIndex((t) => matchTerms([t], node))
    const term = terms[i]
    return `matches term ${i + 1}: ${(term?.matchExpressions ?? []).map(showRequirement).join(', ') || (term?.matchFields ?? []).map(showRequirement).join(', ')}`
  }
  const first = remote.virtualNodes[0]
  return first ? terms.map((t, i) => `term ${i + 1}: ${explainMiss(t, asSelected(first))}`).join('; ') : 'the cluster has no virtual node'
}
