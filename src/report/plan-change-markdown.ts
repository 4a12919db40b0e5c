import { code, plural, table, text } from './markdown.ts'
import { changeCounts, changeLines, type NamespaceChange, type PlanChange } from './plan-change.ts'
import { diagnosticItem, PLAN_MARKER } from './plan-markdown.ts'

const HEADLINE: Readonly<Record<NamespaceChange['change'], string>> = {
  offloaded: '🆕 offloaded',
  unoffloaded: '🗑️ unoffloaded',
  changed: '✏️ changed',
}

const SIGN: Readonly<Record<string, string>> = { '+': '➕', '-': '➖', '~': '✏️' }

/**
 * `plan --base REF --format markdown`: what the pull request does, as a comment. One table row
 * per namespace that changes, then per namespace one row per cluster, field and workload, and
 * Liqo's webhook denials and warnings. Starts with the plan marker so a bot updates one comment.
 */
export function planChangeMarkdown(doc: PlanChange): string {
  const out = [PLAN_MARKER, `### nsoffload plan: changes against ${code(doc.base.ref, false)} (${code(doc.base.commit.slice(0, 12), false)})`, '']
  if (doc.base.note) out.push(`> ${text(doc.base.note)}`, '')
  const total = doc.namespaces.length + doc.unchanged.length
  out.push(`**${doc.namespaces.length} of ${plural(total, 'namespace')} change**: ${text(changeCounts(doc))} · home cluster ${code(doc.home, false)}`)
  if (doc.namespaces.length === 0) out.push('', 'No offloading changes.')
  for (const ns of doc.namespaces) {
    out.push('', `#### ${code(ns.namespace, false)}: ${HEADLINE[ns.change]} · ${code(ns.source, false)}`, '')
    out.push(
      ...table(
        ['', 'What', 'Change'],
        changeLines(ns).map(([sign, what, change]) => [SIGN[sign ?? ''] ?? '', code(what ?? ''), text(change ?? '')]),
      ),
    )
    if (ns.denied)
      out.push(
        '',
        `❌ Liqo's webhook denies this update: _${text(ns.denied)}_. Unoffload the namespace first (remove its policy and sync with \`--prune\`), then offload it again.`,
      )
    if (ns.warning) out.push('', `⚠️ Liqo's webhook warns: _${text(ns.warning)}_.`)
  }
  const shown = doc.diagnostics.filter((d) => d.severity !== 'info')
  if (shown.length > 0) out.push('', `**${plural(shown.length, 'finding')}**`, '', ...shown.map((d) => diagnosticItem(d)))
  return out.join('\n') + '\n'
}
