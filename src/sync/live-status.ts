import type { CompiledNamespace } from '../compile/compile.ts'
import { type ClusterOutcome, offloadingStatus } from '../compile/predict-status.ts'
import type { Inventory } from '../model/inventory.ts'
import type { NamespaceOffloadingStatus, RemoteNamespaceCondition } from '../model/liqo.ts'
import { canonical } from '../render/to-yaml.ts'
import type { LiveObject } from './compare.ts'
import type { LiveCluster } from './live-state.ts'
import { twinOwner } from './plan-sync.ts'

const md = (o: LiveObject): Record<string, unknown> => (o['metadata'] ?? {}) as Record<string, unknown>

/**
 * What Liqo's NamespaceMap would say for each remote, read from the live twins (liqotech/liqo@v1.2.0
 * pkg/liqo-controller-manager/offloading/namespacemap-controller): an owned twin is Accepted (Terminating while deleted), someone else's namespace under
 * that name is CreationLoopBackOff, no twin yet is no phase.
 */
export function liveOutcomes(
  remoteName: string,
  selected: ReadonlyMap<string, boolean>,
  invalidName: boolean,
  inv: Inventory,
  live: ReadonlyMap<string, LiveCluster>,
): ClusterOutcome[] {
  return inv.remotes.map((r) => {
    const requested = selected.get(r.clusterID) ?? false
    const twin = live.get(r.clusterID)?.namespaces.get(remoteName)
    let phase: ClusterOutcome['phase'] = ''
    if (twin) {
      const owner = twinOwner(twin, inv.home.clusterID, r.clusterID)
      if (owner) phase = md(twin)['deletionTimestamp'] ? 'Terminating' : 'Accepted'
      else if (requested) phase = 'CreationLoopBackOff'
    } else if (requested && invalidName) phase = 'CreationLoopBackOff'
    return { clusterID: r.clusterID, requested, phase }
  })
}

/** Liqo's update rule: a condition keeps its lastTransitionTime unless its status or reason changed. */
function timesFrom(previous: NamespaceOffloadingStatus | undefined, next: NamespaceOffloadingStatus, now: string): (c: string, type: string) => string {
  return (cluster, type) => {
    const old = previous?.remoteNamespacesConditions?.[cluster]?.find((x) => x.type === type)
    const nu = next.remoteNamespacesConditions?.[cluster]?.find((x) => x.type === type)
    return old && nu && old.status === nu.status && old.reason === nu.reason && old.lastTransitionTime ? old.lastTransitionTime : now
  }
}

/** The status to report and write for a namespace, from the live state after applying. */
export function namespaceStatus(
  ns: CompiledNamespace,
  inv: Inventory,
  live: ReadonlyMap<string, LiveCluster>,
  nso: LiveObject | undefined,
  now: string,
  deleting = false,
): NamespaceOffloadingStatus {
  const selected = new Map(ns.clusters.map((c) => [c.clusterID, c.selected]))
  const invalid = ns.clusters.some((c) => c.failure === 'nameTooLong' || c.failure === 'nameInvalid')
  const outcomes = liveOutcomes(ns.remoteNamespaceName, selected, invalid, inv, live)
  const generation = typeof md(nso ?? {})['generation'] === 'number' ? (md(nso ?? {})['generation'] as number) : undefined
  const bare = offloadingStatus(ns.remoteNamespaceName, outcomes, { ...(generation !== undefined ? { generation } : {}), deleting })
  const previous = nso?.['status'] as NamespaceOffloadingStatus | undefined
  return offloadingStatus(ns.remoteNamespaceName, outcomes, { ...(generation !== undefined ? { generation } : {}), deleting, times: timesFrom(previous, bare, now) })
}

/** Status without the times: what "semantically unchanged" compares. */
export function sameStatus(a: NamespaceOffloadingStatus | undefined, b: NamespaceOffloadingStatus): boolean {
  if (!a) return false
  const strip = (s: NamespaceOffloadingStatus): unknown => ({
    ...s,
    remoteNamespacesConditions: Object.fromEntries(
      Object.entries(s.remoteNamespacesConditions ?? {}).map(([k, v]) => [k, v.map((c: RemoteNamespaceCondition) => ({ type: c.type, status: c.status, reason: c.reason, message: c.message }))]),
    ),
  })
  return JSON.stringify(canonical(strip(a))) === JSON.stringify(canonical(strip(b)))
}
