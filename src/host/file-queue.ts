import { Worker } from 'node:worker_threads'
import { applyFileOp, type FileOp, type FileOpFailure, failureOf, pack, target } from './file-ops.ts'

export { type FileOp, type FileOpFailure, failureOf } from './file-ops.ts'

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
  /**
   * Stops applying operations (a signal during `build -o`): what is not applied yet never
   * will be, writer threads are stopped, and `done()` settles once they have.
   */
  abort(): void
}

export class FileQueueError extends Error {
  readonly failure: FileOpFailure
  constructor(failure: FileOpFailure) {
    super(failure.message)
    this.failure = failure
  }
}

/** The writer thread's module, next to this one: bundled as `dist/cli/file-writer-thread.js`. */
const FROM_SOURCES = import.meta.url.endsWith('.ts')
const WRITER_THREAD = new URL(FROM_SOURCES ? './file-writer-thread.ts' : './file-writer-thread.js', import.meta.url)

function startWriter(): Worker {
  const opts = { env: {}, stdout: false, stderr: false }
  if (!FROM_SOURCES) return new Worker(WRITER_THREAD, opts)
  // Run from the TypeScript sources (the tests): Node 20 does not hand `--import tsx` on to
  // threads, so the thread imports its module through tsx's API.
  const load = `import('tsx/esm/api').then((tsx) => tsx.tsImport(${JSON.stringify(WRITER_THREAD.href)}, ${JSON.stringify(import.meta.url)}))`
  return new Worker(load, { ...opts, eval: true })
}

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
  let aborted = false
  const laneOf = new Map<string, Lane>()
  const send = (lane: Lane): void => {
    if (lane.batch.length > 0) {
      const packed = pack(lane.batch)
      lane.worker.postMessage(packed, [packed.buf, packed.ops.buffer as ArrayBuffer])
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
      if (aborted) return
      if (lanes) {
        route(lanes, sequence, op)
        return
      }
      pending.push([sequence, op])
      if (op.op === 'write') writes++
      if (writes < threshold) return
      const started = Array.from({ length: threads }, (): Lane => ({ worker: startWriter(), batch: [], writes: 0 }))
      lanes = started
      for (const [s, o] of pending) route(started, s, o)
      pending = []
    },
    async done() {
      if (!lanes) {
        const made = new Set<string>()
        for (const [, op] of pending) {
          try {
            applyFileOp(op, made)
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
            // Stopped by abort(): nothing more to hear from it.
            lane.worker.once('exit', () => resolve(null))
            lane.worker.postMessage(null)
          })
          await lane.worker.terminate()
          return failure
        }),
      )
      const failure = failures.find((f) => f !== null)
      if (failure && !aborted) throw new FileQueueError(failure)
    },
    abort() {
      aborted = true
      pending = []
      for (const lane of lanes ?? []) void lane.worker.terminate()
    },
  }
}
