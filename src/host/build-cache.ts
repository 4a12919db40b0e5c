import { createHash, randomBytes } from 'node:crypto'
import * as fs from 'node:fs'
import * as path from 'node:path'

/**
 * The folder of `build --cluster`'s cache (`cli/cluster-build.ts` decides what goes in it): one
 * folder per entry, `<key>-<id>/`, holding `entry.json` (what the entry answers and how to
 * check it still does) and a file per blob. Safe with builds running side by side:
 *   - an entry is written whole under a temporary name, then renamed into place (a reader sees
 *     all of it or nothing; of two builds storing the same entry, one rename wins);
 *   - entries are never changed once in place; each blob is checked against its SHA-256 when
 *     read, so a file cut short (a crash before the disk wrote it) is a miss, never an answer;
 *   - it is bounded: after each store, the least recently used entries beyond `maxBytes` or
 *     `maxEntries` are removed (renamed aside, then deleted, so that a reader of one finds it
 *     whole or not at all), with temporary folders left by killed builds;
 *   - a miss is computed once: one build holds the key's lock (`cacheLock`) while the others
 *     wait for its entry (a lock whose build died is taken over);
 *   - the folder is private (0700) and used only when it belongs to this user and nobody else
 *     may write in it: workloads can hold Secrets.
 * Anything that goes wrong here makes the cache miss or not store; it never fails a build.
 */
export interface CacheConfig {
  readonly dir: string
  readonly maxBytes: number
  readonly maxEntries: number
}

/** The default bound of the cache folder, in MiB (`NSOFFLOAD_CACHE_MAX_MB`). */
export const DEFAULT_MAX_MB = 512
const MAX_ENTRIES = 64
const ENTRY_FILE = 'entry.json'
const TMP_PREFIX = '.tmp-'
const TRASH_PREFIX = '.trash-'
/** A temporary folder older than this was left by a build that died. */
const STALE_TMP_MS = 60 * 60 * 1000

/**
 * Where the cache is: `NSOFFLOAD_CACHE_DIR`, else `$XDG_CACHE_HOME/nsoffload/builds`, else
 * `$HOME/.cache/nsoffload/builds`; none of them set, no cache.
 */
export function cacheConfig(env: Readonly<Record<string, string | undefined>>): CacheConfig | undefined {
  const base = env['XDG_CACHE_HOME'] || (env['HOME'] ? path.join(env['HOME'], '.cache') : undefined)
  const dir = env['NSOFFLOAD_CACHE_DIR'] || (base ? path.join(base, 'nsoffload', 'builds') : undefined)
  if (!dir || !path.isAbsolute(dir)) return undefined
  const mb = Number(env['NSOFFLOAD_CACHE_MAX_MB'] ?? DEFAULT_MAX_MB)
  return { dir, maxBytes: (Number.isFinite(mb) && mb >= 0 ? mb : DEFAULT_MAX_MB) * 1024 * 1024, maxEntries: MAX_ENTRIES }
}

/** A blob of an entry: its name in the entry folder, size and SHA-256. */
interface BlobRef {
  readonly file: string
  readonly bytes: number
  readonly sha256: string
}

/** What `entry.json` holds: the caller's metadata, and the entry's blobs. */
interface EntryFile<M> {
  readonly meta: M
  readonly blobs: Readonly<Record<string, BlobRef>>
  readonly bytes: number
}

export interface CacheHit<M> {
  readonly meta: M
  /** A blob's bytes, checked; undefined when missing or not what was stored (then the entry is dropped). */
  blob(name: string): Uint8Array | undefined
}

const sha256 = (b: Uint8Array | string): string => createHash('sha256').update(b).digest('hex')

/** The folder, made private, if it is safe to use: a folder of this user that no one else may write to. */
function usableRoot(dir: string, create: boolean): boolean {
  try {
    if (create) fs.mkdirSync(dir, { recursive: true, mode: 0o700 })
    const st = fs.lstatSync(dir)
    if (!st.isDirectory()) return false
    if (typeof process.getuid === 'function' && st.uid !== process.getuid()) return false
    return (st.mode & 0o022) === 0
  } catch {
    return false
  }
}

