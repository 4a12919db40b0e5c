import { test } from 'uvu'
import * as assert from 'uvu/assert'
import * as fs from 'node:fs'
import * as path from 'node:path'
import { runCli, tempTree } from '../helpers/cli.ts'
import { type ControlPlaneEnv, e2eSkipReason, getSharedEnv } from './harness/control-plane.ts'
import { type FaultProxy, kubeconfigFor, startFaultProxy } from './harness/fault-proxy.ts'

/**
 * The per-namespace order holds while namespaces are applied concurrently, against real API
 * servers: a home API server that stops answering in the middle of the NamespaceOffloadings
 * (a proxy that resets every request from then on) leaves no twin without its
 * NamespaceOffloading; a remote that stops answering in the middle of an unoffload leaves no
 * NamespaceOffloading deleted before its twins.
 */
const skip = e2eSkipReason('sync-order')
const e2e = skip === null ? test : test.skip
let env: ControlPlaneEnv
let work: string
const NAMESPACES = ['order-a', 'order-b', 'order-c', 'order-d', 'order-e', 'order-f']
const REMOTES = ['florence', 'naples'] as const
const VNS = { florence: 'order-florence', naples: 'order-naples' }
const proxies: FaultProxy[] = []

const INVENTORY = `apiVersion: nsoffload.dev/v1alpha1
kind: ClusterInventory
metadata:
  name: order
spec:
  home:
    clusterID: venice
  remotes:
    - clusterID: florence
      labels: {topology.liqo.io/region: center}
      virtualNodes: [{name: ${VNS.florence}}]
    - clusterID: naples
      labels: {topology.liqo.io/region: south}
      virtualNodes: [{name: ${VNS.naples}}]
`

test.before(async () => {
  if (skip !== null) return
  env = await getSharedEnv()
  const files: Record<string, string> = { 'inventory.yaml': INVENTORY }
  for (const ns of NAMESPACES) files[`policies/${ns}.yaml`] = `apiVersion: nsoffload.dev/v1alpha1\nkind: OffloadingPolicy\nmetadata:\n  name: ${ns}\nspec: {}\n`
  work = tempTree(files)
  await env.createNodes(
    'venice',
    REMOTES.map((r) => ({
      name: VNS[r],
      labels: { 'liqo.io/type': 'virtual-node', 'liqo.io/remote-cluster-id': r, 'topology.liqo.io/region': r === 'naples' ? 'south' : 'center' },
      taints: [{ key: 'virtual-node.liqo.io/not-allowed', value: 'true', effect: 'NoExecute' as const }],
    })),
  )
})

test.after(async () => {
  for (const p of proxies) await p.close()
  if (skip !== null || (env as ControlPlaneEnv | undefined) === undefined) return
  await Promise.all(
    NAMESPACES.flatMap((ns) => [env.deleteNamespace('venice', ns, 30_000), ...REMOTES.map((c) => env.deleteNamespace(c, `${ns}-venice`, 30_000))]).map((p) =>
      p.catch(() => false),
    ),
  )
  for (const c of ['venice', ...REMOTES])
    await env.kubectl(c, ['delete', 'secret', 'nsoffload-order', '-n', 'default', '--ignore-not-found']).catch(() => undefined)
  await env.deleteNodes('venice', Object.values(VNS)).catch(() => undefined)
})

/** A kubeconfig where `dying` goes through a proxy that answers until `alive` says no, then resets every request (a server gone). */
async function dyingKubeconfig(dying: string, alive: (method: string, url: string) => boolean): Promise<string> {
  const servers: Record<string, { server: string; token: string }> = {}
  for (const c of ['venice', ...REMOTES]) {
    const info = env.clusters[c]
    if (!info) throw new Error(`no cluster ${c}`)
    servers[c] = { server: info.server, token: info.token }
  }
  let dead = false
  const info = env.clusters[dying]
  if (!info) throw new Error(`no cluster ${dying}`)
  const p = await startFaultProxy(info.server, (_n, method, url) => {
    if (!dead && !alive(method, url)) dead = true
    return dead ? 'reset' : 'none'
  })
  proxies.push(p)
  servers[dying] = { server: p.url, token: info.token }
  return kubeconfigFor(servers)
}

