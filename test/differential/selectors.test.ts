import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { parseLiqoctlSelector } from '../../src/liqo/liqoctl-offload.ts'
import { canonical } from './canonical.ts'
import { CASES } from './cases.ts'
import { anyValue, NODE_KEYS } from './gen-labels.ts'
import { type Oracle, startOracle } from './oracle.ts'
import { type Property, runProperty } from './property.ts'
import type { Rng } from './random.ts'

// liqoctl `--selector` strings: liqoctl's own (*offload.Options).ParseClusterSelectors against
// nsoffload's parser (the terms of the compiled NamespaceOffloading, or the error text).

type SelectorCase = { readonly selectors: readonly string[] }

const KEYS = [...NODE_KEYS, 'in', 'notin', 'a', 'b', 'k']
const SPACE = ['', '', '', ' ', '  ', '\t']

function key(rng: Rng): string {
  return rng.chance(0.05) ? rng.pick(['-bad', 'a/b/c', 'x/', 'k'.repeat(64), 'é', 'a_', '']) : rng.pick(KEYS)
}

const sp = (rng: Rng): string => rng.pick(SPACE)

function valueList(rng: Rng): string {
  const items = rng.list(0, 3, () => (rng.chance(0.1) ? '' : anyValue(rng)))
  const body = rng.chance(0.05) ? rng.pick(['a,,', ',', ',a', 'a,,b', 'a b', '(a)']) : items.join(`${sp(rng)},${sp(rng)}`)
  return rng.chance(0.04) ? `(${body}` : `(${sp(rng)}${body}${sp(rng)})`
}

function requirementString(rng: Rng): string {
  const k = key(rng)
  const v = (): string => (rng.chance(0.1) ? '' : anyValue(rng))
  return rng.oneOf<string>([
    [3, () => `${k}${sp(rng)}=${sp(rng)}${v()}`],
    [1, () => `${k}==${v()}`],
    [1, () => `${k}!=${v()}`],
    [2, () => `${k} in ${valueList(rng)}`],
    [1, () => `${k} notin ${valueList(rng)}`],
    [1, () => `${k}`],
    [1, () => `!${sp(rng)}${k}`],
    [1, () => `${k}${rng.pick(['>', '<'])}${v()}`],
    [
      1,
      () =>
        rng.pick([
          `${k} in ${v()}`,
          `=${v()}`,
          `${k}=${v()}=${v()}`,
          '!',
          `${k} ${v()}`,
          `${k}=(${v()})`,
          `${k} in`,
          `${k}!`,
          `(${k})`,
          `${k}=${v()}\u0000${v()}`,
          `${k} in (${v()}) x`,
        ]),
    ],
  ])
}

function selectorString(rng: Rng): string {
  if (rng.chance(0.03)) return rng.pick(['', ' ', ',', 'a,', ',a', 'a,,b'])
  const reqs = rng.list(1, 4, () => requirementString(rng))
  return sp(rng) + reqs.join(`${sp(rng)},${sp(rng)}`) + sp(rng)
}

const selectors: Property<SelectorCase> = {
  name: 'liqoctl-selectors',
  cases: CASES['liqoctl-selectors'],
  generate: (rng) => ({ selectors: rng.list(1, rng.chance(0.8) ? 1 : 3, () => selectorString(rng)) }),
  async check(c, oracle) {
    const liqo = await oracle.ask<{ error?: string; nodeSelector?: { nodeSelectorTerms: unknown[] } }>('selectors', { selectors: c.selectors })
    const ours = c.selectors.map((s) => parseLiqoctlSelector(s))
    const firstError = ours.find((r) => !r.ok)
    if (liqo.error !== undefined) {
      if (!firstError || firstError.ok) return `liqoctl refuses (${liqo.error}); nsoffload accepts`
      if (firstError.message !== liqo.error) return `both refuse, in other words:\n      liqoctl:   ${liqo.error}\n      nsoffload: ${firstError.message}`
      return undefined
    }
    if (firstError && !firstError.ok) return `liqoctl accepts; nsoffload refuses: ${firstError.message}`
    const terms = ours.map((r) => (r.ok ? r.term : {}))
    const want = canonical(liqo.nodeSelector?.nodeSelectorTerms)
    const got = canonical(terms)
    return want === got ? undefined : `terms differ:\n      liqoctl:   ${want}\n      nsoffload: ${got}`
  },
}

let oracle: Oracle
test.before(() => {
  oracle = startOracle()
})
test.after(() => oracle.close())

test('liqoctl --selector strings: nsoffload parses them as liqoctl v1.2.0 does', async () => {
  const r = await runProperty(oracle, selectors)
  assert.ok(r.cases > 0)
})

test.run()
