import type { Manifest } from '../model/k8s.ts'
import { metaOf } from '../util/manifest.ts'
import { str } from '../util/plain-data.ts'

/**
 * kustomize's legacy resource order (api/resid/gvk.go `orderFirst`/`orderLast`), namespaces
 * before what lives in them, with one change: a namespace's NamespaceOffloading right after the
 * Namespaces, before any workload. Liqo's pod webhook (its admission: `liqo/pod-webhook.ts`, on
 * every pod of a namespace labelled liqo.io/scheduling-enabled, failurePolicy Fail) refuses a pod
 * while the namespace has no NamespaceOffloading ("failed retrieving NamespaceOffloading"), and
 * the Namespace nsoffload renders carries that label: applied in kustomize's own order (unknown
 * kinds after Deployments), the NamespaceOffloading came last and the first pods were refused.
 * The cluster folders' kustomization.yaml says `sortOptions: {order: fifo}`, so kustomize keeps
 * this order, and `nsoffload build --cluster X` and `kubectl kustomize out/X` list objects alike.
 */
const FIRST = [
  'Namespace',
  'NamespaceOffloading',
  'ResourceQuota',
  'StorageClass',
  'CustomResourceDefinition',
  'ServiceAccount',
  'PodSecurityPolicy',
  'Role',
  'ClusterRole',
  'RoleBinding',
  'ClusterRoleBinding',
  'ConfigMap',
  'Secret',
  'Endpoints',
  'Service',
  'LimitRange',
  'PriorityClass',
  'PersistentVolume',
  'PersistentVolumeClaim',
  'Deployment',
  'StatefulSet',
  'CronJob',
  'PodDisruptionBudget',
]
const LAST = ['MutatingWebhookConfiguration', 'ValidatingWebhookConfiguration']

function rank(kind: string): number {
  const f = FIRST.indexOf(kind)
  if (f >= 0) return f
  const l = LAST.indexOf(kind)
  return l >= 0 ? FIRST.length + 1 + l : FIRST.length
}

export function sortResources(ms: readonly Manifest[]): Manifest[] {
  // Each manifest's keys worked out once, not in every comparison (a fleet's home cluster holds thousands).
  const keyed = ms.map((m) => ({ m, rank: rank(str(m.kind)), gvk: gvkString(m), id: `${str(metaOf(m).namespace)}|${str(metaOf(m).name)}` }))
  keyed.sort((a, b) => {
    const r = a.rank - b.rank
    if (r !== 0) return r
    if (a.gvk !== b.gvk) return a.gvk < b.gvk ? -1 : 1
    return a.id < b.id ? -1 : a.id > b.id ? 1 : 0
  })
  return keyed.map((k) => k.m)
}

/** kustomize's `Gvk.legacySortString()` (api/resid/gvk.go): `~G` for the core group, so core sorts after the groups. */
function gvkString(m: Manifest): string {
  const av = str(m.apiVersion)
  const slash = av.indexOf('/')
  const group = slash < 0 ? '' : av.slice(0, slash)
  const version = slash < 0 ? av : av.slice(slash + 1)
  const kind = str(m.kind)
  return `${group || '~G'}_${version || '~V'}_${kind || '~K'}`
}
