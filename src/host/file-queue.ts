import * as fs from 'node:fs'
import * as path from 'node:path'
import { Worker } from 'node:worker_threads'

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
 * Operations applied in the order they are queued within each sequence; operations of different
 * sequences may be applied in any order, concurrently. The queue may apply them while the caller
 * goes on (on other threads), so `done()` must be awaited: it resolves once every operation is
 * applied. After a failure the later operations of its sequence, and possibly of others, are
 * skipped, and `done()` rejects with a `FileQueueError`.
 */
export interface FileQueue {
  push(sequence: string, op: FileOp): void
  done(): Promise<void>
}

export class FileQueueError extends Error {
  readonly failure: FileOpFailure
  constructor(failure: FileOpFailure) {
    super(failure.message)
    this.failure = failure
  }
}

type Fs = Pick<typeof fs, 'mkdirSync' | 'writeFileSync' | 'rmSync' | 'renameSync'>
type Path = Pick<typeof path, 'dirname'>

/**
 * Applies one operation. Self-contained (it uses nothing but its parameters) because its
 * source text is also what the writer thread runs (see `WORKER_SOURCE`). `made` remembers the
 * folders created since the last removal.
 */
export function applyFileOp(op: FileOp, fsys: Fs, paths: Path, made: Set<string>): void {
  if (op.op === 'write') {
    const dir = paths.dirname(op.path)
    if (!made.has(dir)) {
      fsys.mkdirSync(dir, { recursive: true })
      made.add(dir)
    }
    fsys.writeFileSync(op.path, op.data)
  } else if (op.op === 'remove') {
    fsys.rmSync(op.path, { recursive: true, force: true })
    made.clear()
  } else {
    fsys.rmSync(op.to, { recursive: true, force: true })
    fsys.renameSync(op.from, op.to)
    made.clear()
  }
}

/** A failure from the error a file operation threw; `where` when the error names no path. */
export function failureOf(where: string, e: unknown): FileOpFailure {
  const err = e as { code?: unknown; message?: unknown; path?: unknown }
  return { path: typeof err.path === 'string' ? err.path : where, code: typeof err.code === 'string' ? err.code : undefined, message: typeof err.message === 'string' ? err.message : String(e) }
}

/** The path an operation is about, for a failure. */
const target = (op: FileOp): string => (op.op === 'replace' ? op.to : op.path)

/**
 * The writer thread: applies the batches of operations it receives; on `null` answers with the
 * first failure, or none.
 */
const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads')
const fs = require('node:fs')
const path = require('node:path')
const apply = ${applyFileOp.toString()}
const failureOf = ${failureOf.toString()}
const target = ${target.toString()}
const made = new Set()
let failure
parentPort.on('message', (batch) => {
  if (batch === null) {
    parentPort.postMessage(failure ?? null)
    return
  }
  for (const op of batch) {
    if (failure) return
    try {
      apply(op, fs, path, made)
    } catch (e) {
      failure = failureOf(target(op), e)
    }
  }
})
`

const BATCH = 256

interface Lane {
  readonly worker: Worker
  batch: FileOp[]
  writes: number
}

/**
 * The Node file queue. Operations are applied on this thread, in the order they were pushed,
 * when `done()` is called, until `threshold` writes are queued: then `threads` writer threads
 * start and each sequence goes to the thread with the fewest writes so far, in batches, while
 * this thread goes on. Creating files costs the kernel about as much time as rendering them
 * costs nsoffload (`docs/performance.md`); on other cores the two overlap. A small build never
 * starts a thread.
 */
export function nodeFileQueue(threshold = 2000, threads = 2): FileQueue {
  let pending: [string, FileOp][] = []
  let writes = 0
  let lanes: Lane[] | undefined
  const laneOf = new Map<string, Lane>()
  const send = (lane: Lane): void => {
    if (lane.batch.length > 0) {
      lane.worker.postMessage(lane.batch)
      lane.batch = []
    }
  }
  const route = (lanes: readonly Lane[], sequence: string, op: FileOp): void => {
    let lane = laneOf.get(sequence)
    if (!lane) {
      lane = lanes.reduce((a, b) => (b.writes < a.writes ? b : a))
      laneOf.set(sequence, lane)
    }
    lane.batch.push(op)
    if (op.op === 'write') lane.writes++
    // A removal or a swap ends a folder (in `build -o`): its thread need not wait for more.
    if (lane.batch.length >= BATCH || op.op !== 'write') send(lane)
  }
  return {
    push(sequence, op) {
      if (lanes) {
        route(lanes, sequence, op)
        return
      }
      pending.push([sequence, op])
      if (op.op === 'write') writes++
      if (writes < threshold) return
      const started = Array.from({ length: threads }, (): Lane => ({ worker: new Worker(WORKER_SOURCE, { eval: true, execArgv: [], env: {}, stdout: false, stderr: false }), batch: [], writes: 0 }))
      lanes = started
      for (const [s, o] of pending) route(started, s, o)
      pending = []
    },
    async done() {
      if (!lanes) {
        const made = new Set<string>()
        for (const [, op] of pending) {
          try {
            applyFileOp(op, fs, path, made)
          } catch (e) {
            throw new FileQueueError(failureOf(target(op), e))
          }
        }
        pending = []
        return
      }
      const failures = await Promise.all(
        lanes.map(async (lane) => {
          send(lane)
          const failure = await new Promise<FileOpFailure | null>((resolve, reject) => {
            lane.worker.once('message', (m: FileOpFailure | null) => resolve(m))
            lane.worker.once('error', reject)
            lane.worker.postMessage(null)
          })
          await lane.worker.terminate()
          return failure
        }),
      )
      const failure = failures.find((f) => f !== null)
      if (failure) throw new FileQueueError(failure)
    },
  }
}
