import * as fs from 'node:fs'
import * as net from 'node:net'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { commandDeadline, parseDuration } from '../../src/cli/clusters.ts'
import { UsageError } from '../../src/cli/exit-codes.ts'
import { REPO, runCli, tempTree } from '../helpers/cli.ts'

/**
 * `--timeout` and `--request-timeout` (docs/sync.md, "Time limits"): durations as kubectl
 * writes them, more than 0, checked before any cluster is contacted.
 */

test('durations as kubectl writes them (Go time.ParseDuration), or a number of seconds', () => {
  const cases: [string, number][] = [
    ['30s', 30_000],
    ['2m', 120_000],
    ['1m30s', 90_000],
    ['250ms', 250],
    ['1.5h', 5_400_000],
    ['90', 90_000],
    ['0.5', 500],
    [' 2m ', 120_000],
  ]
  for (const [s, ms] of cases) assert.is(parseDuration(s, '--timeout'), ms, s)
  for (const bad of ['0', '0s', '', 'soon', '-1s', '2 m', '1d', 's', '1m30']) {
    assert.throws(
      () => parseDuration(bad, '--timeout'),
      (e: unknown) => e instanceof UsageError && e.message === `--timeout takes a duration more than 0, such as 30s, 2m or 1m30s, not "${bad}"`,
      bad,
    )
  }
  assert.equal(commandDeadline({ timeout: '2m' }, 1000), { at: 121_000, flag: '--timeout 2m' })
  assert.is(commandDeadline({}, 1000), undefined)
})

/** A loopback port nothing listens on: a cluster that would fail if it were contacted. */
async function closedPort(): Promise<number> {
  const srv = net.createServer()
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r))
  const port = (srv.address() as net.AddressInfo).port
  await new Promise((r) => srv.close(r))
  return port
}

test('a bad --timeout or --request-timeout: exit 2 naming the flag, before any cluster is contacted', async () => {
  const port = await closedPort()
  const kubeconfig = [
    'apiVersion: v1',
    'kind: Config',
    'clusters:',
    ...['venice', 'florence', 'naples'].map((c) => `- {name: ${c}, cluster: {server: "https://127.0.0.1:${port}"}}`),
    'users: [{name: u, user: {token: secret-token-never-printed}}]',
    'contexts:',
    ...['venice', 'florence', 'naples'].map((c) => `- {name: ${c}, context: {cluster: ${c}, user: u}}`),
    '',
  ].join('\n')
  const work = tempTree({
    'inventory.yaml': fs.readFileSync(`${REPO}/inventory.yaml`, 'utf8'),
    'policies/a.yaml': 'apiVersion: nsoffload.dev/v1alpha1\nkind: OffloadingPolicy\nmetadata:\n  name: a\nspec: {}\n',
    kubeconfig,
  })
  const runs: [string[], string][] = [
    [['status', '--timeout', '0'], '--timeout takes a duration more than 0, such as 30s, 2m or 1m30s, not "0"'],
    [['diff', '--request-timeout', 'forever'], '--request-timeout takes a duration more than 0, such as 30s, 2m or 1m30s, not "forever"'],
    [['sync', '--wait', '--timeout', '2 minutes'], '--timeout takes a duration more than 0, such as 30s, 2m or 1m30s, not "2 minutes"'],
    [['inventory', 'pull', '--context', 'venice', '--timeout', 'x'], '--timeout takes a duration more than 0, such as 30s, 2m or 1m30s, not "x"'],
  ]
  for (const [args, message] of runs) {
    const r = await runCli([...args, '--kubeconfig', 'kubeconfig'], work)
    assert.is(r.code, 2, `${args.join(' ')}: ${r.stderr}`)
    assert.is(r.stderr, `nsoffload: ${message}\n`, args.join(' '))
  }
})

test('inventory pull --check: a bad --request-timeout is said before the inventory is read (its errors are not)', async () => {
  const work = tempTree({ 'inventory.yaml': 'apiVersion: nsoffload.dev/v1alpha1\nkind: ClusterInventory\nmetadata: {name: x}\nspec: {home: 1}\n' })
  const invalid = await runCli(['inventory', 'pull', '--check'], work)
  assert.is(invalid.code, 1, 'the inventory is invalid: checked, its diagnostics said')
  assert.match(invalid.stderr, /inventory\.yaml:\d+:\d+: error NSO/)
  const r = await runCli(['inventory', 'pull', '--check', '--request-timeout', 'forever'], work)
  assert.is(r.code, 2, r.stderr)
  assert.is(r.stderr, 'nsoffload: --request-timeout takes a duration more than 0, such as 30s, 2m or 1m30s, not "forever"\n')
})

test.run()
