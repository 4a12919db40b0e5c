import type { Manifest } from '../model/k8s.ts'
import { metaOf, typeOf } from '../util/manifest.ts'
import { isObj } from '../util/plain-data.ts'
import { FIELD_MANAGER, type LiveObject, needsApply, ownedPaths } from './compare.ts'

/** Fields the API server never records in managedFields (its field manager strips them). */
const UNTRACKED = new Set(['apiVersion', 'kind', 'metadata.name', 'metadata.namespace'])

/** The field paths `m` applies, down to lists (a list is one field), as `ownedPaths` reads fieldsV1. */
function appliedPaths(m: unknown, at: string[] = [], out: string[][] = []): string[][] | undefined {
  if (!isObj(m)) return undefined
  for (const [k, v] of Object.entries(m)) {
    const p = [...at, k]
    if (UNTRACKED.has(p.join('.'))) continue
    if (v === null) return undefined // a null removes a field: left to the server
    if (isObj(v) && Object.keys(v).length > 0) {
      if (!appliedPaths(v, p, out)) return undefined
    } else out.push(p)
  }
  return out
}

/**
 * Whether server-side applying `rendered` to `live` is known to change nothing, so that its
 * dry run can be skipped (issue 19.3): nsoffload's one Apply entry in `managedFields` is of
 * the same apiVersion, owns exactly the fields `rendered` applies (none more: the server
 * would remove it; none less: another manager took it, by an update or a forced apply),
 * and every rendered value is the live one. Anything unsure (no entry, two entries, a null,
 * a value the server normalises, e.g. `cpu: 1` read back as `"1"`) answers `false`: the
 * dry run is sent as before. Pure.
 */
export function unchangedApply(rendered: Manifest, live: LiveObject, manager = FIELD_MANAGER): boolean {
  const mf: unknown = metaOf(live).managedFields
  if (!Array.isArray(mf)) return false
  const ours = mf.filter((e) => isObj(e) && e['manager'] === manager && e['operation'] === 'Apply' && e['subresource'] === undefined)
  if (ours.length !== 1 || !isObj(ours[0]) || ours[0]['apiVersion'] !== typeOf(rendered).apiVersion) return false
  if (needsApply(rendered, live)) return false
  const want = appliedPaths(rendered)
  if (!want) return false
  const owned = new Set(ownedPaths(live, manager).map((p) => JSON.stringify(p)))
  return want.length === owned.size && want.every((p) => owned.has(JSON.stringify(p)))
}
