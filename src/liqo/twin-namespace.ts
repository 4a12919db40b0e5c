// Follows liqotech/liqo@v1.2.0 pkg/liqo-controller-manager/offloading/namespacemap-controller/enforcement.go (createNamespace,
// deleteNamespace): the marks Liqo's NamespaceMap controller puts on the twin namespaces it creates on a remote cluster, and
// the one it checks before it takes a namespace of that name for its own or deletes it.
import type { ObjectMeta } from '../model/k8s.ts'
import { ANNOTATION_MANAGED_BY_NSMAP, ANNOTATION_ORIGINAL_NAME, LABEL_REMOTE_CLUSTER_ID, TENANT_NAMESPACE_PREFIX } from '../model/liqo.ts'

/** The key of the NamespaceMap of home `homeID` on remote `remoteID` (`cache.MetaNamespaceKeyFunc`: `<namespace>/<name>`). */
export const namespaceMapKey = (homeID: string, remoteID: string): string => `${TENANT_NAMESPACE_PREFIX}${homeID}/${remoteID}`

/**
 * What createNamespace writes on a twin: the NamespaceMap annotation `liqo-tenant-<home>/<remote>`, the original (home)
 * name, and the origin cluster label.
 */
export function twinMarks(
  homeID: string,
  remoteID: string,
  originalName: string,
): { readonly labels: Record<string, string>; readonly annotations: Record<string, string> } {
  return {
    labels: { [LABEL_REMOTE_CLUSTER_ID]: homeID },
    annotations: { [ANNOTATION_MANAGED_BY_NSMAP]: namespaceMapKey(homeID, remoteID), [ANNOTATION_ORIGINAL_NAME]: originalName },
  }
}

/**
 * Whether a namespace on remote `remoteID` is a twin of home `homeID`: its `liqo.io/managed-by-namespace-map` annotation
 * names that home's NamespaceMap. Any other namespace of the name is someone else's, another home's included: Liqo
 * neither takes it (CreationLoopBackOff) nor deletes it.
 */
export const ownedByNamespaceMap = (meta: Pick<ObjectMeta, 'annotations'>, homeID: string, remoteID: string): boolean =>
  meta.annotations?.[ANNOTATION_MANAGED_BY_NSMAP] === namespaceMapKey(homeID, remoteID)

/** The home namespace a twin stands for, as createNamespace wrote it (`liqo.io/original-name`). */
export const twinOriginalName = (meta: Pick<ObjectMeta, 'annotations'>): string | undefined => meta.annotations?.[ANNOTATION_ORIGINAL_NAME]
