import { diag, type Diagnostic, type Related } from '../../diagnostics/diagnostic.ts'
import type { InventoryDraft, RuleResult } from './index.ts'

/**
 * A cluster appears once in the inventory: the home cluster is not among its remotes (a
 * cluster does not peer with itself) and no remote is listed twice. Each later entry points
 * at the first.
 */
export function clusterIDsUnique(inv: InventoryDraft): RuleResult {
  const diagnostics: Diagnostic[] = []
  const homeAt = inv.source.locate(['spec', 'home', 'clusterID'])
  const seen = new Map<string, Related>([[inv.home.clusterID, { file: homeAt.file, line: homeAt.line, column: homeAt.column, message: 'first defined here' }]])
  for (const r of inv.remotes) {
    const at = inv.source.locate([...r.path, 'clusterID'])
    const first = seen.get(r.clusterID)
    if (!first) {
      seen.set(r.clusterID, { file: at.file, line: at.line, column: at.column, message: 'first defined here' })
    } else if (r.clusterID === inv.home.clusterID) {
      diagnostics.push(
        diag('homeAmongRemotes', `the home cluster "${r.clusterID}" is also listed among the remotes`, at, {
          related: [first],
          hint: 'a cluster does not peer with itself: remove it from remotes',
        }),
      )
    } else {
      diagnostics.push(
        diag('duplicateClusterID', `cluster ID "${r.clusterID}" is listed twice`, at, {
          related: [first],
          hint: 'cluster IDs are unique: merge the two entries',
        }),
      )
    }
  }
  return { diagnostics }
}
