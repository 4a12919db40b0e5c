/**
 * Liqo's names, exactly as Liqo v1 (offloading.liqo.io/v1beta1) spells them.
 * Sources: liqotech/liqo at tag v1.2.0, the files named in the comments.
 */
import type { Manifest } from './k8s.ts'

export const NSO_API_VERSION = 'offloading.liqo.io/v1beta1'
export const NSO_KIND = 'NamespaceOffloading'
/** The only name the webhook accepts (liqotech/liqo@v1.2.0 pkg/webhooks/namespaceoffloading/nsoff.go). */
export const NSO_NAME = 'offloading'

export const MAPPING_STRATEGIES = ['DefaultName', 'EnforceSameName', 'SelectedName'] as const
export type MappingStrategy = (typeof MAPPING_STRATEGIES)[number]
export const POD_STRATEGIES = ['LocalAndRemote', 'Local', 'Remote'] as const
export type PodStrategy = (typeof POD_STRATEGIES)[number]

export const PHASES = ['Ready', 'NoClusterSelected', 'InProgress', 'SomeFailed', 'AllFailed', 'Terminating'] as const
export type OffloadingPhase = (typeof PHASES)[number]

/** liqotech/liqo@v1.2.0 pkg/consts/*.go */
export const LABEL_SCHEDULING_ENABLED = 'liqo.io/scheduling-enabled'
/** The only value Liqo writes and its pod webhook's namespaceSelector matches (liqotech/liqo@v1.2.0 pkg/liqo-controller-manager/offloading/namespaceoffloading-controller/labels.go and pkg/webhooks/pod/pod.go). */
export const SCHEDULING_ENABLED_VALUE = 'true'
export const LABEL_TYPE = 'liqo.io/type'
export const TYPE_VIRTUAL_NODE = 'virtual-node'
export const LABEL_REMOTE_CLUSTER_ID = 'liqo.io/remote-cluster-id'
export const ANNOTATION_MANAGED_BY_NSMAP = 'liqo.io/managed-by-namespace-map'
export const ANNOTATION_ORIGINAL_NAME = 'liqo.io/original-name'
export const VIRTUAL_NODE_TAINT_KEY = 'virtual-node.liqo.io/not-allowed'

/**
 * The labels of Liqo's virtual Node. Pinned to liqotech/liqo tag v1.2.0 (the reference's pin,
 * HEAD 557c199cf); read at commits 4ba754fd (2025) and 03dfe7a4 (2026) of the v1 line, which
 * agree on every key and default value below:
 * - `pkg/virtualKubelet/liqoNodeProvider/setup.go`, `node()`: `kubernetes.io/hostname: <node
 *   name>`, `kubernetes.io/role: agent`, `kubernetes.io/os: linux` (`strings.ToLower("Linux")`),
 *   `kubernetes.io/arch: amd64`, `liqo.io/type: virtual-node`, `liqo.io/remote-cluster-id: <id>`,
 *   `node.kubernetes.io/exclude-from-external-load-balancers: "true"` (corev1
 *   `LabelNodeExcludeBalancers`) and `alpha.service-controller.kubernetes.io/exclude-balancer:
 *   "true"`, then `labels.Merge(lbls, cfg.ExtraLabels)`: the VkOptionsTemplate's
 *   `nodeExtraLabels` win over them. (Later commits take os and arch from the remote node of
 *   the same name when the virtual kubelet may read it, `linux`/`amd64` otherwise.)
 * - `pkg/virtualKubelet/liqoNodeProvider/utils.go`, `desiredVirtualNodeMetadata` (reconciler.go
 *   `updateFromVirtualNode` in v1.0.x): `VirtualNode.spec.labels`, then
 *   `storage.liqo.io/available` = `"true"` when the VirtualNode lists storage classes, else
 *   `"false"`; patched onto the node with `maps.Merge` (`pkg/utils/maps/maps.go`: the second map
 *   wins). So the cluster's labels OVERRIDE the defaults above, and the storage label overrides
 *   a cluster label of the same key.
 * - `pkg/liqo-controller-manager/offloading/forge/virtualnode.go`, `MutateVirtualNode`:
 *   `spec.labels` = `liqo.io/remote-cluster-id: <id>` merged with the ResourceSlice's
 *   `status.nodeLabels`, the provider's cluster labels
 *   (`remoteresourceslice-controller/slicestatus.go`, `getNodeLabels`); storage classes are
 *   listed only when the provider enables storage (`getStorageClasses`), which liqoctl's kind
 *   setup does (the docs' node listings show `storage.liqo.io/available=true`).
 * - Node name = VirtualNode name = ResourceSlice name = the provider's cluster ID with
 *   `liqoctl peer` (`pkg/liqoctl/peer/handler.go`, `ensureOffloading`), so `kubernetes.io/hostname`
 *   is the cluster ID for the default virtual node.
 * - `type: virtual-kubelet` is NOT set by Liqo v1: it belonged to virtual-kubelet's own
 *   `NodeFromProvider` (Liqo's pre-v0.3 `cmd/virtual-kubelet/root/node.go`), with
 *   `beta.kubernetes.io/os`.
 * - Cluster selection reads the same Node labels (`pkg/utils/virtualnode/virtualnode.go`,
 *   `GetLabelSelectors`: the Node's labels when the Node exists).
 */
