// Follows liqotech/liqo@v1.2.0 pkg/liqo-controller-manager/offloading/namespaceoffloading-controller/status.go (the remote namespace name by mapping strategy).
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
