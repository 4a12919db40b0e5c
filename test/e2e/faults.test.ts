import { spawn } from 'node:child_process'
import * as fs from 'node:fs'
import * as net from 'node:net'
import * as path from 'node:path'
import { pathToFileURL } from 'node:url'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { REPO, runCli, tempTree } from '../helpers/cli.ts'
import { inventoryNodes } from './harness/inventory-nodes.ts'
import { type ControlPlaneEnv, e2eSkipReason, getSharedEnv, poll } from './harness/control-plane.ts'
import { type FaultProxy, kubeconfigFor, startFaultProxy } from './harness/fault-proxy.ts'

/**
 * Transient API failures between nsoffload and real API servers (a fault-injecting proxy), and
 * a sync killed midway: retried with backoff, and converging when run again.
 */
const skip = e2eSkipReason('faults')
const e2e = skip === null ? test : test.skip
const CLUSTERS = ['venice', 'florence', 'naples'] as const
const NAMESPACES = ['fault-a', 'fault-b', 'fault-c', 'fault-d', 'fault-e', 'fault-f']
let env: ControlPlaneEnv
let work: string
const proxies: FaultProxy[] = []

test.before(async () => {
  if (skip !== null) return
  env = await getSharedEnv()
  const inventory = fs.readFileSync(path.join(REPO, 'inventory.yaml'), 'utf8')
  const files: Record<string, string> = { 'inventory.yaml': inventory }
  for (const ns of NAMESPACES) files[`policies/${ns}.yaml`] = `apiVersion: nsoffload.dev/v1alpha1\nkind: OffloadingPolicy\nmetadata:\n  name: ${ns}\nspec: {}\n`
  work = tempTree(files)
  // venice's nodes as the inventory says them: the drift guard finds nothing to refuse.
  await env.createNodes('venice', inventoryNodes(inventory))
  // The CRD may or may not be there (another suite may have installed it): --install-crds below.
})

test.after(async () => {
  for (const p of proxies) await p.close()
  if (skip !== null || (env as ControlPlaneEnv | undefined) === undefined) return
  await Promise.all(
    NAMESPACES.flatMap((ns) => [
      env.deleteNamespace('venice', ns, 30_000),
      ...['florence', 'naples'].map((c) => env.deleteNamespace(c, `${ns}-venice`, 30_000)),
    ]).map((p) => p.catch(() => false)),
  )
  for (const c of ['venice', 'florence', 'naples'])
    await env.kubectl(c, ['delete', 'secret', 'nsoffload-italy', '-n', 'default', '--ignore-not-found']).catch(() => undefined)
  await env
    .deleteNodes(
      'venice',
      inventoryNodes(fs.readFileSync(path.join(REPO, 'inventory.yaml'), 'utf8')).map((n) => n.name),
    )
    .catch(() => undefined)
})

async function proxied(schedule: FaultProxy['schedule']): Promise<string> {
  const servers: Record<string, { server: string; token: string }> = {}
  for (const c of CLUSTERS) {
    const info = env.clusters[c]
    if (!info) throw new Error(`no cluster ${c}`)
    const p = await startFaultProxy(info.server, schedule)
    proxies.push(p)
    servers[c] = { server: p.url, token: info.token }
  }
  return kubeconfigFor(servers)
}

const phases = async (kubeconfig: string): Promise<string[][]> => {
  const r = await runCli(['status', '--format', 'json', '--kubeconfig', kubeconfig], work)
  const rows = (JSON.parse(r.stdout || '{"namespaces":[]}') as { namespaces: { namespace: string; status: { offloadingPhase: string } }[] }).namespaces
  return rows.filter((x) => x.namespace.startsWith('fault-')).map((x) => [x.namespace, x.status.offloadingPhase])
}

e2e('429, 503, connection resets and slow answers are retried with backoff: the sync succeeds', async () => {
  const cycle: ('none' | '429' | '503' | 'reset' | 'slow')[] = ['none', '429', 'none', '503', 'reset', 'none', 'slow', 'none']
  const kubeconfig = await proxied((n) => (n > 60 ? 'none' : (cycle[n % cycle.length] ?? 'none')))
  const r = await runCli(['sync', '--install-crds', '--kubeconfig', kubeconfig], work)
  assert.is(r.code, 0, r.stderr)
  assert.match(r.stderr, /retrying in \d+ ms/)
  const injected = proxies.flatMap((p) => p.injected)
  for (const f of ['429', '503', 'reset'] as const) assert.ok(injected.includes(f), `a ${f} was injected`)
  // Keep-alive: the requests share a few connections, a new one after each reset.
  const total = proxies.reduce((a, p) => a + p.seen.total, 0)
  const connections = proxies.reduce((a, p) => a + p.seen.connections, 0)
  assert.ok(connections <= CLUSTERS.length * 8 + injected.filter((f) => f === 'reset').length, `${connections} connections for ${total} requests`)
  assert.equal(
    await phases(env.kubeconfigPath),
    NAMESPACES.map((n) => [n, 'Ready']),
  )
  for (const ns of NAMESPACES) for (const c of ['florence', 'naples']) assert.is((await env.kubectl(c, ['get', 'ns', `${ns}-venice`, '-o', 'name'])).code, 0)
})

