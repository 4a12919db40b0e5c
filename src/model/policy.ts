import type { MappingStrategy, PodStrategy } from './liqo.ts'
import type { NodeSelector } from './k8s.ts'
import type { SourceRef } from './source.ts'

/** A validated offloading policy: one per namespace. */
export interface Policy {
  /** The local namespace to offload. */
  readonly namespace: string
  readonly namespaceMappingStrategy: MappingStrategy
  /** Set exactly when the strategy is SelectedName. */
  readonly remoteNamespaceName?: string
  readonly podOffloadingStrategy: PodStrategy
  /** Always the NodeSelector form; `[]` selects every remote cluster. */
  readonly clusterSelector: NodeSelector
  readonly namespaceLabels: Readonly<Record<string, string>>
  readonly namespaceAnnotations: Readonly<Record<string, string>>
  /** Workload paths as written, relative to the policy file. */
  readonly workloads: readonly string[]
  readonly source: SourceRef
}
