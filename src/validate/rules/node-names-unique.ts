import { diag, type Diagnostic, type Related } from '../../diagnostics/diagnostic.ts'
import type { InventoryDraft, RuleResult } from './index.ts'

/**
 * Node names are unique across the inventory, as in the home cluster, where the remotes'
 * virtual nodes live beside its own nodes: the home nodes, each remote's virtual nodes, or for
 * a remote without any, the one virtual node Liqo names after its cluster ID. Each later one
 * points at the first.
 */
export function nodeNamesUnique(inv: InventoryDraft): RuleResult {
  const diagnostics: Diagnostic[] = []
  const seen = new Map<string, Related>()
  const check = (name: string, path: readonly (string | number)[], what: string): void => {
    const at = inv.source.locate(path)
    const first = seen.get(name)
    if (first) diagnostics.push(diag('duplicateNodeName', `node "${name}"${what} is listed twice`, at, { related: [first] }))
    else seen.set(name, { file: at.file, line: at.line, column: at.column, message: 'first defined here' })
  }
  for (const n of inv.home.nodes) check(n.name, [...n.path, 'name'], '')
  for (const r of inv.remotes) {
    for (const n of r.virtualNodes) check(n.name, [...n.path, 'name'], '')
    if (r.virtualNodes.length === 0) check(r.clusterID, [...r.path, 'clusterID'], ` (the virtual node of cluster ${r.clusterID})`)
  }
  return { diagnostics }
}
