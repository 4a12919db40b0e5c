import type { KubeClient } from '../kube/kube-client.ts'
import { LABEL_REMOTE_CLUSTER_ID, LABEL_TYPE, TYPE_VIRTUAL_NODE, VIRTUAL_NODE_TAINT_KEY } from '../model/liqo.ts'
import { dns1123Label } from '../selectors/label-syntax.ts'

/** Labels every virtual node carries that are Liqo's or the kubelet's, not the cluster's (reference §3.5). */
const NODE_OWN_LABELS = new Set([
  LABEL_TYPE,
  LABEL_REMOTE_CLUSTER_ID,
  'kubernetes.io/hostname',
  'kubernetes.io/role',
  'kubernetes.io/os',
  'kubernetes.io/arch',
  'beta.kubernetes.io/os',
  'beta.kubernetes.io/arch',
  'type',
  'node.kubernetes.io/exclude-from-external-load-balancers',
  'alpha.service-controller.kubernetes.io/exclude-balancer',
  'storage.liqo.io/available',
])

interface NodeItem {
  metadata?: { name?: string; labels?: Record<string, string> }
  spec?: { taints?: { key: string; value?: string; effect: string }[] }
}

const sortObj = (o: Record<string, string>): Record<string, string> => Object.fromEntries(Object.entries(o).sort(([a], [b]) => (a < b ? -1 : 1)))

/**
 * Builds a ClusterInventory from a live home cluster: its own nodes, and one remote per
 * `liqo.io/remote-cluster-id` among the Liqo virtual nodes, with the cluster labels they carry.
 */
export async function pullInventory(client: KubeClient, opts: { context: string; clusterID?: string }): Promise<Record<string, unknown>> {
  const nodes = (await client.list<NodeItem>('/api/v1/nodes')) ?? []
  let homeID = opts.clusterID
  if (!homeID) {
    const cm = await client.get<{ data?: Record<string, string> }>('/api/v1/namespaces/liqo/configmaps/liqo-clusterid-configmap')
    homeID = cm?.data?.['CLUSTER_ID'] ?? opts.context
  }
  if (dns1123Label(homeID).length > 0) throw new Error(`the home cluster ID "${homeID}" is not a DNS-1123 label: pass --cluster-id`)
  const home: { name: string; labels: Record<string, string> }[] = []
  const remotes = new Map<string, { name: string; labels: Record<string, string>; taints: { key: string; value?: string; effect: string }[] }[]>()
  for (const n of nodes) {
    const name = n.metadata?.name ?? ''
    const labels = n.metadata?.labels ?? {}
    if (labels[LABEL_TYPE] === TYPE_VIRTUAL_NODE && labels[LABEL_REMOTE_CLUSTER_ID]) {
      const id = labels[LABEL_REMOTE_CLUSTER_ID]
      const own = Object.fromEntries(Object.entries(labels).filter(([k]) => !NODE_OWN_LABELS.has(k)))
      const taints = (n.spec?.taints ?? []).filter((t) => t.key !== VIRTUAL_NODE_TAINT_KEY)
      remotes.set(id, [...(remotes.get(id) ?? []), { name, labels: own, taints }])
    } else {
      home.push({ name, labels: sortObj(labels) })
    }
  }
  const remoteList = [...remotes.keys()].sort().map((id) => {
    const vns = (remotes.get(id) ?? []).sort((a, b) => (a.name < b.name ? -1 : 1))
    const first = vns[0]
    const single = vns.length === 1 && first !== undefined && first.name === id && first.taints.length === 0
    return {
      clusterID: id,
      context: id,
      labels: sortObj(first?.labels ?? {}),
      ...(single ? {} : { virtualNodes: vns.map((v) => ({ name: v.name, labels: sortObj(v.labels), ...(v.taints.length > 0 ? { taints: v.taints } : {}) })) }),
    }
  })
  return {
    apiVersion: 'nsoffload.dev/v1alpha1',
    kind: 'ClusterInventory',
    metadata: { name: homeID },
    spec: { home: { clusterID: homeID, context: opts.context, nodes: home.sort((a, b) => (a.name < b.name ? -1 : 1)) }, remotes: remoteList },
  }
}
