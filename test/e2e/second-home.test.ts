import * as fs from 'node:fs'
import * as path from 'node:path'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { runCli, tempTree } from '../helpers/cli.ts'
import { type ControlPlaneEnv, e2eSkipReason, getSharedEnv } from './harness/control-plane.ts'

/**
 * Two home clusters sharing a remote, against real API servers: venice (the `venice` API
 * server) and rome (the `florence` API server, Liqo cluster ID `rome`) both offload `h2-demo`
 * with EnforceSameName to naples. The twin on naples is venice's (its markers name venice's
 * NamespaceMap): rome's sync never writes it and reports CreationLoopBackOff, as Liqo's
 * NamespaceMap check would; rome's `sync --prune` never deletes it or what it holds; venice
 * stays Ready.
 */
const skip = e2eSkipReason('second-home')
const e2e = skip === null ? test : test.skip
let env: ControlPlaneEnv
let venice: string
let rome: string
const NS = 'h2-demo'
const VN_VENICE = 'h2-naples-v'
const VN_ROME = 'h2-naples-r'

const inventory = (name: string, home: string, context: string, vn: string): string =>
  `apiVersion: nsoffload.dev/v1alpha1\nkind: ClusterInventory\nmetadata:\n  name: ${name}\nspec:\n  home:\n    clusterID: ${home}\n    context: ${context}\n  remotes:\n    - clusterID: naples\n      context: naples\n      labels: {topology.liqo.io/region: south}\n      virtualNodes: [{name: ${vn}}]\n`
const POLICY = `apiVersion: nsoffload.dev/v1alpha1\nkind: OffloadingPolicy\nmetadata:\n  name: ${NS}\nspec:\n  namespaceMappingStrategy: EnforceSameName\n`
const virtualNode = (name: string) => ({
  name,
  labels: { 'liqo.io/type': 'virtual-node', 'liqo.io/remote-cluster-id': 'naples', 'topology.liqo.io/region': 'south' },
  taints: [{ key: 'virtual-node.liqo.io/not-allowed', value: 'true', effect: 'NoExecute' as const }],
})

test.before(async () => {
  if (skip !== null) return
  env = await getSharedEnv()
  venice = tempTree({ 'inventory.yaml': inventory('h2-venice', 'venice', 'venice', VN_VENICE), [`policies/${NS}.yaml`]: POLICY })
  rome = tempTree({ 'inventory.yaml': inventory('h2-rome', 'rome', 'florence', VN_ROME), [`policies/${NS}.yaml`]: POLICY })
  await env.createNodes('venice', [virtualNode(VN_VENICE)])
  await env.createNodes('florence', [virtualNode(VN_ROME)])
})

test.after(async () => {
  if (skip !== null || (env as ControlPlaneEnv | undefined) === undefined) return
  for (const c of ['venice', 'florence', 'naples']) {
    for (const ns of [NS, 'h2-other', 'h2-other-rome']) await env.deleteNamespace(c, ns, 30_000).catch(() => false)
    for (const s of ['nsoffload-h2-venice', 'nsoffload-h2-rome'])
      await env.kubectl(c, ['delete', 'secret', s, '-n', 'default', '--ignore-not-found']).catch(() => undefined)
  }
  await env.deleteNodes('venice', [VN_VENICE]).catch(() => undefined)
  await env.deleteNodes('florence', [VN_ROME]).catch(() => undefined)
})

const nsoffload = (repo: string, args: string[]) => runCli([...args, '--kubeconfig', env.kubeconfigPath], repo)
async function json(cluster: string, args: string[]): Promise<Record<string, unknown>> {
  const r = await env.kubectl(cluster, [...args, '-o', 'json'])
  assert.is(r.code, 0, r.stderr)
  return JSON.parse(r.stdout) as Record<string, unknown>
}
const twinMeta = async (): Promise<unknown> => (await json('naples', ['get', 'namespace', NS]))['metadata']
const naplesWrites = async (since: number): Promise<string[]> =>
  (await env.auditWrites('naples', since)).filter((w) => w.userAgent.startsWith('nsoffload') && !w.dryRun).map((w) => `${w.verb} ${w.resource}/${w.name}`)
interface Row {
  namespace: string
  status: { offloadingPhase: string; remoteNamespacesConditions?: Record<string, { type: string; reason: string }[]> }
}
const rows = (stdout: string): Row[] => (JSON.parse(stdout) as { namespaces: Row[] }).namespaces

e2e("venice offloads h2-demo to naples; rome's sync of the same namespace leaves venice's twin alone: CreationLoopBackOff", async () => {
  const v = await nsoffload(venice, ['sync', '--install-crds'])
  assert.is(v.code, 0, v.stderr + v.stdout)
  assert.is((await env.kubectl('naples', ['-n', NS, 'create', 'configmap', 'venice-data', '--from-literal=k=v'])).code, 0)
  const before = await twinMeta()
  const since = await env.auditOffset('naples')
  const r = await nsoffload(rome, ['sync', '--install-crds', '--format', 'json'])
  assert.is(r.code, 1, r.stderr + r.stdout)
  assert.match(
    r.stderr,
    /naples: error NSO5003: namespace "h2-demo" already exists and it is not managed by NamespaceMap "liqo-tenant-rome\/naples": left alone \(CreationLoopBackOff\)/,
  )
  const row = rows(r.stdout).find((x) => x.namespace === NS)
  assert.is(row?.status.offloadingPhase, 'AllFailed')
  assert.is(row?.status.remoteNamespacesConditions?.['naples']?.find((c) => c.type === 'Ready')?.reason, 'CreationLoopBackOff')
  assert.equal(
    (await naplesWrites(since)).filter((w) => w.startsWith('patch namespaces') || w.startsWith('delete')),
    [],
    "venice's twin is never written by rome",
  )
  assert.equal(await twinMeta(), before)
  // Again: no flip between the homes.
  assert.is((await nsoffload(rome, ['sync'])).code, 1)
  assert.equal(await twinMeta(), before)
  // rome's status reads the same.
  const s = await nsoffload(rome, ['status', '--format', 'json'])
  assert.is(s.code, 1, s.stderr)
  assert.is(rows(s.stdout).find((x) => x.namespace === NS)?.status.offloadingPhase, 'AllFailed')
})

e2e("rome's sync --prune never deletes venice's twin nor what it holds; venice stays Ready", async () => {
  fs.rmSync(path.join(rome, 'policies', `${NS}.yaml`))
  fs.writeFileSync(path.join(rome, 'policies', 'h2-other.yaml'), POLICY.replace(`name: ${NS}`, 'name: h2-other').replace('EnforceSameName', 'DefaultName'))
  const since = await env.auditOffset('naples')
  const r = await nsoffload(rome, ['sync', '--prune'])
  assert.is(r.code, 0, r.stderr + r.stdout)
  assert.not.ok(
    (await naplesWrites(since)).some((w) => w === `delete namespaces/${NS}`),
    'not deleted',
  )
  assert.is((await env.kubectl('naples', ['get', 'configmap', 'venice-data', '-n', NS, '-o', 'name'])).stdout.trim(), 'configmap/venice-data')
  const v = await nsoffload(venice, ['status', '--format', 'json'])
  assert.is(v.code, 0, v.stderr + v.stdout)
  assert.is(rows(v.stdout).find((x) => x.namespace === NS)?.status.offloadingPhase, 'Ready')
})

test.run()
