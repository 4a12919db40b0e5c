import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { parse } from 'yaml'
import { runCli, tempTree } from '../helpers/cli.ts'
import { type ControlPlaneEnv, e2eSkipReason, getSharedEnv } from './harness/control-plane.ts'

/** `inventory pull` reads a live home cluster's nodes: Liqo virtual nodes become remotes. */
const skip = e2eSkipReason('inventory-pull')
const e2e = skip === null ? test : test.skip
let env: ControlPlaneEnv
const NODES = ['pull-home-1', 'pull-rome', 'pull-turin-a', 'pull-turin-b']

test.before(async () => {
  if (skip !== null) return
  env = await getSharedEnv()
  const taint = { key: 'virtual-node.liqo.io/not-allowed', value: 'true', effect: 'NoExecute' as const }
  const vn = (name: string, id: string, extra: Record<string, string>) => ({
    name,
    labels: { 'liqo.io/type': 'virtual-node', 'liqo.io/remote-cluster-id': id, 'kubernetes.io/hostname': name, 'kubernetes.io/role': 'agent', type: 'virtual-kubelet', ...extra },
    taints: [taint],
  })
  await env.createNodes('florence', [
    { name: 'pull-home-1', labels: { 'kubernetes.io/hostname': 'pull-home-1', disk: 'ssd' } },
    vn('pull-rome', 'pull-rome', { 'topology.liqo.io/region': 'center' }),
    vn('pull-turin-a', 'pull-turin', { 'topology.liqo.io/region': 'north', zone: 'a' }),
    vn('pull-turin-b', 'pull-turin', { 'topology.liqo.io/region': 'north', zone: 'b' }),
  ])
})

test.after(async () => {
  if (skip === null && (env as ControlPlaneEnv | undefined) !== undefined) await env.deleteNodes('florence', NODES).catch(() => undefined)
})

e2e('inventory pull --context florence: home nodes, one remote per cluster ID with its labels, and a valid inventory', async () => {
  const dir = tempTree({})
  const r = await runCli(['inventory', 'pull', '--context', 'florence', '--cluster-id', 'florence', '-o', 'inventory.yaml', '--kubeconfig', env.kubeconfigPath], dir)
  assert.is(r.code, 0, r.stderr)
  const text = (await import('node:fs')).readFileSync(`${dir}/inventory.yaml`, 'utf8')
  const inv = parse(text) as { spec: { home: { clusterID: string; nodes: { name: string; labels: Record<string, string> }[] }; remotes: { clusterID: string; labels: Record<string, string>; virtualNodes?: { name: string; labels: Record<string, string> }[] }[] } }
  assert.is(inv.spec.home.clusterID, 'florence')
  assert.ok(inv.spec.home.nodes.some((n) => n.name === 'pull-home-1' && n.labels['disk'] === 'ssd'))
  const rome = inv.spec.remotes.find((x) => x.clusterID === 'pull-rome')
  assert.equal(rome?.labels, { 'topology.liqo.io/region': 'center' }, 'Liqo\'s and the kubelet\'s own labels are left out')
  assert.is(rome?.virtualNodes, undefined)
  const turin = inv.spec.remotes.find((x) => x.clusterID === 'pull-turin')
  assert.equal(turin?.virtualNodes?.map((v) => [v.name, v.labels['zone']]), [['pull-turin-a', 'a'], ['pull-turin-b', 'b']])
  // What it wrote is an inventory nsoffload accepts.
  const policy = 'apiVersion: nsoffload.dev/v1alpha1\nkind: OffloadingPolicy\nmetadata:\n  name: x\nspec:\n  clusterSelector: ["topology.liqo.io/region=center"]\n'
  ;(await import('node:fs')).mkdirSync(`${dir}/policies`)
  ;(await import('node:fs')).writeFileSync(`${dir}/policies/x.yaml`, policy)
  const plan = await runCli(['plan', '--format', 'json'], dir)
  assert.is(plan.code, 0, plan.stderr)
  const selected = (JSON.parse(plan.stdout) as { namespaces: { clusters: { clusterID: string; selected: boolean }[] }[] }).namespaces[0]?.clusters.filter((c) => c.selected).map((c) => c.clusterID)
  assert.equal(selected, ['pull-rome'])
})

e2e('an unknown context is exit 2 with the contexts there, and no credential in the output', async () => {
  const r = await runCli(['inventory', 'pull', '--context', 'nowhere', '--kubeconfig', env.kubeconfigPath], tempTree({}))
  assert.is(r.code, 2)
  assert.match(r.stderr, /context "nowhere" .* contexts there: venice, florence, naples/)
  for (const c of Object.values(env.clusters)) assert.not.ok(r.stderr.includes(c.token), 'the token is never printed')
})

test.run()
