import type { KubeClient } from '../kube/kube-client.ts'
import { VIRTUAL_NODE_TAINT_KEY } from '../model/liqo.ts'
import { ownLabels, virtualNodeClusterID, virtualNodeLabels } from '../liqo/virtual-nodes.ts'
import { dns1123Label } from '../selectors/label-syntax.ts'

interface NodeItem {
  metadata?: { name?: string; labels?: Record<string, string> }
  spec?: { taints?: { key: string; value?: string; effect: string }[] }
}

interface PulledNode {
  readonly name: string
  readonly labels: Record<string, string>
  readonly taints: { key: string; value?: string; effect: string }[]
}

const sortObj = (o: Record<string, string>): Record<string, string> => Object.fromEntries(Object.entries(o).sort(([a], [b]) => (a < b ? -1 : 1)))

/** The labels every node of the list carries with the same value. */
function commonLabels(nodes: readonly PulledNode[]): Record<string, string> {
  const [first, ...rest] = nodes
  return Object.fromEntries(Object.entries(first?.labels ?? {}).filter(([k, v]) => rest.every((n) => n.labels[k] === v)))
}

const without = (o: Record<string, string>, keys: Record<string, string>): Record<string, string> =>
  Object.fromEntries(Object.entries(o).filter(([k]) => !(k in keys)))

/**
 * Builds a ClusterInventory from a live home cluster: its own nodes, and one remote per
 * `liqo.io/remote-cluster-id` among the Liqo virtual nodes. A virtual node's labels are kept
 * whole, less those the compiler puts back by itself (Liqo's defaults with the values Liqo
 * gives them, `liqo.io/type`, `liqo.io/remote-cluster-id`, `kubernetes.io/hostname` = the node
 * name): compiling the inventory gives back every label of the live node. Labels all of a
 * cluster's virtual nodes share go to the remote's `labels`, the rest to each of
 * `virtualNodes`. Nothing else is dropped (a Node's labels hold nothing volatile); `warn` is
 * told of a default label a live virtual node lacks, which the compiler would assume.
 */
export async function pullInventory(
  client: KubeClient,
  opts: { context: string; clusterID?: string; warn?: (message: string) => void },
): Promise<Record<string, unknown>> {
  const nodes = (await client.list<NodeItem>('/api/v1/nodes')) ?? []
  let homeID = opts.clusterID
  if (!homeID) {
    const cm = await client.get<{ data?: Record<string, string> }>('/api/v1/namespaces/liqo/configmaps/liqo-clusterid-configmap')
    homeID = cm?.data?.['CLUSTER_ID'] ?? opts.context
  }
  if (dns1123Label(homeID).length > 0) throw new Error(`the home cluster ID "${homeID}" is not a DNS-1123 label: pass --cluster-id`)
  const home: { name: string; labels: Record<string, string>; taints?: PulledNode['taints'] }[] = []
  const remotes = new Map<string, PulledNode[]>()
  for (const n of nodes) {
    const name = n.metadata?.name ?? ''
    const labels = n.metadata?.labels ?? {}
    const id = virtualNodeClusterID(labels)
    if (id) {
      const missing = Object.keys(virtualNodeLabels(id, name)).filter((k) => labels[k] === undefined)
      if (missing.length > 0)
        opts.warn?.(`virtual node ${name} lacks ${missing.join(', ')}: the inventory cannot say so, nsoffload will assume Liqo's defaults`)
      const taints = (n.spec?.taints ?? []).filter((t) => t.key !== VIRTUAL_NODE_TAINT_KEY)
      remotes.set(id, [...(remotes.get(id) ?? []), { name, labels: ownLabels(id, name, labels), taints }])
    } else {
      // Its taints too: where a workload can run depends on them (a control-plane node's NoSchedule).
      const taints = n.spec?.taints ?? []
      home.push({ name, labels: sortObj(labels), ...(taints.length > 0 ? { taints } : {}) })
    }
  }
  const remoteList = [...remotes.keys()].sort().map((id) => {
    const vns = (remotes.get(id) ?? []).sort((a, b) => (a.name < b.name ? -1 : 1))
    const first = vns[0]
    const single = vns.length === 1 && first !== undefined && first.name === id && first.taints.length === 0
    const common = commonLabels(vns)
    return {
      clusterID: id,
      context: id,
      labels: sortObj(common),
      ...(single
        ? {}
        : {
            virtualNodes: vns.map((v) => ({ name: v.name, labels: sortObj(without(v.labels, common)), ...(v.taints.length > 0 ? { taints: v.taints } : {}) })),
          }),
    }
  })
  return {
    apiVersion: 'nsoffload.dev/v1alpha1',
    kind: 'ClusterInventory',
    metadata: { name: homeID },
    spec: { home: { clusterID: homeID, context: opts.context, nodes: home.sort((a, b) => (a.name < b.name ? -1 : 1)) }, remotes: remoteList },
  }
}
