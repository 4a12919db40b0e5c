import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { parseLiqoctlSelector } from '../../src/liqo/liqoctl-offload.ts'

// liqoctl --selector strings → one NodeSelectorTerm each (liqotech/liqo@v1.2.0 pkg/liqoctl/offload/handler_test.go).
const ok: [string, unknown][] = [
  ['key=value', { matchExpressions: [{ key: 'key', operator: 'In', values: ['value'] }] }],
  ['key==value', { matchExpressions: [{ key: 'key', operator: 'In', values: ['value'] }] }],
  // liqoctl's unit test: non-equality requirements first, then the equality ones.
  [
    'key=value,!staging',
    {
      matchExpressions: [
        { key: 'staging', operator: 'DoesNotExist' },
        { key: 'key', operator: 'In', values: ['value'] },
      ],
    },
  ],
  [
    'region in (europe,us-west), !staging',
    {
      matchExpressions: [
        { key: 'region', operator: 'In', values: ['europe', 'us-west'] },
        { key: 'staging', operator: 'DoesNotExist' },
      ],
    },
  ],
  ['k in (b,a,b)', { matchExpressions: [{ key: 'k', operator: 'In', values: ['a', 'b'] }] }],
  ['k notin (a,b)', { matchExpressions: [{ key: 'k', operator: 'NotIn', values: ['a', 'b'] }] }],
  ['k', { matchExpressions: [{ key: 'k', operator: 'Exists' }] }],
  ['!k', { matchExpressions: [{ key: 'k', operator: 'DoesNotExist' }] }],
  ['topology.liqo.io/region=south', { matchExpressions: [{ key: 'topology.liqo.io/region', operator: 'In', values: ['south'] }] }],
  ['k=', { matchExpressions: [{ key: 'k', operator: 'In', values: [''] }] }],
  // Requirements are sorted by key, equality ones go last, each group by key.
  [
    'z=1,a=2,m',
    {
      matchExpressions: [
        { key: 'm', operator: 'Exists' },
        { key: 'a', operator: 'In', values: ['2'] },
        { key: 'z', operator: 'In', values: ['1'] },
      ],
    },
  ],
  ['  a  in ( x , y )  ', { matchExpressions: [{ key: 'a', operator: 'In', values: ['x', 'y'] }] }],
  // The empty string is one empty term, which selects no cluster.
  ['', {}],
  // apimachinery's parseValues: "()" is the set {""}, and parseIdentifiersList reads empty items
  // between commas as "" ("(,", ",,", ",)"); liqoctl casts the result verbatim: In [""].
  ['k in ()', { matchExpressions: [{ key: 'k', operator: 'In', values: [''] }] }],
  ['k in (,)', { matchExpressions: [{ key: 'k', operator: 'In', values: [''] }] }],
  ['k in ( , )', { matchExpressions: [{ key: 'k', operator: 'In', values: [''] }] }],
  ['k notin ()', { matchExpressions: [{ key: 'k', operator: 'NotIn', values: [''] }] }],
  ['k in (a,)', { matchExpressions: [{ key: 'k', operator: 'In', values: ['', 'a'] }] }],
  ['k in (,a)', { matchExpressions: [{ key: 'k', operator: 'In', values: ['', 'a'] }] }],
  ['k in (b,,a)', { matchExpressions: [{ key: 'k', operator: 'In', values: ['', 'a', 'b'] }] }],
  ['k in (,,a)', { matchExpressions: [{ key: 'k', operator: 'In', values: ['', 'a'] }] }],
  ['k in (a,,,)', { matchExpressions: [{ key: 'k', operator: 'In', values: ['', 'a'] }] }],
  // Two commas before ")": the second is read on the next turn (liqoctl v1.2.0 accepts them; the differential test found it).
  ['k in (,,)', { matchExpressions: [{ key: 'k', operator: 'In', values: [''] }] }],
  ['k in (a,,)', { matchExpressions: [{ key: 'k', operator: 'In', values: ['', 'a'] }] }],
  // In value position `in` and `notin` are plain values, in key position plain keys.
  ['k in (in,notin)', { matchExpressions: [{ key: 'k', operator: 'In', values: ['in', 'notin'] }] }],
  ['in=notin', { matchExpressions: [{ key: 'in', operator: 'In', values: ['notin'] }] }],
]

