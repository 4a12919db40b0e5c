import type { Diagnostic } from '../diagnostics/diagnostic.ts'
import { headline } from '../diagnostics/format.ts'
import { ciDiagnostics, detailLines, type ValidateReport } from './validate-report.ts'

/** Characters XML 1.0 does not allow at all (control characters, lone surrogates, U+FFFE/F). */
const INVALID_XML = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu

/** Text content: `&`, `<`, `>` escaped, characters XML cannot carry replaced by U+FFFD. */
export function xmlText(s: string): string {
  return s.replace(INVALID_XML, '\uFFFD').replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')
}

/** An attribute value in double quotes; line breaks and tabs kept as character references. */
export function xmlAttr(s: string): string {
  return xmlText(s).replace(/"/g, '&quot;').replace(/\n/g, '&#10;').replace(/\r/g, '&#13;').replace(/\t/g, '&#9;')
}

const attrs = (a: Readonly<Record<string, string | number>>): string =>
  Object.entries(a)
    .map(([k, v]) => ` ${k}="${xmlAttr(String(v))}"`)
    .join('')

interface Suite {
  readonly name: string
  readonly cases: string[]
  /** Test names used so far: consumers merge test cases with the same class and name. */
  readonly names: Set<string>
  tests: number
  failures: number
}

function caseName(d: Diagnostic): string {
  const where = d.line !== undefined ? ` at ${d.line}:${d.column ?? 1}` : ''
  return `${d.code}${d.path ? ` ${d.path}` : ''}${where}`
}

/**
 * `validate --format junit`: the JUnit XML that GitLab, Jenkins and test-report actions read.
 * One `<testsuite>` per input file; one `<testcase>` per error or warning in it (a file without
 * any is one passing `valid` test). Errors are `<failure>`s, warnings pass with their text in
 * `<system-out>`. Diagnostics that belong to no file go into a suite named `nsoffload`.
 * No timestamps: the same inputs give the same bytes.
 */
export function validateJunit(report: ValidateReport): string {
  const ds = ciDiagnostics(report.diagnostics)
  const suites = new Map<string, Suite>()
  const suite = (name: string): Suite => {
    let s = suites.get(name)
    if (!s) {
      s = { name, cases: [], names: new Set(), tests: 0, failures: 0 }
      suites.set(name, s)
    }
    return s
  }
  for (const f of [...report.files].sort()) suite(f)
  for (const d of ds) {
    const file = d.file ?? 'nsoffload'
    const s = suite(file)
    s.tests++
    let name = caseName(d)
    for (let k = 2; s.names.has(name); k++) name = `${caseName(d)} (${k})`
    s.names.add(name)
    const head = `    <testcase${attrs({ name, classname: file, file, time: 0 })}>`
    const body = [headline(d), ...detailLines(d).slice(1)].join('\n')
    if (d.severity === 'error') {
      s.failures++
      s.cases.push(`${head}\n      <failure${attrs({ message: d.message, type: d.code })}>${xmlText(body)}</failure>\n    </testcase>`)
    } else {
      s.cases.push(`${head}\n      <system-out>${xmlText(body)}</system-out>\n    </testcase>`)
    }
  }
  const out = ['<?xml version="1.0" encoding="UTF-8"?>']
  const all = [...suites.values()]
  for (const s of all) {
    if (s.tests === 0) {
      s.tests = 1
      s.cases.push(`    <testcase${attrs({ name: 'valid', classname: s.name, file: s.name, time: 0 })}/>`)
    }
  }
  const tests = all.reduce((n, s) => n + s.tests, 0)
  const failures = all.reduce((n, s) => n + s.failures, 0)
  out.push(`<testsuites${attrs({ name: 'nsoffload validate', tests, failures, errors: 0, time: 0 })}>`)
  for (const s of all) {
    out.push(`  <testsuite${attrs({ name: s.name, tests: s.tests, failures: s.failures, errors: 0, skipped: 0, time: 0 })}>`)
    out.push(...s.cases)
    out.push('  </testsuite>')
  }
  out.push('</testsuites>')
  return out.join('\n') + '\n'
}
