import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { codes } from '../../src/diagnostics/codes.ts'
import { validateGithub } from '../../src/report/validate-github.ts'
import { validateJunit } from '../../src/report/validate-junit.ts'
import { validateSarif } from '../../src/report/validate-sarif.ts'
import { type MemoryResult, memoryText, ONE_REMOTE_INVENTORY, runMemory } from '../helpers/cli.ts'
import { childrenNamed, parseXml, type XmlElement } from '../helpers/xml.ts'

/**
 * Each CI format of `validate`, checked against the rules of the program that reads it:
 * JUnit XML as GitLab/Jenkins parse it, SARIF 2.1.0 as GitHub code scanning accepts it, and
 * GitHub Actions workflow commands as the runner parses them.
 */

const policy = (name: string, spec: string): string =>
  `apiVersion: nsoffload.dev/v1alpha1\nkind: OffloadingPolicy\nmetadata:\n  name: ${name}\nspec:\n${spec}\n`

/** Odd file name (comma, colon, percent, space) and a message with `%`, `<&>` and a control character. */
const ODD = 'policies/odd, name: 50%.yaml'
const FILES: Record<string, string> = {
  'inventory.yaml': ONE_REMOTE_INVENTORY,
  'policies/ok.yaml': policy('ok', '  clusterSelector: ["topology.liqo.io/region=south"]'),
  'policies/bad.yaml': policy('web', '  podOffloadingStrategy: Remotee') + '---\n' + policy('api', '  clusterSelector: ["a!=b"]'),
  'policies/dup-a.yaml': policy('twice', '  {}'),
  'policies/dup-b.yaml': policy('twice', '  {}'),
  [ODD]: policy('"Bad%<&>\\aName"', '  clusterSelector:\n    nodeSelectorTerms: [{}]'),
}

/** What each fixture must produce: code, file, line, column, severity. */
const EXPECTED: [code: string, file: string, line: number, column: number, severity: 'error' | 'warning'][] = [
  ['NSO2004', 'policies/bad.yaml', 6, 26, 'error'],
  ['NSO3006', 'policies/bad.yaml', 13, 21, 'error'],
  ['NSO3012', 'policies/dup-b.yaml', 4, 9, 'error'],
  ['NSO3003', ODD, 4, 9, 'error'],
  ['NSO3011', ODD, 7, 25, 'warning'],
]

async function run(format: string, files: Record<string, string> = FILES): Promise<MemoryResult> {
  return runMemory(files, ['validate', '--format', format])
}

const lineAt = (files: MemoryResult['files'], file: string, line: number): string => (memoryText(files, file) ?? '').split('\n')[line - 1] ?? ''

test('the fixture yields exactly the expected diagnostics (json)', async () => {
  const r = await run('json')
  assert.is(r.code, 1)
  const doc = JSON.parse(r.stdout) as { diagnostics: { code: string; file: string; line: number; column: number; severity: string }[] }
  const got = doc.diagnostics.filter((d) => d.severity !== 'info').map((d) => [d.code, d.file, d.line, d.column, d.severity])
  assert.equal(
    got.sort((a, b) => String(a).localeCompare(String(b))),
    EXPECTED.map((e) => [...e]).sort((a, b) => String(a).localeCompare(String(b))),
  )
})

// ---------------------------------------------------------------- JUnit

function junitCases(root: XmlElement): { suite: XmlElement; tc: XmlElement }[] {
  return childrenNamed(root, 'testsuite').flatMap((suite) => childrenNamed(suite, 'testcase').map((tc) => ({ suite, tc })))
}

