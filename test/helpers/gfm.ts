/**
 * Checks Markdown against the rules GitHub applies to a pull-request comment, returning the
 * problems found (empty = fine):
 * - the body is at most 65,536 characters;
 * - every fenced code block is closed (a fence of the same character, at least as long);
 * - a table has a header row, a delimiter row with the same number of cells, and body rows
 *   with that many cells (cells split at unescaped `|`), and a blank line before it;
 * - outside code, the only raw HTML is `<details>`, `<summary>`, `<code>`, `<br>` and the
 *   marker comment, `<details>` is balanced, and `<summary>…</summary>` is followed by a
 *   blank line (or GitHub does not render the Markdown inside);
 * - backtick code spans are closed on their line.
 */
export function gfmProblems(md: string): string[] {
  const problems: string[] = []
  if (md.length > 65536) problems.push(`body is ${md.length} characters (GitHub allows 65536)`)
  const lines = md.split('\n')
  let fence: { char: string; len: number; line: number } | undefined
  let details = 0
  const cells = (l: string): string[] => {
    const parts: string[] = []
    let cur = ''
    for (let i = 0; i < l.length; i++) {
      const c = l[i]
      if (c === '\\' && i + 1 < l.length) {
        cur += c + l[i + 1]
        i++
      } else if (c === '|') {
        parts.push(cur)
        cur = ''
      } else cur += c
    }
    parts.push(cur)
    // Leading and trailing pipes delimit the row.
    if (l.trimStart().startsWith('|')) parts.shift()
    if (l.trimEnd().endsWith('|') && !l.trimEnd().endsWith('\\|')) parts.pop()
    return parts.map((p) => p.trim())
  }
  let tableCols: number | undefined
  for (let n = 0; n < lines.length; n++) {
    const l = lines[n] ?? ''
    const where = `line ${n + 1}`
    const f = /^ {0,3}(`{3,}|~{3,})/.exec(l)
    if (fence) {
      if (f && f[1]?.[0] === fence.char && (f[1]?.length ?? 0) >= fence.len && l.trim() === f[1]) fence = undefined
      continue
    }
    if (f) {
      fence = { char: f[1]?.[0] ?? '`', len: f[1]?.length ?? 3, line: n + 1 }
      tableCols = undefined
      continue
    }
    // Tables.
    if (tableCols !== undefined) {
      if (l.trim() === '') tableCols = undefined
      else if (l.trimStart().startsWith('|')) {
        const c = cells(l).length
        if (c !== tableCols) problems.push(`${where}: table row has ${c} cells, the header ${tableCols}`)
      } else tableCols = undefined
    }
    const next = lines[n + 1] ?? ''
    if (tableCols === undefined && l.trimStart().startsWith('|') && /^\s*\|?\s*:?-{3,}:?\s*(\|\s*:?-{3,}:?\s*)*\|?\s*$/.test(next)) {
      const head = cells(l).length
      const delim = cells(next).length
      if (head !== delim) problems.push(`${where}: header has ${head} cells, delimiter row ${delim}`)
      if (n > 0 && (lines[n - 1] ?? '').trim() !== '') problems.push(`${where}: a table needs a blank line before it`)
      tableCols = head
      n++
      continue
    }
    if (tableCols === undefined && l.trimStart().startsWith('|') && !/^\s*\|?\s*:?-{3,}/.test(l)) {
      problems.push(`${where}: a line starting with "|" that is not part of a table`)
    }
    // Inline code spans: strip them (their content is literal), then look at raw HTML.
    let rest = ''
    let i = 0
    while (i < l.length) {
      if (l[i] === '\\') {
        i += 2
        continue
      }
      if (l[i] === '`') {
        const run = /^`+/.exec(l.slice(i))?.[0] ?? '`'
        // The span ends at the next backtick run of exactly the same length.
        const closing = new RegExp(`(?<!\`)\`{${run.length}}(?!\`)`, 'g')
        closing.lastIndex = i + run.length
        const m = closing.exec(l)
        if (!m) {
          problems.push(`${where}: unclosed code span`)
          break
        }
        i = m.index + run.length
        continue
      }
      rest += l[i]
      i++
    }
    for (const m of rest.matchAll(/<(\/?)([A-Za-z][A-Za-z0-9-]*)[^>]*>|<!--.*?-->/g)) {
      if (m[0].startsWith('<!--')) {
        if (m[0] !== '<!-- nsoffload:plan -->' && m[0] !== '<!-- nsoffload:diff -->' && m[0] !== '<!-- nsoffload:sync -->')
          problems.push(`${where}: unexpected comment ${m[0]}`)
        continue
      }
      const tag = (m[2] ?? '').toLowerCase()
      if (!['details', 'summary', 'code', 'br'].includes(tag)) problems.push(`${where}: raw HTML <${m[1]}${tag}>`)
      if (tag === 'details') details += m[1] ? -1 : 1
      if (details < 0) problems.push(`${where}: </details> without <details>`)
    }
    if (/<\/summary>\s*$/.test(l) && (lines[n + 1] ?? '').trim() !== '') problems.push(`${where}: <summary> must be followed by a blank line`)
  }
  if (fence) problems.push(`code fence opened at line ${fence.line} is never closed`)
  if (details !== 0) problems.push(`${details} <details> not closed`)
  return problems
}
