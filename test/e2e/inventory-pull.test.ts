import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { parse } from 'yaml'
import { runCli, tempTree } from '../helpers/cli.ts'
import { VIRTUAL_NODE_TAINT, virtualNodeLabels } from '../../src/liqo/virtual-nodes.ts'
import { type ControlPlaneEnv, e2eSkipReason, getSharedEnv } from './harness/control-plane.ts'

/** `inventory pull` reads a live home cluster's nodes: Liqo virtual nodes become remotes. */
const skip = e2eSkipReason('inventory-pull')
const e2e = skip === null ? test : test.skip
let env: ControlPlaneEnv
const NODES = ['pull-home-1', 'pull-rome', 'pull-turin-a', 'pull-turin-b', 'pull-bare']

test.before(async () => {
  if (skip !== null) return
  env = await getSharedEnv()
  // Virtual nodes labelled as Liqo labels them, from the compiler's own source of truth.
  const vn = (name: string, id: string, extra: Record<string, string>) => ({
    name,
    labels: virtualNodeLabels(id, name, extra),
    taints: [{ ...VIRTUAL_NODE_TAINT, effect: 'NoExecute' as const }],
  })
  await env.createNodes('florence', [
    { name: 'pull-home-1', labels: { 'kubernetes.io/hostname': 'pull-home-1', disk: 'ssd' } },
    vn('pull-rome', 'pull-rome', { 'topology.liqo.io/region': 'center' }),
    vn('pull-turin-a', 'pull-turin', { 'topology.liqo.io/region': 'north', zone: 'a', gpu: 'h100', 'kubernetes.io/arch': 'arm64' }),
    vn('pull-turin-b', 'pull-turin', { 'topology.liqo.io/region': 'north', zone: 'b', 'storage.liqo.io/available': 'false' }),
    // Not as Liqo makes them: only the two labels that make it a virtual node (the harness adds hostname, os and arch).
    { name: 'pull-bare', labels: { 'liqo.io/type': 'virtual-node', 'liqo.io/remote-cluster-id': 'pull-bare' } },
  ])
})

test.after(async () => {
  if (skip === null && (env as ControlPlaneEnv | undefined) !== undefined) await env.deleteNodes('florence', NODES).catch(() => undefined)
})

e2e('inventory pull --context florence: home nodes, one remote per cluster ID with its labels, and a valid inventory', async () => {
  const dir = tempTree({})
  const r = await runCli(
    ['inventory', 'pull', '--context', 'florence', '--cluster-id', 'florence', '-o', 'inventory.yaml', '--kubeconfig', env.kubeconfigPath],
    dir,
  )
  assert.is(r.code, 0, r.stderr)
  assert.match(
    r.stderr,
    /warning: virtual node pull-bare lacks kubernetes\.io\/role, node\.kubernetes\.io\/exclude-from-external-load-balancers, alpha\.service-controller\.kubernetes\.io\/exclude-balancer, storage\.liqo\.io\/available: the inventory cannot say so/,
  )
  assert.not.match(r.stderr, /pull-rome|pull-turin/, "Liqo's own nodes lack nothing")
  const text = (await import('node:fs')).readFileSync(`${dir}/inventory.yaml`, 'utf8')
  const inv = parse(text) as {
    spec: {
      home: { clusterID: string; nodes: { name: string; labels: Record<string, string> }[] }
      remotes: { clusterID: string; labels: Record<string, string>; virtualNodes?: { name: string; labels: Record<string, string> }[] }[]
    }
  }
  assert.is(inv.spec.home.clusterID, 'florence')
  assert.ok(inv.spec.home.nodes.some((n) => n.name === 'pull-home-1' && n.labels['disk'] === 'ssd'))
  const rome = inv.spec.remotes.find((x) => x.clusterID === 'pull-rome')
  assert.equal(rome?.labels, { 'topology.liqo.io/region': 'center' }, "Liqo's defaults, which the compiler puts back, are not repeated")
  assert.is(rome?.virtualNodes, undefined)
  const turin = inv.spec.remotes.find((x) => x.clusterID === 'pull-turin')
  assert.equal(turin?.labels, { 'topology.liqo.io/region': 'north' }, 'what both nodes share')
  assert.equal(
    turin?.virtualNodes?.map((v) => [v.name, v.labels]),
    [
      ['pull-turin-a', { gpu: 'h100', 'kubernetes.io/arch': 'arm64', zone: 'a' }],
      ['pull-turin-b', { 'storage.liqo.io/available': 'false', zone: 'b' }],
    ],
    "values other than Liqo's defaults are kept; a label of one node does not leak to the other",
  )
  // Compiling the pulled inventory gives back every label of every live virtual node.
  const { parseYaml } = await import('../../src/load/parse-yaml.ts')
  const { classify } = await import('../../src/validate/classify.ts')
  const { toInventory } = await import('../../src/validate/to-inventory.ts')
  const [doc] = classify(parseYaml('inventory.yaml', text).docs, ['ClusterInventory']).docs
  const compiled = doc ? toInventory(doc).inventory : undefined
  const live = JSON.parse((await env.kubectl('florence', ['get', 'nodes', '-l', 'liqo.io/type=virtual-node', '-o', 'json'])).stdout) as {
    items: { metadata: { name: string; labels: Record<string, string> } }[]
  }
  const liveOurs = live.items.filter((n) => NODES.includes(n.metadata.name))
  assert.is(liveOurs.length, 4)
  const bare = compiled?.remotes.find((x) => x.clusterID === 'pull-bare')?.virtualNodes[0]
  assert.is(bare?.labels['storage.liqo.io/available'], 'true', "what the warning said: Liqo's default is assumed")
  for (const n of liveOurs.filter((x) => x.metadata.name !== 'pull-bare')) {
    const c = compiled?.remotes.flatMap((r) => r.virtualNodes).find((v) => v.name === n.metadata.name)
    assert.equal(c?.labels, n.metadata.labels, `${n.metadata.name}: compiled labels = live labels`)
  }
  // What it wrote is an inventory nsoffload accepts.
  const policy =
    'apiVersion: nsoffload.dev/v1alpha1\nkind: OffloadingPolicy\nmetadata:\n  name: x\nspec:\n  clusterSelector: ["topology.liqo.io/region=center"]\n'
  ;(await import('node:fs')).mkdirSync(`${dir}/policies`)
  ;(await import('node:fs')).writeFileSync(`${dir}/policies/x.yaml`, policy)
  const plan = await runCli(['plan', '--format', 'json'], dir)
  assert.is(plan.code, 0, plan.stderr)
  const selected = (JSON.parse(plan.stdout) as { namespaces: { clusters: { clusterID: string; selected: boolean }[] }[] }).namespaces[0]?.clusters
    .filter((c) => c.selected)
    .map((c) => c.clusterID)
  assert.equal(selected, ['pull-rome'])
})

e2e('an unknown context is exit 2 with the contexts there, and no credential in the output', async () => {
  const r = await runCli(['inventory', 'pull', '--context', 'nowhere', '--kubeconfig', env.kubeconfigPath], tempTree({}))
  assert.is(r.code, 2)
  assert.match(r.stderr, /context "nowhere" .* contexts there: venice, florence, naples/)
  for (const c of Object.values(env.clusters)) assert.not.ok(r.stderr.includes(c.token), 'the token is never printed')
})

test.run()
