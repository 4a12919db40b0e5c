import type { Manifest } from '../model/k8s.ts'
import { NSO_KIND } from '../model/liqo.ts'
import { metaOf } from '../util/manifest.ts'

/** Argo CD's wave annotation: lower waves are synced, and must be healthy, before higher ones. */
export const SYNC_WAVE_ANNOTATION = 'argocd.argoproj.io/sync-wave'

/**
 * The waves `build --sync-waves` assigns: Namespaces first, then the NamespaceOffloading, then
 * everything else (workloads stay in Argo CD's default wave 0). Liqo's pod webhook reads the
 * namespace's NamespaceOffloading for every pod it admits and refuses the pod while there is none
 * (its rules: `liqo/pod-webhook.ts`), and Argo CD moves on to the next wave only once the
 * NamespaceOffloading is healthy (with the health check in deploy/argocd/health/), i.e. once
 * Liqo reports Ready or NoClusterSelected.
 */
export const SYNC_WAVES: Readonly<Record<string, string>> = {
  Namespace: '-2',
  [NSO_KIND]: '-1',
}

/**
 * Adds the wave annotation to the kinds of SYNC_WAVES. An annotation already set (by the
 * policy's `spec.namespace.annotations`, or on a workload) is kept: the user's choice wins.
 * Pure: returns new objects.
 */
export function withSyncWaves(manifests: readonly Manifest[]): Manifest[] {
  return manifests.map((m) => {
    const wave = SYNC_WAVES[String(m.kind)]
    if (wave === undefined) return m
    const md = metaOf(m)
    const annotations = md.annotations ?? {}
    if (annotations[SYNC_WAVE_ANNOTATION] !== undefined) return m
    return { ...m, metadata: { ...md, annotations: { ...annotations, [SYNC_WAVE_ANNOTATION]: wave } } }
  })
}
