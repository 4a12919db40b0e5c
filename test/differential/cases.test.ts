import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { CASES } from './cases.ts'

test('the differential properties run at least 20,000 generated cases per npm test', () => {
  const total = Object.values(CASES).reduce((s, n) => s + n, 0)
  assert.ok(total >= 20_000, `only ${total} cases: ${JSON.stringify(CASES)}`)
})

test.run()
