import type { ChangeFinding, DiffReport, ObjectChange, SyncReport } from './change-report.ts'
import { assemble, code, details, fenced, htmlText, phaseBadge, plural, readinessBadge, table, text } from './markdown.ts'
import { clusterCell } from './sync-report.ts'

/** First lines of the comments, so a CI job can find and update its previous comment. */
export const DIFF_MARKER = '<!-- nsoffload:diff -->'
export const SYNC_MARKER = '<!-- nsoffload:sync -->'

const OP = { create: '➕ create', update: '✏️ change', delete: '➖ delete' } as const

function findingItems(findings: readonly ChangeFinding[]): string[] {
  if (findings.length === 0) return []
  return [
    '',
    `**${plural(findings.length, 'finding')}**`,
    '',
    ...findings.map(
      (f) =>
        `- ${f.severity === 'error' ? '❌' : '⚠️'} ${f.code} ${code(f.cluster, false)} ${code(f.object, false)}: ${text(f.message)}${f.blocking ? ' **(blocks the sync)**' : ''}`,
    ),
  ]
}

function counts(changes: readonly { op: 'create' | 'update' | 'delete' }[]): string {
  const n = (op: string): number => changes.filter((c) => c.op === op).length
  return `${n('create')} to create, ${n('update')} to change, ${n('delete')} to delete`
}

const diffSection = (d: ObjectChange): string[] =>
  details(`${htmlText(d.cluster)}: ${htmlText(d.op)} <code>${htmlText(d.object)}</code>`, fenced('diff', d.diff))

/**
 * `diff --format markdown`: what a sync would change, for a pull-request comment. A summary,
 * a table of every object that differs (cluster, object, change, the flag a deletion needs),
 * the findings, then each unified diff in a collapsed ```` ```diff ```` block. Diffs that do
 * not fit in a GitHub comment (65,536 characters) are left out with a note; the table always
 * lists every object.
 */
export function diffMarkdown(report: DiffReport): string {
  const head = [DIFF_MARKER, '### nsoffload diff', '']
  if (report.diffs.length === 0) {
    head.push('**No differences**: the clusters match the policies.', ...findingItems(report.findings))
    return head.join('\n') + '\n'
  }
  const clusters = new Set(report.diffs.map((d) => d.cluster))
  head.push(`**${counts(report.diffs)}** on ${plural(clusters.size, 'cluster')}`, '')
  head.push(
    ...table(
      ['Cluster', 'Object', 'Change', 'Note'],
      report.diffs.map((d) => [code(d.cluster), code(d.object), OP[d.op], d.needs ? `needs ${code(d.needs)}` : '']),
    ),
  )
  head.push(...findingItems(report.findings))
  return assemble(
    head,
    report.diffs.map((d) => ['', ...diffSection(d)]),
    (n) => `_${plural(n, 'diff')} not shown (GitHub comments are limited to 65,536 characters): run \`nsoffload diff\` to see them all._`,
  )
}

/**
 * `sync --format markdown`: the outcome of a sync for a pull-request or deployment comment.
 * Per namespace its phase, remote name and each remote cluster's readiness (Liqo's Ready
 * reason), then the changes applied (or, with `--dry-run`, that would be) and whether each
 * succeeded, then the findings.
 */
export function syncMarkdown(report: SyncReport): string {
  const out = [SYNC_MARKER, `### nsoffload sync${report.dryRun ? ' (dry run)' : ''}`, '']
  const failed = report.changes.filter((c) => !c.ok).length
  const phases = new Map<string, number>()
  for (const ns of report.namespaces) phases.set(ns.status.offloadingPhase, (phases.get(ns.status.offloadingPhase) ?? 0) + 1)
  const phaseText = [...phases].map(([p, n]) => `${n} ${text(p)}`).join(', ')
  out.push(
    `**${plural(report.namespaces.length, 'namespace')}**${phaseText ? `: ${phaseText}` : ''} · ${plural(report.changes.length, report.dryRun ? 'change to make' : 'change applied', report.dryRun ? 'changes to make' : 'changes applied')}${failed > 0 ? `, **${failed} failed**` : ''}${report.timedOut ? ' · ⏳ **timed out waiting**' : ''}`,
  )
  if (report.namespaces.length > 0) {
    out.push(
      '',
      ...table(
        ['Namespace', 'Phase', 'Remote name', ...report.clusters.map((c) => code(c))],
        report.namespaces.map((ns) => [
          code(ns.namespace) + (ns.pruned ? ' (unoffloading)' : ''),
          phaseBadge(ns.status.offloadingPhase),
          code(ns.remoteNamespaceName || '-'),
          ...report.clusters.map((c) => readinessBadge(clusterCell(ns.status, c))),
        ]),
      ),
    )
  }
  if (report.changes.length > 0) {
    out.push(
      '',
      ...details(
        `${htmlText(plural(report.changes.length, 'change'))}${failed > 0 ? `, ${failed} failed` : ''}`,
        table(
          ['Cluster', 'Object', 'Change', 'Result'],
          report.changes.map((c) => [code(c.cluster), code(c.object), OP[c.op], c.ok ? (report.dryRun ? 'dry run' : 'ok') : `❌ ${text(c.error ?? 'failed')}`]),
        ),
      ),
    )
  }
  out.push(...findingItems(report.findings))
  return out.join('\n') + '\n'
}
