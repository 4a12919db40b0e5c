import { diag, type Diagnostic } from '../../diagnostics/diagnostic.ts'
import { dns1123Label } from '../../selectors/label-syntax.ts'
import type { InventoryDraft, RuleResult } from './index.ts'
import { suggestLabel } from './namespace-name-valid.ts'

/** Every cluster ID, the home's and the remotes', is a DNS-1123 label, as Liqo's are. */
export function clusterIDValid(inv: InventoryDraft): RuleResult {
  const diagnostics: Diagnostic[] = []
  const check = (id: string, path: readonly (string | number)[]): void => {
    const errs = dns1123Label(id)
    if (errs.length === 0) return
    diagnostics.push(
      diag('invalidClusterID', `cluster ID "${id}" is not valid: ${errs.join('; ')}`, inv.source.locate(path), {
        hint: `Liqo cluster IDs are DNS-1123 labels; ${suggestLabel(id)}`,
      }),
    )
  }
  check(inv.home.clusterID, ['spec', 'home', 'clusterID'])
  for (const r of inv.remotes) check(r.clusterID, [...r.path, 'clusterID'])
  return { diagnostics }
}
