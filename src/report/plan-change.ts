import type { Diagnostic } from '../diagnostics/diagnostic.ts'
import { updateVerdict } from '../liqo/nsoff-webhook.ts'
import { type PlanDocument, type PlanNamespace, type PlanWorkload, table } from './plan-report.ts'

/** What a change of the policies or the inventory does to one remote cluster of a namespace. */
export interface ClusterChange {
  readonly clusterID: string
  /**
   * `selected`: Liqo creates the twin there; `deselected`: Liqo deletes the twin and the pods in
   * it; `renamed`: the twin gets another name (Liqo's webhook denies that, see `denied`).
   */
  readonly change: 'selected' | 'deselected' | 'renamed'
  /** The twin's name after the change (`selected`, `renamed`) or before it (`deselected`). */
  readonly remoteNamespaceName: string
  readonly previousRemoteNamespaceName?: string
}

export interface FieldChange {
  readonly field: 'namespaceMappingStrategy' | 'podOffloadingStrategy' | 'remoteNamespaceName' | 'offloadingPhase'
  readonly before: string
  readonly after: string
}

export interface WorkloadChange {
  readonly kind: string
  readonly name: string
  readonly change: 'added' | 'removed' | 'placement'
  /** Eligible nodes before and after (empty: unschedulable). */
  readonly before?: readonly string[]
  readonly after?: readonly string[]
}

export interface NamespaceChange {
  readonly namespace: string
  /** `offloaded`: a new policy; `unoffloaded`: its policy is gone (Liqo deletes every twin). */
  readonly change: 'offloaded' | 'unoffloaded' | 'changed'
  readonly source: string
  readonly clusters: readonly ClusterChange[]
  readonly fields: readonly FieldChange[]
  readonly workloads: readonly WorkloadChange[]
  /** Liqo's validating webhook denies the update of `offloading` with this message. */
  readonly denied?: string
  /** Liqo's validating webhook allows the update with this warning. */
  readonly warning?: string
}

export interface PlanChange {
  readonly apiVersion: 'nsoffload.dev/v1alpha1'
  readonly kind: 'OffloadingPlanChange'
  readonly base: {
    readonly ref: string
    readonly commit: string
    /** Whether the base compiled; when not, every namespace counts as new. */
    readonly valid: boolean
    readonly note?: string
  }
  readonly home: string
  /** The namespaces that change, by name. */
  readonly namespaces: readonly NamespaceChange[]
  /** The namespaces the change leaves as they were. */
  readonly unchanged: readonly string[]
  /** The diagnostics of the new state, as `plan` reports them. */
  readonly diagnostics: readonly Diagnostic[]
}

export interface BaseState {
  readonly ref: string
  readonly commit: string
  /** The base's plan; absent when the base has no valid policies and inventory. */
  readonly plan?: PlanDocument
  readonly note?: string
}

const selectedOf = (ns: PlanNamespace): string[] => ns.clusters.filter((c) => c.selected).map((c) => c.clusterID)
const workloadKey = (w: PlanWorkload): string => `${w.kind}/${w.name}`
const sameList = (a: readonly string[], b: readonly string[]): boolean => a.length === b.length && a.every((x, i) => x === b[i])

/** What changes for a namespace present in both states; undefined when nothing does. */
function changeOf(before: PlanNamespace, after: PlanNamespace): NamespaceChange | undefined {
  const was = new Set(selectedOf(before))
  const is = new Set(selectedOf(after))
  const clusters: ClusterChange[] = []
  for (const id of [...new Set([...was, ...is])].sort()) {
    if (!was.has(id)) clusters.push({ clusterID: id, change: 'selected', remoteNamespaceName: after.remoteNamespaceName })
    else if (!is.has(id)) clusters.push({ clusterID: id, change: 'deselected', remoteNamespaceName: before.remoteNamespaceName })
    else if (before.remoteNamespaceName !== after.remoteNamespaceName) {
      clusters.push({
        clusterID: id,
        change: 'renamed',
        remoteNamespaceName: after.remoteNamespaceName,
        previousRemoteNamespaceName: before.remoteNamespaceName,
      })
    }
  }
  const fields: FieldChange[] = []
  const field = (f: FieldChange['field'], b: string, a: string): void => {
    if (b !== a) fields.push({ field: f, before: b, after: a })
  }
  field('namespaceMappingStrategy', before.namespaceMappingStrategy, after.namespaceMappingStrategy)
  field('remoteNamespaceName', before.remoteNamespaceName, after.remoteNamespaceName)
  field('podOffloadingStrategy', before.podOffloadingStrategy, after.podOffloadingStrategy)
  field('offloadingPhase', before.status.offloadingPhase, after.status.offloadingPhase)

  const workloads: WorkloadChange[] = []
  const old = new Map(before.workloads.map((w) => [workloadKey(w), w]))
  const now = new Map(after.workloads.map((w) => [workloadKey(w), w]))
  for (const key of [...new Set([...old.keys(), ...now.keys()])].sort()) {
    const b = old.get(key)
    const a = now.get(key)
    const w = (a ?? b) as PlanWorkload
    if (!b) workloads.push({ kind: w.kind, name: w.name, change: 'added', after: a?.nodes ?? [] })
    else if (!a) workloads.push({ kind: w.kind, name: w.name, change: 'removed', before: b.nodes })
    else if (!sameList(b.nodes, a.nodes)) workloads.push({ kind: w.kind, name: w.name, change: 'placement', before: b.nodes, after: a.nodes })
  }

  // Liqo's validating webhook on UPDATE of `offloading`.
  const { denied, warning } = updateVerdict(before, after)

  if (clusters.length === 0 && fields.length === 0 && workloads.length === 0) return undefined
  return {
    namespace: after.namespace,
    change: 'changed',
    source: after.source,
    clusters,
    fields,
    workloads,
    ...(denied ? { denied } : {}),
    ...(warning ? { warning } : {}),
  }
}