const exists = async (cluster: string, args: string[]): Promise<boolean> =>
  (await env.kubectl(cluster, ['get', ...args, '--ignore-not-found', '-o', 'name'])).stdout.trim() !== ''
const offloadings = async (): Promise<string[]> => {
  const r = await env.kubectl('venice', ['get', 'nso', '-A', '-o', 'jsonpath={range .items[*]}{.metadata.namespace}{"\\n"}{end}'])
  return r.stdout.split('\n').filter((n) => NAMESPACES.includes(n))
}
const twins = async (c: string): Promise<string[]> =>
  (await env.kubectl(c, ['get', 'ns', '-o', 'name'])).stdout
    .split('\n')
    .filter((l) => l.startsWith('namespace/order-'))
    .map((l) => l.slice('namespace/'.length).replace(/-venice$/, ''))

e2e('the home API server gone after two NamespaceOffloadings: every twin on the remotes has its NamespaceOffloading', async () => {
  let nsoWrites = 0
  const kubeconfig = await dyingKubeconfig('venice', (method, url) => !(method === 'PATCH' && url.includes('/namespaceoffloadings/') && ++nsoWrites > 2))
  const r = await runCli(['sync', '--install-crds', '--concurrency', '3', '--kubeconfig', kubeconfig], work)
  // The home given up ends the sync there (exit 2, the cluster named): nothing of a later step is sent.
  assert.is(r.code, 2, r.stderr + r.stdout)
  assert.match(
    r.stderr,
    /nsoffload: cluster "venice" \(context venice, [^)]*\) stopped answering: PATCH \S+\/namespaceoffloadings\/offloading: ECONNRESET; given up after/,
  )
  const nsos = await offloadings()
  assert.is(nsos.length, 2, `two NamespaceOffloadings got through: ${nsos.join(', ')}`)
  for (const c of REMOTES) {
    const ts = await twins(c)
    assert.ok(
      ts.every((t) => nsos.includes(t)),
      `${c}: twins ${ts.join(', ')} without their NamespaceOffloading (have ${nsos.join(', ')})`,
    )
  }
  // Run again: it converges.
  const again = await runCli(['sync', '--kubeconfig', env.kubeconfigPath], work)
  assert.is(again.code, 0, again.stderr + again.stdout)
  assert.equal((await offloadings()).sort(), NAMESPACES)
  for (const c of REMOTES) assert.equal((await twins(c)).sort(), NAMESPACES)
})

e2e('a remote gone in the middle of an unoffload: no NamespaceOffloading is deleted before its twins', async () => {
  for (const ns of NAMESPACES) fs.rmSync(path.join(work, 'policies', `${ns}.yaml`))
  fs.writeFileSync(
    path.join(work, 'policies', 'order-keep.yaml'),
    'apiVersion: nsoffload.dev/v1alpha1\nkind: OffloadingPolicy\nmetadata:\n  name: order-keep\nspec:\n  clusterSelector: ["nowhere=1"]\n',
  )
  let deletes = 0
  const kubeconfig = await dyingKubeconfig('naples', (method) => !(method === 'DELETE' && ++deletes > 2))
  const r = await runCli(['sync', '--prune', '--concurrency', '3', '--kubeconfig', kubeconfig], work)
  // The remote given up ends the sync there (exit 2, the cluster named).
  assert.is(r.code, 2, r.stderr + r.stdout)
  assert.match(r.stderr, /nsoffload: cluster "naples" \(context naples, [^)]*\) stopped answering: DELETE \S+: ECONNRESET; given up after/)
  const nsos = await offloadings()
  for (const c of REMOTES) {
    const ts = await twins(c)
    assert.ok(
      ts.every((t) => nsos.includes(t)),
      `${c}: twins ${ts.join(', ')} left without their NamespaceOffloading (have ${nsos.join(', ')})`,
    )
  }
  assert.ok((await twins('naples')).length >= NAMESPACES.length - 2, 'naples went away midway')
  const again = await runCli(['sync', '--prune', '--wait', '--timeout', '90s', '--kubeconfig', env.kubeconfigPath], work)
  assert.is(again.code, 0, again.stderr + again.stdout)
  assert.equal(await offloadings(), [])
  assert.ok(!(await exists('venice', ['nso', 'offloading', '-n', 'order-a'])))
})

test.run()