export const LABEL_HOSTNAME = 'kubernetes.io/hostname'
const LABEL_ROLE = 'kubernetes.io/role'
const LABEL_OS = 'kubernetes.io/os'
const LABEL_ARCH = 'kubernetes.io/arch'
const LABEL_EXCLUDE_BALANCERS = 'node.kubernetes.io/exclude-from-external-load-balancers'
const LABEL_EXCLUDE_BALANCERS_ALPHA = 'alpha.service-controller.kubernetes.io/exclude-balancer'
export const LABEL_STORAGE_AVAILABLE = 'storage.liqo.io/available'
/** The labels every virtual node gets whatever its name; `kubernetes.io/hostname` is its name. */
export const VIRTUAL_NODE_LABELS = {
  [LABEL_ROLE]: 'agent',
  [LABEL_OS]: 'linux',
  [LABEL_ARCH]: 'amd64',
  [LABEL_EXCLUDE_BALANCERS]: 'true',
  [LABEL_EXCLUDE_BALANCERS_ALPHA]: 'true',
  [LABEL_STORAGE_AVAILABLE]: 'true',
} as const satisfies Readonly<Record<string, string>>
export const LIQO_RUNTIME_CLASS = 'liqo'
export const TENANT_NAMESPACE_PREFIX = 'liqo-tenant-'
export const NSO_FINALIZER = 'namespaceoffloading-controller.liqo.io/finalizer'

/**
 * The messages of Liqo's validating webhook on UPDATE of a NamespaceOffloading (liqotech/liqo@v1.2.0
 * pkg/webhooks/namespaceoffloading/nsoff.go): two denials, one warning.
 */
export const NSOFF_WEBHOOK = {
  mappingStrategyImmutable: 'The NamespaceMappingStrategy value cannot be modified after creation',
  remoteNameImmutable: 'The RemoteNamespaceName value cannot be modified after creation',
  podStrategyRestricted: 'The PodOffloadingStrategy was mutated to a more restrictive setting: existing pods violating this policy might still be running',
} as const

/** Condition types, reasons and messages, to the letter (liqotech/liqo@v1.2.0 apis/offloading/v1beta1/namespaceoffloading_types.go). */
export const CONDITION_OFFLOADING_REQUIRED = 'OffloadingRequired'
export const CONDITION_READY = 'Ready'

export interface ConditionTemplate {
  readonly type: string
  readonly status: 'True' | 'False' | 'Unknown'
  readonly reason: string
  readonly message: string
}

export const CONDITIONS = {
  clusterSelected: {
    type: CONDITION_OFFLOADING_REQUIRED,
    status: 'True',
    reason: 'ClusterSelected',
    message: 'The remote cluster has been selected through the ClusterSelector field',
  },
  clusterNotSelected: {
    type: CONDITION_OFFLOADING_REQUIRED,
    status: 'False',
    reason: 'ClusterNotSelected',
    message: 'The remote cluster has not been selected through the ClusterSelector field',
  },
  namespaceCreated: {
    type: CONDITION_READY,
    status: 'True',
    reason: 'NamespaceCreated',
    message: 'Namespace correctly offloaded to the remote cluster',
  },
  creationLoopBackOff: {
    type: CONDITION_READY,
    status: 'False',
    reason: 'CreationLoopBackOff',
    message: 'Some problems occurred during remote namespace creation',
  },
  terminating: {
    type: CONDITION_READY,
    status: 'False',
    reason: 'Terminating',
    message: 'The remote namespace is being deleted',
  },
  creating: {
    type: CONDITION_READY,
    status: 'False',
    reason: 'Creating',
    message: 'The remote namespace is being created',
  },
} as const satisfies Record<string, ConditionTemplate>

export interface RemoteNamespaceCondition {
  readonly type: string
  readonly status: string
  readonly lastTransitionTime?: string
  readonly reason?: string
  readonly message?: string
}

/** `NamespaceOffloading.status`, field for field (liqotech/liqo@v1.2.0 apis/offloading/v1beta1/namespaceoffloading_types.go). */
export interface NamespaceOffloadingStatus {
  readonly observedGeneration?: number
  readonly offloadingPhase: OffloadingPhase
  readonly remoteNamespaceName: string
  readonly remoteNamespacesConditions?: Readonly<Record<string, readonly RemoteNamespaceCondition[]>>
}

/**
 * A NamespaceOffloading as the API server returns it (liqotech/liqo@v1.2.0
 * apis/offloading/v1beta1/namespaceoffloading_types.go): the fields nsoffload reads. A live
 * object is someone's: its values may still be of a kind Liqo does not know.
 */
export interface NamespaceOffloadingObject extends Manifest {
  readonly spec?: {
    readonly namespaceMappingStrategy?: MappingStrategy
    readonly remoteNamespaceName?: string
    readonly podOffloadingStrategy?: PodStrategy
  }
  readonly status?: NamespaceOffloadingStatus
}

/** The ownership marker nsoffload puts on the objects it generates (namespaces, NamespaceOffloadings). */
export const LABEL_MANAGED_BY = 'app.kubernetes.io/managed-by'
export const MANAGED_BY_VALUE = 'nsoffload'
/**
 * The ownership marker on the workloads nsoffload applies: an annotation, so that the
 * application's own `app.kubernetes.io/managed-by` label is left as its authors set it.
 */
export const ANNOTATION_MANAGED_BY = 'nsoffload.dev/managed-by'
