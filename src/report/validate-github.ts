import type { Diagnostic } from '../diagnostics/diagnostic.ts'
import { ciDiagnostics, detailLines, type ValidateReport } from './validate-report.ts'

/** Escapes the message of a workflow command (as @actions/core does): `%`, CR, LF. */
export const escapeData = (s: string): string => s.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A')

/** Escapes a property value of a workflow command: the message escapes plus `:` and `,`. */
export const escapeProperty = (s: string): string => escapeData(s).replace(/:/g, '%3A').replace(/,/g, '%2C')

const COMMAND = { error: 'error', warning: 'warning', info: 'notice' } as const

/** One diagnostic as a GitHub Actions workflow command. */
export function workflowCommand(d: Diagnostic): string {
  const props: [string, string][] = []
  if (d.file !== undefined) {
    props.push(['file', d.file])
    if (d.line !== undefined && d.line > 0) {
      props.push(['line', String(d.line)])
      if (d.column !== undefined && d.column > 0) props.push(['col', String(d.column)])
    }
  }
  props.push(['title', `nsoffload ${d.code}`])
  const p = props.map(([k, v]) => `${k}=${escapeProperty(v)}`).join(',')
  return `::${COMMAND[d.severity]} ${p}::${escapeData(detailLines(d).join('\n'))}`
}

/**
 * `validate --format github`: one workflow command per error or warning,
 * `::error file=F,line=L,col=C,title=nsoffload CODE::message`, which GitHub Actions turns
 * into annotations on the pull request's files. Hint and related places follow the message
 * on extra lines (encoded as `%0A`).
 */
export function validateGithub(report: ValidateReport): string {
  const ds = ciDiagnostics(report.diagnostics)
  return ds.map((d) => workflowCommand(d) + '\n').join('')
}
