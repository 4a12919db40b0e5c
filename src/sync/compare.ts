import type { Manifest } from '../model/k8s.ts'
import { metaOf } from '../util/manifest.ts'
import { isObj } from '../util/plain-data.ts'

/** The field manager of every write nsoffload makes (server-side apply). */
export const FIELD_MANAGER = 'nsoffload'

/** A live object as the API returns it. */
export type LiveObject = Manifest

/** Every field of `want` is in `have` with the same value (lists: same length, item-wise). */
export function isSubset(want: unknown, have: unknown): boolean {
  if (Array.isArray(want)) {
    return Array.isArray(have) && have.length === want.length && want.every((w, i) => isSubset(w, have[i]))
  }
  if (isObj(want)) {
    if (!isObj(have)) return false
    return Object.entries(want).every(([k, v]) => isSubset(v, have[k]))
  }
  return want === have
}

/**
 * The field paths our manager owns in a live object, from `metadata.managedFields` (fieldsV1),
 * down to lists (a list counts as one field: its items are keyed by the server).
 */
export function ownedPaths(live: LiveObject, manager = FIELD_MANAGER): string[][] {
  const mf: unknown = metaOf(live).managedFields
  if (!Array.isArray(mf)) return []
  const out: string[][] = []
  const walk = (node: unknown, at: string[]): void => {
    if (!isObj(node)) return
    const keys = Object.keys(node).filter((k) => k.startsWith('f:'))
    const nested = Object.keys(node).some((k) => /^[kvi]:/.test(k))
    if ((keys.length === 0 || nested) && at.length > 0) {
      out.push(at)
      return
    }
    for (const k of keys) walk(node[k], [...at, k.slice(2)])
  }
  for (const entry of mf) {
    if (isObj(entry) && entry['manager'] === manager && entry['operation'] === 'Apply' && entry['subresource'] === undefined) {
      walk(entry['fieldsV1'], [])
    }
  }
  return out
}

function has(obj: unknown, path: readonly string[]): boolean {
  let v: unknown = obj
  for (const p of path) {
    if (!isObj(v) || !(p in v)) return false
    v = v[p]
  }
  return true
}

/**
 * Whether server-side applying `rendered` would change `live`: a rendered field differs, or a
 * field we applied before is no longer rendered (the server would remove it).
 */
export function needsApply(rendered: Manifest, live: LiveObject): boolean {
  if (!isSubset(rendered, live)) return true
  return ownedPaths(live).some((p) => !has(rendered, p))
}

const SERVER_FIELDS = ['managedFields', 'resourceVersion', 'uid', 'creationTimestamp', 'generation', 'selfLink', 'deletionGracePeriodSeconds']

/** A live object without what the server manages, for diffs: no status, no bookkeeping metadata. */
export function stripServerFields(live: LiveObject): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const [k, v] of Object.entries(live)) {
    if (k === 'status') continue
    if (k === 'metadata' && isObj(v)) {
      const md: Record<string, unknown> = {}
      for (const [mk, mv] of Object.entries(v)) {
        if (SERVER_FIELDS.includes(mk)) continue
        if (mk === 'annotations' && isObj(mv)) {
          const a = Object.fromEntries(Object.entries(mv).filter(([ak]) => ak !== 'kubectl.kubernetes.io/last-applied-configuration'))
          if (Object.keys(a).length > 0) md[mk] = a
          continue
        }
        md[mk] = mv
      }
      out[k] = md
      continue
    }
    out[k] = v
  }
  if (isObj(out['spec']) && out['kind'] === 'Namespace') {
    // `spec.finalizers: [kubernetes]` is the server's, on every namespace.
    const spec = { ...out['spec'] }
    delete spec['finalizers']
    if (Object.keys(spec).length === 0) delete out['spec']
    else out['spec'] = spec
  }
  return out
}

/**
 * What the object would look like after applying: live (stripped) with the rendered fields
 * laid over it, and fields we owned but no longer render removed.
 */
export function afterApply(rendered: Manifest, live: LiveObject | undefined): Record<string, unknown> {
  if (!live) return { ...rendered }
  // A deep copy: removing fields must not change the live object (the diff's "before").
  const base = structuredClone(stripServerFields(live))
  for (const p of ownedPaths(live)) if (!has(rendered, p)) remove(base, p)
  return merge(base, rendered) as Record<string, unknown>
}

/** Deep equality of plain JSON data; the order of an object's keys does not matter. */
export function deepEqual(a: unknown, b: unknown): boolean {
  if (Array.isArray(a)) return Array.isArray(b) && a.length === b.length && a.every((v, i) => deepEqual(v, b[i]))
  if (isObj(a)) {
    if (!isObj(b)) return false
    const ka = Object.keys(a)
    return ka.length === Object.keys(b).length && ka.every((k) => k in b && deepEqual(a[k], b[k]))
  }
  return a === b
}

/**
 * Whether the server's answer to a dry-run apply is the live object again, as `kubectl diff`
 * compares them: what the server manages (managedFields, resourceVersion, generation, status,
 * timestamps) left out.
 */
export function sameObject(after: LiveObject, live: LiveObject): boolean {
  return deepEqual(stripServerFields(after), stripServerFields(live))
}

/** What a masked Secret value reads in a diff, as `kubectl diff` prints it. */
export const MASK = '***'

/**
 * A Secret's values hidden as `kubectl diff` hides them (its `Masker`): every value of `data`
 * and `stringData` becomes `***`, except a key on both sides with different values, which
 * reads `*** (before)` and `*** (after)` so the diff still shows that it changed. Keys stay.
 * Objects of other kinds are returned as they are.
 */
export function maskSecrets(
  before: Record<string, unknown> | undefined,
  after: Record<string, unknown> | undefined,
): [Record<string, unknown> | undefined, Record<string, unknown> | undefined] {
  const isSecret = (o: Record<string, unknown> | undefined): boolean => o !== undefined && o['kind'] === 'Secret' && o['apiVersion'] === 'v1'
  if (!isSecret(before) && !isSecret(after)) return [before, after]
  const b = before ? { ...before } : undefined
  const a = after ? { ...after } : undefined
  for (const field of ['data', 'stringData']) {
    const from = b && isObj(b[field]) ? b[field] : undefined
    const to = a && isObj(a[field]) ? a[field] : undefined
    const changed = (k: string): boolean => from !== undefined && to !== undefined && k in from && k in to && !deepEqual(from[k], to[k])
    if (b && from) b[field] = Object.fromEntries(Object.keys(from).map((k) => [k, changed(k) ? `${MASK} (before)` : MASK]))
    if (a && to) a[field] = Object.fromEntries(Object.keys(to).map((k) => [k, changed(k) ? `${MASK} (after)` : MASK]))
  }
  return [b, a]
}

function remove(obj: Record<string, unknown>, path: readonly string[]): void {
  let v: unknown = obj
  for (let i = 0; i < path.length - 1; i++) {
    if (!isObj(v)) return
    v = v[path[i] ?? '']
  }
  if (!isObj(v)) return
  // In place, in afterApply's deep copy.
  const target: Record<string, unknown> = v
  delete target[path[path.length - 1] ?? '']
}

function merge(base: unknown, over: unknown): unknown {
  if (isObj(base) && isObj(over)) {
    const out: Record<string, unknown> = { ...base }
    for (const [k, v] of Object.entries(over)) out[k] = merge(base[k], v)
    return out
  }
  return over
}
