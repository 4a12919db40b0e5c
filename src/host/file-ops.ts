import * as fs from 'node:fs'
import * as path from 'node:path'

/** One change to the file system. `write` creates the file's folder first when needed. */
export type FileOp =
  | { readonly op: 'write'; readonly path: string; readonly data: string | Uint8Array }
  /** Removes a file or a folder tree; nothing when it does not exist. */
  | { readonly op: 'remove'; readonly path: string }
  /** Removes `to` if it exists and renames `from` to `to`. */
  | { readonly op: 'replace'; readonly from: string; readonly to: string }

/** A failed operation: what it was and the system error's code and message. */
export interface FileOpFailure {
  readonly path: string
  readonly code: string | undefined
  readonly message: string
}

/**
 * `mkdir -p`, one folder at a time: Node's `mkdirSync(…, { recursive: true })` says ENOENT
 * where the file system is read-only (EROFS) or a folder may not be written (EACCES) when the
 * folder to create is deeper than one level. Made one by one, each folder's own error is told.
 */
export function makeDirs(dir: string): void {
  // The common case first, in one system call: the parent is there and the folder is not (a
  // build writes tens of thousands of new folders). Anything else is left to the walk below.
  try {
    fs.mkdirSync(dir)
    return
  } catch {
    // EEXIST (a folder: the walk finds it), ENOENT, ENOTDIR, EROFS, EACCES: told by the walk
  }
  const missing: string[] = []
  let at = path.resolve(dir)
  for (; !fs.existsSync(at) && path.dirname(at) !== at; at = path.dirname(at)) missing.unshift(at)
  if (!fs.statSync(at).isDirectory()) {
    throw Object.assign(new Error(`ENOTDIR: not a directory, mkdir '${at}'`), { code: 'ENOTDIR', path: at })
  }
  for (const d of missing) {
    try {
      fs.mkdirSync(d)
    } catch (e) {
      // Made meanwhile (another writer thread): fine when it is a folder.
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST' || !fs.statSync(d).isDirectory()) throw e
    }
  }
}

/**
 * Applies one operation, on the calling thread or on a writer thread (`file-writer-thread.ts`).
 * `made` remembers the folders created since the last removal.
 */
export function applyFileOp(op: FileOp, made: Set<string>): void {
  if (op.op === 'write') {
    const dir = path.dirname(op.path)
    if (!made.has(dir)) {
      makeDirs(dir)
      made.add(dir)
    }
    fs.writeFileSync(op.path, op.data)
  } else if (op.op === 'remove') {
    fs.rmSync(op.path, { recursive: true, force: true })
    made.clear()
  } else {
    fs.rmSync(op.to, { recursive: true, force: true })
    fs.renameSync(op.from, op.to)
    made.clear()
  }
}

/** A failure from the error a file operation threw; `where` when the error names no path. */
export function failureOf(where: string, e: unknown): FileOpFailure {
  const err = e as { code?: unknown; message?: unknown; path?: unknown }
  return {
    path: typeof err.path === 'string' ? err.path : where,
    code: typeof err.code === 'string' ? err.code : undefined,
    message: typeof err.message === 'string' ? err.message : String(e),
  }
}

/** The path an operation is about, for a failure. */
export const target = (op: FileOp): string => (op.op === 'replace' ? op.to : op.path)

const OP_CODE = { write: 0, remove: 1, replace: 2 } as const

/**
 * A batch as the writer thread takes it: every path and every file's bytes in one buffer, and
 * per operation its code and where its two strings are. The buffer is handed over, not copied:
 * cloning a fleet's 20 MB of file texts string by string cost the main thread more than
 * rendering them (docs/performance.md).
 */
export interface PackedBatch {
  readonly buf: ArrayBuffer
  /** Per operation: code, then start and end of its path (`from` for a replace), then of its data (`to`). */
  readonly ops: Int32Array
}

export function pack(batch: readonly FileOp[]): PackedBatch {
  // UTF-8 takes at most 3 bytes per UTF-16 unit: one buffer that large, no measuring pass.
  let room = 0
  for (const op of batch) {
    if (op.op === 'write') room += op.path.length * 3 + (typeof op.data === 'string' ? op.data.length * 3 : op.data.byteLength)
    else room += (op.op === 'remove' ? op.path.length : op.from.length + op.to.length) * 3
  }
  const buf = Buffer.allocUnsafeSlow(room)
  const ops = new Int32Array(batch.length * 5)
  let at = 0
  const put = (s: string | Uint8Array, slot: number): void => {
    ops[slot] = at
    if (typeof s === 'string') at += buf.write(s, at)
    else {
      buf.set(s, at)
      at += s.byteLength
    }
    ops[slot + 1] = at
  }
  batch.forEach((op, i) => {
    ops[i * 5] = OP_CODE[op.op]
    if (op.op === 'write') {
      put(op.path, i * 5 + 1)
      put(op.data, i * 5 + 3)
    } else if (op.op === 'remove') {
      put(op.path, i * 5 + 1)
      put('', i * 5 + 3)
    } else {
      put(op.from, i * 5 + 1)
      put(op.to, i * 5 + 3)
    }
  })
  return { buf: buf.buffer as ArrayBuffer, ops }
}

/** The operations of a packed batch (on the writer thread); file data stays bytes. */
export function unpack(b: PackedBatch): FileOp[] {
  const buf = Buffer.from(b.buf)
  const out: FileOp[] = []
  for (let i = 0; i < b.ops.length; i += 5) {
    const str = (k: number): string => buf.toString('utf8', b.ops[i + k], b.ops[i + k + 1])
    const code = b.ops[i]
    if (code === OP_CODE.write) out.push({ op: 'write', path: str(1), data: buf.subarray(b.ops[i + 3], b.ops[i + 4]) })
    else if (code === OP_CODE.remove) out.push({ op: 'remove', path: str(1) })
    else out.push({ op: 'replace', from: str(1), to: str(3) })
  }
  return out
}