test('junit: well-formed XML whose counts, names and failures follow the JUnit report format', async () => {
  const r = await run('junit')
  assert.is(r.code, 1, 'findings still exit 1')
  assert.ok(r.stdout.startsWith('<?xml version="1.0" encoding="UTF-8"?>\n'))
  const root = parseXml(r.stdout)
  assert.is(root.name, 'testsuites')
  const suites = childrenNamed(root, 'testsuite')
  assert.ok(suites.length > 0)
  assert.equal(
    root.children.map((c) => c.name),
    suites.map(() => 'testsuite'),
    'only testsuite elements under testsuites',
  )
  let tests = 0
  let failures = 0
  for (const s of suites) {
    const cases = childrenNamed(s, 'testcase')
    assert.equal(
      s.children.map((c) => c.name),
      cases.map(() => 'testcase'),
      `only testcases in ${s.attrs['name']}`,
    )
    const f = cases.filter((c) => childrenNamed(c, 'failure').length > 0).length
    assert.is(s.attrs['tests'], String(cases.length), `tests= of ${s.attrs['name']}`)
    assert.is(s.attrs['failures'], String(f), `failures= of ${s.attrs['name']}`)
    assert.is(s.attrs['errors'], '0')
    assert.ok(s.attrs['name'], 'every suite is named')
    const names = cases.map((c) => `${c.attrs['classname']}|${c.attrs['name']}`)
    assert.is(new Set(names).size, names.length, 'test cases are unique by classname and name (consumers merge duplicates)')
    for (const c of cases) {
      assert.ok(c.attrs['name'] && c.attrs['classname'], 'testcase needs name and classname')
      for (const fl of childrenNamed(c, 'failure')) {
        assert.ok(fl.attrs['message'], 'failure has a message')
        assert.match(fl.attrs['type'] ?? '', /^NSO\d{4}$/)
      }
      assert.ok(childrenNamed(c, 'failure').length <= 1, 'at most one failure per testcase')
    }
    tests += cases.length
    failures += f
  }
  assert.is(root.attrs['tests'], String(tests))
  assert.is(root.attrs['failures'], String(failures))
  const byFile = new Map(suites.map((s) => [s.attrs['name'], s]))
  assert.equal([...byFile.keys()].sort(), ['inventory.yaml', ODD, 'policies/bad.yaml', 'policies/dup-a.yaml', 'policies/dup-b.yaml', 'policies/ok.yaml'].sort())
  const valid = childrenNamed(byFile.get('policies/ok.yaml') as XmlElement, 'testcase')
  assert.equal(
    valid.map((c) => [c.attrs['name'], c.children.length]),
    [['valid', 0]],
    'a valid file is one passing test',
  )
  // Every expected diagnostic: a failure (errors) or a passing case with system-out (warnings) in its file's suite.
  const all = junitCases(root)
  for (const [code, file, line, column, severity] of EXPECTED) {
    const hit = all.find(({ suite, tc }) => suite.attrs['name'] === file && (tc.attrs['name'] ?? '').startsWith(code))
    assert.ok(hit, `${code} in ${file}`)
    const tc = hit.tc
    const failure = childrenNamed(tc, 'failure')[0]
    if (severity === 'error') {
      assert.ok(failure, `${code} is a failure`)
      assert.ok(failure.text.startsWith(`${file}:${line}:${column}: error ${code}: `), failure.text)
    } else {
      assert.is(failure, undefined, `${code} (a warning) does not fail`)
      assert.ok(childrenNamed(tc, 'system-out')[0]?.text.includes(`${file}:${line}:${column}: warning ${code}`))
    }
  }
  // The bad characters of the message survive (escaped) or are replaced, never break the XML.
  const odd = all.find(({ tc }) => tc.attrs['name']?.startsWith('NSO3003'))
  assert.ok(odd?.tc.children[0]?.attrs['message']?.includes('Bad%<&>\uFFFDName'), odd?.tc.children[0]?.attrs['message'])
})

test('junit: a related place and a hint are in the failure text', async () => {
  const r = await run('junit')
  const dup = junitCases(parseXml(r.stdout)).find(({ tc }) => tc.attrs['name']?.startsWith('NSO3012'))
  const text = dup?.tc.children[0]?.text ?? ''
  assert.match(text, /\nhint: keep one policy per namespace/)
  assert.match(text, /\npolicies\/dup-a\.yaml:4:9: note: first defined here/)
})

