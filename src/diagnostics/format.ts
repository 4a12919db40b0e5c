import type { Diagnostic } from './diagnostic.ts'

/** `FILE:LINE:COL: severity CODE: message`, the line every editor and CI log understands. */
export function headline(d: Diagnostic): string {
  const where = d.file === undefined ? 'nsoffload' : d.line === undefined ? d.file : `${d.file}:${d.line}:${d.column ?? 1}`
  return `${where}: ${d.severity} ${d.code}: ${d.message}`
}

const MAX_WIDTH = 100

/** A two-line code frame under the headline, with a caret at the column. */
function frame(d: Diagnostic, texts: ReadonlyMap<string, string>): string[] {
  if (d.file === undefined || d.line === undefined) return []
  const text = texts.get(d.file)
  if (text === undefined) return []
  const line = text.split(/\r?\n/)[d.line - 1]
  if (line === undefined) return []
  const col = Math.max(1, d.column ?? 1)
  // Show the part of a long line around the column, like yaml's prettifyError.
  const start = Math.max(0, Math.min(col - 1 - 40, line.length - MAX_WIDTH))
  const shown = line.slice(start, start + MAX_WIDTH).replace(/\t/g, ' ')
  const gutter = String(d.line).padStart(5)
  return [`${gutter} | ${shown}`, `${' '.repeat(5)} | ${' '.repeat(col - 1 - start)}^`]
}

/** Human-readable diagnostics: headline, code frame, hint and related places. */
export function formatText(ds: readonly Diagnostic[], texts: ReadonlyMap<string, string> = new Map()): string {
  const out: string[] = []
  for (const d of ds) {
    out.push(headline(d), ...frame(d, texts))
    // A hint of several lines (a YAML example) stays aligned under its first line.
    if (d.hint) out.push(`  hint: ${d.hint.replace(/\n/g, '\n        ')}`)
    for (const r of d.related ?? []) out.push(`  ${r.file}:${r.line}:${r.column}: note: ${r.message}`)
  }
  return out.length > 0 ? out.join('\n') + '\n' : ''
}

/** `2 errors, 1 warning` (empty when there is nothing). */
export function summary(ds: readonly Diagnostic[]): string {
  const n = (s: string): number => ds.filter((d) => d.severity === s).length
  const parts: string[] = []
  const e = n('error')
  const w = n('warning')
  if (e > 0) parts.push(`${e} error${e === 1 ? '' : 's'}`)
  if (w > 0) parts.push(`${w} warning${w === 1 ? '' : 's'}`)
  return parts.join(', ')
}
