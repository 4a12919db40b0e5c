import * as path from 'node:path'
import type { Host } from '../host/host.ts'
import { type FileOpFailure, failureOf, FileQueueError } from '../host/file-queue.ts'
import { GENERATED_HEADER, type OutputFile } from '../render/bundle.ts'
import { UsageError } from './exit-codes.ts'

const TMP_SUFFIX = '.nsoffload-tmp'

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
    .filter((e) => !(e.dir && (e.name.endsWith(TMP_SUFFIX) || ours(host, path.join(root, e.name)))))
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

/**
 * Writes `outDir/<clusterID>/…` for every cluster. Checks everything before writing anything:
 * the output folder holds only what nsoffload wrote (cluster folders with its generated
 * header), unless `allowOtherFiles`; it is never inside a policies folder (the next run would
 * read the manifests as policies); a cluster folder that exists and was not written by
 * nsoffload is never touched (exit 2). Each cluster folder is written beside itself under a
 * temporary name inside `outDir`, then swapped in, so a failure never leaves a half-written
 * folder. Folders of clusters no longer in the inventory are removed only when nsoffload wrote
 * them. Each cluster's files are rendered (`clusters.get(id)()`) just before they are queued,
 * and the host's file queue may write them on another thread while the next cluster renders,
 * so that a fleet's build neither holds every file in memory at once nor waits for the kernel
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
  const st = host.stat(root)
  for (const id of clusters.keys()) {
    const dir = path.join(root, id)
    if (host.stat(dir) && !ours(host, dir)) {
      throw new UsageError(`${path.join(outDir, id)}: exists and was not written by nsoffload; refusing to overwrite it`)
    }
  }
  const entries = st ? host.readDir(root) : []
  const stale = entries.filter((e) => e.dir && !clusters.has(e.name) && !e.name.endsWith(TMP_SUFFIX) && ours(host, path.join(root, e.name)))
  try {
    host.mkdir(root)
  } catch (e) {
    throw cannotWrite(host, failureOf(root, e))
  }
  // One sequence per cluster folder: the queue may write clusters concurrently.
  const queue = host.fileQueue()
  const tmps: string[] = []
  for (const [id, render] of clusters) {
    const tmp = path.join(root, `.${id}${TMP_SUFFIX}`)
    tmps.push(tmp)
    queue.push(id, { op: 'remove', path: tmp })
    for (const f of render()) queue.push(id, { op: 'write', path: path.join(tmp, f.path), data: f.content })
    queue.push(id, { op: 'replace', from: tmp, to: path.join(root, id) })
  }
  for (const e of stale) queue.push(e.name, { op: 'remove', path: path.join(root, e.name) })
  try {
    await queue.done()
  } catch (e) {
    if (!(e instanceof FileQueueError)) throw e
    // Nothing half-written stays: the folders already swapped in are complete, the rest untouched.
    const cleanup = host.fileQueue()
    for (const tmp of tmps) cleanup.push(tmp, { op: 'remove', path: tmp })
    await cleanup.done().catch(() => undefined)
    throw cannotWrite(host, e.failure)
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
