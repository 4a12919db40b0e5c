/**
 * Writes docs/diagnostics.md from the registry in src/diagnostics/codes.ts:
 *   npm run docs:diagnostics
 * test/docs/diagnostics-doc.test.ts fails when the committed file differs from what this
 * script would write, so a new code cannot ship undocumented.
 */
import { writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { codes, type CodeInfo } from '../src/diagnostics/codes.ts'

const STAGES: Readonly<Record<string, string>> = {
  '1': 'NSO1xxx: reading files and parsing YAML',
  '2': 'NSO2xxx: JSON Schema',
  '3': 'NSO3xxx: semantic rules (policies, inventory, workloads)',
  '4': 'NSO4xxx: compile predictions (what Liqo would do)',
  '5': 'NSO5xxx: clusters',
  '9': 'NSO9xxx: internal',
}

const cell = (s: string): string => s.replace(/\|/g, '\\|')

/** The Markdown of docs/diagnostics.md for a registry (the real one by default). */
export function diagnosticsDoc(registry: Readonly<Record<string, CodeInfo>> = codes): string {
  const entries = Object.entries(registry).sort(([, a], [, b]) => (a.code < b.code ? -1 : a.code > b.code ? 1 : 0))
  const out = [
    '<!-- Generated from src/diagnostics/codes.ts by `npm run docs:diagnostics`. Do not edit by hand. -->',
    '# Diagnostics reference',
    '',
    'Every problem nsoffload finds in its input is a diagnostic with a stable code. Codes are',
    'never reused; their ranges follow the pipeline stages. Each diagnostic carries the file, the',
    '1-based line and column, the YAML path (a JSON Pointer) and, where one helps, a hint:',
    '',
    '```',
    'policies/web.yaml:6:26: error NSO2004: /spec/podOffloadingStrategy must be one of LocalAndRemote, Local, Remote; got "Remotee"',
    '    6 |   podOffloadingStrategy: Remotee',
    '      |                          ^',
    '  hint: did you mean "Remote"?',
    '```',
    '',
    '- **error**: the input is invalid; every command exits 1 and `build` writes nothing.',
    '- **warning**: the input is valid but Liqo would fail or behave surprisingly at run time;',
    '  `--strict` turns warnings into errors.',
    '- **info**: context, never a failure: listed by `--format json`, and printed on stderr by',
    '  `build` and `plan` when `NSOFFLOAD_VERBOSE=1` is set.',
    '',
    'After the diagnostics, `validate` prints on stderr a line that counts documents, not',
    'diagnostics: `1 of 5 policies invalid, inventory valid: 1 error` (`summary` in its',
    '`--format json`); the other commands end invalid input with the same line.',
    '',
    'In CI formats (`validate --format junit|sarif|github`) an error is a JUnit `<failure>`, a',
    'SARIF result of level `error` and a `::error` workflow command; a warning is a passing JUnit',
    'test with the text in `<system-out>`, SARIF level `warning` and `::warning`. The code is the',
    'SARIF `ruleId`, the JUnit failure `type` and the annotation title.',
  ]
  let stage = ''
  for (const [id, info] of entries) {
    const s = info.code.charAt(3)
    if (s !== stage) {
      stage = s
      out.push('', `## ${STAGES[s] ?? `NSO${s}xxx`}`, '', '| Code | Severity | Id | Meaning |', '|---|---|---|---|')
    }
    out.push(`| ${info.code} | ${info.severity} | \`${id}\` | ${cell(info.title)} |`)
  }
  return out.join('\n') + '\n'
}

export const DOC_PATH = new URL('../docs/diagnostics.md', import.meta.url)

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  writeFileSync(DOC_PATH, diagnosticsDoc())
  process.stderr.write(`wrote ${fileURLToPath(DOC_PATH)}\n`)
}
