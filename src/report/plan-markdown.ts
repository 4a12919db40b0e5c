import type { Diagnostic } from '../diagnostics/diagnostic.ts'
import { code, details, GITHUB_COMMENT_LIMIT, htmlText, phaseBadge, plural, readinessBadge, table, text } from './markdown.ts'
import type { PlanDocument, PlanNamespace, PlanWorkload } from './plan-report.ts'
import { clusterCell } from './sync-report.ts'

/** The first line of every plan comment: lets a CI job find and update its previous comment. */
export const PLAN_MARKER = '<!-- nsoffload:plan -->'

const ICON = { error: '❌', warning: '⚠️', info: 'ℹ️' } as const

/** One diagnostic as a list item: place, code, message, hint (or a word that it is the one above). */
export function diagnosticItem(d: Diagnostic, hintAbove = false): string {
  const where = d.file === undefined ? '' : `${code(d.line === undefined ? d.file : `${d.file}:${d.line}:${d.column ?? 1}`, false)} `
  const hint = d.hint ? (hintAbove ? ' _(hint: as above)_' : ` _(hint: ${text(d.hint)})_`) : ''
  return `- ${ICON[d.severity]} ${where}**${d.code}** ${text(d.message)}${hint}`
}

function cellFor(ns: PlanNamespace, clusterID: string): string {
  const c = ns.clusters.find((x) => x.clusterID === clusterID)
  if (!c?.selected) return '–'
  return readinessBadge(clusterCell(ns.status, clusterID))
}

/** Workloads listed in one namespace's section at most; the others are counted. */
const MAX_WORKLOAD_LINES = 200
/** Node names shown on one workload's line at most. */
const MAX_NODES = 8

/** One line per workload; why a workload fits nowhere is said once per namespace, numbered, and referred to. */
function workloadLines(ws: readonly PlanWorkload[]): string[] {
  const reasons = new Map<string, number>()
  const lines = ws.slice(0, MAX_WORKLOAD_LINES).map((w) => {
    const name = code(`${w.kind}/${w.name}`, false)
    if (w.schedulable) {
      const nodes = w.nodes.slice(0, MAX_NODES).map((n) => code(n, false))
      return `- ${name} → ${nodes.join(', ')}${w.nodes.length > MAX_NODES ? ` and ${w.nodes.length - MAX_NODES} more` : ''}`
    }
    const key = (w.reasons ?? []).join('\n')
    const n = reasons.get(key) ?? reasons.size + 1
    reasons.set(key, n)
    return `- ${name} ❌ **unschedulable** (reason ${n})`
  })
  if (ws.length > MAX_WORKLOAD_LINES) lines.push(`- … and ${plural(ws.length - MAX_WORKLOAD_LINES, 'more workload')} (\`--format json\` lists them)`)
  const said = [...reasons].map(([key, n]) => `Reason ${n}: ${key === '' ? 'no node fits' : key.split('\n').map(text).join('; ')}`)
  return [...lines, ...(said.length > 0 ? ['', ...said] : [])]
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
  if (ns.workloads.length > 0) body.push('', `**Where pods can run** (${plural(ns.workloads.length, 'workload')}):`, '', ...workloadLines(ns.workloads))
  if (ns.podsNotSeen && ns.podsNotSeen.length > 0) {
    body.push(
      '',
      `Pods not previewed: ${ns.podsNotSeen.map((u) => `${code(`${u.kind}/${u.name}`, false)} (pod spec at ${u.podSpecs.map((p) => code(p, false)).join(', ')})`).join(', ')}: Liqo's webhook mutates them at their creation, where they run is not previewed.`,
    )
  }
  const unschedulable = ns.workloads.filter((w) => !w.schedulable).length
  const summary = [
    htmlText(ns.status.offloadingPhase),
    plural(ns.workloads.length, 'workload'),
    ...(unschedulable > 0 ? [`${unschedulable} unschedulable`] : []),
  ].join(', ')
  return details(`<code>${htmlText(ns.namespace)}</code>: ${summary}`, body)
}

/**
 * Lines added while they fit in a number of characters (GitHub counts characters; a string's
 * length in UTF-16 units is never less): what does not fit is counted, not written.
 */
class Budget {
  private left: number
  constructor(limit: number) {
    this.left = limit
  }
  take(lines: readonly string[]): boolean {
    const size = lines.reduce((n, l) => n + l.length + 1, 0)
    if (size > this.left) return false
    this.left -= size
    return true
  }
}

/** Room kept for the note on what was left out (and a margin). */
const NOTE_RESERVE = 1000

/**
 * `plan --format markdown`: the plan as a pull-request comment. A summary line, one table row
 * per namespace (phase, remote name, each remote cluster's predicted readiness), the findings,
 * and a collapsed section per namespace with why each cluster is (not) selected and one line per
 * workload saying where its pods can run (why one fits nowhere said once per namespace). It
 * stays under GitHub's comment limit at any size: what does not fit (sections from the end,
 * then findings, then table rows) is counted in a last note that points at `--format json`.
 * Starts with `<!-- nsoffload:plan -->` so a bot can update its comment.
 */
