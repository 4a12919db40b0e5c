import type { Diagnostic } from '../diagnostics/diagnostic.ts'
import { ciDiagnostics, detailLines, registryEntry, type ValidateReport } from './validate-report.ts'

/** The SARIF level of a severity. */
const LEVEL = { error: 'error', warning: 'warning', info: 'note' } as const

/**
 * A file path as a SARIF `artifactLocation.uri`: relative paths (the usual case: inputs below
 * the working directory, which CI runs at the repository root) stay relative, as GitHub code
 * scanning wants them; absolute ones become `file://` URIs. Each segment is percent-encoded.
 */
export function artifactUri(file: string): string {
  const enc = (p: string): string =>
    p
      .split('/')
      .map((seg) => encodeURIComponent(seg))
      .join('/')
  return file.startsWith('/') ? `file://${enc(file)}` : enc(file)
}

const pascal = (id: string): string => id.charAt(0).toUpperCase() + id.slice(1)

function physical(file: string, line: number | undefined, column: number | undefined): Record<string, unknown> {
  return {
    artifactLocation: { uri: artifactUri(file) },
    // GitHub needs a region with a start line to place a result; a diagnostic about a whole
    // file (e.g. not UTF-8) points at its first line.
    region: { startLine: line !== undefined && line > 0 ? line : 1, ...(column !== undefined && column > 0 ? { startColumn: column } : {}) },
  }
}

/**
 * `validate --format sarif`: a SARIF 2.1.0 log for GitHub code scanning and other SARIF
 * viewers. One run; `tool.driver.rules` holds the codes that occur (id = the NSO code, name
 * = the registry id, the registry title as short description); every result has the file,
 * line and column (`columnKind: utf16CodeUnits`, as positions are JavaScript string offsets),
 * its hint in the message, its related places as `relatedLocations`. Diagnostics without a
 * file (no policy found, …) cannot be placed in code: they are tool execution notifications.
 */
export function validateSarif(report: ValidateReport): string {
  const ds = ciDiagnostics(report.diagnostics)
  const placed = ds.filter((d) => d.file !== undefined)
  const unplaced = ds.filter((d) => d.file === undefined)
  const ruleCodes = [...new Set(placed.map((d) => d.code))].sort()
  const rules = ruleCodes.map((code) => {
    const entry = registryEntry(code)
    const title = entry?.info.title ?? code
    return {
      id: code,
      ...(entry ? { name: pascal(entry.id) } : {}),
      shortDescription: { text: title },
      fullDescription: { text: title },
      help: { text: `${code}: ${title}. Every code is described in docs/diagnostics.md of nsoffload.` },
      defaultConfiguration: { level: LEVEL[entry?.info.severity ?? 'error'] },
    }
  })
  const results = placed.map((d: Diagnostic) => ({
    ruleId: d.code,
    ruleIndex: ruleCodes.indexOf(d.code),
    level: LEVEL[d.severity],
    message: { text: detailLines(d).join('\n') },
    locations: [{ physicalLocation: physical(d.file ?? '', d.line, d.column) }],
    ...(d.related && d.related.length > 0
      ? { relatedLocations: d.related.map((r, i) => ({ id: i + 1, physicalLocation: physical(r.file, r.line, r.column), message: { text: r.message } })) }
      : {}),
    ...(d.path !== undefined ? { properties: { yamlPath: d.path } } : {}),
  }))
  const run: Record<string, unknown> = {
    tool: {
      driver: {
        name: 'nsoffload',
        version: report.version,
        semanticVersion: report.version,
        informationUri: 'https://nsoffload.dev',
        rules,
      },
    },
    columnKind: 'utf16CodeUnits',
    results,
  }
  if (unplaced.length > 0) {
    run['invocations'] = [
      {
        executionSuccessful: true,
        toolExecutionNotifications: unplaced.map((d) => ({
          level: LEVEL[d.severity],
          message: { text: detailLines(d).join('\n') },
          descriptor: { id: d.code },
        })),
      },
    ]
  }
  const log = { $schema: 'https://json.schemastore.org/sarif-2.1.0.json', version: '2.1.0', runs: [run] }
  return JSON.stringify(log, null, 2) + '\n'
}
