import type { Compiled, CompiledNamespace } from '../compile/compile.ts'
import type { Diagnostic } from '../diagnostics/diagnostic.ts'
import type { NamespaceOffloadingStatus } from '../model/liqo.ts'

/** One namespace of `plan --format json` (SPEC §3: namespace, remoteNamespaceName, status, workloads). */
export interface PlanNamespace {
  readonly namespace: string
  readonly source: string
  readonly namespaceMappingStrategy: string
  readonly podOffloadingStrategy: string
  readonly remoteNamespaceName: string
  readonly clusters: readonly { readonly clusterID: string; readonly selected: boolean; readonly why: string; readonly predictedFailure?: string }[]
  readonly status: NamespaceOffloadingStatus
  readonly workloads: readonly PlanWorkload[]
}

export interface PlanWorkload {
  readonly kind: string
  readonly name: string
  readonly schedulable: boolean
  readonly nodes: readonly string[]
  readonly reasons?: readonly string[]
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

export function planNamespace(ns: CompiledNamespace, workloads: readonly PlanWorkload[] = []): PlanNamespace {
  return {
    namespace: ns.policy.namespace,
    source: ns.policy.source.file,
    namespaceMappingStrategy: ns.policy.namespaceMappingStrategy,
    podOffloadingStrategy: ns.policy.podOffloadingStrategy,
    remoteNamespaceName: ns.remoteNamespaceName,
    clusters: ns.clusters.map((c) => ({
      clusterID: c.clusterID,
      selected: c.selected,
      why: c.selected && c.failure ? `${c.why}; Liqo would fail: ${FAILURE_TEXT[c.failure] ?? c.failure}` : c.why,
      ...(c.failure ? { predictedFailure: c.failure } : {}),
    })),
    status: ns.status,
    workloads,
  }
}

export function planDocument(home: string, compiled: Compiled, diagnostics: readonly Diagnostic[], workloads?: ReadonlyMap<string, readonly PlanWorkload[]>): PlanDocument {
  return {
    apiVersion: 'nsoffload.dev/v1alpha1',
    kind: 'OffloadingPlan',
    home,
    namespaces: compiled.namespaces.map((ns) => planNamespace(ns, workloads?.get(ns.policy.namespace) ?? [])),
    diagnostics,
  }
}

/** Pads the columns of a table of strings. */
export function table(rows: readonly (readonly string[])[], indent = ''): string[] {
  const widths: number[] = []
  for (const r of rows) r.forEach((c, i) => (widths[i] = Math.max(widths[i] ?? 0, c.length)))
  return rows.map((r) => indent + r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i] ?? 0))).join('  ').trimEnd())
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
      out.push(
        ...table(
          ns.workloads.map((w) => [`${w.kind}/${w.name}`, w.schedulable ? `-> ${w.nodes.join(', ')}` : 'UNSCHEDULABLE', (w.reasons ?? []).join('; ')]),
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
