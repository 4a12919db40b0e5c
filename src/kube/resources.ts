/** REST coordinates of a kind: where its objects live. */
export interface ResourceType {
  readonly apiVersion: string
  readonly kind: string
  readonly plural: string
  readonly namespaced: boolean
}

/** The kinds nsoffload writes or patches. Others are found through API discovery. */
const KNOWN: readonly ResourceType[] = [
  { apiVersion: 'v1', kind: 'Namespace', plural: 'namespaces', namespaced: false },
  { apiVersion: 'v1', kind: 'Pod', plural: 'pods', namespaced: true },
  { apiVersion: 'v1', kind: 'Service', plural: 'services', namespaced: true },
  { apiVersion: 'v1', kind: 'ConfigMap', plural: 'configmaps', namespaced: true },
  { apiVersion: 'v1', kind: 'Secret', plural: 'secrets', namespaced: true },
  { apiVersion: 'v1', kind: 'ServiceAccount', plural: 'serviceaccounts', namespaced: true },
  { apiVersion: 'v1', kind: 'PersistentVolumeClaim', plural: 'persistentvolumeclaims', namespaced: true },
  { apiVersion: 'apps/v1', kind: 'Deployment', plural: 'deployments', namespaced: true },
  { apiVersion: 'apps/v1', kind: 'ReplicaSet', plural: 'replicasets', namespaced: true },
  { apiVersion: 'apps/v1', kind: 'StatefulSet', plural: 'statefulsets', namespaced: true },
  { apiVersion: 'apps/v1', kind: 'DaemonSet', plural: 'daemonsets', namespaced: true },
  { apiVersion: 'batch/v1', kind: 'Job', plural: 'jobs', namespaced: true },
  { apiVersion: 'batch/v1', kind: 'CronJob', plural: 'cronjobs', namespaced: true },
  { apiVersion: 'batch/v1beta1', kind: 'CronJob', plural: 'cronjobs', namespaced: true },
  { apiVersion: 'offloading.liqo.io/v1beta1', kind: 'NamespaceOffloading', plural: 'namespaceoffloadings', namespaced: true },
  { apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', plural: 'customresourcedefinitions', namespaced: false },
]

export function knownType(apiVersion: string, kind: string): ResourceType | undefined {
  return KNOWN.find((t) => t.apiVersion === apiVersion && t.kind === kind)
}

const groupPath = (apiVersion: string): string => (apiVersion.includes('/') ? `/apis/${apiVersion}` : `/api/${apiVersion}`)

/** The collection path of a type, in a namespace or across all. */
export function collectionPath(t: ResourceType, namespace?: string): string {
  return t.namespaced && namespace ? `${groupPath(t.apiVersion)}/namespaces/${namespace}/${t.plural}` : `${groupPath(t.apiVersion)}/${t.plural}`
}

/** The path of one object. Names were validated before they get here (DNS-1123). */
export function objectPath(t: ResourceType, name: string, namespace?: string): string {
  return `${collectionPath(t, namespace)}/${encodeURIComponent(name)}`
}
