import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { runIn, source } from '../helpers/cli.ts'
import { explainDedentedItem } from '../../src/load/explain-indent.ts'

/**
 * The messages a person needs for the mistakes people make writing policies by hand: each case
 * asserts the exact headline (file:line:column, code, message) and hint `validate` prints,
 * that nothing else is reported about it, and the exit code.
 */

const INVENTORY = source`
  apiVersion: nsoffload.dev/v1alpha1
  kind: ClusterInventory
  metadata:
    name: italy
  spec:
    home:
      clusterID: venice
    remotes:
      - clusterID: naples
        labels: {region: east}
`

const HEAD = 'apiVersion: nsoffload.dev/v1alpha1\nkind: OffloadingPolicy\nmetadata:\n  name: a\n'

interface Case {
  readonly name: string
  /** The policy file `policies/a.yaml`. */
  readonly policy: string
  /** Everything `validate` prints on stdout: the diagnostics with their frames and hints. */
  readonly stdout: string
}

const cases: Case[] = [
  {
    name: 'clusterSelector items written as YAML mappings',
    policy: HEAD + 'spec:\n  clusterSelector:\n    - region: east\n    - {region: west, zone: a}\n',
    stdout: [
      'policies/a.yaml:7:7: error NSO2007: spec.clusterSelector[0] is the YAML mapping {region: east}, not a liqoctl selector string',
      '    7 |     - region: east',
      '      |       ^',
      '  hint: write `- region=east` (key=value: "key: value" with a space is a YAML mapping)',
      'policies/a.yaml:8:7: error NSO2007: spec.clusterSelector[1] is the YAML mapping {region: west, zone: a}, not a liqoctl selector string',
      '    8 |     - {region: west, zone: a}',
      '      |       ^',
      '  hint: write `- region=west,zone=a` (key=value: "key: value" with a space is a YAML mapping)',
      '',
    ].join('\n'),
  },
  {
    name: 'clusterSelector a string, not a list',
    policy: HEAD + 'spec:\n  clusterSelector: region=east\n',
    stdout: [
      'policies/a.yaml:6:20: error NSO2008: spec.clusterSelector is the single string "region=east"; it must be a list of liqoctl selector strings',
      '    6 |   clusterSelector: region=east',
      '      |                    ^',
      '  hint: make it a list, one selector per line:',
      '        clusterSelector:',
      '          - region=east',
      '',
    ].join('\n'),
  },
  {
    name: 'clusterSelector with matchLabels (a LabelSelector): both accepted forms shown',
    policy: HEAD + 'spec:\n  clusterSelector:\n    matchLabels:\n      region: east\n',
    stdout: [
      'policies/a.yaml:7:5: error NSO2009: spec.clusterSelector is a LabelSelector (matchLabels); it takes liqoctl selector strings or a NodeSelector',
      '    7 |     matchLabels:',
      '      |     ^',
      '  hint: write liqoctl selector strings (entries ORed, commas ANDed):',
      '        clusterSelector:',
      '          - region=east',
      '        or a NodeSelector:',
      '        clusterSelector:',
      '          nodeSelectorTerms:',
      '            - matchExpressions:',
      '                - {key: region, operator: In, values: [east]}',
      '',
    ].join('\n'),
  },
  {
    name: 'a clusterSelector list item with matchLabels',
    policy: HEAD + 'spec:\n  clusterSelector:\n    - matchLabels: {region: east, tier: gold}\n',
    stdout: [
      'policies/a.yaml:7:7: error NSO2009: spec.clusterSelector[0] is a mapping (matchLabels); a list under clusterSelector holds liqoctl selector strings',
      '    7 |     - matchLabels: {region: east, tier: gold}',
      '      |       ^',
      '  hint: write liqoctl selector strings (entries ORed, commas ANDed):',
      '        clusterSelector:',
      '          - region=east,tier=gold',
      '        or a NodeSelector:',
      '        clusterSelector:',
      '          nodeSelectorTerms:',
      '            - matchExpressions:',
      '                - {key: region, operator: In, values: [east]}',
      '                - {key: tier, operator: In, values: [gold]}',
      '',
    ].join('\n'),
  },
  {
    name: 'matchLabels inside a NodeSelector term',
    policy: HEAD + 'spec:\n  clusterSelector:\n    nodeSelectorTerms:\n      - matchLabels:\n          region: east\n',
    stdout: [
      'policies/a.yaml:8:9: error NSO2009: "matchLabels" is not a field of spec.clusterSelector.nodeSelectorTerms[0]: clusters are selected by spec.clusterSelector, in one of two forms',
      '    8 |       - matchLabels:',
      '      |         ^',
      '  hint: write liqoctl selector strings (entries ORed, commas ANDed):',
      '        clusterSelector:',
      '          - region=east',
      '        or a NodeSelector:',
      '        clusterSelector:',
      '          nodeSelectorTerms:',
      '            - matchExpressions:',
      '                - {key: region, operator: In, values: [east]}',
      '',
    ].join('\n'),
  },
  {
    name: 'a pod-style nodeSelector in spec',
    policy: HEAD + 'spec:\n  nodeSelector:\n    region: east\n',
    stdout: [
      'policies/a.yaml:6:3: error NSO2009: "nodeSelector" is not a field of spec: clusters are selected by spec.clusterSelector, in one of two forms',
      '    6 |   nodeSelector:',
      '      |   ^',
      '  hint: write liqoctl selector strings (entries ORed, commas ANDed):',
      '        clusterSelector:',
      '          - region=east',
      '        or a NodeSelector:',
      '        clusterSelector:',
      '          nodeSelectorTerms:',
      '            - matchExpressions:',
      '                - {key: region, operator: In, values: [east]}',
      '',
    ].join('\n'),
  },
  {
    name: 'a NodeSelector term listed right under clusterSelector',
    policy: HEAD + 'spec:\n  clusterSelector:\n    - matchExpressions:\n        - {key: region, operator: In, values: [east]}\n',
    stdout: [
      'policies/a.yaml:7:7: error NSO2009: spec.clusterSelector[0] is a NodeSelector term; a list right under clusterSelector holds liqoctl selector strings, terms go under nodeSelectorTerms',
      '    7 |     - matchExpressions:',
      '      |       ^',
      '  hint: put the term in a list under nodeSelectorTerms:',
      '        clusterSelector:',
      '          nodeSelectorTerms:',
      '            - matchExpressions:',
      '                - {key: ..., operator: In, values: [...]}',
      '',
    ].join('\n'),
  },
  {
    name: "a list item left of its key (a `-` at the parent's indentation)",
    policy: HEAD + 'spec:\n  podOffloadingStrategy: Remote\n  clusterSelector:\n- region=east\n',
    stdout: [
      'policies/a.yaml:8:1: error NSO1001: the list item "- region=east" is left of "clusterSelector:" (line 7, column 3), so it is not that key\'s value: YAML reads it as an entry of the top level of the document, next to "spec:" (line 5), where a list item cannot stand (BLOCK_AS_IMPLICIT_KEY)',
      '    8 | - region=east',
      '      | ^',
      '  hint: indent it to column 5, two spaces further than "clusterSelector:"',
      '',
    ].join('\n'),
  },
  {
    name: 'a list item indented less than the items above it',
    policy: HEAD + 'spec:\n  clusterSelector:\n    - region=east\n  - region=west\n',
    stdout: [
      'policies/a.yaml:8:3: error NSO1001: the list item "- region=west" is indented less than the list item above it (line 7, column 5): YAML reads it as an entry of "spec:", next to "clusterSelector:" (line 6), where a list item cannot stand (BLOCK_AS_IMPLICIT_KEY)',
      '    8 |   - region=west',
      '      |   ^',
      '  hint: indent it to column 5, like the item on line 7',
      '',
    ].join('\n'),
  },
  {
    name: 'nodeSelectorTerms indented as a sibling of an empty clusterSelector',
    policy: HEAD + 'spec:\n  clusterSelector:\n  nodeSelectorTerms:\n    - matchExpressions: [{key: region, operator: In, values: [east]}]\n',
    stdout: [
      'policies/a.yaml:7:3: error NSO2010: "nodeSelectorTerms" is a key of spec: it belongs under "clusterSelector:"; "clusterSelector:" above it (line 6) is empty, so "nodeSelectorTerms" became its sibling',
      '    7 |   nodeSelectorTerms:',
      '      |   ^',
      '  hint: indent "nodeSelectorTerms:" and the lines below it two spaces further than "clusterSelector:" (column 3)',
      '',
    ].join('\n'),
  },
  {
    name: 'operator indented out of its matchExpressions item',
    policy: HEAD + 'spec:\n  clusterSelector:\n    nodeSelectorTerms:\n      - matchExpressions:\n        - key: region\n        operator: Exists\n',
    stdout: [
      'policies/a.yaml:10:9: error NSO2010: "operator" is a key of spec.clusterSelector.nodeSelectorTerms[0]: it belongs in an item of "matchExpressions:"; it became a key of spec.clusterSelector.nodeSelectorTerms[0] instead of the matchExpressions item above it (line 9)',
      '   10 |         operator: Exists',
      '      |         ^',
      '  hint: indent "operator:" to column 11, under "key:"',
      '',
    ].join('\n'),
  },
  {
    name: 'clusterSelector at the top level',
    policy: HEAD + 'spec:\n  podOffloadingStrategy: Remote\nclusterSelector:\n  - region=east\n',
    stdout: [
      'policies/a.yaml:7:1: error NSO2010: "clusterSelector" is at the top level of the document: it belongs under "spec:"',
      '    7 | clusterSelector:',
      '      | ^',
      '  hint: indent "clusterSelector:" (and the lines below it) under "spec:"',
      '',
    ].join('\n'),
  },
  {
    name: 'spec fields under an empty spec:',
    policy: HEAD + 'spec:\nclusterSelector:\n  - region=east\n',
    stdout: [
      'policies/a.yaml:6:1: error NSO2010: "clusterSelector" is at the top level of the document: it belongs under "spec:"; "spec:" above it (line 5) is empty, so "clusterSelector" became its sibling',
      '    6 | clusterSelector:',
      '      | ^',
      '  hint: indent "clusterSelector:" and the lines below it two spaces further than "spec:" (column 1)',
      '',
    ].join('\n'),
  },
]

