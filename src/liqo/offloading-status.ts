// Follows liqotech/liqo@v1.2.0 pkg/liqo-controller-manager/offloading/namespaceoffloading-controller/status.go (conditions,
// phase aggregation), pkg/liqo-controller-manager/offloading/namespacemap-controller/ (the mapping phase of a twin) and
// apis/offloading/v1beta1/namespacemap_types.go (the phases). The one set of rules behind the predicted status (compile/)
// and the status from live twins (sync/live-status.ts).
import {
  CONDITION_READY,
  CONDITIONS,
  type ConditionTemplate,
  type NamespaceOffloadingStatus,
  type OffloadingPhase,
  type RemoteNamespaceCondition,
} from '../model/liqo.ts'

/** What Liqo's NamespaceMap would say for one remote cluster (liqotech/liqo@v1.2.0 apis/offloading/v1beta1/namespacemap_types.go). */
export interface ClusterOutcome {
  readonly clusterID: string
  /** In the NamespaceMap's desiredMapping (selected by the clusterSelector). */
  readonly requested: boolean
  /** `status.currentMapping[ns].phase`, `''` when there is none yet. */
  readonly phase: 'Accepted' | 'CreationLoopBackOff' | 'Terminating' | ''
}

/** The twin namespace of one remote, as the NamespaceMap's phase rule sees it. */
export type TwinState =
  /** no namespace of that name on the remote cluster */
  | 'none'
  /** a twin of this home namespace (nsoffload's or Liqo's own) */
  | 'ours'
  /** a twin of this home namespace being deleted */
  | 'oursDeleting'
  /** someone else's namespace under that name */
  | 'foreign'

/**
 * The NamespaceMap phase of one remote cluster (liqotech/liqo@v1.2.0
 * pkg/liqo-controller-manager/offloading/namespacemap-controller): a twin of this home namespace is `Accepted` while its
 * cluster is requested, and `Terminating` while it is being deleted or once its cluster is no longer requested (Liqo's
 * NamespaceMap controller deletes it then); someone else's namespace under that name is `CreationLoopBackOff` for a
 * requested cluster, and so is a name the API server refuses (`invalidName`); no twin yet is no phase.
 */
export function mappingPhase(requested: boolean, twin: TwinState, invalidName = false): ClusterOutcome['phase'] {
  switch (twin) {
    case 'ours':
      return requested ? 'Accepted' : 'Terminating'
    case 'oursDeleting':
      return 'Terminating'
    case 'foreign':
      return requested ? 'CreationLoopBackOff' : ''
    case 'none':
      return requested && invalidName ? 'CreationLoopBackOff' : ''
  }
}

const cond = (c: ConditionTemplate): ConditionTemplate => ({ type: c.type, status: c.status, reason: c.reason, message: c.message })

/**
 * The conditions of one cluster, `OffloadingRequired` first, then `Ready` when needed
 * (liqotech/liqo@v1.2.0 …/namespaceoffloading-controller/status.go): of a prediction, and of a
 * live status (`reconcileStatus`, pruned namespaces included), which adds the times.
 */
export function clusterConditions(o: ClusterOutcome): ConditionTemplate[] {
  const out = [cond(o.requested ? CONDITIONS.clusterSelected : CONDITIONS.clusterNotSelected)]
  if (o.requested || o.phase !== '') out.push(cond(readyCondition(o.phase)))
  return out
}

/** Phase aggregation, first matching rule wins (status.go setNamespaceOffloadingStatus). */
export function offloadingPhase(outcomes: readonly ClusterOutcome[], deleting = false): OffloadingPhase {
  const required = outcomes.filter((o) => o.requested).length
  const ready = outcomes.filter((o) => o.phase === 'Accepted').length
  const failed = outcomes.filter((o) => o.phase === 'CreationLoopBackOff').length
  if (deleting) return 'Terminating'
  if (required === 0) return 'NoClusterSelected'
  if (ready === required) return 'Ready'
  if (failed === required) return 'AllFailed'
  if (failed > 0) return 'SomeFailed'
  return 'InProgress'
}

/**
 * `NamespaceOffloading.status` as Liqo computes it from the per-cluster outcomes, from scratch
 * (a prediction). Condition keys are the remote cluster IDs (Liqo v1 NamespaceMap names), in
 * sorted order as Go's JSON encoder writes maps. `lastTransitionTime` is left out of
 * predictions (it would be a clock); `reconcileStatus` updates a live status with times.
 */
