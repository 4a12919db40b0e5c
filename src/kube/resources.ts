/** REST coordinates of a kind: where its objects live. */
export interface ResourceType {
  readonly apiVersion: string
  readonly kind: string
  readonly plural: string
  readonly namespaced: boolean
}

/**
 * The kinds nsoffload writes itself: namespaces, the set's parents, NamespaceOffloadings, the
 * CRD of `--install-crds`. Every workload's kind is mapped through the server's API discovery
 * (`discovery.ts`).
 */
const KNOWN: readonly ResourceType[] = [
  { apiVersion: 'v1', kind: 'Namespace', plural: 'namespaces', namespaced: false },
  { apiVersion: 'v1', kind: 'ConfigMap', plural: 'configmaps', namespaced: true },
  { apiVersion: 'v1', kind: 'Secret', plural: 'secrets', namespaced: true },
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
