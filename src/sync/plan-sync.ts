import type { Compiled, CompiledNamespace } from '../compile/compile.ts'
import { remoteNamespaceName } from '../compile/remote-name.ts'
import { markOwned } from '../compile/render-manifests.ts'
import type { Inventory } from '../model/inventory.ts'
import type { Manifest } from '../model/k8s.ts'
import {
  ANNOTATION_MANAGED_BY,
  ANNOTATION_MANAGED_BY_NSMAP,
  ANNOTATION_ORIGINAL_NAME,
  LABEL_MANAGED_BY,
  LABEL_REMOTE_CLUSTER_ID,
  LABEL_SCHEDULING_ENABLED,
  MANAGED_BY_VALUE,
  MAPPING_STRATEGIES,
  type MappingStrategy,
  type NamespaceOffloadingObject,
  NSO_KIND,
  TENANT_NAMESPACE_PREFIX,
} from '../model/liqo.ts'
import { codes } from '../diagnostics/codes.ts'
import { describeObject, metaOf, namespaceOf, typeOf } from '../util/manifest.ts'
import { applyForm } from './apply-form.ts'
import { type LiveObject, needsApply, ownedPaths, sameObject } from './compare.ts'
import { type LiveCluster, objectKey } from './live-state.ts'

/** One change to one object of one cluster. */
export type Action =
  | {
      readonly op: 'create' | 'update'
      readonly cluster: string
      readonly namespace: string
      readonly step: Step
      readonly manifest: Manifest
      readonly live?: LiveObject
      /** A workload: the server's answer to the same apply with `dryRun=All` (the object as it will be). */
      readonly after?: LiveObject
    }
  | {
      readonly op: 'delete'
      readonly cluster: string
      readonly namespace: string
      readonly step: Step
      readonly live: LiveObject
      readonly why: 'prune' | 'deselected' | 'destructive'
    }

/** The order of docs/sync.md: home Namespace → NamespaceOffloading → twins → (status) → workloads. Deletions first within a step. */
export type Step = 'namespace' | 'offloading' | 'twins' | 'workloads'
export const STEPS: readonly Step[] = ['namespace', 'offloading', 'twins', 'workloads']

export interface Finding {
  /** Stable code from the diagnostics registry (NSO5xxx). */
  readonly code: string
  readonly level: 'error' | 'warning'
  readonly cluster: string
  readonly namespace: string
  readonly object: string
  readonly message: string
  /** A refused destructive change: nothing is applied at all. */
  readonly blocking?: boolean
}

export interface SyncPlan {
  readonly actions: readonly Action[]
  readonly findings: readonly Finding[]
  /** Namespaces being unoffloaded (policy gone, `--prune`). */
  readonly pruned: readonly string[]
  /**
   * The remote namespace name of each pruned namespace, as Liqo computed it (from its live
   * NamespaceOffloading's spec, else the name of its twins): the report keeps showing it.
   */
  readonly prunedRemoteNames: Readonly<Record<string, string>>
}

export interface PlanOptions {
  readonly prune: boolean
  readonly allowDestructive: boolean
}

/** nsoffload's ownership marker: the managed-by label, or (on workloads) the managed-by annotation. */
export const isOurs = (o: Manifest): boolean =>
  metaOf(o).labels?.[LABEL_MANAGED_BY] === MANAGED_BY_VALUE || metaOf(o).annotations?.[ANNOTATION_MANAGED_BY] === MANAGED_BY_VALUE
const deleting = (o: LiveObject): boolean => Boolean(metaOf(o).deletionTimestamp)

/** The twin on a remote belongs to this home namespace: ours, or Liqo's own for this home. */
export function twinOwner(twin: LiveObject, homeID: string, remoteID: string): 'nsoffload' | 'liqo' | undefined {
  if (isOurs(twin)) return 'nsoffload'
  if (metaOf(twin).annotations?.[ANNOTATION_MANAGED_BY_NSMAP] === `${TENANT_NAMESPACE_PREFIX}${homeID}/${remoteID}`) return 'liqo'
  return undefined
}

/** A workload to dry-run on the home cluster: the manifest sync would apply, and its key in `LiveCluster.objects`. */
export interface WorkloadApply {
  readonly key: string
  readonly manifest: Manifest
}

