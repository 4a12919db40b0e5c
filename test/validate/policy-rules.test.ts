import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { ONE_REMOTE_INVENTORY, runMemory } from '../helpers/cli.ts'

/**
 * Semantic rules that follow Liqo's own behaviour rather than a stricter taste: what Liqo's
 * controller keeps is accepted, what it would change or ignore is said so.
 */

const INVENTORY = ONE_REMOTE_INVENTORY

const policy = (strategy: string, value: string): string => `apiVersion: nsoffload.dev/v1alpha1
kind: OffloadingPolicy
metadata:
  name: demo
spec:
  podOffloadingStrategy: ${strategy}
  namespace:
    labels:
      liqo.io/scheduling-enabled: ${JSON.stringify(value)}
`

interface JsonDiag {
  code: string
  severity: string
  message: string
  line: number
  column: number
}
async function diagnostics(files: Record<string, string>, args: string[] = []): Promise<{ code: number; diags: JsonDiag[]; stdout: string }> {
  const r = await runMemory({ 'inventory.yaml': INVENTORY, ...files }, ['validate', '--format', 'json', ...args])
  const out = JSON.parse(r.stdout) as { diagnostics: JsonDiag[] }
  return { code: r.code, diags: out.diagnostics, stdout: r.stdout }
}

// Liqo's controller sets the label to "true" for LocalAndRemote and Remote (labels.go,
// enforceSchedulingLabelPresence), and Liqo's docs recommend pre-labelling the namespace.
for (const strategy of ['LocalAndRemote', 'Remote']) {
  test(`liqo.io/scheduling-enabled: "true" by hand is accepted with ${strategy}, and rendered once`, async () => {
    const { code, diags } = await diagnostics({ 'policies/demo.yaml': policy(strategy, 'true') })
    assert.is(code, 0)
    assert.equal(
      diags.filter((d) => d.severity !== 'info'),
      [],
    )
    const build = await runMemory({ 'inventory.yaml': INVENTORY, 'policies/demo.yaml': policy(strategy, 'true') }, ['build', '--cluster', 'venice'])
    assert.is(build.code, 0, build.stderr)
    assert.is(build.stdout.split('liqo.io/scheduling-enabled: "true"').length, 2, build.stdout)
  })
}

const refused: [strategy: string, value: string, message: RegExp][] = [
  // enforceSchedulingLabelPresence overwrites any other value with "true".
  ['LocalAndRemote', 'false', /"false" would be overwritten: with podOffloadingStrategy LocalAndRemote Liqo's controller sets it to "true"/],
  ['Remote', 'yes', /"yes" would be overwritten: with podOffloadingStrategy Remote/],
  // enforceSchedulingLabelAbsence removes exactly "true".
  ['Local', 'true', /"true" would be removed: with podOffloadingStrategy Local Liqo's controller removes it/],
  // Left alone by the controller, but the pod webhook's namespaceSelector only matches "true".
  [
    'Local',
    'false',
    /"false" means nothing to Liqo, whose pod webhook only acts on "true"; with podOffloadingStrategy Local its controller removes the label only when it is "true", so this one stays/,
  ],
]
for (const [strategy, value, message] of refused) {
  test(`liqo.io/scheduling-enabled: ${JSON.stringify(value)} with ${strategy} is NSO3028, at the label`, async () => {
    const { code, diags } = await diagnostics({ 'policies/demo.yaml': policy(strategy, value) })
    assert.is(code, 1)
    const d = diags.find((x) => x.code === 'NSO3028')
    assert.ok(d, JSON.stringify(diags))
    assert.is(d?.severity, 'error')
    assert.match(d?.message ?? '', message)
    assert.equal([d?.line, d?.column], [9, 35])
  })
}

// liqoctl offload namespace demo --namespace-mapping-strategy DefaultName --remote-namespace-name other --output yaml
const LIQOCTL = `apiVersion: offloading.liqo.io/v1beta1
kind: NamespaceOffloading
metadata:
  name: offloading
  namespace: demo
spec:
  clusterSelector:
    nodeSelectorTerms: []
  namespaceMappingStrategy: STRATEGY
  podOffloadingStrategy: LocalAndRemote
  remoteNamespaceName: other
status: {}
---
`

for (const strategy of ['DefaultName', 'EnforceSameName']) {
  test(`liqoctl output with --remote-namespace-name under ${strategy}: a warning (NSO3029), the field left out`, async () => {
    const files = { 'policies/demo.yaml': LIQOCTL.replace('STRATEGY', strategy) }
    const { code, diags } = await diagnostics(files)
    assert.is(code, 0)
    const d = diags.find((x) => x.code === 'NSO3029')
    assert.ok(d, JSON.stringify(diags))
    assert.is(d?.severity, 'warning')
    assert.match(d?.message ?? '', new RegExp(`remoteNamespaceName "other" is ignored: the namespaceMappingStrategy is ${strategy}`))
    assert.equal([d?.line, d?.column], [11, 24])
    assert.not.ok(diags.some((x) => x.severity === 'error'))
    const build = await runMemory({ 'inventory.yaml': INVENTORY, ...files }, ['build', '--cluster', 'naples'])
    assert.is(build.code, 0, build.stderr)
    assert.match(build.stdout, new RegExp(`name: ${strategy === 'DefaultName' ? 'demo-venice' : 'demo'}\\n`))
    const home = await runMemory({ 'inventory.yaml': INVENTORY, ...files }, ['build', '--cluster', 'venice'])
    assert.not.match(home.stdout, /remoteNamespaceName/)
    assert.is((await diagnostics(files, ['--strict'])).code, 1, '--strict turns it into a failure')
  })
}

test('in an OffloadingPolicy, remoteNamespaceName without SelectedName stays an error (NSO3002)', async () => {
  const { code, diags } = await diagnostics({
    'policies/demo.yaml': 'apiVersion: nsoffload.dev/v1alpha1\nkind: OffloadingPolicy\nmetadata:\n  name: demo\nspec:\n  remoteNamespaceName: other\n',
  })
  assert.is(code, 1)
  assert.equal(
    diags.filter((d) => d.severity !== 'info').map((d) => d.code),
    ['NSO3002'],
  )
})

test('a NamespaceOffloading with SelectedName keeps its remoteNamespaceName, without a warning', async () => {
  const files = { 'policies/demo.yaml': LIQOCTL.replace('STRATEGY', 'SelectedName') }
  const { code, diags } = await diagnostics(files)
  assert.is(code, 0)
  assert.equal(
    diags.filter((d) => d.severity !== 'info'),
    [],
  )
  const home = await runMemory({ 'inventory.yaml': INVENTORY, ...files }, ['build', '--cluster', 'venice'])
  assert.match(home.stdout, /remoteNamespaceName: other\n/)
})

test('liqoctl --selector "k in ()" is In [""] in the rendered NamespaceOffloading, as liqoctl writes it', async () => {
  const files = {
    'policies/demo.yaml':
      'apiVersion: nsoffload.dev/v1alpha1\nkind: OffloadingPolicy\nmetadata:\n  name: demo\nspec:\n  clusterSelector: ["k in ()", "k in (,)"]\n',
  }
  const { code } = await diagnostics(files)
  assert.is(code, 0)
  const home = await runMemory({ 'inventory.yaml': INVENTORY, ...files }, ['build', '--cluster', 'venice'])
  const term = '    - matchExpressions:\n      - key: k\n        operator: In\n        values:\n        - ""\n'
  assert.ok(home.stdout.includes(`  clusterSelector:\n    nodeSelectorTerms:\n${term}${term}  namespaceMappingStrategy`), home.stdout)
})

test.run()