test('junit: all valid is a report with only passing tests, exit 0', async () => {
  const r = await run('junit', { 'inventory.yaml': ONE_REMOTE_INVENTORY, 'policies/ok.yaml': FILES['policies/ok.yaml'] ?? '' })
  assert.is(r.code, 0, r.stderr)
  const root = parseXml(r.stdout)
  assert.is(root.attrs['failures'], '0')
  assert.is(root.attrs['tests'], '2')
  assert.match(r.stderr, /^1 policy valid, inventory valid\n$/)
})

// ---------------------------------------------------------------- SARIF

interface SarifLocation {
  id?: number
  physicalLocation?: { artifactLocation?: { uri?: string }; region?: { startLine?: number; startColumn?: number } }
  message?: { text?: string }
}
interface SarifResult {
  ruleId?: string
  ruleIndex?: number
  level?: string
  message?: { text?: string; id?: string }
  locations?: SarifLocation[]
  relatedLocations?: SarifLocation[]
}
interface SarifLog {
  $schema?: string
  version?: string
  runs?: {
    tool?: {
      driver?: { name?: string; version?: string; rules?: { id?: string; shortDescription?: { text?: string }; defaultConfiguration?: { level?: string } }[] }
    }
    columnKind?: string
    results?: SarifResult[]
    invocations?: {
      executionSuccessful?: boolean
      toolExecutionNotifications?: { level?: string; message?: { text?: string }; descriptor?: { id?: string } }[]
    }[]
  }[]
}

/** The SARIF 2.1.0 shape and GitHub code scanning's rules (GH1001–GH1007 of the SARIF multitool). */
function checkSarif(log: SarifLog, files: MemoryResult['files']): void {
  assert.is(log.version, '2.1.0')
  assert.match(log.$schema ?? '', /sarif-2\.1\.0/)
  assert.is(log.runs?.length, 1, 'one run')
  const run = log.runs?.[0]
  assert.is(run?.tool?.driver?.name, 'nsoffload', 'tool.driver.name is required')
  assert.match(run?.tool?.driver?.version ?? '', /^\d+\.\d+\.\d+/)
  assert.ok(['utf16CodeUnits', 'unicodeCodePoints'].includes(run?.columnKind ?? ''))
  const rules = run?.tool?.driver?.rules ?? []
  const ids = rules.map((r) => r.id)
  assert.is(new Set(ids).size, ids.length, 'rule ids are unique')
  for (const rule of rules) {
    assert.match(rule.id ?? '', /^NSO\d{4}$/)
    assert.ok(rule.shortDescription?.text, 'rules have a short description')
    assert.ok(['error', 'warning', 'note'].includes(rule.defaultConfiguration?.level ?? ''))
  }
  assert.ok(Array.isArray(run?.results), 'results is an array')
  for (const res of run?.results ?? []) {
    assert.ok(res.ruleId && ids.includes(res.ruleId), `ruleId ${res.ruleId} is declared`)
    assert.is(rules[res.ruleIndex ?? -1]?.id, res.ruleId, 'ruleIndex points at the rule')
    assert.ok(['error', 'warning', 'note', 'none'].includes(res.level ?? ''), 'level enum')
    assert.ok(res.message?.text && !res.message.id, 'GH1007: a fully formatted message.text')
    assert.ok((res.locations?.length ?? 0) >= 1, 'GH1001: every result has a location')
    for (const loc of [...(res.locations ?? []), ...(res.relatedLocations ?? [])]) {
      const uri = loc.physicalLocation?.artifactLocation?.uri ?? ''
      assert.ok(uri, 'GH1001: artifactLocation.uri')
      assert.not.match(uri, /^[a-z][a-z0-9+.-]*:/i, 'GH1005: a relative URI (inputs under the working directory)')
      assert.not.match(uri, /[ ,%:](?![0-9A-F]{2})/, 'URI is percent-encoded')
      assert.ok(memoryText(files, decodeURIComponent(uri)) !== undefined, `${uri} resolves to the file`)
      const region = loc.physicalLocation?.region
      assert.ok(Number.isInteger(region?.startLine) && (region?.startLine ?? 0) >= 1, 'GH1003: region.startLine >= 1')
      if (region?.startColumn !== undefined) assert.ok(Number.isInteger(region.startColumn) && region.startColumn >= 1)
    }
    for (const rel of res.relatedLocations ?? []) {
      assert.ok(Number.isInteger(rel.id) && (rel.id ?? -1) >= 0, 'related locations have an id')
      assert.ok(rel.message?.text)
    }
  }
}

