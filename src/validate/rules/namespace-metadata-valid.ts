import { diag, type Diagnostic } from '../../diagnostics/diagnostic.ts'
import { LABEL_MANAGED_BY, LABEL_SCHEDULING_ENABLED } from '../../model/liqo.ts'
import { labelValue, qualifiedName } from '../../selectors/label-syntax.ts'
import { KEY_MARKER } from '../../load/parse-yaml.ts'
import type { PolicyDraft, RuleResult } from './index.ts'

/** Labels that Liqo's controller or nsoffload set on the local Namespace themselves. */
const RESERVED: Readonly<Record<string, string>> = {
  [LABEL_SCHEDULING_ENABLED]: 'Liqo sets it from podOffloadingStrategy (present exactly when the strategy is not Local)',
  [LABEL_MANAGED_BY]: 'nsoffload marks the objects it owns with it',
}

/** Extra Namespace labels and annotations are valid Kubernetes metadata and not Liqo's own. */
export function namespaceMetadataValid(p: PolicyDraft): RuleResult {
  const diagnostics: Diagnostic[] = []
  const base = ['spec', 'namespace']
  for (const [k, v] of Object.entries(p.labels)) {
    const why = RESERVED[k]
    if (why) {
      diagnostics.push(diag('reservedLabel', `label ${k} cannot be set by hand: ${why}`, p.source.locate([...base, 'labels', k, KEY_MARKER]), { hint: 'remove it' }))
      continue
    }
    const ke = qualifiedName(k)
    if (ke.length > 0) diagnostics.push(diag('invalidLabel', `label key "${k}": ${ke.join('; ')}`, p.source.locate([...base, 'labels', k, KEY_MARKER])))
    const ve = labelValue(v)
    if (ve.length > 0) diagnostics.push(diag('invalidLabel', `label ${k} value "${v}": ${ve.join('; ')}`, p.source.locate([...base, 'labels', k])))
  }
  for (const k of Object.keys(p.annotations)) {
    const ke = qualifiedName(k)
    if (ke.length > 0) diagnostics.push(diag('invalidLabel', `annotation key "${k}": ${ke.join('; ')}`, p.source.locate([...base, 'annotations', k, KEY_MARKER])))
  }
  return { diagnostics }
}
