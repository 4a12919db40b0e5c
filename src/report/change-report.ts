import type { NamespaceOffloadingStatus } from '../model/liqo.ts'

/**
 * The inputs of the `diff` and `sync` Markdown formats: small, documented, plain data, so the
 * commands can hand over what they already compute (`diffClusters()`'s result, the object
 * `sync --format json` prints) and the formatters stay pure.
 */

/** A problem found while planning (an object nsoffload does not own, a refused change): the sync planner's own type. */
export type { Finding as ChangeFinding } from '../sync/plan-sync.ts'
/** One object that differs between a live cluster and the rendered manifests: what `diffClusters()` lists. */
export type { ObjectDiff as ObjectChange } from '../sync/diff.ts'
import type { Finding as ChangeFinding } from '../sync/plan-sync.ts'
import type { ObjectDiff as ObjectChange } from '../sync/diff.ts'

/** `diff --format markdown` input: what `diffClusters()` returns. */
export interface DiffReport {
  readonly diffs: readonly ObjectChange[]
  readonly findings: readonly ChangeFinding[]
}

/** One namespace after a sync: Liqo's status, shaped exactly like `NamespaceOffloading.status`. */
export interface SyncNamespace {
  readonly namespace: string
  readonly remoteNamespaceName: string
  readonly status: NamespaceOffloadingStatus
  /** Being unoffloaded (its policy is gone, `--prune`). */
  readonly pruned?: boolean
}

/** One applied (or dry-run) change and how it went. */
export interface AppliedChange {
  readonly cluster: string
  readonly namespace: string
  readonly op: 'create' | 'update' | 'delete'
  readonly object: string
  readonly ok: boolean
  readonly error?: string
}

/** `sync --format markdown` input: the object `sync --format json` prints, plus the remote cluster IDs (columns). */
export interface SyncReport {
  readonly dryRun: boolean
  /** Remote cluster IDs, in column order. */
  readonly clusters: readonly string[]
  readonly namespaces: readonly SyncNamespace[]
  readonly changes: readonly AppliedChange[]
  readonly findings: readonly ChangeFinding[]
  /** `--wait` was given and the time ran out before every namespace settled. */
  readonly timedOut?: boolean
}
