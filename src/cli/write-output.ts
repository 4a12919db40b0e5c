import * as path from 'node:path'
import type { Host } from '../host/host.ts'
import { randomBytes } from 'node:crypto'
import { type FileOpFailure, failureOf, type FileQueue, FileQueueError } from '../host/file-queue.ts'
import { GENERATED_HEADER, type OutputFile } from '../render/bundle.ts'
import { Interrupted, UsageError } from './exit-codes.ts'

/** The output folder's lock file: one `build -o` at a time writes there. */
const LOCK_FILE = '.nsoffload.lock'
/** The folders a run works in: `.<clusterID>.<run>.nsoffload-tmp` (being written), `-old` (the previous one, moved aside); and those of older versions. */
const SCRATCH = /^\.(.+?)(?:\.[0-9a-f]{8})?\.nsoffload-(tmp|old)$/

/** Whether a cluster folder was written by nsoffload (its kustomization carries our header). */
function ours(host: Host, dir: string): boolean {
  try {
    return Buffer.from(host.readFile(path.join(dir, 'kustomization.yaml')))
      .toString('utf8')
      .startsWith(GENERATED_HEADER)
  } catch {
    return false
  }
}

/** How `build -o` may use its output folder. */
export interface OutputOptions {
  /** `--allow-other-files`: the folder may hold entries nsoffload did not write (left alone). */
  readonly allowOtherFiles?: boolean
  /** The inputs (`-p`, `-i`): the output folder may not lie inside a policies folder. */
  readonly inputs?: readonly string[]
}

/**
 * `p` with its symbolic links resolved, as far as it exists: the canonical form of its deepest
 * existing folder, then the parts that do not exist yet.
 */
function resolveLinks(host: Host, p: string): string {
  const rest: string[] = []
  for (let at = p; ;) {
    try {
      return path.join(host.realpath(at), ...rest)
    } catch {
      const up = path.dirname(at)
      if (up === at) return p
      rest.unshift(path.basename(at))
      at = up
    }
  }
}

/** What marks a project folder: the output never goes there unless asked. */
const PROJECT_MARKERS = ['policies', 'inventory.yaml', '.git']

/**
 * What `build -o` checks before compiling: the output folder is a folder (or absent), not
 * inside a policies folder (symbolic links resolved on both sides), and, unless `allowOtherFiles`, holds only what nsoffload wrote
 * (its cluster folders and temporary folders): never the project folder or the user's files.
 */
export function checkOutputFolder(host: Host, outDir: string, opts: OutputOptions = {}): void {
  const root = path.resolve(host.cwd, outDir)
  const st = host.stat(root)
  if (st && !st.dir) throw new UsageError(`${outDir}: exists and is not a folder`)
  // Compared with links resolved: `-o outlink/gen` with `outlink -> policies` is inside too.
  const realRoot = resolveLinks(host, root)
  for (const input of opts.inputs ?? []) {
    const abs = path.resolve(host.cwd, input)
    if (!host.stat(abs)?.dir) continue
    const rel = path.relative(resolveLinks(host, abs), realRoot)
    if (!rel.startsWith('..') && !path.isAbsolute(rel)) {
      throw new UsageError(`${outDir}: is inside the policies folder ${input}, whose subfolders are read as policies; give -o a folder outside it, e.g. -o out`)
    }
  }
  if (!st || opts.allowOtherFiles) return
  const entries = host.readDir(root)
  const others = entries
    .filter((e) => !(e.dir ? SCRATCH.test(e.name) || ours(host, path.join(root, e.name)) : e.name === LOCK_FILE))
    .map((e) => e.name)
    .sort()
  if (others.length === 0) return
  const markers = entries
    .filter((e) => PROJECT_MARKERS.includes(e.name))
    .map((e) => (e.dir ? `${e.name}/` : e.name))
    .sort()
  const shown =
    others
      .slice(0, 3)
      .map((n) => `"${n}"`)
      .join(', ') + (others.length > 3 ? ` and ${others.length - 3} more` : '')
  const what = markers.length > 0 ? `is a project folder (it holds ${markers.join(', ')})` : `holds files nsoffload did not write (${shown})`
  throw new UsageError(
    `${outDir}: ${what}; refusing to write cluster folders there: give -o a folder of its own (e.g. -o out), or add --allow-other-files to write beside them (they are left alone)`,
  )
}