test('sarif: a SARIF 2.1.0 log GitHub code scanning accepts, each result at its file, line and column', async () => {
  const r = await run('sarif')
  assert.is(r.code, 1)
  const log = JSON.parse(r.stdout) as SarifLog
  checkSarif(log, r.files)
  const results = log.runs?.[0]?.results ?? []
  assert.is(results.length, EXPECTED.length)
  for (const [code, file, line, column, severity] of EXPECTED) {
    const res = results.find((x) => x.ruleId === code)
    assert.ok(res, code)
    const loc = res.locations?.[0]?.physicalLocation
    assert.is(decodeURIComponent(loc?.artifactLocation?.uri ?? ''), file)
    assert.is(loc?.region?.startLine, line)
    assert.is(loc?.region?.startColumn, column)
    assert.is(res.level, severity)
  }
  // The column really points at the offending text (utf16CodeUnits of the line).
  const enumRes = results.find((x) => x.ruleId === 'NSO2004')
  assert.ok(
    lineAt(r.files, 'policies/bad.yaml', 6)
      .slice((enumRes?.locations?.[0]?.physicalLocation?.region?.startColumn ?? 1) - 1)
      .startsWith('Remotee'),
  )
  const dup = results.find((x) => x.ruleId === 'NSO3012')
  assert.is(decodeURIComponent(dup?.relatedLocations?.[0]?.physicalLocation?.artifactLocation?.uri ?? ''), 'policies/dup-a.yaml')
  assert.is(dup?.relatedLocations?.[0]?.physicalLocation?.region?.startLine, 4)
  assert.match(dup?.message?.text ?? '', /\nhint: /)
  const odd = results.find((x) => x.ruleId === 'NSO3003')
  assert.is(odd?.locations?.[0]?.physicalLocation?.artifactLocation?.uri, 'policies/odd%2C%20name%3A%2050%25.yaml')
})

test('sarif: rules carry the registry title and severity; only codes that occur are listed', async () => {
  const r = await run('sarif')
  const rules = (JSON.parse(r.stdout) as SarifLog).runs?.[0]?.tool?.driver?.rules ?? []
  assert.equal(
    rules.map((x) => x.id),
    [...new Set(EXPECTED.map((e) => e[0]))].sort(),
  )
  const r3011 = rules.find((x) => x.id === 'NSO3011')
  assert.is(r3011?.shortDescription?.text, codes.emptySelectorTerm.title)
  assert.is(r3011?.defaultConfiguration?.level, 'warning')
})

test('sarif, junit, github: a diagnostic without a file (no policy found) is still reported', async () => {
  const files = { 'inventory.yaml': ONE_REMOTE_INVENTORY, 'policies/README.txt': 'nothing\n' }
  const sarif = await run('sarif', files)
  const log = JSON.parse(sarif.stdout) as SarifLog
  checkSarif(log, sarif.files)
  assert.is(log.runs?.[0]?.results?.length, 0)
  const note = log.runs?.[0]?.invocations?.[0]?.toolExecutionNotifications?.[0]
  assert.is(note?.descriptor?.id, 'NSO1008')
  // No policy is an error unless --allow-empty (test/cli/allow-empty.test.ts).
  assert.is(note?.level, 'error')
  const junit = parseXml((await run('junit', files)).stdout)
  assert.ok(childrenNamed(junit, 'testsuite').some((s) => s.attrs['name'] === 'nsoffload' && s.children[0]?.attrs['name']?.startsWith('NSO1008')))
  const gh = (await run('github', files)).stdout
  assert.match(gh, /^::error title=nsoffload NSO1008::no policy found in policies/)
})

