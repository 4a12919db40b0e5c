import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { SHOWN_PER_CODE } from '../../src/diagnostics/format.ts'
import { runMemory } from '../helpers/cli.ts'
import { inventoryYaml } from '../helpers/inventory.ts'

/**
 * Findings at fleet scale (issue 19 point 5): one mistake repeated by many policies is printed
 * in full a few times, then counted in one line that says what lists them all; the summary
 * still counts every finding, and the machine formats (JSON, SARIF, JUnit, GitHub) keep each one.
 */

const INVENTORY = inventoryYaml({ remotes: [{ clusterID: 'naples', labels: { region: 'east' } }] })

const policy = (name: string, selector: string): string =>
  `apiVersion: nsoffload.dev/v1alpha1\nkind: OffloadingPolicy\nmetadata:\n  name: ${name}\nspec:\n  clusterSelector:\n    - "${selector}"\n`

/** 1,220 policies that select no cluster (NSO4005), 3 that select naples, 2 with a selector of bad syntax. */
const NOWHERE = 1220
function fleet(): Map<string, string> {
  const files = new Map<string, string>([['inventory.yaml', INVENTORY]])
  for (let i = 0; i < NOWHERE; i++) files.set(`policies/nowhere-${String(i).padStart(4, '0')}.yaml`, policy(`nowhere-${i}`, 'region=moon'))
  for (let i = 0; i < 3; i++) files.set(`policies/east-${i}.yaml`, policy(`east-${i}`, 'region=east'))
  return files
}

const headlines = (text: string, code: string): number =>
  text.split('\n').filter((l) => new RegExp(`^\\S+:\\d+:\\d+: (warning|error) ${code}: `).test(l)).length

test('validate (text): the first few of a code in full, then one line counting the rest; the summary counts all', async () => {
  const r = await runMemory(fleet(), ['validate'])
  assert.is(r.code, 0, r.stderr)
  assert.is(headlines(r.stdout, 'NSO4005'), SHOWN_PER_CODE)
  // Each shown in full: headline, code frame (two lines), hint.
  assert.is((r.stdout.match(/^  hint: no remote of the inventory/gm) ?? []).length, SHOWN_PER_CODE)
  assert.match(r.stdout, `policies/nowhere-0000.yaml:7:5: warning NSO4005: namespace "nowhere-0" selects no remote cluster: phase NoClusterSelected\n`)
  assert.ok(
    r.stdout.endsWith(`\n… and ${(NOWHERE - SHOWN_PER_CODE).toLocaleString('en-US')} more NSO4005, \`--format json\` lists all\n`),
    r.stdout.slice(-300),
  )
  assert.match(r.stdout, '… and 1,215 more NSO4005')
  assert.match(r.stderr, `1223 policies valid, inventory valid: ${NOWHERE} warnings`)
  assert.ok(r.stdout.split('\n').length < 40, 'a screenful, not 4,880 lines')
})

test('a code with no more than the few shown is printed in full, with no counting line', async () => {
  const files = fleet()
  for (const k of [...files.keys()])
    if (k.startsWith('policies/nowhere-') && k > `policies/nowhere-${String(SHOWN_PER_CODE - 1).padStart(4, '0')}.yaml`) files.delete(k)
  const r = await runMemory(files, ['validate'])
  assert.is(headlines(r.stdout, 'NSO4005'), SHOWN_PER_CODE)
  assert.not.match(r.stdout, '… and')
})

test('grouping is per code and severity: --strict makes them errors, counted the same way', async () => {
  const files = fleet()
  files.set('policies/bad.yaml', policy('bad', 'region in east'))
  files.set('policies/bad2.yaml', policy('bad2', 'region in west'))
  const r = await runMemory(files, ['validate', '--strict'])
  assert.is(r.code, 1)
  assert.is(headlines(r.stdout, 'NSO4005'), SHOWN_PER_CODE)
  assert.match(r.stdout, /^policies\/nowhere-0000\.yaml:7:5: error NSO4005: /m)
  assert.match(r.stdout, `… and ${(NOWHERE - SHOWN_PER_CODE).toLocaleString('en-US')} more NSO4005, \`--format json\` lists all\n`)
  // The other code, twice, in full.
  const other = r.stdout.split('\n').filter((l) => /^policies\/bad2?\.yaml:\d+:\d+: error NSO/.test(l))
  assert.is(other.length, 2, r.stdout)
})

test('JSON, SARIF, JUnit and GitHub keep every finding', async () => {
  const json = await runMemory(fleet(), ['validate', '--format', 'json'])
  const ds = (JSON.parse(json.stdout) as { diagnostics: { code: string }[] }).diagnostics
  assert.is(ds.filter((d) => d.code === 'NSO4005').length, NOWHERE)
  const sarif = await runMemory(fleet(), ['validate', '--format', 'sarif'])
  const results = (JSON.parse(sarif.stdout) as { runs: { results: { ruleId: string }[] }[] }).runs[0]?.results ?? []
  assert.is(results.filter((x) => x.ruleId === 'NSO4005').length, NOWHERE)
  const junit = await runMemory(fleet(), ['validate', '--format', 'junit'])
  // One <testcase> per finding, named by its code and place.
  assert.is((junit.stdout.match(/<testcase [^>]*name="NSO4005 [^"]* at 7:5"/g) ?? []).length, NOWHERE)
  const gh = await runMemory(fleet(), ['validate', '--format', 'github'])
  assert.is(gh.stdout.split('\n').filter((l) => l.startsWith('::warning ') && l.includes('NSO4005')).length, NOWHERE)
  for (const r of [json, sarif, junit, gh]) assert.not.match(r.stdout, '… and')
})

test('build and plan on stderr: counted too, each naming what lists them all', async () => {
  const build = await runMemory(fleet(), ['build', '--cluster', 'naples'])
  assert.is(build.code, 0, build.stderr)
  assert.is(headlines(build.stderr, 'NSO4005'), SHOWN_PER_CODE)
  assert.match(build.stderr, `… and 1,215 more NSO4005, \`nsoffload validate --format json\` lists all\n${NOWHERE} warnings\n`)
  const plan = await runMemory(fleet(), ['plan'])
  assert.is(headlines(plan.stderr, 'NSO4005'), SHOWN_PER_CODE)
  assert.match(plan.stderr, '… and 1,215 more NSO4005, `--format json` lists all\n')
  const planJson = await runMemory(fleet(), ['plan', '--format', 'json'])
  assert.is((JSON.parse(planJson.stdout) as { diagnostics: { code: string }[] }).diagnostics.filter((d) => d.code === 'NSO4005').length, NOWHERE)
})

test.run()
