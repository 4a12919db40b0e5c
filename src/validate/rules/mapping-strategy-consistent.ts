import { diag } from '../../diagnostics/diagnostic.ts'
import type { PolicyDraft, RuleResult } from './index.ts'

/**
 * SelectedName needs remoteNamespaceName (Liqo's webhook: "The RemoteNamespaceName value cannot
 * be empty when using the SelectedName NamespaceMappingStrategy"), and remoteNamespaceName is
 * an error with any other strategy (Liqo would silently ignore it).
 */
export function mappingStrategyConsistent(p: PolicyDraft): RuleResult {
  const selected = p.namespaceMappingStrategy === 'SelectedName'
  const given = p.remoteNamespaceName !== undefined && p.remoteNamespaceName !== ''
  if (selected && !given) {
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
  if (!selected && p.remoteNamespaceName !== undefined) {
    return {
      diagnostics: [
        diag(
          'remoteNameNeedsSelectedName',
          `remoteNamespaceName is only used with namespaceMappingStrategy SelectedName (the strategy is ${p.namespaceMappingStrategy}${p.mappingGiven ? '' : ' by default'})`,
          p.source.locate(['spec', 'remoteNamespaceName']),
          { hint: 'set namespaceMappingStrategy: SelectedName, or remove remoteNamespaceName' },
        ),
      ],
    }
  }
  return { diagnostics: [] }
}