// ---------------------------------------------------------------- GitHub workflow commands

/** The runner's parser of `::command k=v,k=v::data` (actions/runner ActionCommand.TryParseV2). */
function parseCommand(line: string): { command: string; props: Record<string, string>; data: string } | undefined {
  if (!line.startsWith('::')) return undefined
  const end = line.indexOf('::', 2)
  if (end < 0) return undefined
  const info = line.slice(2, end)
  const sp = info.indexOf(' ')
  const command = sp < 0 ? info : info.slice(0, sp)
  const props: Record<string, string> = {}
  if (sp > 0) {
    for (const p of info
      .slice(sp + 1)
      .trim()
      .split(',')
      .filter(Boolean)) {
      const eq = p.indexOf('=')
      if (eq <= 0) continue
      props[p.slice(0, eq)] = p
        .slice(eq + 1)
        .replace(/%0D/g, '\r')
        .replace(/%0A/g, '\n')
        .replace(/%3A/g, ':')
        .replace(/%2C/g, ',')
        .replace(/%25/g, '%')
    }
  }
  const data = line
    .slice(end + 2)
    .replace(/%0D/g, '\r')
    .replace(/%0A/g, '\n')
    .replace(/%25/g, '%')
  return { command, props, data }
}

test('github: one workflow command per line, parsed back by the runner to the same file, line, col and message', async () => {
  const r = await run('github')
  assert.is(r.code, 1)
  const lines = r.stdout.split('\n')
  assert.is(lines.pop(), '', 'ends with a newline')
  assert.is(lines.length, EXPECTED.length, 'only workflow commands on stdout')
  const json = JSON.parse((await run('json')).stdout) as { diagnostics: { code: string; message: string; file: string; line: number; column: number }[] }
  for (const [code, file, line, column, severity] of EXPECTED) {
    const cmd = lines.map(parseCommand).find((c) => c?.props['title'] === `nsoffload ${code}`)
    assert.ok(cmd, `${code} is a command`)
    assert.is(cmd.command, severity)
    assert.is(cmd.props['file'], file)
    assert.is(cmd.props['line'], String(line))
    assert.is(cmd.props['col'], String(column))
    const d = json.diagnostics.find((x) => x.code === code)
    assert.ok(cmd.data.startsWith(d?.message ?? '?'), `${cmd.data} starts with the message`)
  }
  const odd = lines.map(parseCommand).find((c) => c?.props['title'] === 'nsoffload NSO3003')
  assert.match(odd?.data ?? '', /"Bad%<&>\x07Name"/, 'percent signs in the message survive')
  assert.match(odd?.data ?? '', /\nhint: /, 'the hint is on its own line')
  for (const l of lines) assert.not.match(l, /\r/)
})

test('the formatters are pure functions of the report (same input, same bytes)', () => {
  const report = {
    files: ['b.yaml', 'a.yaml'],
    diagnostics: [{ code: 'NSO2004' as const, severity: 'error' as const, message: 'm', file: 'a.yaml', line: 1, column: 2 }],
    version: '1.2.3',
  }
  for (const f of [validateJunit, validateSarif, validateGithub]) assert.is(f(report), f(structuredClone(report)))
  assert.match(validateSarif(report), /"version": "1\.2\.3"/)
})

test('usage: an unknown validate format is exit 2 and lists the formats', async () => {
  const r = await runMemory(FILES, ['validate', '--format', 'xml'])
  assert.is(r.code, 2)
  assert.match(r.stderr, /junit/)
  assert.match(r.stderr, /sarif/)
  assert.match(r.stderr, /github/)
})

test.run()
