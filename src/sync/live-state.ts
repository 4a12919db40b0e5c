import { type KubeClient, KubeError } from '../kube/kube-client.ts'
import { collectionPath, knownType, type ResourceType } from '../kube/resources.ts'
import { NSO_API_VERSION, NSO_KIND, type NamespaceOffloadingObject } from '../model/liqo.ts'
import { metaOf, namespaceOf } from '../util/manifest.ts'
import type { LiveObject } from './compare.ts'
import type { ResolvedKinds } from './kinds.ts'
import type { LiveNode, NodesForbidden } from './inventory-drift.ts'

/** What nsoffload reads from one cluster: a handful of paged LISTs, never one GET per object. */
export interface LiveCluster {
  readonly clusterID: string
  /** Namespaces by name. */
  readonly namespaces: ReadonlyMap<string, LiveObject>
  /** Home only: NamespaceOffloadings by namespace (`undefined` when the CRD is missing). */
  readonly offloadings?: ReadonlyMap<string, NamespaceOffloadingObject>
  /** Home only: other objects by `apiVersion/kind/namespace/name`. */
  readonly objects: ReadonlyMap<string, LiveObject>
  /** The set's ApplySet parent on this cluster, when it exists. */
  readonly parent?: LiveObject
  /** The group-kinds whose every object was listed (`contains-group-kinds` form): the parent's record of others is kept. */
  readonly listedGroupKinds?: readonly string[]
  /** Home only: the kinds of the workloads, as the server maps them (API discovery) or a CRD of this sync will. */
  readonly kinds?: ResolvedKinds
  /** Home only: its nodes (virtual ones included), when read; `nodesForbidden` when RBAC forbids listing them. */
  readonly nodes?: readonly LiveNode[]
  readonly nodesForbidden?: NodesForbidden
}

/** A kind of object nsoffload writes on the home cluster (where the server keeps it), and the namespaces it writes them in. */
export interface WorkloadKind {
  readonly type: ResourceType
  readonly namespaces: readonly string[]
}

export const objectKey = (apiVersion: string, kind: string, namespace: string | undefined, name: string): string =>
  `${apiVersion}/${kind}/${namespace ?? ''}/${name}`

const name = (o: LiveObject): string => metaOf(o).name ?? ''

/** LISTs all objects of a type; items of a list carry no apiVersion/kind, so they are set here. */
async function list<T extends LiveObject = LiveObject>(client: KubeClient, t: ResourceType, namespace?: string): Promise<T[] | undefined> {
  const items = await client.list<T>(collectionPath(t, namespace))
  return items?.map((o) => ({ apiVersion: t.apiVersion, kind: t.kind, ...o }))
}

const groupKindOf = (t: ResourceType): string => (t.apiVersion.includes('/') ? `${t.kind}.${t.apiVersion.split('/')[0]}` : t.kind)

interface NodeItem {
  metadata?: { name?: string; labels?: Record<string, string> }
  spec?: { taints?: { key: string; value?: string; effect: string }[] }
}

/** The cluster's nodes as selection and scheduling read them; a `KubeError` when they cannot be read (403 when RBAC does not let this user list them). */
export async function listNodes(client: KubeClient): Promise<LiveNode[]> {
  const items = (await client.list<NodeItem>('/api/v1/nodes')) ?? []
  return items.map((n) => ({ name: n.metadata?.name ?? '', labels: n.metadata?.labels ?? {}, taints: n.spec?.taints ?? [] }))
}

const forbidden = (e: unknown): e is KubeError => e instanceof KubeError && e.status === 403

export const CRD_PATH = '/apis/apiextensions.k8s.io/v1/customresourcedefinitions/namespaceoffloadings.offloading.liqo.io'

/**
 * Reads a cluster: all namespaces; on the home cluster also all NamespaceOffloadings and the
 * objects of each of `kinds`, across all namespaces, or, when RBAC forbids that, in each of the
 * kind's namespaces (a namespace that does not exist yet has none); `log` says which kinds were.
 */
export async function readCluster(
  client: KubeClient,
  home: boolean,
  kinds: readonly WorkloadKind[] = [],
  log: (line: string) => void = () => {},
  parentPath?: string,
  readNodes = false,
): Promise<LiveCluster> {
  const nsType = knownType('v1', 'Namespace')
  const nsoType = home ? knownType(NSO_API_VERSION, NSO_KIND) : undefined
  const kindTypes = home ? kinds.map((k) => k.type) : []
  const namespacesOf = (t: ResourceType): readonly string[] => kinds.find((k) => k.type === t)?.namespaces ?? []
  const nsRead = nsType ? list(client, nsType) : Promise.resolve(undefined)
  const perNamespaceKinds: string[] = []
  const perNamespace = async (t: ResourceType, namespaces: readonly string[]): Promise<LiveObject[]> => {
    perNamespaceKinds.push(`${t.plural}${t.apiVersion.includes('/') ? `.${t.apiVersion.split('/')[0]}` : ''}`)
    const existing = new Set((await nsRead)?.map(name))
    const lists = await Promise.all(namespaces.filter((n) => existing.has(n)).map((n) => list(client, t, n)))
    return lists.flatMap((l) => l ?? [])
  }
  // The LISTs of a cluster go out together.
  const nodesRead = readNodes
    ? listNodes(client).catch((e: unknown): NodesForbidden | Promise<never> => (forbidden(e) ? { forbidden: e.detail } : Promise.reject(e)))
    : Promise.resolve(undefined)
  const [nsList, nsoList, parent, nodes, ...kindLists] = await Promise.all([
    nsRead,
    nsoType ? list<NamespaceOffloadingObject>(client, nsoType) : undefined,
    parentPath ? client.get<LiveObject>(parentPath) : undefined,
    nodesRead,
    ...kindTypes.map((t) => list(client, t).catch((e: unknown) => (forbidden(e) ? perNamespace(t, namespacesOf(t)) : Promise.reject(e)))),
  ])
  if (perNamespaceKinds.length > 0) {
    log(`${client.name}: read ${perNamespaceKinds.sort().join(', ')} namespace by namespace: listing them in all namespaces is forbidden to this user`)
  }
  const namespaces = new Map((nsList ?? []).map((o) => [name(o), o]))
  const offloadings = nsoList ? new Map(nsoList.filter((o) => name(o) === 'offloading').map((o) => [namespaceOf(o) ?? '', o])) : undefined
  const objects = new Map<string, LiveObject>()
  kindTypes.forEach((t, i) => {
    for (const o of kindLists[i] ?? []) objects.set(objectKey(t.apiVersion, t.kind, namespaceOf(o), name(o)), o)
  })
  const listedGroupKinds = ['Namespace', ...(offloadings ? [`${NSO_KIND}.${NSO_API_VERSION.split('/')[0]}`] : []), ...kindTypes.map(groupKindOf)]
  return {
    clusterID: client.name,
    namespaces,
    ...(offloadings ? { offloadings } : {}),
    objects,
    ...(parent ? { parent } : {}),
    listedGroupKinds,
    ...(nodes === undefined ? {} : Array.isArray(nodes) ? { nodes } : { nodesForbidden: nodes }),
  }
}
