/**
 * The Node objects an inventory says the home cluster has, as Liqo would show them: the home
 * cluster's own nodes (labels and taints as listed) and each remote's virtual nodes with Liqo's
 * labels and taint (the compiler's own `virtualNode`), so that `diff` and `sync` find the
 * inventory as live (docs/sync.md, "The inventory against the live virtual nodes").
 */
import { parseYaml } from '../../../src/load/parse-yaml.ts'
import { classify } from '../../../src/validate/classify.ts'
import { toInventory } from '../../../src/validate/to-inventory.ts'
import type { NodeSpec, NodeTaint } from './nodes.ts'

export function inventoryNodes(inventoryText: string): NodeSpec[] {
  const [doc] = classify(parseYaml('inventory.yaml', inventoryText).docs, ['ClusterInventory']).docs
  const inv = doc ? toInventory(doc).inventory : undefined
  if (!inv) throw new Error('inventoryNodes: not a valid inventory')
  const taints = (ts: readonly { key: string; value?: string; effect: string }[]): NodeTaint[] =>
    ts.map((t) => ({ key: t.key, ...(t.value !== undefined ? { value: t.value } : {}), effect: t.effect as NodeTaint['effect'] }))
  return [
    ...inv.home.nodes.map((n) => ({ name: n.name, labels: { ...n.labels }, taints: taints(n.taints) })),
    ...inv.remotes.flatMap((r) => r.virtualNodes.map((n) => ({ name: n.name, labels: { ...n.labels }, taints: taints(n.taints) }))),
  ]
}
