import { diag, type Diagnostic } from '../../diagnostics/diagnostic.ts'
import { KEY_MARKER } from '../../load/parse-yaml.ts'
import { labelValue, qualifiedName } from '../../selectors/label-syntax.ts'
import type { InventoryDraft, RuleResult } from './index.ts'

/** The labels of the remotes and of the nodes are valid Kubernetes labels (key and value). */
export function inventoryLabelsValid(inv: InventoryDraft): RuleResult {
  const diagnostics: Diagnostic[] = []
  const check = (labels: Readonly<Record<string, string>>, path: readonly (string | number)[]): void => {
    for (const [k, v] of Object.entries(labels)) {
      const ke = qualifiedName(k)
      if (ke.length > 0) diagnostics.push(diag('invalidLabel', `label key "${k}": ${ke.join('; ')}`, inv.source.locate([...path, k, KEY_MARKER])))
      const ve = labelValue(v)
      if (ve.length > 0) diagnostics.push(diag('invalidLabel', `label ${k} value "${v}": ${ve.join('; ')}`, inv.source.locate([...path, k])))
    }
  }
  for (const n of inv.home.nodes) check(n.labels, [...n.path, 'labels'])
  for (const r of inv.remotes) {
    check(r.labels, [...r.path, 'labels'])
    for (const n of r.virtualNodes) check(n.labels, [...n.path, 'labels'])
  }
  return { diagnostics }
}