for (const c of cases) {
  test(c.name, async () => {
    const r = await runIn({ 'inventory.yaml': INVENTORY, 'policies/a.yaml': c.policy }, ['validate'])
    assert.is(r.stdout, c.stdout)
    assert.is(r.code, 1)
  })
}

test('a NamespaceOffloading with matchLabels is shown the NodeSelector form only', async () => {
  const nso =
    'apiVersion: offloading.liqo.io/v1beta1\nkind: NamespaceOffloading\nmetadata:\n  name: offloading\n  namespace: a\nspec:\n  clusterSelector:\n    matchLabels: {region: east}\n'
  const r = await runIn({ 'inventory.yaml': INVENTORY, 'policies/a.yaml': nso }, ['validate', '--format', 'json'])
  const ds = (JSON.parse(r.stdout) as { diagnostics: { code: string; line: number; column: number; message: string; hint: string }[] }).diagnostics
  assert.equal(
    ds.map((d) => [d.code, d.line, d.column, d.message]),
    [['NSO2009', 8, 5, 'spec.clusterSelector is a LabelSelector (matchLabels); it takes a NodeSelector']],
  )
  assert.match(ds[0]?.hint ?? '', /^a NamespaceOffloading takes a NodeSelector:\nclusterSelector:\n {2}nodeSelectorTerms:/)
})

