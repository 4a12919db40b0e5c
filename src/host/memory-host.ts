import * as path from 'node:path'
import { type FileOp, type FileQueue, FileQueueError } from './file-queue.ts'
import type { Host } from './host.ts'

export interface MemoryHostOptions {
  /** Absolute folder relative paths are resolved against. */
  readonly cwd: string
  /** Files by absolute path; folders are implied by the files' paths (and `dirs`). */
  readonly files?: ReadonlyMap<string, string | Uint8Array> | Readonly<Record<string, string | Uint8Array>>
  /** Empty folders, by absolute path. */
  readonly dirs?: readonly string[]
  readonly env?: Readonly<Record<string, string | undefined>>
  readonly stdin?: string
  /** How the host runs programs; by default it runs none (`failure: 'unavailable'`). */
  readonly run?: Host['run']
}

/** A host whose files live in memory; what the command printed is kept for the caller to read. */
export interface MemoryHost extends Host {
  /** The files now, by absolute path, including those written. */
  readonly files: ReadonlyMap<string, Uint8Array>
  readonly out: { stdout: string; stderr: string }
}

const encoder = new TextEncoder()
const bytes = (d: string | Uint8Array): Uint8Array => (typeof d === 'string' ? encoder.encode(d) : d)

function enoent(p: string): Error {
  return Object.assign(new Error(`ENOENT: no such file or directory, '${p}'`), { code: 'ENOENT', path: p })
}

/**
 * A `Host` over an in-memory file system: the pure stages' tests run on it without temporary
 * folders, and `plan --base` reads a Git revision's files through it (`git-tree.ts`).
 * POSIX paths only.
 */
export function memoryHost(opts: MemoryHostOptions): MemoryHost {
  const files = new Map<string, Uint8Array>()
  const dirs = new Set<string>(['/'])
  const addDir = (d: string): void => {
    for (let cur = d; !dirs.has(cur); cur = path.posix.dirname(cur)) dirs.add(cur)
  }
  const put = (p: string, data: string | Uint8Array): void => {
    const abs = path.posix.resolve(opts.cwd, p)
    addDir(path.posix.dirname(abs))
    files.set(abs, bytes(data))
  }
  const given = opts.files instanceof Map ? [...opts.files] : Object.entries(opts.files ?? {})
  for (const [p, d] of given) put(p, d)
  for (const d of opts.dirs ?? []) addDir(path.posix.resolve(opts.cwd, d))
  addDir(opts.cwd)

  const remove = (p: string): void => {
    files.delete(p)
    const prefix = p + '/'
    for (const f of [...files.keys()]) if (f.startsWith(prefix)) files.delete(f)
    dirs.delete(p)
    for (const d of [...dirs]) if (d.startsWith(prefix)) dirs.delete(d)
  }
  const rename = (from: string, to: string): void => {
    if (!files.has(from) && !dirs.has(from)) throw enoent(from)
    remove(to)
    const moved = (p: string): string => (p === from ? to : to + p.slice(from.length))
    const prefix = from + '/'
    for (const [f, d] of [...files]) {
      if (f === from || f.startsWith(prefix)) {
        files.delete(f)
        put(moved(f), d)
      }
    }
    for (const d of [...dirs]) {
      if (d === from || d.startsWith(prefix)) {
        dirs.delete(d)
        addDir(moved(d))
      }
    }
  }
  const apply = (op: FileOp): void => {
    if (op.op === 'write') put(op.path, op.data)
    else if (op.op === 'remove') remove(path.posix.resolve(opts.cwd, op.path))
    else rename(path.posix.resolve(opts.cwd, op.from), path.posix.resolve(opts.cwd, op.to))
  }

  const out = { stdout: '', stderr: '' }
  return {
    cwd: opts.cwd,
    env: opts.env ?? {},
    files,
    out,
    readFile: (p) => {
      const f = files.get(path.posix.resolve(opts.cwd, p))
      if (!f) throw enoent(p)
      return f
    },
    // Every file in memory is a regular file.
    readRegularFile: (p, maxBytes) => {
      const f = files.get(path.posix.resolve(opts.cwd, p))
      if (!f) throw enoent(p)
      return f.length > maxBytes ? { tooLarge: f.length } : { bytes: f }
    },
    readDir: (p) => {
      const abs = path.posix.resolve(opts.cwd, p)
      if (!dirs.has(abs)) throw enoent(p)
      const names = new Map<string, boolean>()
      const prefix = abs === '/' ? '/' : abs + '/'
      for (const f of files.keys()) if (f.startsWith(prefix) && !f.slice(prefix.length).includes('/')) names.set(f.slice(prefix.length), false)
      for (const d of dirs) if (d !== abs && d.startsWith(prefix) && !d.slice(prefix.length).includes('/')) names.set(d.slice(prefix.length), true)
      return [...names].map(([name, dir]) => ({ name, dir }))
    },
    // No symbolic links in memory: a path is its own canonical form.
    realpath: (p) => {
      const abs = path.posix.resolve(opts.cwd, p)
      if (!files.has(abs) && !dirs.has(abs)) throw enoent(p)
      return abs
    },
    stat: (p) => {
      const abs = path.posix.resolve(opts.cwd, p)
      if (files.has(abs)) return { dir: false, file: true }
      if (dirs.has(abs)) return { dir: true, file: false }
      return undefined
    },
    writeFile: (p, d) => {
      const abs = path.posix.resolve(opts.cwd, p)
      if (!dirs.has(path.posix.dirname(abs))) throw enoent(p)
      files.set(abs, bytes(d))
    },
    mkdir: (p) => addDir(path.posix.resolve(opts.cwd, p)),
    rename: (from, to) => {
      const abs = path.posix.resolve(opts.cwd, to)
      if (files.has(abs) || [...files.keys(), ...dirs].some((f) => f.startsWith(abs + '/'))) {
        throw Object.assign(new Error(`ENOTEMPTY: directory not empty, '${to}'`), { code: 'ENOTEMPTY', path: to })
      }
      rename(path.posix.resolve(opts.cwd, from), abs)
    },
    remove: (p) => remove(path.posix.resolve(opts.cwd, p)),
    tryLock: (p) => {
      const abs = path.posix.resolve(opts.cwd, p)
      if (files.has(abs))
        return {
          heldBy:
            Buffer.from(files.get(abs) ?? new Uint8Array())
              .toString('utf8')
              .trim() || 'another process',
        }
      put(abs, 'memory host\n')
      return { release: () => void files.delete(abs) }
    },
    // Nothing signals a host in memory.
    onInterrupt: () => () => {},
    fileQueue: (): FileQueue => {
      const ops: FileOp[] = []
      return {
        push: (_sequence, op) => void ops.push(op),
        abort: () => void ops.splice(0),
        done: async () => {
          for (const op of ops.splice(0)) {
            try {
              apply(op)
            } catch (e) {
              const err = e as { code?: string; message: string }
              throw new FileQueueError({ path: op.op === 'replace' ? op.to : op.path, code: err.code, message: err.message })
            }
          }
        },
      }
    },
    run: opts.run ?? (() => ({ stdout: '', stderr: '', failure: 'unavailable' })),
    readStdin: async () => opts.stdin ?? '',
    stdout: (s) => {
      out.stdout += s
    },
    stderr: (s) => {
      out.stderr += s
    },
    stderrIsTTY: false,
  }
}
