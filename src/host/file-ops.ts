import * as fs from 'node:fs'
import * as path from 'node:path'

/** One change to the file system. `write` creates the file's folder first when needed. */
export type FileOp =
  | { readonly op: 'write'; readonly path: string; readonly data: string }
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
