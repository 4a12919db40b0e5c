import { codes, type CodeId, type CodeInfo } from '../diagnostics/codes.ts'
import type { Diagnostic } from '../diagnostics/diagnostic.ts'
import type { ParsedDoc } from '../load/parse-yaml.ts'

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

/** What `validate` read, document by document (display paths). */
export interface ReadInputs {
  readonly policyFiles: readonly string[]
  /** The parsed documents of the policy files. */
  readonly policyDocs: readonly ParsedDoc[]
  /** Per file, the line each document starts on, parsed or not. */
  readonly starts: ReadonlyMap<string, readonly number[]>
  /** The inventory file, when one was read apart from the policies. */
  readonly inventoryFile?: string
}

/** The counts a summary line gives: documents, not diagnostics, so "1 of 5 policies invalid". */
export interface InputSummary {
  readonly policies: { readonly total: number; readonly invalid: number }
  readonly inventory: 'valid' | 'invalid' | 'none'
  /** Other files with errors: workload manifests. */
  readonly invalidWorkloadFiles: number
  readonly errors: number
  readonly warnings: number
}

/**
 * Counts policies and the inventory, valid and invalid. A policy is a non-empty document of a
 * policy file that is not a ClusterInventory (a document YAML could not parse counts as one);
 * it is invalid when an error points into it.
 */
export function inputSummary(inputs: ReadInputs, ds: readonly Diagnostic[]): InputSummary {
  const units = new Map<string, 'policy' | 'inventory'>()
  const policyFiles = new Set(inputs.policyFiles)
  const byDoc = new Map(inputs.policyDocs.map((d) => [`${d.file}#${d.index}`, d]))
  for (const f of inputs.policyFiles) {
    const starts = inputs.starts.get(f)
    if (starts === undefined) units.set(`${f}#0`, 'policy')
    starts?.forEach((_, i) => {
      const doc = byDoc.get(`${f}#${i}`)
      if (doc && (doc.value === undefined || doc.value === null)) return
      const kind = doc && typeof doc.value === 'object' ? (doc.value as { kind?: unknown }).kind : undefined
      units.set(`${f}#${i}`, kind === 'ClusterInventory' ? 'inventory' : 'policy')
    })
  }
  const inventoryInFolder = [...units.values()].includes('inventory')
  const invalid = new Set<string>()
  const workloadFiles = new Set<string>()
  let inventoryInvalid = false
  for (const d of ds) {
    if (d.severity !== 'error' || d.file === undefined) continue
    if (d.file === inputs.inventoryFile) inventoryInvalid = true
    else if (policyFiles.has(d.file)) {
      const starts = inputs.starts.get(d.file) ?? []
      let i = 0
      starts.forEach((s, j) => {
        if (s <= (d.line ?? 0)) i = j
      })
      const unit = `${d.file}#${i}`
      if (units.get(unit) === 'inventory') inventoryInvalid = true
      else if (units.get(unit) === 'policy') invalid.add(unit)
    } else workloadFiles.add(d.file)
  }
  const count = (s: string): number => ds.filter((d) => d.severity === s).length
  return {
    policies: { total: [...units.values()].filter((u) => u === 'policy').length, invalid: invalid.size },
    inventory: inputs.inventoryFile === undefined && !inventoryInFolder ? 'none' : inventoryInvalid ? 'invalid' : 'valid',
    invalidWorkloadFiles: workloadFiles.size,
    errors: count('error'),
    warnings: count('warning'),
  }
}

const plural = (n: number, one: string, many: string): string => `${n} ${n === 1 ? one : many}`

/** `1 of 5 policies invalid, inventory valid: 2 errors, 1 warning`. */
export function summaryLine(s: InputSummary): string {
  const p = s.policies
  const parts = [
    p.invalid > 0 ? `${p.invalid} of ${plural(p.total, 'policy', 'policies')} invalid` : `${plural(p.total, 'policy', 'policies')} valid`,
    s.inventory === 'none' ? 'no inventory' : `inventory ${s.inventory}`,
  ]
  if (s.invalidWorkloadFiles > 0) parts.push(`${plural(s.invalidWorkloadFiles, 'workload file', 'workload files')} invalid`)
  const counts = [...(s.errors > 0 ? [plural(s.errors, 'error', 'errors')] : []), ...(s.warnings > 0 ? [plural(s.warnings, 'warning', 'warnings')] : [])]
  return `${parts.join(', ')}${counts.length > 0 ? `: ${counts.join(', ')}` : ''}`
}
