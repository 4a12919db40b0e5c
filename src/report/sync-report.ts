import type { NamespaceOffloadingStatus } from '../model/liqo.ts'
import { table } from './plan-report.ts'

/** What `sync` and `status` report per namespace (docs/sync.md: namespace, remoteNamespaceName, status). */
export interface NamespaceRow {
  readonly namespace: string
  readonly remoteNamespaceName: string
  readonly status: NamespaceOffloadingStatus
}

/** One cluster's state for a namespace, in a word: Liqo's Ready reason, or that it is not selected. */
export function clusterCell(status: NamespaceOffloadingStatus, cluster: string): string {
  const conds = status.remoteNamespacesConditions?.[cluster]
  if (!conds) return '-'
  const ready = conds.find((c) => c.type === 'Ready')
  const required = conds.find((c) => c.type === 'OffloadingRequired')
  if (ready) return ready.status === 'True' ? 'Ready' : (ready.reason ?? 'NotReady')
  return required?.status === 'True' ? 'Creating' : 'NotSelected'
}

/** The table printed by `sync` and `status`: phase and per-cluster readiness per namespace. */
export function statusTable(rows: readonly NamespaceRow[], clusters: readonly string[]): string {
  if (rows.length === 0) return 'no offloaded namespaces\n'
  const head = ['NAMESPACE', 'PHASE', 'REMOTE NAME', ...clusters.map((c) => c.toUpperCase())]
  const body = rows.map((r) => [r.namespace, r.status.offloadingPhase, r.remoteNamespaceName || '-', ...clusters.map((c) => clusterCell(r.status, c))])
  return table([head, ...body]).join('\n') + '\n'
}

/** Exit rule for sync/status: 0 only when every namespace is Ready or NoClusterSelected. */
export const allGood = (rows: readonly NamespaceRow[]): boolean =>
  rows.every((r) => r.status.offloadingPhase === 'Ready' || r.status.offloadingPhase === 'NoClusterSelected')
