import type { Manifest, ObjectMeta } from '../model/k8s.ts'
import { str } from './plain-data.ts'

/** An object's metadata; `{}` when it has none. The one way in to `metadata`. */
export const metaOf = (m: Manifest): ObjectMeta => m.metadata ?? {}

/** apiVersion and kind, `''` when missing. */
export const typeOf = (m: Manifest): { apiVersion: string; kind: string } => ({ apiVersion: String(m.apiVersion ?? ''), kind: String(m.kind ?? '') })

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