/**
 * The newest entry of `key` that `accept` takes (it checks the entry still answers for the
 * inputs, as `meta` says how), or undefined. A hit makes the entry the most recently used.
 */
export function cacheLookup<M>(cfg: CacheConfig, key: string, accept: (meta: M) => boolean): CacheHit<M> | undefined {
  if (!usableRoot(cfg.dir, false)) return undefined
  let names: string[]
  try {
    names = fs.readdirSync(cfg.dir).filter((n) => n.startsWith(`${key}-`))
  } catch {
    return undefined
  }
  const candidates = names
    .map((n) => ({ n, mtime: mtimeOf(path.join(cfg.dir, n)) }))
    .filter((c) => c.mtime !== undefined)
    .sort((a, b) => (b.mtime ?? 0) - (a.mtime ?? 0))
  for (const { n } of candidates) {
    const dir = path.join(cfg.dir, n)
    let entry: EntryFile<M>
    try {
      entry = JSON.parse(fs.readFileSync(path.join(dir, ENTRY_FILE), 'utf8')) as EntryFile<M>
    } catch {
      continue
    }
    if (!accept(entry.meta)) continue
    const now = new Date()
    try {
      fs.utimesSync(dir, now, now)
    } catch {
      // Evicted meanwhile: the blobs say.
    }
    return {
      meta: entry.meta,
      blob: (name) => {
        const ref = entry.blobs[name]
        if (!ref) return undefined
        try {
          const b = fs.readFileSync(path.join(dir, ref.file))
          if (b.byteLength === ref.bytes && sha256(b) === ref.sha256) return b
        } catch {
          return undefined
        }
        drop(cfg.dir, n)
        return undefined
      },
    }
  }
  return undefined
}

/** Stores an entry of `key` named `id` (several per key: one per state of the inputs), then bounds the folder. */
export function cacheStore<M>(cfg: CacheConfig, key: string, id: string, meta: M, blobs: ReadonlyMap<string, Uint8Array>): void {
  if (!usableRoot(cfg.dir, true)) return
  const name = `${key}-${id}`
  const tmp = path.join(cfg.dir, `${TMP_PREFIX}${process.pid}-${randomBytes(6).toString('hex')}`)
  try {
    fs.mkdirSync(tmp, { mode: 0o700 })
    const refs: Record<string, BlobRef> = {}
    let bytes = 0
    let i = 0
    for (const [blobName, b] of blobs) {
      const file = `b${i++}`
      fs.writeFileSync(path.join(tmp, file), b, { mode: 0o600 })
      refs[blobName] = { file, bytes: b.byteLength, sha256: sha256(b) }
      bytes += b.byteLength
    }
    const text = JSON.stringify({ meta, blobs: refs, bytes } satisfies EntryFile<M>)
    fs.writeFileSync(path.join(tmp, ENTRY_FILE), text, { mode: 0o600 })
    try {
      fs.renameSync(tmp, path.join(cfg.dir, name))
    } catch {
      // Another build stored the same entry first (the folder exists): keep theirs.
      fs.rmSync(tmp, { recursive: true, force: true })
    }
  } catch {
    fs.rmSync(tmp, { recursive: true, force: true })
    return
  }
  evict(cfg)
}

function mtimeOf(p: string): number | undefined {
  try {
    return fs.statSync(p).mtimeMs
  } catch {
    return undefined
  }
}

/** Removes an entry: renamed aside first (readers find it whole or not at all), then deleted. */
function drop(dir: string, name: string): void {
  const aside = path.join(dir, `${TRASH_PREFIX}${process.pid}-${randomBytes(6).toString('hex')}`)
  try {
    fs.renameSync(path.join(dir, name), aside)
  } catch {
    return
  }
  fs.rmSync(aside, { recursive: true, force: true })
}

