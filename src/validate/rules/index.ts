import type { Diagnostic } from '../../diagnostics/diagnostic.ts'
import type { NodeSelectorTerm } from '../../model/k8s.ts'
import type { MappingStrategy, PodStrategy } from '../../model/liqo.ts'
import type { SourceRef } from '../../model/source.ts'
import { clusterSelectorValid } from './cluster-selector-valid.ts'
import { mappingStrategyConsistent } from './mapping-strategy-consistent.ts'
import { namespaceMetadataValid } from './namespace-metadata-valid.ts'
import { namespaceNameValid } from './namespace-name-valid.ts'
import { offloadingNamedOffloading } from './offloading-named-offloading.ts'

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
