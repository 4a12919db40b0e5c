import type { Location } from '../model/source.ts'
import { codes, type Code, type CodeId } from './codes.ts'

export type Severity = 'error' | 'warning' | 'info'

export interface Related {
  readonly file: string
  readonly line: number
  readonly column: number
  readonly message: string
}

/**
 * Where on a cluster a problem lies (`diff`, `sync`, `status`): the cluster, the home namespace
 * it concerns (`''`: none, e.g. the set's parent), and the object (`kind/namespace/name`, as
 * `describeObject` names it; `namespace/NAME`; `inventory`).
 */
export interface ClusterLocation {
  readonly cluster: string
  readonly namespace: string
  readonly object: string
}

/**
 * A problem found: data, never an exception. In the input, its place is the file, 1-based
 * line and column and YAML path; on a cluster, the `ClusterLocation`.
 */
export interface Diagnostic {
  readonly code: Code
  readonly severity: Severity
  readonly message: string
  readonly file?: string
  readonly line?: number
  readonly column?: number
  /** JSON Pointer of the offending YAML node. */
  readonly path?: string
  readonly cluster?: string
  readonly namespace?: string
  readonly object?: string
  readonly hint?: string
  readonly related?: readonly Related[]
}

export interface DiagExtra {
  readonly hint?: string
  readonly related?: readonly Related[]
  /** Overrides the registry's severity (e.g. `--strict`). */
  readonly severity?: Severity
}

/** The only constructor of diagnostics: code and severity come from the registry. */
export function diag(id: CodeId, message: string, at?: Location | { readonly file: string }, extra: DiagExtra = {}): Diagnostic {
  const info = codes[id]
  const d: { -readonly [K in keyof Diagnostic]: Diagnostic[K] } = { code: info.code, severity: extra.severity ?? info.severity, message }
  if (at) {
    d.file = at.file
    if ('line' in at) {
      d.line = at.line
      d.column = at.column
      d.path = at.path
    }
  }
  if (extra.hint !== undefined) d.hint = extra.hint
  if (extra.related !== undefined && extra.related.length > 0) d.related = extra.related
  return d
}

/** A diagnostic of a cluster, at its `ClusterLocation`: code and severity from the registry (`extra.severity` overrides it). */
export function clusterDiag(id: CodeId, message: string, at: ClusterLocation, extra: DiagExtra = {}): Diagnostic & ClusterLocation {
  const info = codes[id]
  return { code: info.code, severity: extra.severity ?? info.severity, message, cluster: at.cluster, namespace: at.namespace, object: at.object }
}

export const hasErrors = (ds: readonly Diagnostic[]): boolean => ds.some((d) => d.severity === 'error')

/** `--strict`: warnings become errors. */
export const strictify = (ds: readonly Diagnostic[]): Diagnostic[] => ds.map((d) => (d.severity === 'warning' ? { ...d, severity: 'error' } : d))

const cmp = (a: string | number | undefined, b: string | number | undefined): number => {
  if (a === b) return 0
  if (a === undefined) return -1
  if (b === undefined) return 1
  return a < b ? -1 : 1
}

/** Sorted by file, line, column, code, message: the order they are printed in. */
export function sortDiagnostics(ds: readonly Diagnostic[]): Diagnostic[] {
  return [...ds].sort((a, b) => cmp(a.file, b.file) || cmp(a.line, b.line) || cmp(a.column, b.column) || cmp(a.code, b.code) || cmp(a.message, b.message))
}

/** Removes exact duplicates (the same problem reached twice). */
export function dedupeDiagnostics(ds: readonly Diagnostic[]): Diagnostic[] {
  const seen = new Set<string>()
  return ds.filter((d) => {
    const k = JSON.stringify([d.file, d.line, d.column, d.code, d.message])
    if (seen.has(k)) return false
    seen.add(k)
    return true
  })
}