/** Keeps the most recently used entries within the bounds; removes what killed builds left behind. */
function evict(cfg: CacheConfig): void {
  let names: string[]
  try {
    names = fs.readdirSync(cfg.dir)
  } catch {
    return
  }
  const now = Date.now()
  const entries: { name: string; mtime: number; bytes: number }[] = []
  for (const name of names) {
    const mtime = mtimeOf(path.join(cfg.dir, name))
    if (mtime === undefined) continue
    if (name.startsWith(TRASH_PREFIX) || (name.startsWith(TMP_PREFIX) && now - mtime > STALE_TMP_MS)) {
      fs.rmSync(path.join(cfg.dir, name), { recursive: true, force: true })
      continue
    }
    if (name.startsWith('.')) continue // a lock, or another build's folder being written
    let bytes: number
    try {
      const e = JSON.parse(fs.readFileSync(path.join(cfg.dir, name, ENTRY_FILE), 'utf8')) as EntryFile<unknown>
      bytes = e.bytes
    } catch {
      // Not an entry (or one cut short: entries are renamed into place whole): removed, and not counted against the others.
      drop(cfg.dir, name)
      continue
    }
    entries.push({ name, mtime, bytes })
  }
  entries.sort((a, b) => b.mtime - a.mtime)
  let total = 0
  entries.forEach((e, i) => {
    total += e.bytes
    if (i >= cfg.maxEntries || total > cfg.maxBytes) drop(cfg.dir, e.name)
  })
}

/** A lock older than this is taken over (a build that hung, or died where its pid cannot be seen). */
const STALE_LOCK_MS = 10 * 60 * 1000
const LOCK_PREFIX = '.lock-'
const POLL_MS = 25

const pause = (ms: number): void => void Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms)

/** Whether the lock file names a build that may still be working: alive (as far as this process sees) and not older than STALE_LOCK_MS. */
function lockHeld(file: string): boolean {
  try {
    const st = fs.statSync(file)
    if (Date.now() - st.mtimeMs > STALE_LOCK_MS) return false
    const pid = Number(fs.readFileSync(file, 'utf8').trim())
    if (!Number.isInteger(pid) || pid <= 0) return Date.now() - st.mtimeMs < 5_000 // being written
    try {
      process.kill(pid, 0)
      return true
    } catch (e) {
      return (e as NodeJS.ErrnoException).code !== 'ESRCH'
    }
  } catch {
    return false
  }
}

/**
 * One build computes a missing entry of `key` while the others wait for it (issue 19.1: Argo
 * CD renders several clusters of one revision at once, and each miss would compile the whole
 * fleet). `'mine'`: this build holds the lock (a file naming its pid) and computes, then calls
 * `cacheUnlock`. `'waited'`: another build held it and let it go (stored, failed or died), or
 * `maxWaitMs` passed: look the entry up again, and compute without the lock if it is not
 * there. `'none'`: no usable folder. A lock whose build died is taken over; two builds that
 * take one over at once both compute: harmlessly, the entries are the same.
 */
export function cacheLock(cfg: CacheConfig, key: string, maxWaitMs: number): 'mine' | 'waited' | 'none' {
  if (!usableRoot(cfg.dir, true)) return 'none'
  const file = path.join(cfg.dir, `${LOCK_PREFIX}${key}`)
  try {
    const fd = fs.openSync(file, 'wx', 0o600)
    fs.writeSync(fd, `${process.pid}\n`)
    fs.closeSync(fd)
    return 'mine'
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') return 'none'
  }
  const deadline = Date.now() + maxWaitMs
  while (lockHeld(file) && Date.now() < deadline) pause(POLL_MS)
  if (fs.existsSync(file) && !lockHeld(file)) fs.rmSync(file, { force: true })
  return 'waited'
}

/** Lets go of this build's lock of `key` (left alone when another build took it over). */
export function cacheUnlock(cfg: CacheConfig, key: string): void {
  const file = path.join(cfg.dir, `${LOCK_PREFIX}${key}`)
  try {
    if (fs.readFileSync(file, 'utf8').trim() === String(process.pid)) fs.rmSync(file, { force: true })
  } catch {
    // Gone already.
  }
}

/** A short stable digest of a string, for names in the cache folder. */
export const cacheDigest = (s: string): string => sha256(s).slice(0, 32)
