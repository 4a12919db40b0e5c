import type { Manifest, NodeSelector, Toleration } from './k8s.ts'
import type { SourceRef } from './source.ts'

/**
 * Workloads: the manifests a policy lists under `spec.workloads`. Types only: no logic lives
 * in `model/`.
 */

/**
 * The built-in kinds whose pod template nsoffload patches as Liqo's pod webhook would patch
 * their pods (custom resources are patched by the shape of their template: `workloads/pod-template.ts`).
 */
export const WORKLOAD_KINDS = ['Pod', 'Deployment', 'ReplicaSet', 'StatefulSet', 'DaemonSet', 'Job', 'CronJob', 'ReplicationController'] as const
export type WorkloadKind = (typeof WORKLOAD_KINDS)[number]

/** The scheduling fields of a core/v1 PodSpec: what the webhook writes and the scheduler reads. */
export interface PodSchedulingSpec {
  readonly nodeName?: string
  readonly nodeSelector?: Readonly<Record<string, string>>
  readonly affinity?: Affinity | null
  readonly tolerations?: readonly Toleration[] | null
  readonly runtimeClassName?: string | null
}

export interface Affinity {
  readonly nodeAffinity?: NodeAffinity | null
  readonly podAffinity?: unknown
  readonly podAntiAffinity?: unknown
}

export interface NodeAffinity {
  readonly requiredDuringSchedulingIgnoredDuringExecution?: Partial<NodeSelector> | null
  readonly preferredDuringSchedulingIgnoredDuringExecution?: unknown
}

/** One manifest read from a policy's workload files, its namespace already resolved. */
export interface Workload {
  readonly apiVersion: string
  readonly kind: string
  readonly name: string
  /** The policy's namespace; absent for cluster-scoped kinds, which pass through as they are. */
  readonly namespace?: string
  /** The manifest as read, `metadata.namespace` filled in for namespaced kinds. */
  readonly manifest: Manifest
  /**
   * Path of the pod spec inside the manifest (e.g. `['spec', 'template', 'spec']`) for the kinds
   * nsoffload patches (the built-in ones, and custom resources with a standard pod template);
   * absent for every other object, which passes through unchanged.
   */
  readonly podSpecPath?: readonly string[]
  readonly source: SourceRef
}
