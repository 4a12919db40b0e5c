import { diag, type Diagnostic } from '../../diagnostics/diagnostic.ts'
import type { Policy } from '../../model/policy.ts'

/**
 * A namespace has one policy. Every later definition is an error pointing at the first one;
 * only the first is kept, so nothing downstream sees two.
 */
export function namespacesUnique(policies: readonly Policy[]): { policies: Policy[]; diagnostics: Diagnostic[] } {
  const first = new Map<string, Policy>()
  const diagnostics: Diagnostic[] = []
  for (const p of policies) {
    const prev = first.get(p.namespace)
    if (!prev) {
      first.set(p.namespace, p)
      continue
    }
    const at = p.source.locate(['metadata', 'name'])
    const was = prev.source.locate(['metadata', 'name'])
    diagnostics.push(
      diag('duplicateNamespace', `namespace "${p.namespace}" is defined twice (first at ${was.file}:${was.line}:${was.column})`, at, {
        related: [{ file: was.file, line: was.line, column: was.column, message: 'first defined here' }],
        hint: 'keep one policy per namespace',
      }),
    )
  }
  return { policies: [...first.values()], diagnostics }
}
