import * as path from 'node:path'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { loadProject } from '../../src/cli/project.ts'
import { nodeHost } from '../../src/host/node-host.ts'
import type { Inventory } from '../../src/model/inventory.ts'
import { virtualNode } from '../../src/liqo/virtual-nodes.ts'
import { driftFindings, inventoryDifferences, type LiveNode } from '../../src/sync/inventory-drift.ts'
import type { LiveCluster } from '../../src/sync/live-state.ts'
import { planSync } from '../../src/sync/plan-sync.ts'
import { REPO, runCli, tempTree } from '../helpers/cli.ts'

/**
 * The inventory drift guard is pure: the repository's own project (venice offloading liqo-demo
 * to naples, region south) against live nodes as a test gives them; the e2e suite
 * (inventory-drift.test.ts) reads them from a real API server.
 */
function repoProject() {
  const p = loadProject(
    nodeHost(REPO, {}),
    { policies: [path.join(REPO, 'policies')], inventory: path.join(REPO, 'inventory.yaml'), inventoryExplicit: true, strict: false },
    true,
  )
  if (!p.compiled || !p.validated.inventory) throw new Error(JSON.stringify(p.diagnostics))
  return { compiled: p.compiled, inv: p.validated.inventory }
}
const { compiled, inv } = repoProject()

/** The live nodes exactly as the inventory says them: its home nodes, and each remote's virtual nodes (Liqo's labels and taint). */
const asInventory = (i: Inventory): LiveNode[] => [
  ...i.home.nodes.map((n) => ({ name: n.name, labels: n.labels, taints: n.taints })),
  ...i.remotes.flatMap((r) => r.virtualNodes.map((n) => ({ name: n.name, labels: n.labels, taints: n.taints }))),
]
const replace = (nodes: LiveNode[], name: string, f: (n: LiveNode) => LiveNode | undefined): LiveNode[] =>
  nodes.flatMap((n) => (n.name === name ? [f(n)].filter((x): x is LiveNode => x !== undefined) : [n]))

test('live nodes that say what the inventory says: no difference, no finding', () => {
  assert.equal(inventoryDifferences(inv, asInventory(inv)), [])
  assert.equal(driftFindings(compiled, inv, { nodes: asInventory(inv) }, 'refuse'), [])
})

test('a virtual node relabelled live so that the policy selects another cluster: NSO5025, blocking, cluster and label named', () => {
  const nodes = replace(asInventory(inv), 'naples', (n) => ({ ...n, labels: { ...n.labels, 'topology.liqo.io/region': 'center' } }))
  assert.equal(inventoryDifferences(inv, nodes), ['cluster naples (node naples): label topology.liqo.io/region: "south" in the inventory, "center" live'])
  const all = driftFindings(compiled, inv, { nodes }, 'refuse')
  assert.ok(all.every((x) => x.code === 'NSO5025' && x.severity === 'error' && x.blocking === true && x.cluster === 'venice'))
  // The namespace's selection, at the namespace; the workloads that ran on naples have nowhere to go: said too, one finding each, at the workload.
  const f = all.find((x) => x.object === 'namespace/liqo-demo')
  assert.is(f?.namespace, 'liqo-demo')
  assert.ok(all.some((x) => x.object === 'deployment/liqo-demo/app-south' && x.namespace === 'liqo-demo'))
  // The facts it names: the clusters selected either way, the node and the label that differ, the flag that allows it.
  assert.ok(f?.message.includes('naples by the inventory, nothing by the live virtual nodes'), f?.message)
  assert.ok(f?.message.includes('cluster naples (node naples): label topology.liqo.io/region: "south" in the inventory, "center" live'), f?.message)
  assert.ok(f?.message.includes('--allow-inventory-drift'), f?.message)
  const allowed = driftFindings(compiled, inv, { nodes }, 'allow')
  assert.equal(
    allowed.map((x) => [x.code, x.severity, x.blocking, x.cluster, x.object]),
    all.map((x) => ['NSO5025', 'warning', undefined, 'venice', x.object]),
  )
  assert.ok(allowed[0]?.message.includes('--allow-inventory-drift'), allowed[0]?.message)
  const reported = driftFindings(compiled, inv, { nodes }, 'report')
  assert.ok(reported.every((x) => x.code === 'NSO5025' && x.severity === 'error' && x.blocking === undefined))
})

