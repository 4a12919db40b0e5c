import type { NodeView, Taint } from './k8s.ts'
import type { SourceRef } from './source.ts'

export interface InventoryNode {
  readonly name: string
  readonly labels: Readonly<Record<string, string>>
  readonly taints: readonly Taint[]
}

export interface HomeCluster {
  readonly clusterID: string
  readonly context?: string
  readonly nodes: readonly InventoryNode[]
}

export interface RemoteCluster {
  readonly clusterID: string
  readonly context?: string
  readonly labels: Readonly<Record<string, string>>
  /** Namespaces known to exist on that cluster already, not owned by Liqo. */
  readonly namespaces: readonly string[]
  /** The cluster's Liqo virtual nodes, with Liqo's labels and taint already applied. */
  readonly virtualNodes: readonly NodeView[]
}

/** A validated cluster inventory. Remotes are sorted by cluster ID. */
export interface Inventory {
  readonly name: string
  readonly home: HomeCluster
  readonly remotes: readonly RemoteCluster[]
  readonly source: SourceRef
}
