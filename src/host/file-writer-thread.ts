import { parentPort } from 'node:worker_threads'
import { applyFileOp, type FileOpFailure, failureOf, type PackedBatch, target, unpack } from './file-ops.ts'

/**
 * A writer thread of `nodeFileQueue()` (`file-queue.ts`): applies the batches of operations it
 * receives (packed, `file-ops.ts`), in order; on `null` it answers with the first failure, or `null`. After a failure
 * the rest is skipped. Bundled as its own entry point (`scripts/bundle.mjs`).
 */
const made = new Set<string>()
let failure: FileOpFailure | undefined
parentPort?.on('message', (packed: PackedBatch | null) => {
  if (packed === null) {
    parentPort?.postMessage(failure ?? null)
    return
  }
  for (const op of unpack(packed)) {
    if (failure) return
    try {
      applyFileOp(op, made)
    } catch (e) {
      failure = failureOf(target(op), e)
    }
  }
})