test('planSync refuses the drift before any action is run, and takes it as a warning with allowInventoryDrift', () => {
  const nodes = replace(asInventory(inv), 'florence', (n) => ({ ...n, labels: { ...n.labels, 'topology.liqo.io/region': 'south' } }))
  const live = new Map<string, LiveCluster>([
    ['venice', { clusterID: 'venice', namespaces: new Map(), offloadings: new Map(), objects: new Map(), nodes }],
    ['florence', { clusterID: 'florence', namespaces: new Map(), objects: new Map() }],
    ['naples', { clusterID: 'naples', namespaces: new Map(), objects: new Map() }],
  ])
  const refused = planSync(compiled, inv, live, { prune: false, allowDestructive: false })
  const drift = refused.findings.filter((f) => f.code === 'NSO5025')
  assert.ok(drift.length > 0 && drift.every((f) => f.blocking && f.cluster === 'venice'))
  const selection = drift.find((f) => f.object === 'namespace/liqo-demo')
  assert.ok(selection?.message.includes('naples by the inventory, florence, naples by the live virtual nodes'), drift.map((f) => f.message).join('\n'))
  assert.ok(selection?.message.includes('cluster florence (node florence): label topology.liqo.io/region'), selection?.message)
  const allowed = planSync(compiled, inv, live, { prune: false, allowDestructive: false, allowInventoryDrift: true })
  assert.not.ok(allowed.findings.some((f) => f.blocking))
  assert.ok(
    allowed.actions.some((a) => a.cluster === 'naples'),
    'the twin the inventory selects is planned',
  )
  assert.not.ok(
    allowed.actions.some((a) => a.cluster === 'florence'),
    'nothing goes where only the live nodes point: sync applies what was reviewed',
  )
})

test('a difference that changes no selection and no placement: one warning NSO5026, nothing blocked', () => {
  const nodes = replace(asInventory(inv), 'florence', (n) => ({ ...n, labels: { ...n.labels, 'example.com/rack': 'r7' } }))
  const fs = driftFindings(compiled, inv, { nodes }, 'refuse')
  assert.equal(
    fs.map((f) => [f.code, f.severity, f.blocking, f.cluster, f.object]),
    [['NSO5026', 'warning', undefined, 'venice', 'inventory']],
  )
  assert.ok(fs[0]?.message.includes('cluster florence (node florence): label example.com/rack: absent in the inventory, "r7" live'), fs[0]?.message)
})

test('a taint added live where a workload runs changes its placement, not the selection: NSO5025 naming the workload', () => {
  const nodes = replace(asInventory(inv), 'naples', (n) => ({ ...n, taints: [...n.taints, { key: 'dedicated', value: 'gpu', effect: 'NoSchedule' }] }))
  assert.equal(inventoryDifferences(inv, nodes), ['cluster naples (node naples): taint dedicated=gpu:NoSchedule live, absent from the inventory'])
  const fs = driftFindings(compiled, inv, { nodes }, 'refuse')
  assert.ok(fs.length > 0)
  assert.ok(fs.every((f) => f.code === 'NSO5025' && f.blocking))
  // At the workload, and not the selection: a taint changes where pods run, not which clusters are selected.
  assert.not.ok(fs.some((f) => f.object.startsWith('namespace/')))
  const web = fs.find((f) => f.object === 'deployment/liqo-demo/app-south')
  assert.ok(web?.message.includes('cluster naples by the inventory, on nothing by the live nodes'), fs.map((f) => f.message).join('\n'))
  assert.ok(web?.message.includes('taint dedicated=gpu:NoSchedule'), web?.message)
})

test('a cluster gone, a cluster added: both named, and the selections they change', () => {
  const gone = replace(asInventory(inv), 'naples', () => undefined)
  assert.equal(inventoryDifferences(inv, gone), ['cluster naples: in the inventory, but no Liqo virtual node of it is live (liqo.io/remote-cluster-id=naples)'])
  const lost = driftFindings(compiled, inv, { nodes: gone }, 'refuse').find((f) => f.object === 'namespace/liqo-demo')
  assert.is(lost?.code, 'NSO5025')
  assert.ok(lost?.message.includes('naples by the inventory, nothing by the live'), lost?.message)
  const rome = virtualNode('rome', 'rome', { 'topology.liqo.io/region': 'south' })
  const added = [...asInventory(inv), { name: rome.name, labels: rome.labels, taints: rome.taints }]
  assert.equal(inventoryDifferences(inv, added), ['cluster rome: live (virtual node rome), not in the inventory'])
  const more = driftFindings(compiled, inv, { nodes: added }, 'refuse').find((f) => f.object === 'namespace/liqo-demo')
  assert.is(more?.code, 'NSO5025')
  assert.ok(more?.message.includes('naples by the inventory, naples, rome by the live'), more?.message)
})