export function planMarkdown(doc: PlanDocument, limit = GITHUB_COMMENT_LIMIT): string {
  const clusters = [...new Set(doc.namespaces.flatMap((ns) => ns.clusters.map((c) => c.clusterID)))].sort()
  const phases = new Map<string, number>()
  for (const ns of doc.namespaces) phases.set(ns.status.offloadingPhase, (phases.get(ns.status.offloadingPhase) ?? 0) + 1)
  const shown = doc.diagnostics.filter((d) => d.severity !== 'info')
  const errors = shown.filter((d) => d.severity === 'error').length
  const head = [PLAN_MARKER, '### nsoffload plan', '']
  // A plan with errors is a valid input checked with --strict: the plan stands, the check fails.
  if (errors > 0) head.push(`❌ **The check fails: ${plural(errors, 'error')}** (with \`--strict\`, warnings are errors); the plan is below.`, '')
  const counts = [...phases].map(([p, n]) => `${n} ${text(p)}`).join(', ')
  head.push(`**${plural(doc.namespaces.length, 'namespace')}**${counts ? `: ${counts}` : ''} · home cluster ${code(doc.home, false)}`)
  const budget = new Budget(limit - NOTE_RESERVE)
  budget.take(head)
  const left = { rows: 0, findings: 0, sections: 0 }

  // In order of what matters most: the table, the findings, the sections.
  const rows: string[] = []
  if (doc.namespaces.length > 0) {
    const [h1, h2, ...body] = table(
      ['Namespace', 'Phase', 'Remote name', 'Pods', ...clusters.map((c) => code(c))],
      doc.namespaces.map((ns) => [
        code(ns.namespace),
        phaseBadge(ns.status.offloadingPhase),
        code(ns.remoteNamespaceName),
        text(ns.podOffloadingStrategy),
        ...clusters.map((c) => cellFor(ns, c)),
      ]),
    )
    budget.take(['', h1 ?? '', h2 ?? ''])
    for (const r of body) if (left.rows > 0 || !budget.take([r])) left.rows++
    rows.push('', h1 ?? '', h2 ?? '', ...body.slice(0, body.length - left.rows))
  }
  // The findings take up to a quarter first (one finding per unschedulable workload would fill
  // it all), then the sections, then the findings again with what is left.
  const findings: string[] = []
  const hints = new Set<string>()
  let next = 0
  const takeFindings = (share: Budget): void => {
    for (; next < shown.length; next++) {
      const d = shown[next] as Diagnostic
      const item = diagnosticItem(d, d.hint !== undefined && hints.has(d.hint))
      if (!share.take([item]) || !budget.take([item])) return
      findings.push(item)
      if (d.hint !== undefined) hints.add(d.hint)
    }
  }
  takeFindings(new Budget(Math.floor((limit - NOTE_RESERVE) / 4)))
  const sections: string[] = []
  for (const ns of doc.namespaces) {
    const s = ['', ...namespaceDetails(ns)]
    if (left.sections > 0 || !budget.take(s)) left.sections++
    else sections.push(...s)
  }
  takeFindings(new Budget(limit))
  left.findings = shown.length - next
  const out = [...head, ...rows, ...sections]
  if (shown.length > 0) out.push('', `**${plural(shown.length, 'finding')}**`, '', ...findings)
  const dropped = [
    ...(left.rows > 0 ? [`${plural(left.rows, 'namespace')} of the table`] : []),
    ...(left.sections > 0 ? [`the details of ${plural(left.sections, 'namespace')}`] : []),
    ...(left.findings > 0 ? [plural(left.findings, 'finding')] : []),
  ]
  if (dropped.length > 0)
    out.push(
      '',
      `_Left out to stay under GitHub's comment limit: ${dropped.join(', ')}. \`nsoffload plan --format json\` has the whole plan, \`nsoffload validate\` every finding._`,
    )
  return out.join('\n') + '\n'
}

/** `plan --format markdown` on invalid input: the comment says so and lists the problems (as many as fit). */
export function planFailedMarkdown(diagnostics: readonly Diagnostic[], limit = GITHUB_COMMENT_LIMIT): string {
  const shown = diagnostics.filter((d) => d.severity !== 'info')
  const errors = shown.filter((d) => d.severity === 'error').length
  const out = [PLAN_MARKER, '### nsoffload plan', '', `❌ **No plan: the input is invalid** (${plural(errors, 'error')}).`, '']
  const budget = new Budget(limit - NOTE_RESERVE)
  budget.take(out)
  const hints = new Set<string>()
  let left = 0
  for (const d of shown) {
    const item = diagnosticItem(d, d.hint !== undefined && hints.has(d.hint))
    if (left > 0 || !budget.take([item])) left++
    else {
      out.push(item)
      if (d.hint !== undefined) hints.add(d.hint)
    }
  }
  if (left > 0) out.push('', `_${plural(left, 'more finding')} left out to stay under GitHub's comment limit: \`nsoffload validate\` lists them all._`)
  return out.join('\n') + '\n'
}
