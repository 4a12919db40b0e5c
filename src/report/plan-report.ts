import { type ClusterDecision, type Compiled, type CompiledNamespace, predictedStatus } from '../compile/compile.ts'
import { selectionWhy } from '../liqo/cluster-selection.ts'
import type { Diagnostic } from '../diagnostics/diagnostic.ts'
import type { NamespaceOffloadingStatus } from '../model/liqo.ts'
import { type CompiledWorkload, placementReasons } from '../workloads/compile-workloads.ts'
import { podSpecsElsewhere } from '../workloads/pod-template.ts'

/** One namespace of `plan --format json` (README.md, docs/ARCHITECTURE.md: namespace, remoteNamespaceName, status, workloads). */
export interface PlanNamespace {
  readonly namespace: string
  readonly source: string
  readonly namespaceMappingStrategy: string
  readonly podOffloadingStrategy: string
  readonly remoteNamespaceName: string
  readonly clusters: readonly { readonly clusterID: string; readonly selected: boolean; readonly why: string; readonly predictedFailure?: string }[]
  readonly status: NamespaceOffloadingStatus
  readonly workloads: readonly PlanWorkload[]
  /**
   * Objects that carry pod specs where no pod template is (a custom resource's own layout): Liqo's
   * webhook mutates the pods they make at creation, but nsoffload neither patches nor places
   * them. Absent when there are none.
   */
  readonly podsNotSeen?: readonly PodsNotSeen[]
}

export interface PodsNotSeen {
  readonly apiVersion: string
  readonly kind: string
  readonly name: string
  /** Where its pod specs are, dotted: `spec.jobTargetRef.template.spec`. */
  readonly podSpecs: readonly string[]
}

/** The objects of a namespace whose pods nsoffload cannot see (computed here, for `plan` only). */
function podsNotSeen(ws: readonly CompiledWorkload[]): PodsNotSeen[] {
  return ws.flatMap((w) => {
    if (w.workload.podSpecPath) return []
    const podSpecs = podSpecsElsewhere(w.manifest)
    return podSpecs.length === 0 ? [] : [{ apiVersion: w.workload.apiVersion, kind: w.workload.kind, name: w.workload.name, podSpecs }]
  })
}

export interface PlanWorkload {
  readonly kind: string
  readonly name: string
  readonly schedulable: boolean
  /** The eligible node names (home nodes, then virtual nodes by cluster ID). */
  readonly nodes: readonly string[]
  /** Whether the pod template was patched as Liqo's webhook would patch its pods. */
  readonly patched?: boolean
  /** The kube-scheduler's summary, e.g. `0/3 nodes are available: …`. */
  readonly message?: string
  /** One line per excluded node: `florence: required node affinity: term 1: …`. */
  readonly reasons?: readonly string[]
}

/** The plan entry of a compiled workload (pod kinds only: other kinds are not placed). */
export function planWorkload(w: CompiledWorkload): PlanWorkload | undefined {
  if (!w.placement) return undefined
  const reasons = placementReasons(w.placement)
  return {
    kind: w.workload.kind,
    name: w.workload.name,
    schedulable: w.placement.nodes.length > 0,
    nodes: w.placement.nodes,
    patched: w.patched,
    message: w.placement.message,
    ...(reasons.length > 0 ? { reasons } : {}),
  }
}

export interface PlanDocument {
  readonly apiVersion: 'nsoffload.dev/v1alpha1'
  readonly kind: 'OffloadingPlan'
  readonly home: string
  readonly namespaces: readonly PlanNamespace[]
  readonly diagnostics: readonly Diagnostic[]
}

const FAILURE_TEXT: Readonly<Record<string, string>> = {
  nameTooLong: 'remote name longer than 63 characters',
  nameInvalid: 'remote name is not a DNS-1123 label',
  existsUnmanaged: 'namespace exists there, not managed by Liqo',
}

/** Why a cluster is selected or not, and why Liqo would fail there when it would. */
function clusterWhy(ns: CompiledNamespace, c: ClusterDecision): string {
  const why = selectionWhy(ns.policy.clusterSelector, c.remote)
  return c.selected && c.failure ? `${why}; Liqo would fail: ${FAILURE_TEXT[c.failure] ?? c.failure}` : why
}