for (const [input, term] of ok) {
  test(`parses ${JSON.stringify(input)}`, () => {
    const r = parseLiqoctlSelector(input)
    assert.ok(r.ok, JSON.stringify(r))
    if (r.ok) assert.equal(r.term, term)
  })
}

const bad: [string, 'syntax' | 'operator', RegExp][] = [
  ['k!=v', 'operator', /^"!=" is not a valid label selector operator$/],
  ['k>1', 'operator', /^"gt" isn't supported in label selectors$/],
  ['k<1', 'operator', /^"lt" isn't supported in label selectors$/],
  ['k>a', 'syntax', /^couldn't parse the selector string "k>a"/],
  ['k in (a', 'syntax', /^couldn't parse the selector string "k in \(a": unable to parse requirement: found '', expected: ',' or '\)'$/],
  // Go's parseIdentifiersList consumes ",," and then meets ")" where it wants an identifier.
  ['k in (,', 'syntax', /: unable to parse requirement: found '', expected: ',', or identifier$/],
  ['k in a', 'syntax', /: unable to parse requirement: found 'a' expected: '\('$/],
  ['k in (=)', 'syntax', /: unable to parse requirement: found '=', expected: ',', '\)' or identifier$/],
  ['k in (a b)', 'syntax', /: unable to parse requirement: found 'b', expected: ',' or '\)'$/],
  ['k in (a,b c)', 'syntax', /found 'c', expected: ',' or '\)'$/],
  ['Bad Key=v', 'syntax', /^couldn't parse the selector string/],
  // Errors after a complete requirement are not wrapped in "unable to parse requirement".
  ['k=v v', 'syntax', /^couldn't parse the selector string "k=v v": found 'v', expected: ',' or 'end of string'$/],
  ['k=v,', 'syntax', /^couldn't parse the selector string "k=v,": found '', expected: identifier after ','$/],
  [',k', 'syntax', /^couldn't parse the selector string ",k": found ',', expected: !, identifier, or 'end of string'$/],
  ['k v', 'syntax', /: unable to parse requirement: found 'v', expected: in, notin, =, ==, !=, gt, lt$/],
  ['k in (Bad!,x)', 'syntax', /^couldn't parse the selector string/],
  ['k in (-a,-b)', 'syntax', /: unable to parse requirement: \[values\[0\]\[k\]: Invalid value: "-a": .*, values\[1\]\[k\]: Invalid value: "-b": /],
  ['-bad', 'syntax', /: unable to parse requirement: <nil>: Invalid value: "-bad": name part must consist of/],
  ['k=bad value!', 'syntax', /^couldn't parse the selector string/],
  ['k=,', 'syntax', /^couldn't parse the selector string/],
  ['!k=v', 'syntax', /^couldn't parse the selector string "!k=v": found '=', expected: ',' or 'end of string'$/],
  ['-bad=v', 'syntax', /^couldn't parse the selector string/],
  ['k=' + 'x'.repeat(64), 'syntax', /no more than 63 bytes/],
]

for (const [input, kind, message] of bad) {
  test(`rejects ${JSON.stringify(input)}`, () => {
    const r = parseLiqoctlSelector(input)
    assert.not.ok(r.ok)
    if (!r.ok) {
      assert.is(r.kind, kind)
      assert.match(r.message, message)
    }
  })
}

test('!= comes with the notin hint', () => {
  const r = parseLiqoctlSelector('env!=prod')
  assert.not.ok(r.ok)
  if (!r.ok) assert.is(r.hint, 'use "env notin (prod)"')
})

test.run()
