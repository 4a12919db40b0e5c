import { type KubeClient, KubeError } from './kube-client.ts'
import type { ResourceType } from './resources.ts'

/**
 * Where a cluster serves each kind, from its API discovery, as kubectl's RESTMapper learns it
 * (client-go's discovery client): the aggregated form (`apidiscovery.k8s.io`, two requests,
 * `/api` and `/apis`, for every group) where the server serves it (Kubernetes >= 1.26: v2beta1,
 * v2 from 1.30), else the legacy form, one request per group version asked about
 * (`/api/v1`, `/apis/<group>/<version>`). Asked once per cluster per run: the answers are
 * kept per client.
 */

/** client-go's Accept for discovery: aggregated v2, then v2beta1, then the legacy JSON. */
export const DISCOVERY_ACCEPT =
  'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json'

export interface Discovery {
  /** The cluster answered in the aggregated form. */
  readonly aggregated: boolean
  /** Where the kind of `apiVersion` lives, when the server serves it. */
  readonly lookup: (apiVersion: string, kind: string) => ResourceType | undefined
}

interface AggregatedResource {
  resource?: string
  responseKind?: { kind?: string }
  scope?: string
}
interface AggregatedList {
  kind?: string
  items?: { metadata?: { name?: string }; versions?: { version?: string; resources?: AggregatedResource[] }[] }[]
}
interface ResourceList {
  resources?: { name?: string; kind?: string; namespaced?: boolean }[]
}

const cache = new WeakMap<KubeClient, Promise<Kinds>>()

/** apiVersion → kind → type, as far as known; `legacy` when the server gave no aggregated answer. */
interface Kinds {
  readonly aggregated: boolean
  readonly byVersion: Map<string, Map<string, ResourceType> | undefined>
}

async function getAs<T>(client: KubeClient, path: string, accept: string): Promise<T | undefined> {
  try {
    return await client.request<T>('GET', path, { accept })
  } catch (e) {
    if (e instanceof KubeError && (e.status === 404 || e.status === 406)) return undefined
    throw e
  }
}

/** The aggregated lists of `/api` and `/apis`, or `undefined` when the server answers in the legacy form. */
async function aggregated(client: KubeClient): Promise<Kinds | undefined> {
  const [core, groups] = await Promise.all([getAs<AggregatedList>(client, '/api', DISCOVERY_ACCEPT), getAs<AggregatedList>(client, '/apis', DISCOVERY_ACCEPT)])
  if (core?.kind !== 'APIGroupDiscoveryList' || groups?.kind !== 'APIGroupDiscoveryList') return undefined
  const byVersion = new Map<string, Map<string, ResourceType>>()
  for (const g of [...(core.items ?? []), ...(groups.items ?? [])]) {
    const group = g.metadata?.name ?? ''
    for (const v of g.versions ?? []) {
      if (!v.version) continue
      const apiVersion = group ? `${group}/${v.version}` : v.version
      const kinds = byVersion.get(apiVersion) ?? new Map<string, ResourceType>()
      byVersion.set(apiVersion, kinds)
      for (const r of v.resources ?? []) {
        const kind = r.responseKind?.kind
        if (!kind || !r.resource || r.resource.includes('/') || kinds.has(kind)) continue
        kinds.set(kind, { apiVersion, kind, plural: r.resource, namespaced: r.scope === 'Namespaced' })
      }
    }
  }
  return { aggregated: true, byVersion }
}

/** One group version in the legacy form (`undefined`: not served). */
async function legacyVersion(client: KubeClient, apiVersion: string): Promise<Map<string, ResourceType> | undefined> {
  const list = await getAs<ResourceList>(client, apiVersion.includes('/') ? `/apis/${apiVersion}` : `/api/${apiVersion}`, 'application/json')
  if (!list) return undefined
  const kinds = new Map<string, ResourceType>()
  for (const r of list.resources ?? []) {
    // Subresources (`deployments/scale`) are not where objects live.
    if (!r.name || !r.kind || r.name.includes('/') || kinds.has(r.kind)) continue
    kinds.set(r.kind, { apiVersion, kind: r.kind, plural: r.name, namespaced: r.namespaced === true })
  }
  return kinds
}

/**
 * What `client`'s cluster serves of the group versions asked (`apiVersions`): the aggregated
 * answer covers them all; in the legacy form each is asked once per run.
 */
export async function discover(client: KubeClient, apiVersions: readonly string[]): Promise<Discovery> {
  let known = cache.get(client)
  if (!known) {
    known = aggregated(client).then((a) => a ?? { aggregated: false, byVersion: new Map() })
    cache.set(client, known)
  }
  const kinds = await known
  if (!kinds.aggregated) {
    const missing = [...new Set(apiVersions)].filter((v) => !kinds.byVersion.has(v)).sort()
    const lists = await Promise.all(missing.map((v) => legacyVersion(client, v)))
    missing.forEach((v, i) => kinds.byVersion.set(v, lists[i]))
  }
  return { aggregated: kinds.aggregated, lookup: (apiVersion, kind) => kinds.byVersion.get(apiVersion)?.get(kind) }
}
