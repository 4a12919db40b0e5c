import { compile, type Compiled } from '../compile/compile.ts'
import type { Inventory, RemoteCluster } from '../model/inventory.ts'
import type { NodeView, Taint } from '../model/k8s.ts'
import { LABEL_REMOTE_CLUSTER_ID } from '../model/liqo.ts'
import { virtualNodeClusterID } from '../liqo/virtual-nodes.ts'
import type { Workload } from '../model/workload.ts'
import { clusterDiag } from '../diagnostics/diagnostic.ts'
import type { Finding } from './plan-sync.ts'

/**
 * The inventory in Git against the live home cluster's nodes, as `inventory pull` reads them
 * (its Liqo virtual nodes, one remote per `liqo.io/remote-cluster-id`, and its own nodes): what
 * differs (clusters gone or added, labels and taints changed), and whether that changes what a
 * policy selects or where a workload can run, judged by compiling the same policies against
 * the live nodes with the same rules. Pure.
 */

/** A node as the API returns it, reduced to what selection and scheduling read. */
export interface LiveNode {
  readonly name: string
  readonly labels: Readonly<Record<string, string>>
  readonly taints: readonly Taint[]
}

export interface InventoryDrift {
  /** Every difference, in words (cluster and label named); empty when the inventory is the live state. */
  readonly differences: readonly string[]
  /**
   * What the differences change, per namespace: its selected clusters (`object`: the namespace,
   * `namespace/NAME`), or where one of its workloads can run (`object`: that workload, `kind/namespace/name`).
   */
  readonly effects: readonly { readonly namespace: string; readonly object: string; readonly message: string }[]
}

const isVirtual = (n: LiveNode): boolean => virtualNodeClusterID(n.labels) !== undefined

/**
 * The inventory as the live nodes say it: every cluster with live virtual nodes, with those
 * nodes as they are (labels and taints); a cluster of the inventory without any is gone. The
 * home cluster's nodes are the live ones when the inventory lists its nodes (else none, as in
 * the inventory). What no node says (contexts, known namespaces) is the inventory's.
 */
export function liveInventory(inv: Inventory, nodes: readonly LiveNode[]): Inventory {
  const byCluster = new Map<string, NodeView[]>()
  const home: LiveNode[] = []
  for (const n of [...nodes].sort((a, b) => (a.name < b.name ? -1 : 1))) {
    if (!isVirtual(n)) {
      home.push(n)
      continue
    }
    const id = n.labels[LABEL_REMOTE_CLUSTER_ID] ?? ''
    const list = byCluster.get(id) ?? []
    list.push({ name: n.name, labels: n.labels, taints: n.taints, clusterID: id, virtual: true })
    byCluster.set(id, list)
  }
  const git = new Map(inv.remotes.map((r) => [r.clusterID, r]))
  const remotes: RemoteCluster[] = [...byCluster.keys()].sort().map((id) => {
    const r = git.get(id)
    return {
      clusterID: id,
      ...(r?.context !== undefined ? { context: r.context } : {}),
      labels: {},
      namespaces: r?.namespaces ?? [],
      virtualNodes: byCluster.get(id) ?? [],
    }
  })
  return {
    ...inv,
    home: { ...inv.home, nodes: inv.home.nodes.length > 0 ? home.map((n) => ({ name: n.name, labels: n.labels, taints: n.taints })) : [] },
    remotes,
  }
}

const showTaint = (t: Taint): string => `${t.key}${t.value !== undefined && t.value !== '' ? `=${t.value}` : ''}:${t.effect}`

/** The differences of one node: its labels and its taints. */
function nodeDifferences(where: string, want: LiveNode, have: LiveNode): string[] {
  const out: string[] = []
  for (const k of [...new Set([...Object.keys(want.labels), ...Object.keys(have.labels)])].sort()) {
    const a = want.labels[k]
    const b = have.labels[k]
    if (a === b) continue
    out.push(`${where}: label ${k}: ${a === undefined ? 'absent' : JSON.stringify(a)} in the inventory, ${b === undefined ? 'absent' : JSON.stringify(b)} live`)
  }
  const wt = new Set(want.taints.map(showTaint))
  const ht = new Set(have.taints.map(showTaint))
  for (const t of [...wt].filter((x) => !ht.has(x)).sort()) out.push(`${where}: taint ${t} in the inventory, absent live`)
  for (const t of [...ht].filter((x) => !wt.has(x)).sort()) out.push(`${where}: taint ${t} live, absent from the inventory`)
  return out
}