/** How long a second `build -o` into one folder waits for the first to finish writing. */
export const LOCK_WAIT_MS = 300_000
const LOCK_POLL_MS = 100

/** Takes the output folder's lock, waiting while another build holds it (up to `LOCK_WAIT_MS`, or until `interrupted`). */
async function lockOutput(host: Host, outDir: string, root: string, interrupted: () => boolean): Promise<{ release(): void } | undefined> {
  const file = path.join(root, LOCK_FILE)
  const deadline = Date.now() + LOCK_WAIT_MS
  let said = false
  for (;;) {
    let got: { release(): void } | { heldBy: string }
    try {
      got = host.tryLock(file)
    } catch (e) {
      throw cannotWrite(host, failureOf(file, e))
    }
    if ('release' in got) return got
    if (interrupted()) return undefined
    if (Date.now() >= deadline) {
      throw new UsageError(
        `${outDir}: busy: another nsoffload build (${got.heldBy}) has been writing it for more than ${LOCK_WAIT_MS / 1000} s; if none runs, remove ${path.join(outDir, LOCK_FILE)}`,
      )
    }
    if (!said) host.stderr(`nsoffload: ${outDir}: another nsoffload build (${got.heldBy}) is writing it; waiting for it to finish\n`)
    said = true
    await new Promise((resolve) => setTimeout(resolve, LOCK_POLL_MS))
  }
}

/**
 * What earlier runs killed without a chance to clean up (SIGKILL, a crash, a power cut) left
 * in the output folder, set right under the lock: a cluster folder moved aside but not
 * replaced is moved back (the previous output, whole), and temporary folders are removed.
 */
function recover(host: Host, root: string): void {
  const entries = host.readDir(root).filter((e) => e.dir && SCRATCH.test(e.name))
  for (const e of entries) {
    const m = SCRATCH.exec(e.name)
    const id = m?.[1] ?? ''
    if (m?.[2] === 'old' && !host.stat(path.join(root, id))) host.rename(path.join(root, e.name), path.join(root, id))
    else host.remove(path.join(root, e.name))
  }
}

/**
 * Writes `outDir/<clusterID>/…` for every cluster. Checks everything before writing anything:
 * the output folder holds only what nsoffload wrote (cluster folders with its generated
 * header), unless `allowOtherFiles`; it is never inside a policies folder (the next run would
 * read the manifests as policies); a cluster folder that exists and was not written by
 * nsoffload is never touched (exit 2).
 *
 * One build at a time writes a folder: the second waits for the first's lock
 * (`outDir/.nsoffload.lock`). Every cluster folder is written beside the others under a
 * temporary name of this run (`.<id>.<run>.nsoffload-tmp`); once all are complete they are
 * swapped in, each by two renames (the previous folder moved aside, the new one moved in),
 * undone in reverse should one fail, and the previous folders are removed after. A reader
 * never sees a half-written cluster folder, and a failure or a signal (SIGINT, SIGTERM)
 * before the swap leaves the previous output as it was, the temporary folders removed.
 * Folders of clusters no longer in the inventory are removed only when nsoffload wrote them.
 * Each cluster's files are rendered (`clusters.get(id)()`) just before they are queued, and
 * the host's file queue may write them on other threads while the next cluster renders, so
 * that a fleet's build neither holds every file in memory at once nor waits for the kernel
 * between clusters.
 */
