import type { NodeSelector } from '../model/k8s.ts'
import type { RemoteCluster } from '../model/inventory.ts'
import { explainMiss, matchTerms, showRequirement } from '../selectors/node-selector.ts'

export interface VirtualNodeMatch {
  readonly name: string
  readonly matched: boolean
}

export interface ClusterSelection {
  readonly clusterID: string
  readonly selected: boolean
  /** Why, in words: the matching term, or each term's first failing requirement. */
  readonly why: string
  readonly virtualNodes: readonly VirtualNodeMatch[]
  /** The cluster's virtual nodes disagree: Liqo's own result would depend on list order. */
  readonly disagree: boolean
}

/**
 * Liqo's cluster selection (reference §5.2) with Kubernetes MatchNodeSelectorTerms semantics
 * over each remote's virtual-node labels. Zero terms select every cluster; a cluster is
 * selected when any of its virtual nodes matches (SPEC §1.2).
 */
export function selectClusters(selector: NodeSelector, remotes: readonly RemoteCluster[]): ClusterSelection[] {
  const terms = selector.nodeSelectorTerms
  return remotes.map((r) => {
    if (terms.length === 0) {
      return {
        clusterID: r.clusterID,
        selected: true,
        why: 'no clusterSelector: every remote cluster is selected',
        virtualNodes: r.virtualNodes.map((n) => ({ name: n.name, matched: true })),
        disagree: false,
      }
    }
    const nodes = r.virtualNodes.map((n) => ({ name: n.name, matched: matchTerms(terms, n) }))
    const selected = nodes.some((n) => n.matched)
    const disagree = selected && nodes.some((n) => !n.matched)
    const first = r.virtualNodes[0]
    let why: string
    if (selected) {
      const node = r.virtualNodes.find((n) => matchTerms(terms, n)) ?? first
      const i = node ? terms.findIndex((t) => matchTerms([t], node)) : -1
      const term = terms[i]
      why = `matches term ${i + 1}: ${(term?.matchExpressions ?? []).map(showRequirement).join(', ') || (term?.matchFields ?? []).map(showRequirement).join(', ')}`
    } else {
      why = first
        ? terms.map((t, i) => `term ${i + 1}: ${explainMiss(t, first)}`).join('; ')
        : 'the cluster has no virtual node'
    }
    return { clusterID: r.clusterID, selected, why, virtualNodes: nodes, disagree }
  })
}
