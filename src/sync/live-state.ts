import type { KubeClient } from '../kube/kube-client.ts'
import { collectionPath, knownType, type ResourceType } from '../kube/resources.ts'
import { NSO_API_VERSION, NSO_KIND } from '../model/liqo.ts'
import type { LiveObject } from './compare.ts'

/** What nsoffload reads from one cluster: a handful of LISTs, never one GET per object. */
export interface LiveCluster {
  readonly clusterID: string
  /** Namespaces by name. */
  readonly namespaces: ReadonlyMap<string, LiveObject>
  /** Home only: NamespaceOffloadings by namespace (`undefined` when the CRD is missing). */
  readonly offloadings?: ReadonlyMap<string, LiveObject>
  /** Home only: other objects by `apiVersion/kind/namespace/name`. */
  readonly objects: ReadonlyMap<string, LiveObject>
}

export const objectKey = (apiVersion: string, kind: string, namespace: string | undefined, name: string): string =>
  `${apiVersion}/${kind}/${namespace ?? ''}/${name}`

const name = (o: LiveObject): string => String(((o['metadata'] ?? {}) as Record<string, unknown>)['name'] ?? '')
const nsOf = (o: LiveObject): string | undefined => {
  const v = ((o['metadata'] ?? {}) as Record<string, unknown>)['namespace']
  return typeof v === 'string' ? v : undefined
}

/** LISTs all objects of a type; items of a list carry no apiVersion/kind, so they are set here. */
async function list(client: KubeClient, t: ResourceType): Promise<LiveObject[] | undefined> {
  const r = await client.get<{ items?: LiveObject[] }>(collectionPath(t))
  return r ? (r.items ?? []).map((o) => ({ apiVersion: t.apiVersion, kind: t.kind, ...o })) : undefined
}

export const CRD_PATH = '/apis/apiextensions.k8s.io/v1/customresourcedefinitions/namespaceoffloadings.offloading.liqo.io'

/**
 * Reads a cluster: all namespaces; on the home cluster also all NamespaceOffloadings and, per
 * kind among `kinds`, all objects of that kind.
 */
export async function readCluster(client: KubeClient, home: boolean, kinds: readonly { apiVersion: string; kind: string }[] = []): Promise<LiveCluster> {
  const nsType = knownType('v1', 'Namespace')
  const nsList = nsType ? ((await list(client, nsType)) ?? []) : []
  const namespaces = new Map(nsList.map((o) => [name(o), o]))
  const objects = new Map<string, LiveObject>()
  let offloadings: Map<string, LiveObject> | undefined
  if (home) {
    const t = knownType(NSO_API_VERSION, NSO_KIND)
    const items = t ? await list(client, t) : undefined
    if (items) offloadings = new Map(items.filter((o) => name(o) === 'offloading').map((o) => [nsOf(o) ?? '', o]))
    for (const k of kinds) {
      const kt = knownType(k.apiVersion, k.kind)
      if (!kt) continue
      for (const o of (await list(client, kt)) ?? []) objects.set(objectKey(k.apiVersion, k.kind, nsOf(o), name(o)), o)
    }
  }
  return { clusterID: client.name, namespaces, ...(offloadings ? { offloadings } : {}), objects }
}
