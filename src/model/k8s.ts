/**
 * The slices of the Kubernetes API that nsoffload reads and writes, as plain data.
 * Types only: no logic lives in `model/`.
 */

/** Operators of a core/v1 NodeSelectorRequirement. */
export const NODE_SELECTOR_OPERATORS = ['In', 'NotIn', 'Exists', 'DoesNotExist', 'Gt', 'Lt'] as const

export interface NodeSelectorRequirement {
  readonly key: string
  readonly operator: string
  readonly values?: readonly string[]
}

export interface NodeSelectorTerm {
  readonly matchExpressions?: readonly NodeSelectorRequirement[]
  readonly matchFields?: readonly NodeSelectorRequirement[]
}

export interface NodeSelector {
  readonly nodeSelectorTerms: readonly NodeSelectorTerm[]
}

export interface Taint {
  readonly key: string
  readonly value?: string
  readonly effect: string
}

export interface Toleration {
  readonly key?: string
  readonly operator?: string
  readonly value?: string
  readonly effect?: string
  readonly tolerationSeconds?: number
}

/** A node as the placement preview and cluster selection see it. */
export interface NodeView {
  readonly name: string
  readonly labels: Readonly<Record<string, string>>
  readonly taints: readonly Taint[]
  /** The cluster the node stands for: the home cluster's ID for real nodes, the remote's for virtual nodes. */
  readonly clusterID: string
  readonly virtual: boolean
}

/** Any Kubernetes object, as rendered or read: a JSON-compatible mapping. */
export type Manifest = Readonly<Record<string, unknown>>
