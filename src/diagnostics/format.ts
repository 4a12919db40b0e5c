import type { Diagnostic } from './diagnostic.ts'

/** `FILE:LINE:COL: severity CODE: message`, the line every editor and CI log understands (a cluster's: `CLUSTER: severity CODE: message`). */
export function headline(d: Diagnostic): string {
  const where = d.file === undefined ? (d.cluster ?? 'nsoffload') : d.line === undefined ? d.file : `${d.file}:${d.line}:${d.column ?? 1}`
  return `${where}: ${d.severity} ${d.code}: ${d.message}`
}

const MAX_WIDTH = 100

/** A two-line code frame under the headline, with a caret at the column. */
function frame(d: Diagnostic, lines: (file: string) => readonly string[] | undefined): string[] {
  if (d.file === undefined || d.line === undefined) return []
  const line = lines(d.file)?.[d.line - 1]
  if (line === undefined) return []
  const col = Math.max(1, d.column ?? 1)
  // Show the part of a long line around the column, like yaml's prettifyError.
  const start = Math.max(0, Math.min(col - 1 - 40, line.length - MAX_WIDTH))
  const shown = line.slice(start, start + MAX_WIDTH).replace(/\t/g, ' ')
  const gutter = String(d.line).padStart(5)
  return [`${gutter} | ${shown}`, `${' '.repeat(5)} | ${' '.repeat(col - 1 - start)}^`]
}

/** How many findings of one code (and severity) text output prints in full; the rest are counted in one line. */
export const SHOWN_PER_CODE = 5

export interface TextOptions {
  /**
   * What lists every finding, for the line that counts those not printed: `--format json` by
   * default (validate, plan); build and the cluster commands name `nsoffload validate --format json`.
   */
  readonly listedBy?: string
}

/**
 * Human-readable diagnostics: headline, code frame, hint and related places. At fleet scale one
 * mistake repeats (a thousand policies selecting no cluster): of each code, the first
 * `SHOWN_PER_CODE` are printed in full, then one line says how many more there are and where
 * they are all listed. The machine formats (JSON, SARIF, JUnit, GitHub) keep every finding.
 */
export function formatText(ds: readonly Diagnostic[], texts: ReadonlyMap<string, string> = new Map(), opts: TextOptions = {}): string {
  const out: string[] = []
  const seen = new Map<string, number>()
  const lines = lineIndex(texts)
  for (const d of ds) {
    const group = `${d.severity} ${d.code}`
    const n = (seen.get(group) ?? 0) + 1
    seen.set(group, n)
    if (n > SHOWN_PER_CODE) continue
    out.push(headline(d), ...frame(d, lines))
    // A hint of several lines (a YAML example) stays aligned under its first line.
    if (d.hint) out.push(`  hint: ${d.hint.replace(/\n/g, '\n        ')}`)
    for (const r of d.related ?? []) out.push(`  ${r.file}:${r.line}:${r.column}: note: ${r.message}`)
  }
  for (const [group, n] of seen) {
    if (n <= SHOWN_PER_CODE) continue
    const code = group.slice(group.indexOf(' ') + 1)
    out.push(`… and ${(n - SHOWN_PER_CODE).toLocaleString('en-US')} more ${code}, ${opts.listedBy ?? '`--format json`'} lists all`)
  }
  return out.length > 0 ? out.join('\n') + '\n' : ''
}

/** The lines of each text, split on first use (a file of a thousand policies is split once, not once per finding). */
function lineIndex(texts: ReadonlyMap<string, string>): (file: string) => readonly string[] | undefined {
  const split = new Map<string, readonly string[]>()
  return (file) => {
    let lines = split.get(file)
    if (lines === undefined) {
      const text = texts.get(file)
      if (text === undefined) return undefined
      lines = text.split(/\r?\n/)
      split.set(file, lines)
    }
    return lines
  }
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
