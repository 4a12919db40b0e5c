import type { Inventory } from '../model/inventory.ts'
import type { NodeView, Taint } from '../model/k8s.ts'
import { LABEL_HOSTNAME, LABEL_REMOTE_CLUSTER_ID, LABEL_TYPE, TYPE_VIRTUAL_NODE, VIRTUAL_NODE_LABELS, VIRTUAL_NODE_TAINT_KEY } from '../model/liqo.ts'
import type { SchedulingNode } from './eligible-nodes.ts'

/** Liqo's taint on every virtual node (liqotech/liqo@v1.2.0 pkg/consts/webhook.go). */
export const VIRTUAL_NODE_TAINT: Taint = { key: VIRTUAL_NODE_TAINT_KEY, value: 'true', effect: 'NoExecute' }

/**
 * The labels of Liqo's virtual Node `name` of cluster `clusterID`, as the virtual kubelet writes
 * them (model/liqo.ts has the sources): Liqo's defaults, then the given labels over them (Liqo
 * merges the VirtualNode's labels over its own, the later map winning), then `liqo.io/type` and
 * `liqo.io/remote-cluster-id`, which say what the node is and whose, and are not the
 * inventory's to change. The one function behind cluster selection, the placement preview,
 * `inventory pull` and the end-to-end tests' Node objects.
 */
export function virtualNodeLabels(clusterID: string, name: string, labels: Readonly<Record<string, string>> = {}): Record<string, string> {
  return { [LABEL_HOSTNAME]: name, ...VIRTUAL_NODE_LABELS, ...labels, [LABEL_TYPE]: TYPE_VIRTUAL_NODE, [LABEL_REMOTE_CLUSTER_ID]: clusterID }
}

/** A remote cluster's virtual node: its labels over Liqo's, and Liqo's taint first (docs/ARCHITECTURE.md). */
export function virtualNode(clusterID: string, name: string, labels: Readonly<Record<string, string>>, taints: readonly Taint[] = []): NodeView {
  return { name, labels: virtualNodeLabels(clusterID, name, labels), taints: [VIRTUAL_NODE_TAINT, ...taints], clusterID, virtual: true }
}

/**
 * The labels of a live virtual node that the inventory has to state: those
 * {@link virtualNodeLabels} would not give back by itself. `virtualNodeLabels(id, name,
 * ownLabels(id, name, live))` equals `live` whenever `live` carries every default (Liqo's nodes
 * do), so nothing selection or scheduling can match on is lost.
 */
export function ownLabels(clusterID: string, name: string, live: Readonly<Record<string, string>>): Record<string, string> {
  const derived = virtualNodeLabels(clusterID, name)
  return Object.fromEntries(Object.entries(live).filter(([k, v]) => derived[k] !== v))
}

/**
 * The nodes a pod of the home cluster can be scheduled on: the home cluster's own nodes as the
 * inventory lists them, then one virtual node per remote cluster (or those it lists), with
 * Liqo's labels and taint, remotes in cluster-ID order.
 */
export function inventoryNodes(inv: Inventory): SchedulingNode[] {
  return [...inv.home.nodes.map((n) => ({ name: n.name, labels: n.labels, taints: n.taints })), ...inv.remotes.flatMap((r) => r.virtualNodes)]
}