/**
 * The workloads whose "after" state the server is asked for (a dry-run apply) before planning:
 * those of the policies' `workloads` that exist on the home cluster, are nsoffload's and are
 * not being deleted. New ones are created as rendered; other people's are left alone. The
 * objects nsoffload renders itself (namespaces, NamespaceOffloadings, twins) are compared
 * client-side.
 */
export function workloadsToDryRun(compiled: Compiled, inv: Inventory, live: ReadonlyMap<string, LiveCluster>): WorkloadApply[] {
  const home = live.get(inv.home.clusterID)
  if (!home) return []
  const out: WorkloadApply[] = []
  for (const ns of compiled.namespaces) {
    for (const m of ns.manifests.get(inv.home.clusterID) ?? []) {
      const t = typeOf(m)
      if (t.kind === 'Namespace' || t.kind === NSO_KIND) continue
      const key = objectKey(t.apiVersion, t.kind, namespaceOf(m), metaOf(m).name ?? '')
      const liveObj = home.objects.get(key)
      if (liveObj && isOurs(liveObj) && !deleting(liveObj)) out.push({ key, manifest: applyForm(markOwned(m)) })
    }
  }
  return out
}

/**
 * The pure heart of `sync` and `diff`: what to change on which cluster, given the compiled
 * manifests and what is live. Never plans a change to an object nsoffload does not own.
 */