e2e('a cluster that cannot be reached: one line naming its context and server, exit 2, the others read', async () => {
  const closed = await closedPort()
  const servers: Record<string, { server: string; token: string }> = {}
  for (const c of CLUSTERS)
    servers[c] = { server: c === 'florence' ? `https://127.0.0.1:${closed}` : (env.clusters[c]?.server ?? ''), token: env.clusters[c]?.token ?? '' }
  const since = await env.auditOffset('naples')
  const r = await runCli(['diff', '--kubeconfig', kubeconfigFor(servers)], work)
  assert.is(r.code, 2, r.stderr)
  assert.is(r.stderr, `nsoffload: cluster "florence" (context florence, https://127.0.0.1:${closed}) is unreachable: connect ECONNREFUSED\n`)
  assert.ok(
    (await env.auditEvents('naples', since)).some((e) => e.userAgent.startsWith('nsoffload') && e.verb === 'list'),
    'naples was read',
  )
  // Two of them, on a sync: a line each.
  servers['naples'] = { server: `https://127.0.0.1:${closed}`, token: 'x' }
  const two = await runCli(['sync', '--kubeconfig', kubeconfigFor(servers)], work)
  assert.is(two.code, 2, two.stderr)
  assert.equal(two.stderr.split('\n').filter(Boolean).sort(), [
    `nsoffload: cluster "florence" (context florence, https://127.0.0.1:${closed}) is unreachable: connect ECONNREFUSED`,
    `nsoffload: cluster "naples" (context naples, https://127.0.0.1:${closed}) is unreachable: connect ECONNREFUSED`,
  ])
})

/** A loopback port nothing listens on. */
async function closedPort(): Promise<number> {
  const srv = net.createServer()
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r))
  const port = (srv.address() as net.AddressInfo).port
  await new Promise((r) => srv.close(r))
  return port
}

e2e('a sync killed midway converges when run again: nothing lost, nothing duplicated, then nothing to do', async () => {
  // Start over: the namespaces go, then a slow proxy lets us kill the sync in the middle.
  await Promise.all(
    NAMESPACES.flatMap((ns) => [
      env.deleteNamespace('venice', ns, 60_000),
      ...['florence', 'naples'].map((c) => env.deleteNamespace(c, `${ns}-venice`, 60_000)),
    ]),
  )
  const kubeconfig = await proxied((_n, method) => (method === 'GET' ? 'none' : 'slow'))
  const writesBefore = proxies.slice(-3).reduce((n, p) => n + p.seen.writes, 0)
  const tsx = pathToFileURL(path.join(REPO, 'node_modules', 'tsx', 'dist', 'loader.mjs')).href
  const child = spawn(
    process.execPath,
    ['--import', tsx, path.join(REPO, 'src', 'cli', 'entry.ts'), 'sync', '--concurrency', '1', '--kubeconfig', kubeconfig],
    {
      cwd: work,
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  )
  let childErr = ''
  child.stderr?.on('data', (c: Buffer) => (childErr += c.toString()))
  await poll(
    `five writes through the proxy (child stderr: ${childErr})`,
    () => (proxies.slice(-3).reduce((n, p) => n + p.seen.writes, 0) - writesBefore >= 5 ? true : undefined),
    { timeoutMs: 60_000, intervalMs: 20 },
  )
  child.kill('SIGKILL')
  await new Promise((r) => child.once('exit', r))
  const half = await phases(env.kubeconfigPath)
  assert.ok(half.length < NAMESPACES.length || half.some(([, p]) => p !== 'Ready'), `killed before the end: ${JSON.stringify(half)}`)
  const again = await runCli(['sync', '--kubeconfig', env.kubeconfigPath], work)
  assert.is(again.code, 0, again.stderr)
  assert.equal(
    await phases(env.kubeconfigPath),
    NAMESPACES.map((n) => [n, 'Ready']),
  )
  for (const c of ['florence', 'naples']) {
    const names = (await env.kubectl(c, ['get', 'ns', '-o', 'name'])).stdout.split('\n').filter((l) => l.includes('fault-'))
    assert.equal(
      names.sort(),
      NAMESPACES.map((n) => `namespace/${n}-venice`),
      `exactly the twins on ${c}`,
    )
  }
  const offsets: Record<string, number> = {}
  for (const c of CLUSTERS) offsets[c] = await env.auditOffset(c)
  const third = await runCli(['sync', '--kubeconfig', env.kubeconfigPath], work)
  assert.is(third.code, 0, third.stderr)
  for (const c of CLUSTERS)
    assert.equal(
      (await env.auditWrites(c, offsets[c])).filter((w) => w.userAgent.startsWith('nsoffload')),
      [],
      `no writes on ${c}`,
    )
})

test.run()
