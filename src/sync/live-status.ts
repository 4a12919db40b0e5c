import type { CompiledNamespace } from '../compile/compile.ts'
import { type ClusterOutcome, mappingPhase, reconcileStatus, type TwinState } from '../liqo/offloading-status.ts'
import type { Inventory } from '../model/inventory.ts'
import {
  CONDITION_OFFLOADING_REQUIRED,
  type NamespaceOffloadingObject,
  type NamespaceOffloadingStatus,
  NSO_FINALIZER,
  type RemoteNamespaceCondition,
} from '../model/liqo.ts'
import { canonical } from '../render/to-yaml.ts'
import type { LiveCluster } from './live-state.ts'
import { type ApplySet, twinOwner } from './applyset.ts'
import { defaultSet } from './plan-sync.ts'
import { metaOf } from '../util/manifest.ts'

/**
 * What Liqo's NamespaceMap would say for each remote, read from the live twins: each twin's state (none, this home
 * namespace's (nsoffload's or Liqo's own), being deleted, someone else's) given to Liqo's phase rule,
 * `mappingPhase` (src/liqo/offloading-status.ts), the rule the prediction uses too. A twin whose cluster is no
 * longer selected is `Terminating` whether or not `sync --prune` deletes it now.
 */
export function liveOutcomes(
  remoteName: string,
  selected: ReadonlyMap<string, boolean>,
  invalidName: boolean,
  inv: Inventory,
  live: ReadonlyMap<string, LiveCluster>,
  set: ApplySet = defaultSet(inv),
): ClusterOutcome[] {
  return inv.remotes.map((r) => {
    const requested = selected.get(r.clusterID) ?? false
    const twin = live.get(r.clusterID)?.namespaces.get(remoteName)
    const state: TwinState = !twin
      ? 'none'
      : !twinOwner(twin, inv.home.clusterID, r.clusterID, set)
        ? 'foreign'
        : metaOf(twin).deletionTimestamp
          ? 'oursDeleting'
          : 'ours'
    return { clusterID: r.clusterID, requested, phase: mappingPhase(requested, state, invalidName) }
  })
}

const generationOf = (nso: NamespaceOffloadingObject | undefined): { generation?: number } => {
  const g = nso ? metaOf(nso).generation : undefined
  return typeof g === 'number' ? { generation: g } : {}
}

/** The status to report and write for a namespace, from the live state after applying. */
export function namespaceStatus(
  ns: CompiledNamespace,
  inv: Inventory,
  live: ReadonlyMap<string, LiveCluster>,
  nso: NamespaceOffloadingObject | undefined,
  now: string,
  deleting = false,
  set: ApplySet = defaultSet(inv),
): NamespaceOffloadingStatus {
  const selected = new Map(ns.clusters.map((c) => [c.clusterID, c.selected]))
  const invalid = ns.clusters.some((c) => c.failure === 'nameTooLong' || c.failure === 'nameInvalid')
  const outcomes = liveOutcomes(ns.remoteNamespaceName, selected, invalid, inv, live, set)
  const previous = nso?.status
  return reconcileStatus(previous, ns.remoteNamespaceName, outcomes, { ...generationOf(nso), deleting, now })
}

/** Liqo's own controller manages this NamespaceOffloading (its finalizer is there): the status written on it is Liqo's, and live. */
export function liqoManaged(nso: NamespaceOffloadingObject | undefined): boolean {
  const f = nso?.metadata?.finalizers
  return Array.isArray(f) && f.includes(NSO_FINALIZER)
}

/**
 * The status of a NamespaceOffloading of the set whose policy this run did not read (`status
 * -p` on part of the policies), from what is live: the clusters its written status says are
 * required, its twins as they are now. `undefined` when it has no written status to start from.
 */
export function statusWithoutPolicy(
  nso: NamespaceOffloadingObject,
  inv: Inventory,
  live: ReadonlyMap<string, LiveCluster>,
  now: string,
  set: ApplySet = defaultSet(inv),
): NamespaceOffloadingStatus | undefined {
  const written = nso.status
  if (!written?.remoteNamespaceName) return undefined
  const selected = new Map(
    Object.entries(written.remoteNamespacesConditions ?? {}).map(([c, conds]) => [
      c,
      conds.some((x) => x.type === CONDITION_OFFLOADING_REQUIRED && x.status === 'True'),
    ]),
  )
  const outcomes = liveOutcomes(written.remoteNamespaceName, selected, false, inv, live, set)
  return reconcileStatus(written, written.remoteNamespaceName, outcomes, { ...generationOf(nso), now })
}

/**
 * The status of a namespace being unoffloaded (`sync --prune`), as Liqo shows it while its
 * NamespaceOffloading is deleted: phase `Terminating`, a cluster per twin still there
 * (`OffloadingRequired=False`, `Ready=False Terminating`), and the remote namespace name it
 * had. `undefined` once no twin is left: Liqo's finalizer then lets the object go.
 */
export function prunedStatus(
  remoteName: string,
  inv: Inventory,
  live: ReadonlyMap<string, LiveCluster>,
  nso: NamespaceOffloadingObject | undefined,
  now: string,
  set: ApplySet = defaultSet(inv),
): NamespaceOffloadingStatus | undefined {
  const outcomes = liveOutcomes(remoteName, new Map(), false, inv, live, set)
  if (!outcomes.some((o) => o.phase !== '')) return undefined
  const previous = nso?.status
  return reconcileStatus(previous, remoteName, outcomes, { ...generationOf(nso), deleting: true, now })
}

/** Status without the times: what "semantically unchanged" compares. */
export function sameStatus(a: NamespaceOffloadingStatus | undefined, b: NamespaceOffloadingStatus): boolean {
  if (!a) return false
  const strip = (s: NamespaceOffloadingStatus): unknown => ({
    ...s,
    remoteNamespacesConditions: Object.fromEntries(
      Object.entries(s.remoteNamespacesConditions ?? {}).map(([k, v]) => [
        k,
        v.map((c: RemoteNamespaceCondition) => ({ type: c.type, status: c.status, reason: c.reason, message: c.message })),
      ]),
    ),
  })
  return JSON.stringify(canonical(strip(a))) === JSON.stringify(canonical(strip(b)))
}
