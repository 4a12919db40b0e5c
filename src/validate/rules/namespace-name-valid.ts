import { diag } from '../../diagnostics/diagnostic.ts'
import { dns1123Label } from '../../selectors/label-syntax.ts'
import type { PolicyDraft, RuleResult } from './index.ts'

/** The offloaded namespace must be a valid Kubernetes namespace name (DNS-1123 label). */
export function namespaceNameValid(p: PolicyDraft): RuleResult {
  const errs = dns1123Label(p.namespace)
  if (errs.length === 0) return { diagnostics: [] }
  return {
    diagnostics: [
      diag('invalidNamespaceName', `namespace "${p.namespace}" is not a valid namespace name: ${errs.join('; ')}`, p.source.locate(p.namespacePath), {
        hint: suggestLabel(p.namespace),
      }),
    ],
  }
}

/** A valid DNS-1123 label close to the given text, to suggest. */
export function suggestLabel(s: string): string {
  const fixed = s
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 63)
    .replace(/-+$/, '')
  return fixed.length > 0 && fixed !== s ? `for example "${fixed}"` : 'use lower case letters, digits and "-", at most 63 characters'
}