/** Nodes paired by name; a single node on each side pairs whatever its name (the inventory's default virtual node). */
function pairNodes(where: string, want: readonly LiveNode[], have: readonly LiveNode[]): string[] {
  if (want.length === 1 && have.length === 1 && want[0] && have[0]) {
    const renamed = want[0].name !== have[0].name ? [`${where}: its virtual node is ${have[0].name} live, ${want[0].name} in the inventory`] : []
    return [...renamed, ...nodeDifferences(`${where} (node ${have[0].name})`, want[0], have[0])]
  }
  const out: string[] = []
  const live = new Map(have.map((n) => [n.name, n]))
  const wanted = new Set(want.map((n) => n.name))
  for (const n of want) {
    const h = live.get(n.name)
    if (!h) out.push(`${where}: node ${n.name} is in the inventory, not live`)
    else out.push(...nodeDifferences(`${where} (node ${n.name})`, n, h))
  }
  for (const n of have) if (!wanted.has(n.name)) out.push(`${where}: node ${n.name} is live, not in the inventory`)
  return out
}

/** What differs between the inventory and the live nodes, in words. */
export function inventoryDifferences(inv: Inventory, nodes: readonly LiveNode[]): string[] {
  const live = liveInventory(inv, nodes)
  const out: string[] = []
  const liveRemotes = new Map(live.remotes.map((r) => [r.clusterID, r]))
  const gitRemotes = new Map(inv.remotes.map((r) => [r.clusterID, r]))
  for (const r of inv.remotes) {
    const l = liveRemotes.get(r.clusterID)
    if (!l) out.push(`cluster ${r.clusterID}: in the inventory, but no Liqo virtual node of it is live (liqo.io/remote-cluster-id=${r.clusterID})`)
    else out.push(...pairNodes(`cluster ${r.clusterID}`, r.virtualNodes, l.virtualNodes))
  }
  for (const l of live.remotes) {
    if (!gitRemotes.has(l.clusterID))
      out.push(`cluster ${l.clusterID}: live (virtual node ${l.virtualNodes.map((n) => n.name).join(', ')}), not in the inventory`)
  }
  if (inv.home.nodes.length > 0) out.push(...pairNodes(`home cluster ${inv.home.clusterID}`, inv.home.nodes, live.home.nodes))
  return out
}

/** Where a workload can run, as places: `cluster <id>` for a virtual node, `node <name>` for one of the home cluster. */
function places(nodes: readonly string[], inv: Inventory): string[] {
  const cluster = new Map(inv.remotes.flatMap((r) => r.virtualNodes.map((n) => [n.name, r.clusterID] as const)))
  return [...new Set(nodes.map((n) => (cluster.has(n) ? `cluster ${cluster.get(n) ?? ''}` : `node ${n}`)))].sort()
}

const list = (xs: readonly string[]): string => (xs.length === 0 ? 'nothing' : xs.join(', '))

/**
 * The drift of the inventory against the live nodes: the differences, and their effects on the
 * compiled policies (selected clusters; where each workload with a placement preview can run).
 */
export function inventoryDrift(compiled: Compiled, inv: Inventory, nodes: readonly LiveNode[]): InventoryDrift {
  const differences = inventoryDifferences(inv, nodes)
  if (differences.length === 0) return { differences, effects: [] }
  const live = liveInventory(inv, nodes)
  const workloads = new Map<string, Workload[]>(compiled.namespaces.map((n) => [n.policy.namespace, n.workloads.map((w) => w.workload)]))
  const again = compile(
    compiled.namespaces.map((n) => n.policy),
    live,
    workloads,
  )
  const effects: { namespace: string; object: string; message: string }[] = []
  const byName = new Map(again.namespaces.map((n) => [n.policy.namespace, n]))
  for (const ns of compiled.namespaces) {
    const name = ns.policy.namespace
    const other = byName.get(name)
    if (!other) continue
    const want = ns.clusters.filter((c) => c.selected).map((c) => c.clusterID)
    const have = other.clusters.filter((c) => c.selected).map((c) => c.clusterID)
    if (want.join() !== have.join())
      effects.push({
        namespace: name,
        object: `namespace/${name}`,
        message: `${name} selects ${list(want)} by the inventory, ${list(have)} by the live virtual nodes`,
      })
    other.workloads.forEach((w, i) => {
      const before = ns.workloads[i]?.placement
      const after = w.placement
      if (!before || !after) return
      const a = places(before.nodes, inv)
      const b = places(after.nodes, live)
      if (a.join() !== b.join()) {
        const what = `${w.workload.kind.toLowerCase()}/${name}/${w.workload.name}`
        effects.push({ namespace: name, object: what, message: `${what} can run on ${list(a)} by the inventory, on ${list(b)} by the live nodes` })
      }
    })
  }
  return { differences, effects }
}

/** The differences in one line: the first few, and how many more. */
function showDifferences(differences: readonly string[]): string {
  const shown = differences.slice(0, MAX_SHOWN)
  const more = differences.length - shown.length
  return `${shown.join('; ')}${more > 0 ? `; and ${more} more (nsoffload inventory pull --check lists them all)` : ''}`
}
const MAX_SHOWN = 5

