import type { Diagnostic } from '../diagnostics/diagnostic.ts'
import { code, details, htmlText, phaseBadge, plural, readinessBadge, table, text } from './markdown.ts'
import type { PlanDocument, PlanNamespace } from './plan-report.ts'
import { clusterCell } from './sync-report.ts'

/** The first line of every plan comment: lets a CI job find and update its previous comment. */
export const PLAN_MARKER = '<!-- nsoffload:plan -->'

const ICON = { error: '❌', warning: '⚠️', info: 'ℹ️' } as const

/** One diagnostic as a list item: place, code, message, hint. */
export function diagnosticItem(d: Diagnostic): string {
  const where = d.file === undefined ? '' : `${code(d.line === undefined ? d.file : `${d.file}:${d.line}:${d.column ?? 1}`, false)} `
  return `- ${ICON[d.severity]} ${where}**${d.code}** ${text(d.message)}${d.hint ? ` _(hint: ${text(d.hint)})_` : ''}`
}

function cellFor(ns: PlanNamespace, clusterID: string): string {
  const c = ns.clusters.find((x) => x.clusterID === clusterID)
  if (!c?.selected) return '–'
  return readinessBadge(clusterCell(ns.status, clusterID))
}

function namespaceDetails(ns: PlanNamespace): string[] {
  const body = [
    `Mapping ${text(ns.namespaceMappingStrategy)} → ${code(ns.remoteNamespaceName, false)}, pods ${text(ns.podOffloadingStrategy)}, from ${code(ns.source, false)}.`,
    '',
    ...(ns.clusters.length > 0
      ? table(
          ['Cluster', 'Selected', 'Why'],
          ns.clusters.map((c) => [code(c.clusterID), c.selected ? 'yes' : 'no', text(c.why)]),
        )
      : ['No remote cluster in the inventory.']),
  ]
  if (ns.workloads.length > 0) {
    body.push(
      '',
      ...table(
        ['Workload', 'Pods can run on', 'Why not elsewhere'],
        ns.workloads.map((w) => [
          code(`${w.kind}/${w.name}`),
          w.schedulable ? w.nodes.map((n) => code(n)).join(', ') : '❌ **unschedulable**',
          text((w.reasons ?? []).join('; ')),
        ]),
      ),
    )
  }
  if (ns.podsNotSeen && ns.podsNotSeen.length > 0) {
    body.push(
      '',
      `Pods not previewed: ${ns.podsNotSeen.map((u) => `${code(`${u.kind}/${u.name}`, false)} (pod spec at ${u.podSpecs.map((p) => code(p, false)).join(', ')})`).join(', ')}: Liqo's webhook mutates them at their creation, where they run is not previewed.`,
    )
  }
  return details(`<code>${htmlText(ns.namespace)}</code>: ${htmlText(ns.status.offloadingPhase)}, clusters and why`, body)
}

/**
 * `plan --format markdown`: the plan as a pull-request comment. A summary line, one table row
 * per namespace (phase, remote name, each remote cluster's predicted readiness), a collapsed
 * section per namespace with why each cluster is (not) selected and where workloads could run,
 * and the warnings. Starts with `<!-- nsoffload:plan -->` so a bot can update its comment.
 */
export function planMarkdown(doc: PlanDocument): string {
  const clusters = [...new Set(doc.namespaces.flatMap((ns) => ns.clusters.map((c) => c.clusterID)))].sort()
  const phases = new Map<string, number>()
  for (const ns of doc.namespaces) phases.set(ns.status.offloadingPhase, (phases.get(ns.status.offloadingPhase) ?? 0) + 1)
  const out = [PLAN_MARKER, '### nsoffload plan', '']
  const counts = [...phases].map(([p, n]) => `${n} ${text(p)}`).join(', ')
  out.push(`**${plural(doc.namespaces.length, 'namespace')}**${counts ? `: ${counts}` : ''} · home cluster ${code(doc.home, false)}`)
  if (doc.namespaces.length > 0) {
    out.push(
      '',
      ...table(
        ['Namespace', 'Phase', 'Remote name', 'Pods', ...clusters.map((c) => code(c))],
        doc.namespaces.map((ns) => [
          code(ns.namespace),
          phaseBadge(ns.status.offloadingPhase),
          code(ns.remoteNamespaceName),
          text(ns.podOffloadingStrategy),
          ...clusters.map((c) => cellFor(ns, c)),
        ]),
      ),
    )
    for (const ns of doc.namespaces) out.push('', ...namespaceDetails(ns))
  }
  const shown = doc.diagnostics.filter((d) => d.severity !== 'info')
  const errors = shown.filter((d) => d.severity === 'error').length
  // A plan with errors is a valid input checked with --strict: the plan stands, the check fails.
  if (errors > 0) out.splice(3, 0, `❌ **The check fails: ${plural(errors, 'error')}** (with \`--strict\`, warnings are errors); the plan is below.`, '')
  if (shown.length > 0) out.push('', `**${plural(shown.length, 'finding')}**`, '', ...shown.map(diagnosticItem))
  return out.join('\n') + '\n'
}

/** `plan --format markdown` on invalid input: the comment says so and lists the problems. */
export function planFailedMarkdown(diagnostics: readonly Diagnostic[]): string {
  const shown = diagnostics.filter((d) => d.severity !== 'info')
  const errors = shown.filter((d) => d.severity === 'error').length
  return (
    [PLAN_MARKER, '### nsoffload plan', '', `❌ **No plan: the input is invalid** (${plural(errors, 'error')}).`, '', ...shown.map(diagnosticItem)].join('\n') +
    '\n'
  )
}
