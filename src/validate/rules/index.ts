import type { Diagnostic } from '../../diagnostics/diagnostic.ts'
import type { NodeSelectorTerm, Taint } from '../../model/k8s.ts'
import type { MappingStrategy, PodStrategy } from '../../model/liqo.ts'
import type { SourceRef } from '../../model/source.ts'
import { clusterIDValid } from './cluster-id-valid.ts'
import { clusterIDsUnique } from './cluster-ids-unique.ts'
import { clusterSelectorValid } from './cluster-selector-valid.ts'
import { inventoryLabelsValid } from './inventory-labels-valid.ts'
import { mappingStrategyConsistent } from './mapping-strategy-consistent.ts'
import { namespaceMetadataValid } from './namespace-metadata-valid.ts'
import { namespaceNameValid } from './namespace-name-valid.ts'
import { nodeNameValid } from './node-name-valid.ts'
import { nodeNamesUnique } from './node-names-unique.ts'
import { offloadingNamedOffloading } from './offloading-named-offloading.ts'
import { remoteNamespacesValid } from './remote-namespaces-valid.ts'

/** A schema-valid policy document, before the semantic rules have passed on it. */
export interface PolicyDraft {
  readonly kind: 'OffloadingPolicy' | 'NamespaceOffloading'
  readonly name: string
  readonly namespace: string
  readonly namespacePath: readonly string[]
  readonly namespaceMappingStrategy: MappingStrategy
  readonly mappingGiven: boolean
  readonly remoteNamespaceName: string | undefined
  readonly podOffloadingStrategy: PodStrategy
  /** `spec.clusterSelector` as written: liqoctl strings, a NodeSelector, or absent. */
  readonly selector: unknown
  readonly labels: Readonly<Record<string, string>>
  readonly annotations: Readonly<Record<string, string>>
  readonly source: SourceRef
}

export interface RuleResult {
  readonly diagnostics: Diagnostic[]
  /** The cluster selector rule also yields the normalised NodeSelector terms. */
  readonly terms?: NodeSelectorTerm[]
}

/** A semantic check no JSON Schema can express. Named after the invariant it keeps. */
export type PolicyRule = (p: PolicyDraft) => RuleResult

/** Every per-policy rule, in the order their diagnostics are most useful. */
export const policyRules: readonly PolicyRule[] = [
  offloadingNamedOffloading,
  namespaceNameValid,
  mappingStrategyConsistent,
  clusterSelectorValid,
  namespaceMetadataValid,
]

/** A node of a schema-valid ClusterInventory: a home node or a remote's virtual node. */
export interface InventoryNodeDraft {
  readonly name: string
  readonly labels: Readonly<Record<string, string>>
  readonly taints: readonly Taint[]
  /** Where it is written: `spec.home.nodes[i]` or `spec.remotes[i].virtualNodes[j]`. */
  readonly path: readonly (string | number)[]
}

/** A remote cluster of a schema-valid ClusterInventory. */
export interface RemoteDraft {
  readonly clusterID: string
  readonly context: string | undefined
  readonly labels: Readonly<Record<string, string>>
  readonly namespaces: readonly string[]
  /** The virtual nodes as written; none means the one Liqo names after the cluster ID. */
  readonly virtualNodes: readonly InventoryNodeDraft[]
  /** `spec.remotes[i]`. */
  readonly path: readonly (string | number)[]
}

/** A schema-valid ClusterInventory document, before the semantic rules have passed on it. */
export interface InventoryDraft {
  readonly name: string
  readonly home: { readonly clusterID: string; readonly context: string | undefined; readonly nodes: readonly InventoryNodeDraft[] }
  /** In the order written. */
  readonly remotes: readonly RemoteDraft[]
  readonly source: SourceRef
}

/** A semantic check of the inventory no JSON Schema can express. */
export type InventoryRule = (inv: InventoryDraft) => RuleResult

/** Every inventory rule. */
export const inventoryRules: readonly InventoryRule[] = [
  clusterIDValid,
  clusterIDsUnique,
  nodeNameValid,
  nodeNamesUnique,
  inventoryLabelsValid,
  remoteNamespacesValid,
]

/**
 * What a rule may know of the file tree, handed over by the pipeline from the Host so that
 * the rule itself stays pure (`workload-paths-valid.ts`).
 */
export interface FileFacts {
  /** The working folder: relative paths are resolved and shown against it. */
  readonly cwd: string
  /** Whether a file or folder exists at an absolute path. */
  exists(absolutePath: string): boolean
}