/**
 * `plan --base REF`: what the change from the base revision to the working tree does, namespace
 * by namespace and cluster by cluster. Pure: both plans are computed by the caller.
 */
export function planChange(base: BaseState, head: PlanDocument): PlanChange {
  const before = new Map((base.plan?.namespaces ?? []).map((ns) => [ns.namespace, ns]))
  const after = new Map(head.namespaces.map((ns) => [ns.namespace, ns]))
  const namespaces: NamespaceChange[] = []
  const unchanged: string[] = []
  for (const name of [...new Set([...before.keys(), ...after.keys()])].sort()) {
    const b = before.get(name)
    const a = after.get(name)
    if (a && !b) {
      namespaces.push({
        namespace: name,
        change: 'offloaded',
        source: a.source,
        clusters: selectedOf(a).map((id) => ({ clusterID: id, change: 'selected' as const, remoteNamespaceName: a.remoteNamespaceName })),
        fields: [],
        workloads: [],
      })
    } else if (b && !a) {
      namespaces.push({
        namespace: name,
        change: 'unoffloaded',
        source: b.source,
        clusters: selectedOf(b).map((id) => ({ clusterID: id, change: 'deselected' as const, remoteNamespaceName: b.remoteNamespaceName })),
        fields: [],
        workloads: [],
      })
    } else if (a && b) {
      const c = changeOf(b, a)
      if (c) namespaces.push(c)
      else unchanged.push(name)
    }
  }
  return {
    apiVersion: 'nsoffload.dev/v1alpha1',
    kind: 'OffloadingPlanChange',
    base: { ref: base.ref, commit: base.commit, valid: base.plan !== undefined, ...(base.note ? { note: base.note } : {}) },
    home: head.home,
    namespaces,
    unchanged,
    diagnostics: head.diagnostics,
  }
}

const nodes = (ns: readonly string[] | undefined): string => (ns && ns.length > 0 ? ns.join(', ') : 'no node')

/** One line per cluster, field and workload that changes. */
export function changeLines(ns: NamespaceChange): string[][] {
  const rows: string[][] = []
  for (const c of ns.clusters) {
    if (c.change === 'selected') rows.push(['+', c.clusterID, `selected: Liqo creates twin ${c.remoteNamespaceName}`])
    else if (c.change === 'deselected')
      rows.push([
        '-',
        c.clusterID,
        `${ns.change === 'unoffloaded' ? 'unoffloaded' : 'deselected'}: Liqo deletes twin ${c.remoteNamespaceName} and the pods in it`,
      ])
    else rows.push(['~', c.clusterID, `renamed: twin ${c.previousRemoteNamespaceName ?? ''} -> ${c.remoteNamespaceName}`])
  }
  for (const f of ns.fields) rows.push(['~', f.field, `${f.before} -> ${f.after}`])
  for (const w of ns.workloads) {
    const id = `${w.kind}/${w.name}`
    const on = (ns: readonly string[] | undefined): string =>
      ns && ns.length > 0 ? `pods can run on ${nodes(ns)}` : 'unschedulable: no node can take its pods'
    if (w.change === 'added') rows.push(['+', id, on(w.after)])
    else if (w.change === 'removed') rows.push(['-', id, 'no longer listed'])
    else rows.push(['~', id, `${on(w.after)} (was: ${nodes(w.before)})`])
  }
  return rows
}

/** Counts for the summary line, e.g. `1 offloaded, 2 changed`. */
export function changeCounts(doc: PlanChange): string {
  const counts = new Map<string, number>()
  for (const ns of doc.namespaces) counts.set(ns.change, (counts.get(ns.change) ?? 0) + 1)
  const parts = (['offloaded', 'unoffloaded', 'changed'] as const).filter((k) => counts.has(k)).map((k) => `${counts.get(k) ?? 0} ${k}`)
  parts.push(`${doc.unchanged.length} unchanged`)
  return parts.join(', ')
}

/** `plan --base REF` for a terminal. */
export function planChangeText(doc: PlanChange): string {
  const out = [`changes against ${doc.base.ref} (${doc.base.commit.slice(0, 12)})`]
  if (doc.base.note) out.push(`  note: ${doc.base.note}`)
  out.push('')
  for (const ns of doc.namespaces) {
    out.push(`namespace ${ns.namespace}: ${ns.change}  (${ns.source})`)
    out.push(...table(changeLines(ns), '  '))
    if (ns.denied)
      out.push(
        `  ! Liqo's webhook denies this update: "${ns.denied}"; unoffload the namespace first (remove its policy and sync with --prune), then offload it again`,
      )
    if (ns.warning) out.push(`  ! Liqo's webhook warns: "${ns.warning}"`)
    out.push('')
  }
  const total = doc.namespaces.length + doc.unchanged.length
  out.push(`${doc.namespaces.length} of ${total} namespace${total === 1 ? '' : 's'} change: ${changeCounts(doc)}`)
  return out.join('\n') + '\n'
}
