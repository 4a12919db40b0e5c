import type { NodeSelector, NodeSelectorTerm } from '../model/k8s.ts'
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
 * Liqo's cluster selection (liqotech/liqo@v1.2.0 …/namespaceoffloading-controller/clusterselector.go) with Kubernetes MatchNodeSelectorTerms semantics
 * over each remote's virtual-node labels. Zero terms select every cluster; a cluster is
 * selected when any of its virtual nodes matches (docs/ARCHITECTURE.md).
 */
export function selectClusters(selector: NodeSelector, remotes: readonly RemoteCluster[]): ClusterSelection[] {
  return remotes.map((r) => new Selection(selector.nodeSelectorTerms, r))
}

/**
 * One cluster's selection. `why` and `virtualNodes` are worked out when read: plan shows them,
 * build does not need them, and at fleet scale (thousands of policies × a hundred clusters,
 * most of them not selected) explaining every miss up front costs most of the compile time
 * and memory.
 */
class Selection implements ClusterSelection {
  readonly clusterID: string
  readonly selected: boolean
  readonly disagree: boolean
  readonly #terms: readonly NodeSelectorTerm[]
  readonly #remote: RemoteCluster

  constructor(terms: readonly NodeSelectorTerm[], r: RemoteCluster) {
    let matched = 0
    if (terms.length > 0) for (const n of r.virtualNodes) if (matchTerms(terms, n)) matched++
    this.clusterID = r.clusterID
    this.selected = terms.length === 0 || matched > 0
    this.disagree = terms.length > 0 && matched > 0 && matched < r.virtualNodes.length
    this.#terms = terms
    this.#remote = r
  }

  get virtualNodes(): VirtualNodeMatch[] {
    const terms = this.#terms
    return this.#remote.virtualNodes.map((n) => ({ name: n.name, matched: terms.length === 0 || matchTerms(terms, n) }))
  }

  get why(): string {
    const terms = this.#terms
    const nodes = this.#remote.virtualNodes
    const first = nodes[0]
    if (terms.length === 0) return 'no clusterSelector: every remote cluster is selected'
    if (this.selected) {
      const node = nodes.find((n) => matchTerms(terms, n)) ?? first
      const i = node ? terms.findIndex((t) => matchTerms([t], node)) : -1
      const term = terms[i]
      return `matches term ${i + 1}: ${(term?.matchExpressions ?? []).map(showRequirement).join(', ') || (term?.matchFields ?? []).map(showRequirement).join(', ')}`
    }
    return first ? terms.map((t, i) => `term ${i + 1}: ${explainMiss(t, first)}`).join('; ') : 'the cluster has no virtual node'
  }
}