export function planSync(compiled: Compiled, inv: Inventory, live: ReadonlyMap<string, LiveCluster>, opts: PlanOptions): SyncPlan {
  const homeID = inv.home.clusterID
  const home = live.get(homeID)
  const actions: Action[] = []
  const findings: Finding[] = []
  const twinIndex = new Map<string, Map<string, LiveObject[]>>()
  if (!home) return { actions, findings, pruned: [], prunedRemoteNames: {} }
  const upsert = (cluster: string, namespace: string, step: Step, m: Manifest, liveObj: LiveObject | undefined, after?: LiveObject): void => {
    if (!liveObj) {
      actions.push({ op: 'create', cluster, namespace, step, manifest: m })
    } else if (!isOurs(liveObj)) {
      findings.push({
        code: codes.objectNotOwned.code,
        level: 'warning',
        cluster,
        namespace,
        object: describeObject(m),
        message: `${describeObject(m)} exists and is not managed by nsoffload: left alone`,
      })
    } else if (after) {
      // The server said what applying would make of it: changed only if that is not the live object.
      if (!sameObject(after, liveObj)) actions.push({ op: 'update', cluster, namespace, step, manifest: m, live: liveObj, after })
    } else if (needsApply(m, liveObj)) {
      actions.push({ op: 'update', cluster, namespace, step, manifest: m, live: liveObj })
    }
  }
  for (const ns of compiled.namespaces) planNamespace(ns)
  const prunedRemoteNames: Record<string, string> = {}
  const pruned = planOrphans()
  return { actions, findings, pruned, prunedRemoteNames }

  function planNamespace(ns: CompiledNamespace): void {
    const name = ns.policy.namespace
    const homeManifests = ns.manifests.get(homeID) ?? []
    const liveNso = home?.offloadings?.get(name)
    let recreate = false
    if (liveNso && isOurs(liveNso)) {
      const spec = liveNso.spec ?? {}
      const liveStrategy = spec.namespaceMappingStrategy ?? 'DefaultName'
      const liveRemote = typeof spec.remoteNamespaceName === 'string' ? spec.remoteNamespaceName : ''
      const wantRemote = ns.policy.remoteNamespaceName ?? ''
      if (
        liveStrategy !== ns.policy.namespaceMappingStrategy ||
        (liveRemote !== wantRemote && (liveStrategy === 'SelectedName' || ns.policy.namespaceMappingStrategy === 'SelectedName'))
      ) {
        const oldName = remoteNamespaceName({ namespace: name, namespaceMappingStrategy: liveStrategy, remoteNamespaceName: liveRemote }, homeID)
        const what = `namespaceMappingStrategy ${liveStrategy} -> ${ns.policy.namespaceMappingStrategy}${oldName !== ns.remoteNamespaceName ? ` (remote namespace ${oldName} -> ${ns.remoteNamespaceName})` : ''}`
        if (!opts.allowDestructive) {
          findings.push({
            code: codes.destructiveRefused.code,
            level: 'error',
            cluster: homeID,
            namespace: name,
            object: describeObject(liveNso),
            message: `${what}: Liqo allows this only by unoffloading and offloading again, which deletes everything in the twin namespaces; refused without --allow-destructive`,
            blocking: true,
          })
          return
        }
        recreate = true
        actions.push({ op: 'delete', cluster: homeID, namespace: name, step: 'offloading', live: liveNso, why: 'destructive' })
        for (const r of inv.remotes) {
          const twin = live.get(r.clusterID)?.namespaces.get(oldName)
          if (twin && isOurs(twin) && metaOf(twin).annotations?.[ANNOTATION_ORIGINAL_NAME] === name && !deleting(twin)) {
            actions.push({ op: 'delete', cluster: r.clusterID, namespace: name, step: 'twins', live: twin, why: 'destructive' })
          }
        }
      }
    }
    for (const m of homeManifests) {
      const t = typeOf(m)
      const mdName = metaOf(m).name ?? ''
      if (t.kind === 'Namespace') upsert(homeID, name, 'namespace', m, home?.namespaces.get(mdName))
      else if (t.kind === NSO_KIND) {
        if (recreate) actions.push({ op: 'create', cluster: homeID, namespace: name, step: 'offloading', manifest: m })
        else upsert(homeID, name, 'offloading', m, liveNso)
      } else {
        // Workloads are the application's manifests: sync applies them with its ownership annotation.
        const key = objectKey(t.apiVersion, t.kind, namespaceOf(m), mdName)
        upsert(homeID, name, 'workloads', applyForm(markOwned(m)), home?.objects.get(key), home?.applied?.get(key))
      }
    }
    for (const d of ns.clusters) {
      const remote = live.get(d.clusterID)
      if (!remote) continue
      const rendered = ns.manifests.get(d.clusterID)?.[0]
      const liveTwin = remote.namespaces.get(ns.remoteNamespaceName)
      if (d.selected && rendered) {
        if (liveTwin && twinOwner(liveTwin, homeID, d.clusterID) === undefined) {
          findings.push({
            code: codes.twinNotOwned.code,
            level: 'error',
            cluster: d.clusterID,
            namespace: name,
            object: `namespace/${ns.remoteNamespaceName}`,
            message: `namespace "${ns.remoteNamespaceName}" already exists and it is not managed by NamespaceMap "${TENANT_NAMESPACE_PREFIX}${homeID}/${d.clusterID}": left alone (CreationLoopBackOff)`,
          })
        } else if (!liveTwin || twinOwner(liveTwin, homeID, d.clusterID) === 'nsoffload') {
          upsert(d.clusterID, name, 'twins', rendered, recreate ? undefined : liveTwin)
        }
      } else if (!d.selected) {
        for (const twin of ownedTwins(d.clusterID, name)) {
          if (opts.prune) actions.push({ op: 'delete', cluster: d.clusterID, namespace: name, step: 'twins', live: twin, why: 'deselected' })
          else
            findings.push({
              code: codes.deletionNeedsPrune.code,
              level: 'warning',
              cluster: d.clusterID,
              namespace: name,
              object: describeObject(twin),
              message: `${describeObject(twin)} is no longer selected and would be deleted with everything in it: run with --prune`,
            })
        }
      }
    }
  }

  /**
   * Twin namespaces nsoffload made for a home namespace on one remote (not being deleted),
   * through an index of each remote's twins by original name, built on first use: asked for
   * every namespace and every cluster that does not select it, a scan of the remote's
   * namespaces each time made planning quadratic in the size of the fleet.
   */
  function ownedTwins(cluster: string, original: string): LiveObject[] {
    let byOriginal = twinIndex.get(cluster)
    if (!byOriginal) {
      byOriginal = new Map()
      for (const t of live.get(cluster)?.namespaces.values() ?? []) {
        const o = metaOf(t).annotations?.[ANNOTATION_ORIGINAL_NAME]
        if (o === undefined || !isOurs(t) || metaOf(t).labels?.[LABEL_REMOTE_CLUSTER_ID] !== homeID || deleting(t)) continue
        const same = byOriginal.get(o)
        if (same) same.push(t)
        else byOriginal.set(o, [t])
      }
      twinIndex.set(cluster, byOriginal)
    }
    return byOriginal.get(original) ?? []
  }

  /** Namespaces offloaded by nsoffload whose policy is gone: unoffload with --prune. */
  function planOrphans(): string[] {
    const wanted = new Set(compiled.namespaces.map((n) => n.policy.namespace))
    const orphans = new Set<string>()
    for (const [ns, nso] of home?.offloadings ?? []) if (isOurs(nso) && !wanted.has(ns)) orphans.add(ns)
    for (const r of inv.remotes) {
      for (const t of live.get(r.clusterID)?.namespaces.values() ?? []) {
        const original = metaOf(t).annotations?.[ANNOTATION_ORIGINAL_NAME]
        if (original && isOurs(t) && metaOf(t).labels?.[LABEL_REMOTE_CLUSTER_ID] === homeID && !wanted.has(original)) orphans.add(original)
      }
    }
    const sorted = [...orphans].sort()
    for (const ns of sorted) {
      const nso = home?.offloadings?.get(ns)
      const homeNs = home?.namespaces.get(ns)
      const twins = inv.remotes.flatMap((r) => ownedTwins(r.clusterID, ns).map((t) => ({ cluster: r.clusterID, t })))
      if (!opts.prune) {
        const what = [nso ? describeObject(nso) : undefined, ...twins.map((x) => `${describeObject(x.t)} on ${x.cluster}`)].filter(Boolean).join(', ')
        findings.push({
          code: codes.deletionNeedsPrune.code,
          level: 'warning',
          cluster: homeID,
          namespace: ns,
          object: `namespace/${ns}`,
          message: `policy removed: would unoffload ${ns} (${what}); run with --prune`,
        })
        continue
      }
      prunedRemoteNames[ns] = liveRemoteName(ns, nso) ?? twinName(ns) ?? ''
      for (const x of twins) actions.push({ op: 'delete', cluster: x.cluster, namespace: ns, step: 'twins', live: x.t, why: 'prune' })
      if (nso && !deleting(nso)) actions.push({ op: 'delete', cluster: homeID, namespace: ns, step: 'offloading', live: nso, why: 'prune' })
      if (homeNs && isOurs(homeNs) && metaOf(homeNs).labels?.[LABEL_SCHEDULING_ENABLED] !== undefined) {
        // Re-apply the namespace without the scheduling label: the server drops the field we owned.
        const owned = new Set(
          ownedPaths(homeNs)
            .filter((p) => p[0] === 'metadata' && p[1] === 'labels' && p[2] !== undefined)
            .map((p) => p[2] ?? ''),
        )
        const labels = Object.fromEntries(
          Object.entries(metaOf(homeNs).labels ?? {}).filter(([k]) => k !== LABEL_SCHEDULING_ENABLED && (owned.has(k) || k === LABEL_MANAGED_BY)),
        )
        actions.push({
          op: 'update',
          cluster: homeID,
          namespace: ns,
          step: 'namespace',
          manifest: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns, labels } },
          live: homeNs,
        })
      }
    }
    return opts.prune ? sorted : []
  }

  /** The name of a twin of ours of a home namespace on any remote, being deleted or not. */
  function twinName(original: string): string | undefined {
    for (const r of inv.remotes) {
      for (const t of live.get(r.clusterID)?.namespaces.values() ?? []) {
        if (metaOf(t).annotations?.[ANNOTATION_ORIGINAL_NAME] === original && isOurs(t) && metaOf(t).labels?.[LABEL_REMOTE_CLUSTER_ID] === homeID)
          return metaOf(t).name
      }
    }
    return undefined
  }

  /** The remote name Liqo computes from a live NamespaceOffloading's spec (liqotech/liqo@v1.2.0 pkg/liqo-controller-manager/offloading/namespaceoffloading-controller/status.go, remoteNamespaceName). */
  function liveRemoteName(ns: string, nso: NamespaceOffloadingObject | undefined): string | undefined {
    if (!nso) return undefined
    const spec = nso.spec ?? {}
    const given = spec.namespaceMappingStrategy
    // Liqo falls back to DefaultName for a strategy it does not know.
    const strategy: MappingStrategy = MAPPING_STRATEGIES.find((m) => m === given) ?? 'DefaultName'
    const selectedName = typeof spec.remoteNamespaceName === 'string' ? spec.remoteNamespaceName : ''
    return remoteNamespaceName({ namespace: ns, namespaceMappingStrategy: strategy, remoteNamespaceName: selectedName }, homeID)
  }
}
