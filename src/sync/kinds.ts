import type { ResourceType } from '../kube/resources.ts'
import type { Manifest } from '../model/k8s.ts'
import { describeObject, metaOf, typeOf } from '../util/manifest.ts'
import { isObj } from '../util/plain-data.ts'

/**
 * The kinds of what sync writes to the home cluster, mapped as the server maps them (its API
 * discovery, `kube/discovery.ts`), or, for a custom resource whose CustomResourceDefinition is
 * in the same sync and not served yet, as that CRD will have the server map it. Pure.
 */

export const CRD_API_VERSION = 'apiextensions.k8s.io/v1'
export const CRD_KIND = 'CustomResourceDefinition'

export const isCrd = (m: Manifest): boolean => {
  const t = typeOf(m)
  return t.apiVersion === CRD_API_VERSION && t.kind === CRD_KIND
}

export const kindKey = (apiVersion: string, kind: string): string => `${apiVersion}/${kind}`

/** The types a CRD manifest defines: one per served version (`spec.versions[].served`). */
export function crdTypes(crd: Manifest): ResourceType[] {
  const spec = isObj(crd['spec']) ? crd['spec'] : {}
  const names = isObj(spec['names']) ? spec['names'] : {}
  const group = typeof spec['group'] === 'string' ? spec['group'] : ''
  const kind = typeof names['kind'] === 'string' ? names['kind'] : ''
  const plural = typeof names['plural'] === 'string' ? names['plural'] : ''
  if (!group || !kind || !plural) return []
  const versions = Array.isArray(spec['versions']) ? spec['versions'] : []
  return versions.flatMap((v: unknown) =>
    isObj(v) && typeof v['name'] === 'string' && v['served'] !== false
      ? [{ apiVersion: `${group}/${v['name']}`, kind, plural, namespaced: spec['scope'] !== 'Cluster' }]
      : [],
  )
}

export interface ResolvedKinds {
  /** `apiVersion/kind` → where its objects live. */
  readonly types: ReadonlyMap<string, ResourceType>
  /** `apiVersion/kind` → the name of the CRD of this sync that defines it (the server does not serve it yet). */
  readonly definedBy: ReadonlyMap<string, string>
  /** Kinds neither the server serves nor a CRD of this sync defines: one object of each, to name it. */
  readonly unserved: readonly { readonly apiVersion: string; readonly kind: string; readonly object: string }[]
}

/** Maps the kinds of `manifests` with `lookup` (the server's discovery), then with the CRDs among them. */
export function resolveKinds(manifests: readonly Manifest[], lookup: (apiVersion: string, kind: string) => ResourceType | undefined): ResolvedKinds {
  const types = new Map<string, ResourceType>()
  const definedBy = new Map<string, string>()
  const fromCrds = new Map<string, { type: ResourceType; crd: string }>()
  for (const m of manifests) if (isCrd(m)) for (const t of crdTypes(m)) fromCrds.set(kindKey(t.apiVersion, t.kind), { type: t, crd: metaOf(m).name ?? '' })
  const unserved: { apiVersion: string; kind: string; object: string }[] = []
  for (const m of manifests) {
    const { apiVersion, kind } = typeOf(m)
    const key = kindKey(apiVersion, kind)
    if (types.has(key) || unserved.some((u) => kindKey(u.apiVersion, u.kind) === key)) continue
    const served = lookup(apiVersion, kind)
    const defined = fromCrds.get(key)
    if (served) types.set(key, served)
    else if (defined) {
      types.set(key, defined.type)
      definedBy.set(key, defined.crd)
    } else unserved.push({ apiVersion, kind, object: describeObject(m) })
  }
  return { types, definedBy, unserved }
}

/**
 * A manifest in the scope the server gives its kind: a cluster-scoped kind without
 * `metadata.namespace` (the compiler gave the policy's namespace to a kind it did not know as
 * cluster-scoped), a namespaced one with `namespace` (the policy's). `m` itself when it already is.
 */
export function inScope(m: Manifest, type: ResourceType | undefined, namespace: string): Manifest {
  if (!type) return m
  const md = metaOf(m)
  const has = typeof md.namespace === 'string'
  if (type.namespaced && !has) return { ...m, metadata: { ...md, namespace } }
  if (!type.namespaced && md.namespace !== undefined) {
    const { namespace: _, ...rest } = md
    return { ...m, metadata: rest }
  }
  return m
}
