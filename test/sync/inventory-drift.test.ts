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
  assert.ok(all.every((x) => x.code === 'NSO5025' && x.blocking))
  // The workloads that ran on naples have nowhere to go: said too, one finding each.
  assert.ok(all.some((x) => /deployment\/liqo-demo\/app-south can run on cluster naples by the inventory, on nothing by the live nodes/.test(x.message)))
  const f = all.find((x) => / selects /.test(x.message))
  assert.is(f?.code, 'NSO5025')
  assert.is(f?.severity, 'error')
  assert.is(f?.blocking, true)
  assert.is(f?.namespace, 'liqo-demo')
  assert.match(f?.message ?? '', /liqo-demo selects naples by the inventory, nothing by the live virtual nodes/)
  assert.match(f?.message ?? '', /topology\.liqo\.io\/region: "south" in the inventory, "center" live/)
  assert.match(f?.message ?? '', /--allow-inventory-drift/)
  const allowed = driftFindings(compiled, inv, { nodes }, 'allow')
  assert.is(allowed.length, all.length)
  assert.ok(allowed.every((x) => x.code === 'NSO5025' && x.severity === 'warning' && x.blocking === undefined))
  assert.match(allowed[0]?.message ?? '', /synced as the inventory says/)
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
  assert.ok(drift.length > 0 && drift.every((f) => f.blocking))
  assert.ok(
    drift.some((f) => /selects naples by the inventory, florence, naples by the live virtual nodes/.test(f.message)),
    drift.map((f) => f.message).join('\n'),
  )
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
    fs.map((f) => [f.code, f.severity, f.blocking]),
    [['NSO5026', 'warning', undefined]],
  )
  assert.match(fs[0]?.message ?? '', /cluster florence \(node florence\): label example\.com\/rack: absent in the inventory, "r7" live/)
})

test('a taint added live where a workload runs changes its placement, not the selection: NSO5025 naming the workload', () => {
  const nodes = replace(asInventory(inv), 'naples', (n) => ({ ...n, taints: [...n.taints, { key: 'dedicated', value: 'gpu', effect: 'NoSchedule' }] }))
  assert.equal(inventoryDifferences(inv, nodes), ['cluster naples (node naples): taint dedicated=gpu:NoSchedule live, absent from the inventory'])
  const fs = driftFindings(compiled, inv, { nodes }, 'refuse')
  assert.ok(fs.length > 0)
  assert.ok(fs.every((f) => f.code === 'NSO5025' && f.blocking))
  assert.ok(
    fs.some((f) => /deployment\/liqo-demo\/app-south can run on cluster naples by the inventory, on nothing by the live nodes/.test(f.message)),
    fs.map((f) => f.message).join('\n'),
  )
})

test('a cluster gone, a cluster added: both named, and the selections they change', () => {
  const gone = replace(asInventory(inv), 'naples', () => undefined)
  assert.equal(inventoryDifferences(inv, gone), ['cluster naples: in the inventory, but no Liqo virtual node of it is live (liqo.io/remote-cluster-id=naples)'])
  assert.match(driftFindings(compiled, inv, { nodes: gone }, 'refuse')[0]?.message ?? '', /selects naples by the inventory, nothing by the live/)
  const rome = virtualNode('rome', 'rome', { 'topology.liqo.io/region': 'south' })
  const added = [...asInventory(inv), { name: rome.name, labels: rome.labels, taints: rome.taints }]
  assert.equal(inventoryDifferences(inv, added), ['cluster rome: live (virtual node rome), not in the inventory'])
  assert.match(driftFindings(compiled, inv, { nodes: added }, 'refuse')[0]?.message ?? '', /selects naples by the inventory, naples, rome by the live/)
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
  assert.equal([refused?.code, refused?.severity, refused?.blocking], ['NSO5027', 'error', true])
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
