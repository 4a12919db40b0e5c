/**
 * GitHub-flavoured Markdown building blocks for the pull-request formats (`plan`, `diff`,
 * `sync --format markdown`). Everything that comes from the user's files goes through `text()`
 * or `code()`, so a file name or a label value can never break a table or open HTML.
 */

/** GitHub rejects comment bodies longer than this many characters. */
export const GITHUB_COMMENT_LIMIT = 65536

/** Plain text, inline: Markdown and HTML punctuation backslash-escaped, line breaks as `<br>`. */
export function text(s: string): string {
  return s
    .replace(/[\\`*_[\]<>|~#!]/g, (c) => `\\${c}`)
    .replace(/&/g, '&amp;')
    .replace(/\r?\n/g, '<br>')
}

/**
 * A code span: a fence longer than any backtick run in `s`. In a table cell (the default) `|`
 * is escaped too, as GitHub splits table cells before it parses code spans; elsewhere a
 * backslash would show, so pass `inTable = false`.
 */
export function code(s: string, inTable = true): string {
  const flat = s.replace(/\r?\n/g, ' ')
  const longest = Math.max(0, ...(flat.match(/`+/g) ?? []).map((r) => r.length))
  const fence = '`'.repeat(longest + 1)
  const pad = flat.startsWith('`') || flat.endsWith('`') || flat === '' ? ' ' : ''
  return `${fence}${pad}${inTable ? flat.replace(/\|/g, '\\|') : flat}${pad}${fence}`
}

/** A table; cells are already-escaped inline Markdown. Empty cells become a dash. */
export function table(head: readonly string[], rows: readonly (readonly string[])[]): string[] {
  const line = (cells: readonly string[]): string => `| ${cells.map((c) => (c === '' ? '–' : c)).join(' | ')} |`
  return [line(head), `|${head.map(() => '---').join('|')}|`, ...rows.map(line)]
}

/** A fenced code block whose fence is longer than any backtick run inside. */
export function fenced(lang: string, body: string): string[] {
  const longest = Math.max(0, ...(body.match(/`{3,}/g) ?? []).map((r) => r.length))
  const fence = '`'.repeat(Math.max(3, longest + 1))
  return [`${fence}${lang}`, ...body.replace(/\n$/, '').split('\n'), fence]
}

/**
 * A collapsed section. The blank line after `<summary>` lets GitHub render the Markdown
 * inside; the summary itself is HTML, so it takes `htmlText()`.
 */
export function details(summary: string, body: readonly string[]): string[] {
  return ['<details>', `<summary>${summary}</summary>`, '', ...body, '', '</details>']
}

/** Text inside an HTML element (the `<summary>`): entities, no Markdown. */
export function htmlText(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/\r?\n/g, ' ')
}

/** An emoji and the phase name: the phase stays readable in notifications and e-mail. */
export function phaseBadge(phase: string): string {
  const icon: Readonly<Record<string, string>> = {
    Ready: '✅',
    NoClusterSelected: '⚪',
    InProgress: '⏳',
    SomeFailed: '⚠️',
    AllFailed: '❌',
    Terminating: '🗑️',
  }
  return `${icon[phase] ?? '❔'} ${text(phase)}`
}

/** `1 thing` / `2 things`. */
export const plural = (n: number, one: string, many = `${one}s`): string => `${n} ${n === 1 ? one : many}`

/**
 * Joins sections and keeps the whole under GitHub's limit: optional sections (diff bodies)
 * are dropped from the end, with a note saying how many, once the budget is spent.
 */
export function assemble(
  required: readonly string[],
  optional: readonly (readonly string[])[],
  note: (dropped: number) => string,
  limit = GITHUB_COMMENT_LIMIT,
): string {
  const out = [...required]
  const reserve = 400
  let size = out.join('\n').length
  let dropped = 0
  for (const section of optional) {
    const s = section.join('\n')
    if (dropped === 0 && size + s.length + 1 + reserve <= limit) {
      out.push(s)
      size += s.length + 1
    } else dropped++
  }
  if (dropped > 0) out.push('', note(dropped))
  return out.join('\n') + '\n'
}

/** A remote cluster's readiness (a `clusterCell()` word) with an icon; not selected is a dash. */
export function readinessBadge(cell: string): string {
  if (cell === 'Ready') return '✅ Ready'
  if (cell === 'NotSelected' || cell === '-') return '–'
  if (cell === 'Creating' || cell === 'Terminating') return `⏳ ${text(cell)}`
  return `❌ ${text(cell)}`
}