export function offloadingStatus(
  remoteNamespaceName: string,
  outcomes: readonly ClusterOutcome[],
  opts: { readonly generation?: number; readonly deleting?: boolean } = {},
): NamespaceOffloadingStatus {
  const conditions: Record<string, RemoteNamespaceCondition[]> = {}
  for (const o of [...outcomes].sort((a, b) => (a.clusterID < b.clusterID ? -1 : 1))) {
    if (opts.deleting && !o.requested && o.phase === '') continue
    conditions[o.clusterID] = clusterConditions(o)
  }
  return {
    ...(opts.generation !== undefined ? { observedGeneration: opts.generation } : {}),
    offloadingPhase: offloadingPhase(outcomes, opts.deleting),
    remoteNamespaceName,
    ...(Object.keys(conditions).length > 0 ? { remoteNamespacesConditions: conditions } : {}),
  }
}

/** The `Ready` condition Liqo derives from a NamespaceMap phase (`nsoffReadyCondition`). */
function readyCondition(phase: ClusterOutcome['phase']): ConditionTemplate {
  switch (phase) {
    case 'Accepted':
      return CONDITIONS.namespaceCreated
    case 'CreationLoopBackOff':
      return CONDITIONS.creationLoopBackOff
    case 'Terminating':
      return CONDITIONS.terminating
    case '':
      return CONDITIONS.creating
  }
}

/**
 * `NamespaceOffloading.status` updated from the previous one as Liqo's status controller does
 * it (liqotech/liqo@v1.2.0 pkg/liqo-controller-manager/offloading/namespaceoffloading-controller/status.go): keys of clusters that are gone are dropped; per cluster,
 * `OffloadingRequired` is set, and `Ready` only when the cluster is requested or has a mapping
 * phase; a condition is replaced only when its status or reason changes (it keeps its
 * `lastTransitionTime` otherwise), a new one is appended with `now`; while the
 * NamespaceOffloading is deleted, a cluster neither requested nor mapped loses its key.
 *
 * So a cluster deselected after its twin is gone keeps its last `Ready` (Liqo's quirk, typically
 * `False`/`Terminating`) next to `OffloadingRequired=False`. One departure: a kept `Ready=True`
 * becomes `Terminating`, the phase Liqo's NamespaceMap controller passes through while it
 * deletes a twin it owns, so that `Ready=True` never stands next to `OffloadingRequired=False`.
 */
export function reconcileStatus(
  previous: NamespaceOffloadingStatus | undefined,
  remoteNamespaceName: string,
  outcomes: readonly ClusterOutcome[],
  opts: { readonly generation?: number; readonly deleting?: boolean; readonly now: string },
): NamespaceOffloadingStatus {
  const known = new Set(outcomes.map((o) => o.clusterID))
  const conditions = new Map<string, RemoteNamespaceCondition[]>()
  for (const [cluster, list] of Object.entries(previous?.remoteNamespacesConditions ?? {})) {
    if (known.has(cluster) && Array.isArray(list))
      conditions.set(
        cluster,
        list.filter((c) => typeof c === 'object' && c !== null),
      )
  }
  for (const o of outcomes) {
    if (opts.deleting && !o.requested && o.phase === '') {
      conditions.delete(o.clusterID)
      continue
    }
    const list = conditions.get(o.clusterID) ?? []
    const set = (c: ConditionTemplate): void => {
      const fresh: RemoteNamespaceCondition = { type: c.type, status: c.status, lastTransitionTime: opts.now, reason: c.reason, message: c.message }
      const i = list.findIndex((x) => x.type === c.type)
      if (i < 0) list.push(fresh)
      else if (list[i]?.status !== c.status || list[i]?.reason !== c.reason) list[i] = fresh
    }
    const wanted = clusterConditions(o)
    for (const c of wanted) set(c)
    // No Ready of its own (neither requested nor mapped): a kept Ready=True turns Terminating.
    if (!wanted.some((c) => c.type === CONDITION_READY) && list.some((x) => x.type === CONDITIONS.namespaceCreated.type && x.status === 'True'))
      set(CONDITIONS.terminating)
    conditions.set(o.clusterID, list)
  }
  const sorted = [...conditions].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
  return {
    ...(opts.generation !== undefined ? { observedGeneration: opts.generation } : {}),
    offloadingPhase: offloadingPhase(outcomes, opts.deleting),
    remoteNamespaceName,
    ...(sorted.length > 0 ? { remoteNamespacesConditions: Object.fromEntries(sorted) } : {}),
  }
}
