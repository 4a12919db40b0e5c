import { diag, type Diagnostic } from '../../diagnostics/diagnostic.ts'
import { dns1123Label } from '../../selectors/label-syntax.ts'
import type { InventoryDraft, RuleResult } from './index.ts'

/** The namespaces a remote already holds (`spec.remotes[].namespaces`) are valid namespace names. */
export function remoteNamespacesValid(inv: InventoryDraft): RuleResult {
  const diagnostics: Diagnostic[] = []
  for (const r of inv.remotes) {
    r.namespaces.forEach((ns, j) => {
      const errs = dns1123Label(ns)
      if (errs.length > 0)
        diagnostics.push(
          diag('invalidNamespaceName', `namespace "${ns}" is not a valid namespace name: ${errs.join('; ')}`, inv.source.locate([...r.path, 'namespaces', j])),
        )
    })
  }
  return { diagnostics }
}
