import { diag, type Diagnostic } from '../../diagnostics/diagnostic.ts'
import type { InventoryDraft, RuleResult } from './index.ts'

/** Every node written in the inventory, home or virtual, has a valid Kubernetes node name. */
export function nodeNameValid(inv: InventoryDraft): RuleResult {
  const diagnostics: Diagnostic[] = []
  for (const n of [...inv.home.nodes, ...inv.remotes.flatMap((r) => r.virtualNodes)]) {
    if (!subdomainish(n.name))
      diagnostics.push(
        diag('invalidLabel', `node name "${n.name}": a node name must be a lowercase RFC 1123 subdomain`, inv.source.locate([...n.path, 'name'])),
      )
  }
  return { diagnostics }
}

function subdomainish(name: string): boolean {
  return /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(name) && name.length <= 253
}
