import type { Manifest, ObjectMeta } from '../model/k8s.ts'
import { str } from './plain-data.ts'

/** An object's metadata; `{}` when it has none. The one way in to `metadata`. */
export const metaOf = (m: Manifest): ObjectMeta => m.metadata ?? {}

/** apiVersion and kind, `''` when missing. */
export const typeOf = (m: Manifest): { apiVersion: string; kind: string } => ({ apiVersion: String(m.apiVersion ?? ''), kind: String(m.kind ?? '') })

/** The API group of an object's apiVersion: `apps` of `apps/v1`, `''` for the core group (`v1`). */
export const groupOf = (m: Manifest): string => {
  const av = String(m.apiVersion ?? '')
  const slash = av.indexOf('/')
  return slash < 0 ? '' : av.slice(0, slash)
}

/**
 * The identity of an object in a cluster, as the API server knows it: group, kind, namespace
 * and name (the version is only a way of reading it). A core ConfigMap and an
 * `example.com/v1` ConfigMap of the same name are two objects.
 */
export function identityOf(m: Manifest): string {
  const md = metaOf(m)
  return JSON.stringify([groupOf(m), String(m.kind ?? ''), String(md.namespace ?? ''), String(md.name ?? '')])
}

/**
 * An object in words, in one of two forms:
 * - `ref` (the default), as kubectl names it and `diff`/`sync` print it: `deployment/shop/web`,
 *   `namespace/shop` (kind in lower case, the namespace when it has one);
 * - `prose`, for messages about a source file: `Deployment/web in namespace shop`.
 */
export function describeObject(m: Manifest, form: 'ref' | 'prose' = 'ref'): string {
  const md = metaOf(m)
  const kind = str(m.kind)
  const namespace = str(md.namespace)
  const name = str(md.name)
  return form === 'ref' ? `${kind.toLowerCase()}/${namespace ? `${namespace}/` : ''}${name}` : `${kind}/${name}${namespace ? ` in namespace ${namespace}` : ''}`
}

/** `metadata.namespace` when it is a string (a cluster-scoped workload may say `namespace: null`). */
export const namespaceOf = (m: Manifest): string | undefined => {
  const ns = metaOf(m).namespace
  return typeof ns === 'string' ? ns : undefined
}
