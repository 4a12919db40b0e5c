import { offloadingSpec } from '../liqo/liqoctl-offload.ts'
import { schedulingEnabled } from '../liqo/scheduling-label.ts'
import { twinMarks } from '../liqo/twin-namespace.ts'
import type { Manifest } from '../model/k8s.ts'
import {
  ANNOTATION_MANAGED_BY,
  LABEL_MANAGED_BY,
  LABEL_SCHEDULING_ENABLED,
  MANAGED_BY_VALUE,
  NSO_API_VERSION,
  NSO_KIND,
  NSO_NAME,
  SCHEDULING_ENABLED_VALUE,
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
 * `liqo.io/scheduling-enabled: "true"` exactly when Liqo's controller would set it
 * (`liqo/scheduling-label.ts`: the pod strategy is not Local), so Git and the controller never fight.
 */
export function homeNamespace(p: Policy): Manifest {
  const labels: Record<string, string> = { ...p.namespaceLabels, [LABEL_MANAGED_BY]: MANAGED_BY_VALUE }
  if (schedulingEnabled(p.podOffloadingStrategy)) labels[LABEL_SCHEDULING_ENABLED] = SCHEDULING_ENABLED_VALUE
  return { apiVersion: 'v1', kind: 'Namespace', metadata: metadata(p.namespace, undefined, labels, { ...p.namespaceAnnotations }) }
}

/**
 * The NamespaceOffloading as liqoctl renders it (its spec: `liqo/liqoctl-offload.ts`), named as
 * Liqo's webhook wants it and marked as nsoffload's.
 */
export function namespaceOffloading(p: Policy): Manifest {
  return {
    apiVersion: NSO_API_VERSION,
    kind: NSO_KIND,
    metadata: metadata(NSO_NAME, p.namespace, { [LABEL_MANAGED_BY]: MANAGED_BY_VALUE }, {}),
    spec: offloadingSpec(p),
  }
}

/**
 * The twin namespace on a remote cluster, with the marks Liqo's NamespaceMap controller puts on
 * the namespaces it owns (`liqo/twin-namespace.ts`) and nsoffload's ownership marker.
 */
export function twinNamespace(p: Policy, remoteName: string, homeID: string, remoteID: string): Manifest {
  const marks = twinMarks(homeID, remoteID, p.namespace)
  return {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: metadata(remoteName, undefined, { [LABEL_MANAGED_BY]: MANAGED_BY_VALUE, ...marks.labels }, marks.annotations),
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