export function planNamespace(ns: CompiledNamespace, workloads: readonly PlanWorkload[] = ns.workloads.flatMap((w) => planWorkload(w) ?? [])): PlanNamespace {
  const unseen = podsNotSeen(ns.workloads)
  return {
    namespace: ns.policy.namespace,
    source: ns.policy.source.file,
    namespaceMappingStrategy: ns.policy.namespaceMappingStrategy,
    podOffloadingStrategy: ns.policy.podOffloadingStrategy,
    remoteNamespaceName: ns.remoteNamespaceName,
    clusters: ns.clusters.map((c) => ({
      clusterID: c.clusterID,
      selected: c.selected,
      why: clusterWhy(ns, c),
      ...(c.failure ? { predictedFailure: c.failure } : {}),
    })),
    status: predictedStatus(ns),
    workloads,
    ...(unseen.length > 0 ? { podsNotSeen: unseen } : {}),
  }
}

export function planDocument(
  home: string,
  compiled: Compiled,
  diagnostics: readonly Diagnostic[],
  workloads?: ReadonlyMap<string, readonly PlanWorkload[]>,
): PlanDocument {
  return {
    apiVersion: 'nsoffload.dev/v1alpha1',
    kind: 'OffloadingPlan',
    home,
    namespaces: compiled.namespaces.map((ns) => planNamespace(ns, workloads?.get(ns.policy.namespace))),
    diagnostics,
  }
}

/** How `plan` heads the objects of `podsNotSeen`. */
export const POD_NOT_SEEN_TITLE =
  "pods not previewed (where they run is up to Liqo's webhook at their creation: their pod specs are not where a pod template is)"

/** Pads the columns of a table of strings. */
export function table(rows: readonly (readonly string[])[], indent = ''): string[] {
  const widths: number[] = []
  for (const r of rows) r.forEach((c, i) => (widths[i] = Math.max(widths[i] ?? 0, c.length)))
  return rows.map(
    (r) =>
      indent +
      r
        .map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i] ?? 0)))
        .join('  ')
        .trimEnd(),
  )
}

/** The plan for a terminal: per namespace, strategy, phase, each cluster and why, workloads. */
export function planText(doc: PlanDocument): string {
  const out: string[] = []
  for (const ns of doc.namespaces) {
    out.push(`namespace ${ns.namespace}  (${ns.source})`)
    out.push(
      ...table(
        [
          ['mapping', `${ns.namespaceMappingStrategy} -> ${ns.remoteNamespaceName}`],
          ['pods', ns.podOffloadingStrategy],
          ['phase', ns.status.offloadingPhase],
        ],
        '  ',
      ),
    )
    const rows = ns.clusters.map((c) => {
      const conds = ns.status.remoteNamespacesConditions?.[c.clusterID] ?? []
      const ready = conds.find((x) => x.type === 'Ready')
      return [c.clusterID, c.selected ? 'selected' : 'not selected', ready ? `Ready=${ready.status} ${ready.reason ?? ''}` : '-', c.why]
    })
    if (rows.length > 0) {
      out.push('  clusters:')
      out.push(...table(rows, '    '))
    } else out.push('  clusters: none in the inventory')
    if (ns.workloads.length > 0) {
      out.push('  workloads:')
      const rows = table(
        ns.workloads.map((w) => [`${w.kind}/${w.name}`, w.schedulable ? `-> ${w.nodes.join(', ')}` : `UNSCHEDULABLE  ${w.message ?? ''}`]),
        '    ',
      )
      // An unschedulable workload gets one line per node saying what excludes it.
      ns.workloads.forEach((w, i) => out.push(rows[i] ?? '', ...(w.schedulable ? [] : (w.reasons ?? []).map((r) => `      ${r}`))))
    }
    if (ns.podsNotSeen && ns.podsNotSeen.length > 0) {
      out.push(`  ${POD_NOT_SEEN_TITLE}:`)
      out.push(
        ...table(
          ns.podsNotSeen.map((u) => [`${u.kind}/${u.name}`, `pod spec at ${u.podSpecs.join(', ')}`]),
          '    ',
        ),
      )
    }
    out.push('')
  }
  const phases = new Map<string, number>()
  for (const ns of doc.namespaces) phases.set(ns.status.offloadingPhase, (phases.get(ns.status.offloadingPhase) ?? 0) + 1)
  const n = doc.namespaces.length
  out.push(`${n} namespace${n === 1 ? '' : 's'}${n > 0 ? ': ' : ''}${[...phases].map(([p, c]) => `${c} ${p}`).join(', ')}`)
  return out.join('\n') + '\n'
}
