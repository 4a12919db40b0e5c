// Follows liqotech/liqo@v1.2.0 pkg/liqo-controller-manager/offloading/namespaceoffloading-controller/status.go (the remote namespace name by mapping strategy).
import { MAPPING_STRATEGIES, type MappingStrategy, type NamespaceOffloadingObject } from '../model/liqo.ts'
import type { Policy } from '../model/policy.ts'

/**
 * The twin namespace's name (liqotech/liqo@v1.2.0 …/namespaceoffloading-controller/status.go): EnforceSameName keeps the name, DefaultName
 * appends the **home** cluster ID (`<ns>-<homeID>`, Liqo v1), SelectedName takes
 * remoteNamespaceName verbatim. No truncation or sanitising, as in Liqo.
 */
export function remoteNamespaceName(policy: Pick<Policy, 'namespace' | 'namespaceMappingStrategy' | 'remoteNamespaceName'>, homeClusterID: string): string {
  switch (policy.namespaceMappingStrategy) {
    case 'EnforceSameName':
      return policy.namespace
    case 'SelectedName':
      return policy.remoteNamespaceName ?? ''
    case 'DefaultName':
      return `${policy.namespace}-${homeClusterID}`
  }
}

/**
 * The remote name Liqo computes from a live NamespaceOffloading's spec (status.go, remoteNamespaceName), `undefined`
 * without one. Liqo falls back to DefaultName for a strategy it does not know.
 */
export function liveRemoteName(ns: string, nso: NamespaceOffloadingObject | undefined, homeID: string): string | undefined {
  if (!nso) return undefined
  const spec = nso.spec ?? {}
  const given = spec.namespaceMappingStrategy
  const strategy: MappingStrategy = MAPPING_STRATEGIES.find((m) => m === given) ?? 'DefaultName'
  const selectedName = typeof spec.remoteNamespaceName === 'string' ? spec.remoteNamespaceName : ''
  return remoteNamespaceName({ namespace: ns, namespaceMappingStrategy: strategy, remoteNamespaceName: selectedName }, homeID)
}
