import { readFileSync } from 'node:fs'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { createTwoFilesPatch } from 'diff'
import { codes } from '../../src/diagnostics/codes.ts'
import { diagnosticsDoc, DOC_PATH } from '../../scripts/gen-diagnostics-doc.ts'

test('docs/diagnostics.md is generated from the registry and up to date', () => {
  const committed = readFileSync(DOC_PATH, 'utf8')
  const fresh = diagnosticsDoc()
  if (committed !== fresh) {
    assert.unreachable(
      `docs/diagnostics.md is stale: run \`npm run docs:diagnostics\` and commit docs/diagnostics.md\n${createTwoFilesPatch('docs/diagnostics.md', 'generated', committed, fresh)}`,
    )
  }
})

test('every code of the registry is in the reference, once, with its severity and title', () => {
  const doc = diagnosticsDoc()
  for (const [id, info] of Object.entries(codes)) {
    const rows = doc.split('\n').filter((l) => l.startsWith(`| ${info.code} |`))
    assert.is(rows.length, 1, info.code)
    assert.ok(rows[0]?.includes(`| ${info.severity} | \`${id}\` |`), rows[0])
  }
})

test('the registry: codes are unique, NSO + 4 digits, and each id maps to one code', () => {
  const all = Object.values(codes).map((c) => c.code)
  assert.is(new Set(all).size, all.length, 'no code is used twice')
  for (const c of all) assert.match(c, /^NSO[1-59]\d{3}$/)
})

test('the generator escapes a pipe in a title (a table cell cannot split)', () => {
  const doc = diagnosticsDoc({ x: { code: 'NSO9999', severity: 'error', title: 'a | b' } })
  assert.ok(doc.includes('| NSO9999 | error | `x` | a \\| b |'))
})

test.run()
