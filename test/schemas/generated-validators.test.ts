import { readFileSync } from 'node:fs'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { GENERATED_PATH, validatorsSource } from '../../scripts/gen-validators.ts'

test('src/validate/schema-validators.generated.ts is compiled from schemas/*.json and up to date', () => {
  const committed = readFileSync(GENERATED_PATH, 'utf8')
  if (committed !== validatorsSource()) {
    assert.unreachable('src/validate/schema-validators.generated.ts is stale: run `npm run gen:validators` and commit it')
  }
})

test.run()
