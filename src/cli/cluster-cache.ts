import * as path from 'node:path'
import { type CacheConfig, cacheDigest, cacheLookup, cacheStore } from '../host/build-cache.ts'
import type { Host } from '../host/host.ts'
import { replayMatches, type Trace } from '../host/trace.ts'
import type { InputOptions } from '../pipeline.ts'

/**
 * The entries of `build --cluster`'s cache (`cluster-build.ts` fills them, `fast-cluster-build.ts`
 * and `cluster-build.ts` read them): what every cluster's build of one state of the inputs
 * prints, already serialised. Only Node.js built-ins and the cache and trace modules, so that a
 * hit is served before the rest of the CLI is loaded.
 */

/** The outcome every cluster of a build shares. */
export interface Outcome {
  readonly failed: boolean
  /** Every cluster of the inventory, home first. */
  readonly clusters: readonly string[]
}

/** What an entry says: the outcome, the diagnostics as printed, and how to check it holds. */
export interface EntryMeta extends Outcome, Pick<Trace, 'calls' | 'answers' | 'stamps' | 'digest'> {
  readonly stderr: string
  /** Absent when the entry holds in any working folder with the same files below it. */
  readonly cwd?: string
}

/**
 * The key of a build's entries: the code, the options (`--sync-waves` among them: an entry
 * holds the bytes printed), and how deep the working folder is (its parents are probed).
 */
export function cacheKey(host: Host, opts: InputOptions, code: string, syncWaves: boolean): string {
  const depth = path.resolve(host.cwd).split(path.sep).filter(Boolean).length
  return cacheDigest(JSON.stringify({ format: 3, code, opts, syncWaves, depth }))
}

/** The fast path's miss just now: the key and the host it looked up with (the CLI, run next on that host, need not look again). */
let fastMiss: { readonly key: string; readonly host: Host } | undefined

export function noteMiss(key: string, host: Host): void {
  fastMiss = { key, host }
}

/** Whether the fast path missed `key` on this very host a moment ago; asked once. */
export function takeMiss(key: string, host: Host): boolean {
  const m = fastMiss
  fastMiss = undefined
  return m !== undefined && m.key === key && m.host === host
}

export interface EntryHit {
  readonly meta: EntryMeta
  /** What `build --cluster ID` prints on stdout, or undefined when the blob is gone or damaged. */
  stream(id: string): Uint8Array | undefined
}

/** The entry of `key` that answers for the inputs `host` has now, if any. */
export function lookupEntry(cfg: CacheConfig, key: string, host: Host): EntryHit | undefined {
  const memo = new Map<string, string>()
  const hit = cacheLookup<EntryMeta>(cfg, key, (meta) => (meta.cwd === undefined || meta.cwd === host.cwd) && replayMatches(host, meta, memo))
  if (!hit) return undefined
  return { meta: hit.meta, stream: (id) => hit.blob(id) }
}

/**
 * Stores a build: `streams` holds each cluster's stdout. An entry that holds in any working
 * folder must not name this one (it would be wrong elsewhere): its diagnostics are checked for
 * this folder and its parent, its output for this folder.
 */
export function storeEntry(cfg: CacheConfig, key: string, host: Host, meta: EntryMeta, streams: ReadonlyMap<string, string>): void {
  const blobs = new Map<string, Buffer>()
  for (const [id, s] of streams) blobs.set(id, Buffer.from(s, 'utf8'))
  const parent = path.dirname(host.cwd)
  const named =
    meta.stderr.includes(host.cwd) ||
    (parent !== path.parse(parent).root && meta.stderr.includes(parent)) ||
    [...blobs.values()].some((b) => b.includes(host.cwd))
  const m = meta.cwd === undefined && named ? { ...meta, cwd: host.cwd } : meta
  cacheStore(cfg, key, cacheDigest(`${m.digest} ${m.cwd ?? ''}`), m, blobs)
}
