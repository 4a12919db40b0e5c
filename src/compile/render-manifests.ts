import type { Manifest, NodeSelectorTerm } from '../model/k8s.ts'
import {
  ANNOTATION_MANAGED_BY,
  ANNOTATION_MANAGED_BY_NSMAP,
  ANNOTATION_ORIGINAL_NAME,
  LABEL_MANAGED_BY,
  LABEL_REMOTE_CLUSTER_ID,
  LABEL_SCHEDULING_ENABLED,
  MANAGED_BY_VALUE,
  NSO_API_VERSION,
  NSO_KIND,
  NSO_NAME,
  TENANT_NAMESPACE_PREFIX,
} from '../model/liqo.ts'
import type { Policy } from '../model/policy.ts'
import { metaOf } from '../util/manifest.ts'

function sorted(m: Readonly<Record<string, string>>): Record<string, string> {
  const out: Record<string, string> = {}
  for (const k of Object.keys(m).sort()) out[k] = m[k] as string
  return out
}

function metadata(name: string, namespace: string | undefined, labels: Record<string, string>, annotations: Record<string, string>): Record<string, unknown> {
  return {
    name,
    ...(namespace !== undefined ? { namespace } : {}),
    ...(Object.keys(labels).length > 0 ? { labels: sorted(labels) } : {}),
    ...(Object.keys(annotations).length > 0 ? { annotations: sorted(annotations) } : {}),
  }
}

/**
 * The local Namespace: the policy's extra metadata, the ownership marker, and
 * `liqo.io/scheduling-enabled: "true"` exactly when the pod strategy is not Local, as Liqo's
 * controller would set it, so Git and the controller never fight (liqotech/liqo@v1.2.0 …/namespaceoffloading-controller/labels.go).
 */
export function homeNamespace(p: Policy): Manifest {
  const labels: Record<string, string> = { ...p.namespaceLabels, [LABEL_MANAGED_BY]: MANAGED_BY_VALUE }
  if (p.podOffloadingStrategy !== 'Local') labels[LABEL_SCHEDULING_ENABLED] = 'true'
  return { apiVersion: 'v1', kind: 'Namespace', metadata: metadata(p.namespace, undefined, labels, { ...p.namespaceAnnotations }) }
}

/** Keeps `values` only where there are some (Kubernetes omits it empty: kubernetes/kubernetes@v1.30.0 staging/src/k8s.io/api/core/v1/types.go). */
const termOut = (t: NodeSelectorTerm): Record<string, unknown> => ({ ...t })

/**
 * The NamespaceOffloading as liqoctl renders it (liqotech/liqo@v1.2.0 pkg/liqoctl/offload/handler.go): every spec field explicit,
 * spec keys in alphabetical order, `nodeSelectorTerms: []` when nothing is selected on,
 * remoteNamespaceName only with SelectedName. Status is Liqo's to write and is left out.
 */
export function namespaceOffloading(p: Policy): Manifest {
  return {
    apiVersion: NSO_API_VERSION,
    kind: NSO_KIND,
    metadata: metadata(NSO_NAME, p.namespace, { [LABEL_MANAGED_BY]: MANAGED_BY_VALUE }, {}),
    spec: {
      clusterSelector: { nodeSelectorTerms: p.clusterSelector.nodeSelectorTerms.map(termOut) },
      namespaceMappingStrategy: p.namespaceMappingStrategy,
      podOffloadingStrategy: p.podOffloadingStrategy,
      ...(p.namespaceMappingStrategy === 'SelectedName' && p.remoteNamespaceName ? { remoteNamespaceName: p.remoteNamespaceName } : {}),
    },
  }
}

/**
 * The twin namespace on a remote cluster, with what Liqo puts on the namespaces it owns
 * (liqotech/liqo@v1.2.0 …/namespacemap-controller/enforcement.go): the NamespaceMap annotation `liqo-tenant-<home>/<remote>`, the original
 * name, and the origin cluster label.
 */
export function twinNamespace(p: Policy, remoteName: string, homeID: string, remoteID: string): Manifest {
  return {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: metadata(
      remoteName,
      undefined,
      { [LABEL_MANAGED_BY]: MANAGED_BY_VALUE, [LABEL_REMOTE_CLUSTER_ID]: homeID },
      { [ANNOTATION_MANAGED_BY_NSMAP]: `${TENANT_NAMESPACE_PREFIX}${homeID}/${remoteID}`, [ANNOTATION_ORIGINAL_NAME]: p.namespace },
    ),
  }
}

/**
 * A workload as `sync` applies it: the ownership annotation added, nothing else changed, so
 * that it can tell the objects it applied from those others (Argo CD, Flux, kubectl) manage.
 * Build output carries the application's manifests as they are.
 */
export function markOwned(m: Manifest): Manifest {
  const md = metaOf(m)
  const annotations = { ...md.annotations, [ANNOTATION_MANAGED_BY]: MANAGED_BY_VALUE }
  return { ...m, metadata: { ...md, annotations } }
}
