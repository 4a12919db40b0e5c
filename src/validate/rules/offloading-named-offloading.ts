import { diag } from '../../diagnostics/diagnostic.ts'
import { nameAdmitted } from '../../liqo/nsoff-webhook.ts'
import { NSO_NAME } from '../../model/liqo.ts'
import type { PolicyDraft, RuleResult } from './index.ts'

/** Liqo's webhook denies any NamespaceOffloading not named `offloading` (liqotech/liqo@v1.2.0 pkg/webhooks/namespaceoffloading/nsoff.go). */
export function offloadingNamedOffloading(p: PolicyDraft): RuleResult {
  if (p.kind !== 'NamespaceOffloading' || nameAdmitted(p.name)) return { diagnostics: [] }
  return {
    diagnostics: [
      diag('offloadingName', `NamespaceOffloading name must match ${NSO_NAME} (got "${p.name}")`, p.source.locate(['metadata', 'name']), {
        hint: `rename it to "${NSO_NAME}": Liqo reads exactly one NamespaceOffloading per namespace, named ${NSO_NAME}`,
      }),
    ],
  }
}
