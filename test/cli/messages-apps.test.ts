import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { runMemory, source } from '../helpers/cli.ts'
import { COMMANDS } from '../../src/cli/main.ts'

/**
 * Messages that misled (issue 17 point 10), each asserting what is said now: one error for one
 * tab, two places on one line told apart, UTF-16 named, a missing kind said so, a cluster whose
 * virtual nodes disagree said undetermined, help examples that never wrap inside a command,
 * completions that are flags, `version --format json`, an unknown `inventory` action.
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
      - clusterID: florence
        labels: {region: center}
      - clusterID: naples
        labels: {region: south}
`
const POLICY = 'apiVersion: nsoffload.dev/v1alpha1\nkind: OffloadingPolicy\nmetadata:\n  name: web\nspec:\n  workloads: [../apps/]\n'
const errorLines = (s: string): string[] => s.split('\n').filter((l) => / (error|warning) NSO\d{4}:/.test(l))

test('a tab in the inventory: one error at the tab, not "holds no ClusterInventory" and the parser\'s cascade', async () => {
  const r = await runMemory(
    {
      'inventory.yaml': INVENTORY.replace('    - clusterID: naples', '\t- clusterID: naples'),
      'policies/web.yaml': POLICY,
      'apps/x.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n',
    },
    ['validate'],
  )
  assert.is(r.code, 1)
  assert.equal(errorLines(r.stdout + r.stderr), ['inventory.yaml:11:1: error NSO1003: Tabs are not allowed as indentation (TAB_AS_INDENT)'])
})

test('the same object twice on one line (a minified JSON List): the message tells the two places apart', async () => {
  const cm = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'dup' } }
  const r = await runMemory(
    { 'inventory.yaml': INVENTORY, 'policies/web.yaml': POLICY, 'apps/list.json': JSON.stringify({ apiVersion: 'v1', kind: 'List', items: [cm, cm] }) },
    ['validate'],
  )
  assert.is(r.code, 1)
  const out = r.stdout + r.stderr
  assert.match(
    out,
    /apps\/list\.json:1:\d+: error NSO3025: ConfigMap\/dup in namespace web is defined twice in apps\/list\.json, at \/items\/0\/metadata\/name and at \/items\/1\/metadata\/name/,
  )
  assert.match(out, /note: first defined here \(\/items\/0\/metadata\/name\)/)
})

test("a UTF-16 file (PowerShell's >): named, with how to save it as UTF-8", async () => {
  const text = 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n'
  const utf16le = new Uint8Array([0xff, 0xfe, ...Buffer.from(text, 'utf16le')])
  const noBom = new Uint8Array(Buffer.from(text, 'utf16le'))
  for (const [bytes, name] of [
    [utf16le, 'with a byte-order mark'],
    [noBom, 'without one'],
  ] as const) {
    const r = await runMemory({ 'inventory.yaml': INVENTORY, 'policies/web.yaml': POLICY, 'apps/cm.yaml': bytes }, ['validate'])
    assert.is(r.code, 1, name)
    const out = r.stdout + r.stderr
    assert.equal(errorLines(out), ['apps/cm.yaml:1:1: error NSO1005: the file is UTF-16 LE text: Kubernetes and nsoffload read YAML as UTF-8'], name)
    assert.match(out, /hint: save it as UTF-8 \(iconv -f UTF-16LE -t UTF-8 apps\/cm\.yaml > apps\/cm\.yaml\.utf8/)
  }
})

test('a missing or empty kind is said so, never "kind null"', async () => {
  const r = await runMemory(
    {
      'inventory.yaml': INVENTORY,
      'policies/web.yaml': POLICY,
      'policies/nokind.yaml': 'apiVersion: nsoffload.dev/v1alpha1\nkind:\nmetadata: {name: x}\n',
      'apps/w.yaml': 'apiVersion: v1\nkind:\nmetadata: {name: y}\n',
    },
    ['validate'],
  )
  const out = r.stdout + r.stderr
  assert.not.match(out, /kind null/)
  assert.match(out, /policies\/nokind\.yaml:2:\d+: error NSO1007: kind is empty \(expected /)
  assert.match(out, /apps\/w\.yaml:2:\d+: error NSO3024: the workload has no kind/)
})

test("NSO4004: a cluster whose virtual nodes disagree is said to give an undetermined result in Liqo, not 'the last one listed'", async () => {
  const inv = INVENTORY.replace(
    '    - clusterID: naples\n      labels: {region: south}\n',
    '    - clusterID: naples\n      virtualNodes:\n        - {name: naples-1, labels: {region: south}}\n        - {name: naples-2, labels: {region: north}}\n',
  )
  const r = await runMemory(
    {
      'inventory.yaml': inv,
      'policies/web.yaml': POLICY.replace('spec:\n', 'spec:\n  clusterSelector: [region=south]\n'),
      'apps/x.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n',
    },
    ['plan', '--format', 'json'],
  )
  assert.is(r.code, 0, r.stderr)
  const d = (JSON.parse(r.stdout) as { diagnostics: { code: string; message: string; hint?: string }[] }).diagnostics.find((x) => x.code === 'NSO4004')
  assert.ok(d, r.stdout)
  assert.match(
    d.message,
    /the virtual nodes of naples disagree \(naples-1: match, naples-2: no match\); nsoffload selects the cluster, but Liqo's result is not determined/,
  )
  assert.not.match(d.message, /last one listed/)
  assert.match(d.hint ?? '', /give every virtual node of naples the labels the selector reads/)
})

test('help: no example is wrapped inside its command; each is one line or a comment above its command', async () => {
  for (const c of COMMANDS) {
    const name = c.command.split(' ')[0] ?? ''
    const r = await runMemory({}, [name, ...(name === 'inventory' ? ['pull'] : []), '--help'])
    assert.is(r.code, 0, `${name}: ${r.stderr}`)
    const examples = r.stdout.split('Examples:\n')[1]?.split('\n\n')[0] ?? ''
    assert.ok(examples !== '', `${name} has examples`)
    for (const line of examples.split('\n').filter(Boolean)) assert.match(line, /^ {2}(nsoffload |kpt |kustomize |source |# )/, `${name}: "${line}"`)
  }
})

test('completion after -- offers only flags that exist (no --p, --i, --o)', async () => {
  const r = await runMemory({}, ['--get-yargs-completions', 'nsoffload', 'build', '--'])
  const offered = r.stdout.split('\n').filter(Boolean)
  assert.ok(offered.includes('--policies') && offered.includes('--output'), offered.join(' '))
  assert.equal(
    offered.filter((o) => /^--.$/.test(o)),
    [],
  )
  const short = await runMemory({}, ['--get-yargs-completions', 'nsoffload', 'build', '-'])
  assert.ok(short.stdout.split('\n').includes('-o'), 'the short forms after a single dash')
})

test('version --format json prints JSON', async () => {
  const r = await runMemory({}, ['version', '--format', 'json'])
  assert.is(r.code, 0)
  assert.match((JSON.parse(r.stdout) as { version: string }).version, /^\d+\.\d+\.\d+/)
})

test('inventory push: an unknown action, said before any missing flag; inventory pull without --context says what it needs', async () => {
  for (const args of [
    ['inventory', 'push'],
    ['inventory', 'push', '--context', 'x'],
  ]) {
    const r = await runMemory({}, args)
    assert.is(r.code, 2)
    assert.is(r.stderr, 'nsoffload: unknown action "push" of inventory: the one action is pull (nsoffload inventory pull --context CTX)\n')
  }
  const pull = await runMemory({}, ['inventory', 'pull'])
  assert.is(pull.code, 2)
  assert.is(pull.stderr, 'nsoffload: inventory pull needs --context CTX: the kubeconfig context of the home cluster\n')
})

test.run()
