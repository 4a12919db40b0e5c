import { diag } from '../../diagnostics/diagnostic.ts'
import { createDenied } from '../../liqo/nsoff-webhook.ts'
import type { PolicyDraft, RuleResult } from './index.ts'

/**
 * SelectedName needs remoteNamespaceName (Liqo's webhook: "The RemoteNamespaceName value cannot
 * be empty when using the SelectedName NamespaceMappingStrategy"). With any other strategy
 * Liqo ignores remoteNamespaceName (liqotech/liqo@v1.2.0 apis/offloading/v1beta1/namespaceoffloading_types.go, pkg/liqoctl/offload): in an OffloadingPolicy it is an
 * error (the author meant something), in a NamespaceOffloading a warning, since
 * `liqoctl offload namespace --remote-namespace-name X --output yaml` writes it whatever the
 * strategy and Liqo accepts the object as is. nsoffload leaves it out of what it renders.
 */
export function mappingStrategyConsistent(p: PolicyDraft): RuleResult {
  const selected = p.namespaceMappingStrategy === 'SelectedName'
  const given = p.remoteNamespaceName !== undefined && p.remoteNamespaceName !== ''
  if (createDenied(p)) {
    return {
      diagnostics: [
        diag(
          'selectedNameNeedsRemoteName',
          'The RemoteNamespaceName value cannot be empty when using the SelectedName NamespaceMappingStrategy',
          p.source.locate(p.remoteNamespaceName !== undefined ? ['spec', 'remoteNamespaceName'] : ['spec', 'namespaceMappingStrategy']),
          { hint: 'add spec.remoteNamespaceName, or use EnforceSameName or DefaultName' },
        ),
      ],
    }
  }
  const strategy = `${p.namespaceMappingStrategy}${p.mappingGiven ? '' : ' by default'}`
  if (!selected && p.kind === 'NamespaceOffloading') {
    if (!given) return { diagnostics: [] }
    return {
      diagnostics: [
        diag(
          'remoteNameIgnored',
          `remoteNamespaceName "${p.remoteNamespaceName ?? ''}" is ignored: the namespaceMappingStrategy is ${strategy}, and Liqo reads it only with SelectedName; nsoffload leaves it out of the NamespaceOffloading it renders`,
          p.source.locate(['spec', 'remoteNamespaceName']),
          { hint: 'remove it, or set namespaceMappingStrategy: SelectedName to use it' },
        ),
      ],
    }
  }
  if (!selected && p.remoteNamespaceName !== undefined) {
    return {
      diagnostics: [
        diag(
          'remoteNameNeedsSelectedName',
          `remoteNamespaceName is only used with namespaceMappingStrategy SelectedName (the strategy is ${strategy})`,
          p.source.locate(['spec', 'remoteNamespaceName']),
          { hint: 'set namespaceMappingStrategy: SelectedName, or remove remoteNamespaceName' },
        ),
      ],
    }
  }
  return { diagnostics: [] }
}
