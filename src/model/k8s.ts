/**
 * The slices of the Kubernetes API that nsoffload reads and writes, as plain data.
 * Types only: no logic lives in `model/`. The object types are `@kubernetes/client-node`'s,
 * imported as types (erased at build: the library itself is loaded only for credential plugins).
 */
import type { KubernetesObject, V1ObjectMeta } from '@kubernetes/client-node'

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
  /**
   * A virtual node whose labels Liqo's cluster selection does not read from its Node: the labels
   * it matches instead (see `placement/inventory-nodes.ts`). Absent: `labels`.
   */
  readonly selectionLabels?: Readonly<Record<string, string>>
}

/**
 * An object's `metadata` as JSON carries it: client-node's `V1ObjectMeta`, with the timestamps
 * the RFC 3339 strings the API server sends (client-node's deserialiser makes them `Date`s;
 * nsoffload reads and writes plain JSON). Read it through `metaOf()`.
 */
export type ObjectMeta = Readonly<Omit<V1ObjectMeta, 'creationTimestamp' | 'deletionTimestamp'>> & {
  readonly creationTimestamp?: string
  readonly deletionTimestamp?: string
}

/**
 * Any Kubernetes object, as rendered or read: client-node's `KubernetesObject` (apiVersion,
 * kind, metadata), its other fields (`spec`, `status`, `data`, …) plain JSON values.
 */
export interface Manifest extends Readonly<Omit<KubernetesObject, 'metadata'>> {
  readonly metadata?: ObjectMeta
  readonly [field: string]: unknown
}