export async function writeClusterFolders(
  host: Host,
  outDir: string,
  clusters: ReadonlyMap<string, () => readonly OutputFile[]>,
  opts: OutputOptions = {},
): Promise<void> {
  checkOutputFolder(host, outDir, opts)
  const root = path.resolve(host.cwd, outDir)
  try {
    host.mkdir(root)
  } catch (e) {
    // Said of the folder asked for (-o), whichever part of its path failed.
    throw cannotWrite(host, { ...failureOf(root, e), path: root })
  }
  let signal: 'SIGINT' | 'SIGTERM' | undefined
  let queue: FileQueue | undefined
  const restore = host.onInterrupt((s) => {
    signal ??= s
    queue?.abort()
  })
  const tmps: string[] = []
  let lock: { release(): void } | undefined
  try {
    lock = await lockOutput(host, outDir, root, () => signal !== undefined)
    if (signal || !lock) throw new Interrupted(signal ?? 'SIGINT', outDir)
    // What another build may have changed while this one compiled is checked again, under the lock.
    checkOutputFolder(host, outDir, opts)
    recover(host, root)
    for (const id of clusters.keys()) {
      const dir = path.join(root, id)
      if (host.stat(dir) && !ours(host, dir)) {
        throw new UsageError(`${path.join(outDir, id)}: exists and was not written by nsoffload; refusing to overwrite it`)
      }
    }
    const stale = host.readDir(root).filter((e) => e.dir && !clusters.has(e.name) && !SCRATCH.test(e.name) && ours(host, path.join(root, e.name)))
    const run = randomBytes(4).toString('hex')
    const scratch = (id: string, what: 'tmp' | 'old'): string => path.join(root, `.${id}.${run}.nsoffload-${what}`)
    // One sequence per cluster folder: the queue may write clusters concurrently.
    const q = host.fileQueue()
    queue = q
    for (const [id, render] of clusters) {
      const tmp = scratch(id, 'tmp')
      tmps.push(tmp)
      for (const f of render()) q.push(id, { op: 'write', path: path.join(tmp, f.path), data: f.content })
    }
    try {
      await q.done()
    } catch (e) {
      if (!(e instanceof FileQueueError)) throw e
      throw cannotWrite(host, e.failure)
    }
    if (signal) throw new Interrupted(signal, outDir)
    // The swap: synchronous, so a signal is handled only once it is done (or undone).
    const done: [string, string][] = []
    const move = (from: string, to: string): void => {
      host.rename(from, to)
      done.push([from, to])
    }
    try {
      for (const id of clusters.keys()) {
        const dir = path.join(root, id)
        if (host.stat(dir)) move(dir, scratch(id, 'old'))
        move(scratch(id, 'tmp'), dir)
      }
      for (const e of stale) move(path.join(root, e.name), scratch(e.name, 'old'))
    } catch (e) {
      const failure = failureOf(root, e)
      for (const [from, to] of done.reverse()) {
        try {
          host.rename(to, from)
        } catch {
          // Left aside: the next run moves it back, under the lock (recover).
        }
      }
      throw cannotWrite(host, failure)
    }
    tmps.length = 0
    // The previous folders, now aside. What cannot be removed stays hidden; the next run removes it (recover).
    for (const [, to] of done) {
      if (!to.endsWith('.nsoffload-old')) continue
      try {
        host.remove(to)
      } catch {
        // As said.
      }
    }
  } finally {
    for (const tmp of tmps) {
      try {
        host.remove(tmp)
      } catch {
        // Removed by the next run, under the lock (recover).
      }
    }
    lock?.release()
    restore()
  }
}

function cannotWrite(host: Host, f: FileOpFailure): UsageError {
  const where = path.relative(host.cwd, f.path) || f.path
  return new UsageError(`cannot write ${where}: ${describeCode(f.code) ?? f.message}`)
}

function describeCode(code: string | undefined): string | undefined {
  switch (code) {
    case 'EACCES':
    case 'EPERM':
      return 'permission denied'
    case 'ENOSPC':
      return 'no space left on the device'
    case 'EROFS':
      return 'read-only file system'
    case 'EDQUOT':
      return 'disk quota exceeded'
    case 'ENOTDIR':
    case 'EEXIST':
      return 'a part of the path is a file, not a folder'
    case 'ENAMETOOLONG':
      return 'file name too long'
    default:
      return undefined
  }
}