test('the indentation explainer says nothing when the line is not a dedented list item', () => {
  // A list at its key's own indentation is valid YAML: nothing to explain.
  assert.is(explainDedentedItem('spec:\n  clusterSelector:\n  - a=b\n', 3), undefined)
  // Not a list item.
  assert.is(explainDedentedItem('spec:\n  clusterSelector:\nfoo bar\n', 3), undefined)
  // Deeper than the line above.
  assert.is(explainDedentedItem('spec:\n  clusterSelector:\n    - a=b\n', 3), undefined)
  const x = explainDedentedItem('spec:\n  clusterSelector:\n    - a=b\n\n  # a comment\n  - c=d\n', 6)
  assert.is(
    x?.message,
    'the list item "- c=d" is indented less than the list item above it (line 3, column 5): YAML reads it as an entry of "spec:", next to "clusterSelector:" (line 2), where a list item cannot stand',
  )
  assert.is(x?.offset, 'spec:\n  clusterSelector:\n    - a=b\n\n  # a comment\n  '.length)
})

// ------------------------------------------------------------------ the summary line

const ok = (name: string): string => `apiVersion: nsoffload.dev/v1alpha1\nkind: OffloadingPolicy\nmetadata:\n  name: ${name}\nspec: {}\n`

test('summary: "1 of 5 policies invalid", documents counted, not files; also in the JSON', async () => {
  const files = {
    'inventory.yaml': INVENTORY,
    'policies/a.yaml': ok('a') + '---\n' + ok('b'),
    'policies/c.yaml': ok('c') + '---\n# only a comment\n',
    'policies/d.yaml': ok('d'),
    'policies/e.yaml': ok('e').replace('spec: {}', 'spec:\n  podOffloadingStrategy: Remot'),
  }
  const r = await runIn(files, ['validate'])
  assert.is(r.code, 1)
  assert.is(r.stderr, '1 of 5 policies invalid, inventory valid: 1 error\n')
  const j = await runIn(files, ['validate', '--format', 'json'])
  assert.equal((JSON.parse(j.stdout) as { summary: unknown }).summary, {
    policies: { total: 5, invalid: 1 },
    inventory: 'valid',
    invalidWorkloadFiles: 0,
    errors: 1,
    warnings: 0,
  })
})

