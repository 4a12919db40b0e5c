import { CONDITIONS, type ConditionTemplate, type NamespaceOffloadingStatus, type OffloadingPhase, type RemoteNamespaceCondition } from '../model/liqo.ts'

/** What Liqo's NamespaceMap would say for one remote cluster (liqotech/liqo@v1.2.0 apis/offloading/v1beta1/namespacemap_types.go). */
export interface ClusterOutcome {
  readonly clusterID: string
  /** In the NamespaceMap's desiredMapping (selected by the clusterSelector). */
  readonly requested: boolean
  /** `status.currentMapping[ns].phase`, `''` when there is none yet. */
  readonly phase: 'Accepted' | 'CreationLoopBackOff' | 'Terminating' | ''
}

const cond = (c: ConditionTemplate): RemoteNamespaceCondition => ({ type: c.type, status: c.status, reason: c.reason, message: c.message })

/** The conditions of one cluster, `OffloadingRequired` first, then `Ready` when needed (liqotech/liqo@v1.2.0 …/namespaceoffloading-controller/status.go). */
export function clusterConditions(o: ClusterOutcome): RemoteNamespaceCondition[] {
  const out = [cond(o.requested ? CONDITIONS.clusterSelected : CONDITIONS.clusterNotSelected)]
  if (!o.requested && o.phase === '') return out
  switch (o.phase) {
    case 'Accepted':
      out.push(cond(CONDITIONS.namespaceCreated))
      break
    case 'CreationLoopBackOff':
      out.push(cond(CONDITIONS.creationLoopBackOff))
      break
    case 'Terminating':
      out.push(cond(CONDITIONS.terminating))
      break
    case '':
      out.push(cond(CONDITIONS.creating))
      break
  }
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
 * `NamespaceOffloading.status` as Liqo computes it from the per-cluster outcomes. Condition
 * keys are the remote cluster IDs (Liqo v1 NamespaceMap names), in sorted order as Go's JSON
 * encoder writes maps. `lastTransitionTime` is left out of predictions (it would be a clock).
 */
export function offloadingStatus(
  remoteNamespaceName: string,
  outcomes: readonly ClusterOutcome[],
  opts: { readonly generation?: number; readonly deleting?: boolean; readonly times?: (clusterID: string, type: string) => string | undefined } = {},
): NamespaceOffloadingStatus {
  const conditions: Record<string, RemoteNamespaceCondition[]> = {}
  for (const o of [...outcomes].sort((a, b) => (a.clusterID < b.clusterID ? -1 : 1))) {
    if (opts.deleting && !o.requested && o.phase === '') continue
    conditions[o.clusterID] = clusterConditions(o).map((c) => {
      const t = opts.times?.(o.clusterID, c.type)
      return t === undefined ? c : { type: c.type, status: c.status, lastTransitionTime: t, ...(c.reason !== undefined ? { reason: c.reason } : {}), ...(c.message !== undefined ? { message: c.message } : {}) }
    })
  }
  return {
    ...(opts.generation !== undefined ? { observedGeneration: opts.generation } : {}),
    offloadingPhase: offloadingPhase(outcomes, opts.deleting),
    remoteNamespaceName,
    ...(Object.keys(conditions).length > 0 ? { remoteNamespacesConditions: conditions } : {}),
  }
}
