import * as fs from 'node:fs'
import * as path from 'node:path'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { deviations } from './deviations.ts'

const repo = path.resolve(import.meta.dirname, '../..')

test('docs/deviations.md: every row has codes and names a test that exists and uses its ID', () => {
  const rows = deviations()
  assert.ok(rows.length > 0)
  for (const d of rows) {
    assert.ok(d.codes.length > 0, `${d.id}: no diagnostic code`)
    assert.ok(d.tests.length > 0, `${d.id}: no test`)
    for (const t of d.tests) {
      const file = path.join(repo, t)
      assert.ok(fs.existsSync(file), `${d.id}: ${t} does not exist`)
      assert.ok(fs.readFileSync(file, 'utf8').includes(`'${d.id}'`), `${d.id}: ${t} does not use it`)
    }
  }
})

test.run()