test("the home cluster's nodes are compared when the inventory lists them", () => {
  const nodes = [...asInventory(inv), { name: 'venice-worker', labels: { 'kubernetes.io/hostname': 'venice-worker' }, taints: [] }]
  assert.equal(inventoryDifferences(inv, nodes), ['home cluster venice: node venice-worker is live, not in the inventory'])
})

const forbidden = (user: string) => ({
  nodesForbidden: { forbidden: `nodes is forbidden: User "${user}" cannot list resource "nodes" in API group "" at the cluster scope` },
})

test('nodes this user may not list: NSO5027, blocking unless allowed; a warning for status', () => {
  const [refused] = driftFindings(compiled, inv, forbidden('ci'), 'refuse')
  assert.equal([refused?.code, refused?.severity, refused?.blocking, refused?.cluster, refused?.object], ['NSO5027', 'error', true, 'venice', 'inventory'])
  // The API server's own words, and the way out.
  assert.ok(refused?.message.includes('nodes is forbidden: User "ci" cannot list resource "nodes"'), refused?.message)
  assert.ok(refused?.message.includes('--allow-inventory-drift'), refused?.message)
  const [allowed] = driftFindings(compiled, inv, forbidden('ci'), 'allow')
  assert.equal([allowed?.code, allowed?.severity, allowed?.blocking], ['NSO5027', 'warning', undefined])
  const [reported] = driftFindings(compiled, inv, forbidden('ci'), 'report')
  assert.equal([reported?.code, reported?.severity], ['NSO5027', 'warning'])
  assert.equal(driftFindings(compiled, inv, {}, 'refuse'), [], 'nodes not read: nothing said')
})

test("NSO5027 says what to do: the server's words, the kubectl commands that grant list on nodes to that user, the flag that skips the check", () => {
  const grant =
    'kubectl create clusterrole nsoffload-list-nodes --verb=list --resource=nodes && kubectl create clusterrolebinding nsoffload-list-nodes --clusterrole=nsoffload-list-nodes'
  const [user] = driftFindings(compiled, inv, forbidden('ci'), 'refuse')
  assert.ok(user?.message.includes('User "ci" cannot list resource "nodes"'), user?.message)
  assert.ok(user?.message.includes(`${grant} --user=ci;`), user?.message)
  assert.match(user?.message ?? '', /run with --allow-inventory-drift .*sync writes nothing$/)
  const [sa] = driftFindings(compiled, inv, forbidden('system:serviceaccount:ci:deployer'), 'refuse')
  assert.ok(sa?.message.includes(`${grant} --serviceaccount=ci:deployer;`), sa?.message)
  const [odd] = driftFindings(compiled, inv, forbidden("o'brien smith"), 'refuse')
  assert.ok(odd?.message.includes(`--user='o'\\''brien smith';`), odd?.message)
  const [unknown] = driftFindings(compiled, inv, { nodesForbidden: { forbidden: '' } }, 'refuse')
  assert.ok(unknown?.message.includes('cannot be listed (forbidden (403))') && unknown.message.includes('--user=<user>'), unknown?.message)
  const [allowed] = driftFindings(compiled, inv, forbidden('ci'), 'allow')
  assert.match(allowed?.message ?? '', /Not checked: synced as the inventory says \(--allow-inventory-drift\)$/)
})

test('many differences: the first five in the finding, and how many more', () => {
  const nodes = replace(asInventory(inv), 'florence', (n) => ({
    ...n,
    labels: { ...n.labels, ...Object.fromEntries(Array.from({ length: 8 }, (_, i) => [`example.com/l${i}`, 'x'])) },
  }))
  const [f] = driftFindings(compiled, inv, { nodes }, 'refuse')
  assert.match(f?.message ?? '', /; and 3 more \(nsoffload inventory pull --check lists them all\)/)
})

test('inventory pull --check: no -o; an invalid inventory is its diagnostics (exit 1) before any cluster is contacted', async () => {
  const o = await runCli(['inventory', 'pull', '--check', '-o', 'x.yaml'], tempTree({}))
  assert.is(o.code, 2)
  assert.match(o.stderr, /inventory pull --check writes nothing: it takes no -o/)
  const bad = tempTree({ 'inventory.yaml': 'apiVersion: nsoffload.dev/v1alpha1\nkind: ClusterInventory\nmetadata: {name: x}\nspec: {home: {}}\n' })
  // No kubeconfig at all: were a cluster contacted, it would be exit 2.
  const r = await runCli(['inventory', 'pull', '--check', '--kubeconfig', '/nonexistent/kubeconfig'], bad)
  assert.is(r.code, 1, r.stderr)
  assert.match(r.stderr, /inventory\.yaml:\d+:\d+: error NSO/)
})

test.run()
