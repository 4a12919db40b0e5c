import { parentPort } from 'node:worker_threads'
import { applyFileOp, type FileOp, type FileOpFailure, failureOf, target } from './file-ops.ts'

/**
 * A writer thread of `nodeFileQueue()` (`file-queue.ts`): applies the batches of operations it
 * receives, in order; on `null` it answers with the first failure, or `null`. After a failure
 * the rest is skipped. Bundled as its own entry point (`scripts/bundle.mjs`).
 */
const made = new Set<string>()
let failure: FileOpFailure | undefined
parentPort?.on('message', (batch: readonly FileOp[] | null) => {
  if (batch === null) {
    parentPort?.postMessage(failure ?? null)
    return
  }
  for (const op of batch) {
    if (failure) return
    try {
      applyFileOp(op, made)
    } catch (e) {
      failure = failureOf(target(op), e)
    }
  }
})