test('summary: a document YAML cannot parse is an invalid policy; two errors in one policy count it once', async () => {
  const r = await runIn(
    {
      'inventory.yaml': INVENTORY,
      'policies/a.yaml': ok('a') + '---\n' + 'kind: [OffloadingPolicy\n',
      'policies/b.yaml': ok('b').replace('spec: {}', 'spec:\n  podOffloadingStrategy: Remot\n  namespaceMappingStrategy: Same'),
    },
    ['validate'],
  )
  assert.is(r.code, 1)
  assert.match(r.stderr, /^2 of 3 policies invalid, inventory valid: \d+ errors\n$/)
})

test('summary: the inventory invalid, or absent', async () => {
  const bad = await runIn({ 'inventory.yaml': INVENTORY.replace('clusterID: naples', 'clusterID: venice'), 'policies/a.yaml': ok('a') }, ['validate'])
  assert.is(bad.stderr, '1 policy valid, inventory invalid: 1 error\n')
  const none = await runIn({ 'policies/a.yaml': ok('a'), 'policies/b.yaml': ok('b') }, ['validate'])
  assert.is(none.stderr, '2 policies valid, no inventory: 1 warning\n')
  assert.is(none.code, 0)
  const waived = await runIn({ 'policies/a.yaml': ok('a'), 'policies/b.yaml': ok('b') }, ['validate', '--no-inventory'])
  assert.is(waived.stderr, '2 policies valid, no inventory\n')
})

test('summary: build and plan with invalid input end with the same counts', async () => {
  const files = {
    'inventory.yaml': INVENTORY,
    'policies/a.yaml': ok('a'),
    'policies/b.yaml': ok('b').replace('spec: {}', 'spec:\n  clusterSelector: region=east'),
  }
  for (const args of [['build', '-o', 'out'], ['plan']]) {
    const r = await runIn(files, args)
    assert.is(r.code, 1)
    assert.match(r.stderr, /\n1 of 2 policies invalid, inventory valid: 1 error\n$/, args.join(' '))
  }
})

// ------------------------------------------------------------------ fn: the ResourceList contract

const DEPLOYMENT = 'apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web, namespace: a}\n'

test('fn with several YAML documents on stdin explains the ResourceList, with an example', async () => {
  const r = await runIn(
    { 'inventory.yaml': INVENTORY, 'policies/a.yaml': ok('a') },
    ['fn'],
    DEPLOYMENT + '---\napiVersion: v1\nkind: Service\nmetadata: {name: web}\n',
  )
  assert.is(r.code, 1)
  const [head, frame1, frame2, hint, ...rest] = r.stderr.split('\n')
  assert.is(head, '<stdin>:4:1: error NSO1011: the input holds 2 YAML documents; a KRM function reads one: a ResourceList with the resources in its items')
  assert.is(frame1, '    4 | ---')
  assert.is(frame2, '      | ^')
  assert.is(hint, '  hint: wrap the resources in one ResourceList:')
  assert.equal(rest.slice(0, 4), [
    '        apiVersion: config.kubernetes.io/v1',
    '        kind: ResourceList',
    '        items:',
    '          - apiVersion: apps/v1',
  ])
  assert.ok(rest.includes('        functionConfig:            # optional: where the policies and the inventory are'), r.stderr)
  // The output is still a ResourceList, with the same message as a result.
  assert.match(
    r.stdout,
    /^apiVersion: config\.kubernetes\.io\/v1\nkind: ResourceList\nitems: \[\]\nresults:\n- message: "NSO1011: the input holds 2 YAML documents;/,
  )
})

test('fn with a bare Deployment shows it as the item of a ResourceList', async () => {
  const r = await runIn({ 'inventory.yaml': INVENTORY, 'policies/a.yaml': ok('a') }, ['fn'], DEPLOYMENT)
  assert.is(r.code, 1)
  const lines = r.stderr.split('\n')
  assert.is(
    lines[0],
    '<stdin>:2:7: error NSO1011: the input is a Deployment, not a ResourceList: a KRM function reads one ResourceList, with the resources in its items',
  )
  assert.equal(lines.slice(3, 11), [
    '  hint: wrap the resources in one ResourceList:',
    '        apiVersion: config.kubernetes.io/v1',
    '        kind: ResourceList',
    '        items:',
    '          - apiVersion: apps/v1',
    '            kind: Deployment',
    '            metadata: {name: web}',
    '            ...',
  ])
})

test.run()
