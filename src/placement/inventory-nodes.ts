import type { Inventory } from '../model/inventory.ts'
import type { SchedulingNode } from './eligible-nodes.ts'

/**
 * The nodes a pod of the home cluster can be scheduled on: the home cluster's own nodes as the
 * inventory lists them, then one virtual node per remote cluster (or those it lists), with
 * Liqo's labels and taint, remotes in cluster-ID order.
 */
export function inventoryNodes(inv: Inventory): SchedulingNode[] {
  return [...inv.home.nodes.map((n) => ({ name: n.name, labels: n.labels, taints: n.taints })), ...inv.remotes.flatMap((r) => r.virtualNodes)]
}