/** Nodes this user may not list: the API server's own words (`nodes is forbidden: User "ci" cannot list resource "nodes" …`; empty without them). */
export interface NodesForbidden {
  readonly forbidden: string
}

/** What the home cluster's nodes are, as read: the nodes, or forbidden to this user; neither when not read. */
export interface NodesRead {
  readonly nodes?: readonly LiveNode[]
  readonly nodesForbidden?: NodesForbidden
}

const shellWord = (s: string): string => (/^[A-Za-z0-9:@._=/-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`)

/**
 * What to do when the nodes of `home` may not be listed, in words a kubectl user can act on:
 * the server's refusal (naming the user), and the kubectl commands that grant `list` on nodes to
 * that user (`--serviceaccount` for a service account), run as an administrator of `home`.
 */
export function nodesForbiddenMessage(home: string, refused: NodesForbidden): string {
  const user = /User "([^"]*)"/.exec(refused.forbidden)?.[1]
  const sa = user !== undefined ? /^system:serviceaccount:([^:]+):([^:]+)$/.exec(user) : null
  const subject = sa ? `--serviceaccount=${shellWord(`${sa[1]}:${sa[2]}`)}` : `--user=${user !== undefined ? shellWord(user) : '<user>'}`
  const said = refused.forbidden !== '' ? refused.forbidden : 'forbidden (403)'
  return (
    `the nodes of ${home} cannot be listed (${said}), so the inventory cannot be checked against its Liqo virtual nodes. ` +
    `To check it, an administrator of ${home} grants list on nodes: ` +
    `kubectl create clusterrole nsoffload-list-nodes --verb=list --resource=nodes && ` +
    `kubectl create clusterrolebinding nsoffload-list-nodes --clusterrole=nsoffload-list-nodes ${subject}`
  )
}

/**
 * How a command takes a drift: `refuse` (sync, diff: an error that stops sync before any
 * write), `allow` (`--allow-inventory-drift`: a warning, and sync applies what the inventory
 * says), `report` (status: an error that writes nothing anyway; nodes it cannot list a warning).
 */
export type DriftHandling = 'refuse' | 'allow' | 'report'

/**
 * The drift as findings of `diff`, `sync` and `status`: a drift that changes a selection or a
 * placement is NSO5025 (an error, blocking when refused); one that changes neither a warning
 * (NSO5026). Nodes this user may not list (NSO5027) leave the inventory unchecked: refused
 * likewise, unless allowed. Nodes not read: no finding.
 */
export function driftFindings(compiled: Compiled, inv: Inventory, read: NodesRead, how: DriftHandling): Finding[] {
  const homeID = inv.home.clusterID
  const blocking = how === 'refuse' ? { blocking: true } : {}
  if (read.nodesForbidden) {
    const message =
      how === 'refuse'
        ? `${nodesForbiddenMessage(homeID, read.nodesForbidden)}; or, to sync without checking it, run with --allow-inventory-drift (and check the inventory where nodes can be listed: nsoffload inventory pull --check). sync writes nothing`
        : `${nodesForbiddenMessage(homeID, read.nodesForbidden)}. Not checked${how === 'allow' ? ': synced as the inventory says (--allow-inventory-drift)' : ''}`
    return [
      {
        ...clusterDiag(
          'nodesUnreadable',
          message,
          { cluster: homeID, namespace: '', object: 'inventory' },
          { severity: how === 'refuse' ? 'error' : 'warning' },
        ),
        ...blocking,
      },
    ]
  }
  if (!read.nodes) return []
  const d = inventoryDrift(compiled, inv, read.nodes)
  if (d.differences.length === 0) return []
  const why = showDifferences(d.differences)
  const then =
    how === 'refuse'
      ? '; sync writes nothing: review the inventory (nsoffload inventory pull), or run with --allow-inventory-drift'
      : how === 'allow'
        ? '; synced as the inventory says (--allow-inventory-drift)'
        : '; sync refuses this unless --allow-inventory-drift'
  if (d.effects.length > 0) {
    return d.effects.map((e) => ({
      ...clusterDiag(
        'inventoryDrift',
        `the inventory differs from the live nodes of ${homeID}: ${e.message} (${why})${then}`,
        { cluster: homeID, namespace: e.namespace, object: e.object },
        { severity: how === 'allow' ? 'warning' : 'error' },
      ),
      ...blocking,
    }))
  }
  return [
    clusterDiag('inventoryDriftHarmless', `the inventory differs from the live nodes of ${homeID}, changing no selection and no placement: ${why}`, {
      cluster: homeID,
      namespace: '',
      object: 'inventory',
    }),
  ]
}
