import { codes, type CodeId, type CodeInfo } from '../diagnostics/codes.ts'
import type { Diagnostic } from '../diagnostics/diagnostic.ts'

/**
 * What the CI formats of `validate` (junit, sarif, github) are computed from: pure data, so
 * each formatter is a pure function and can be tested without running the CLI.
 */
export interface ValidateReport {
  /** Every input file that was read (display paths), so valid files show up as passing tests. */
  readonly files: readonly string[]
  /** The diagnostics, sorted as printed; `info` ones are left out of the CI formats. */
  readonly diagnostics: readonly Diagnostic[]
  /** nsoffload's version, for SARIF's tool.driver. */
  readonly version: string
}

/** The diagnostics CI formats show: errors and warnings (info is noise in a pipeline). */
export const ciDiagnostics = (ds: readonly Diagnostic[]): Diagnostic[] => ds.filter((d) => d.severity !== 'info')

/** The registry entry of a code (`NSO2004` → its id and info), if the code is registered. */
export function registryEntry(code: string): { readonly id: CodeId; readonly info: CodeInfo } | undefined {
  for (const [id, info] of Object.entries(codes) as [CodeId, CodeInfo][]) if (info.code === code) return { id, info }
  return undefined
}

/** The message with its hint and related places, as several lines (no file prefix). */
export function detailLines(d: Diagnostic): string[] {
  const out = [d.message]
  if (d.hint) out.push(`hint: ${d.hint}`)
  for (const r of d.related ?? []) out.push(`${r.file}:${r.line}:${r.column}: note: ${r.message}`)
  return out
}
