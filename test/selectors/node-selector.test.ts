import { test } from 'uvu'
import * as assert from 'uvu/assert'
import type { NodeSelectorRequirement, NodeSelectorTerm } from '../../src/model/k8s.ts'
import { checkRequirement, matchRequirement, matchTerms } from '../../src/selectors/node-selector.ts'

const node = (labels: Record<string, string>, name = 'n1') => ({ name, labels })
const req = (key: string, operator: string, values?: string[]): NodeSelectorRequirement => (values ? { key, operator, values } : { key, operator })

// [requirement, labels, expected]: Kubernetes MatchNodeSelectorTerms semantics.
const cases: [NodeSelectorRequirement, Record<string, string>, boolean][] = [
  [req('r', 'In', ['a', 'b']), { r: 'a' }, true],
  [req('r', 'In', ['a', 'b']), { r: 'c' }, false],
  [req('r', 'In', ['a']), {}, false],
  [req('r', 'NotIn', ['a']), {}, true], // absent key matches NotIn
  [req('r', 'NotIn', ['a']), { r: 'a' }, false],
  [req('r', 'NotIn', ['a']), { r: 'b' }, true],
  [req('r', 'Exists'), { r: '' }, true],
  [req('r', 'Exists'), {}, false],
  [req('r', 'DoesNotExist'), {}, true], // absent key matches DoesNotExist
  [req('r', 'DoesNotExist'), { r: 'x' }, false],
  [req('n', 'Gt', ['5']), { n: '6' }, true],
  [req('n', 'Gt', ['5']), { n: '5' }, false],
  [req('n', 'Gt', ['5']), { n: 'six' }, false], // not an integer: no match
  [req('n', 'Gt', ['5']), {}, false],
  [req('n', 'Lt', ['5']), { n: '-3' }, true],
  [req('n', 'Lt', ['5']), { n: '5' }, false],
  [req('n', 'Lt', ['10']), { n: '9' }, true], // numeric, not lexical
  [req('n', 'Gt', ['9']), { n: '10' }, true],
  [req('r', 'Bogus', ['a']), { r: 'a' }, false],
]

for (const [r, labels, expected] of cases) {
  test(`${r.key} ${r.operator} ${JSON.stringify(r.values ?? [])} on ${JSON.stringify(labels)} → ${expected}`, () => {
    assert.is(matchRequirement(r, labels), expected)
  })
}

test('terms are ORed, expressions ANDed', () => {
  const terms: NodeSelectorTerm[] = [{ matchExpressions: [req('a', 'In', ['1']), req('b', 'In', ['2'])] }, { matchExpressions: [req('c', 'Exists')] }]
  assert.ok(matchTerms(terms, node({ a: '1', b: '2' })))
  assert.not.ok(matchTerms(terms, node({ a: '1' })))
  assert.ok(matchTerms(terms, node({ c: 'x' })))
})

test('an empty term matches nothing, even next to nothing else', () => {
  assert.not.ok(matchTerms([{}], node({ a: '1' })))
  assert.not.ok(matchTerms([{ matchExpressions: [] }], node({})))
  assert.ok(matchTerms([{}, { matchExpressions: [req('a', 'Exists')] }], node({ a: '1' })))
})

test('matchFields: metadata.name In/NotIn with one value', () => {
  assert.ok(matchTerms([{ matchFields: [req('metadata.name', 'In', ['naples'])] }], node({}, 'naples')))
  assert.not.ok(matchTerms([{ matchFields: [req('metadata.name', 'In', ['naples'])] }], node({}, 'florence')))
  assert.ok(matchTerms([{ matchFields: [req('metadata.name', 'NotIn', ['naples'])] }], node({}, 'florence')))
  assert.not.ok(matchTerms([{ matchFields: [req('metadata.labels', 'In', ['x'])] }], node({}, 'x')))
})

// Kubernetes' NodeSelectorRequirement rules, as codes.
const invalid: [NodeSelectorRequirement, boolean, string][] = [
  [req('k', 'Equals', ['a']), false, 'requirementOperator'],
  [req('k', 'in', ['a']), false, 'requirementOperator'],
  [req('k', 'In', []), false, 'requirementValues'],
  [req('k', 'In'), false, 'requirementValues'],
  [req('k', 'Exists', ['a']), false, 'requirementValues'],
  [req('k', 'DoesNotExist', ['a']), false, 'requirementValues'],
  [req('k', 'Gt', ['1', '2']), false, 'requirementValues'],
  [req('k', 'Lt', ['one']), false, 'requirementValues'],
  [req('Bad Key', 'Exists'), false, 'requirementKey'],
  [req('k', 'In', ['not valid']), false, 'requirementKey'],
  // A Gt/Lt value must be a label value too (apimachinery's labels.NewRequirement): "-1" and "+5" are not.
  [req('example.com/k', 'Lt', ['-1']), false, 'requirementKey'],
  [req('k', 'Gt', ['+5']), false, 'requirementKey'],
  [req('metadata.labels', 'In', ['a']), true, 'matchFieldsInvalid'],
  [req('metadata.name', 'Exists'), true, 'matchFieldsInvalid'],
  [req('metadata.name', 'In', ['a', 'b']), true, 'matchFieldsInvalid'],
]
for (const [r, field, id] of invalid) {
  test(`invalid ${field ? 'field' : 'expression'} ${r.key} ${r.operator} ${JSON.stringify(r.values)} → ${id}`, () => {
    const probs = checkRequirement(r, field)
    assert.ok(probs.length > 0)
    assert.is(probs[0]?.id, id)
  })
}

const valid: [NodeSelectorRequirement, boolean][] = [
  [req('k', 'In', ['a']), false],
  [req('k', 'NotIn', ['a', 'b']), false],
  [req('k', 'Exists'), false],
  [req('k', 'DoesNotExist'), false],
  [req('k', 'Gt', ['10']), false],
  [req('example.com/k', 'Lt', ['1000']), false],
  [req('metadata.name', 'In', ['naples']), true],
  [req('metadata.name', 'NotIn', ['naples']), true],
]
for (const [r, field] of valid) {
  test(`valid ${r.key} ${r.operator}`, () => assert.equal(checkRequirement(r, field), []))
}

test.run()
