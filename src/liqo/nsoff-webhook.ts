// Follows liqotech/liqo@v1.2.0 pkg/webhooks/namespaceoffloading/nsoff.go (Handle, handleCreate, handleUpdate): the rules of
// Liqo's validating webhook on NamespaceOffloading objects, as pure functions over the fields it reads.
import { NSO_NAME, NSOFF_WEBHOOK } from '../model/liqo.ts'

/** The fields of a NamespaceOffloading the webhook reads. */
export interface OffloadingFields {
  readonly namespaceMappingStrategy: string
  readonly remoteNamespaceName?: string | undefined
  readonly podOffloadingStrategy: string
}

/** Every NamespaceOffloading must be named `offloading` (Handle, on CREATE and UPDATE). */
export const nameAdmitted = (name: string): boolean => name === NSO_NAME

/** CREATE: SelectedName without a remoteNamespaceName is denied (handleCreate). */
export const createDenied = (f: Pick<OffloadingFields, 'namespaceMappingStrategy' | 'remoteNamespaceName'>): boolean =>
  f.namespaceMappingStrategy === 'SelectedName' && (f.remoteNamespaceName ?? '') === ''

/**
 * UPDATE of `before` into `after` (handleUpdate): the mapping strategy and the remote namespace name cannot change (the
 * first denial wins); a pod offloading strategy changed to anything but LocalAndRemote is admitted with a warning. The
 * fields are those written on the object: nsoffload writes remoteNamespaceName only with SelectedName, so a name that
 * differs under another strategy is no change of the object.
 */
export function updateVerdict(before: OffloadingFields, after: OffloadingFields): { readonly denied?: string; readonly warning?: string } {
  if (before.namespaceMappingStrategy !== after.namespaceMappingStrategy) return { denied: NSOFF_WEBHOOK.mappingStrategyImmutable }
  if (before.remoteNamespaceName !== after.remoteNamespaceName && after.namespaceMappingStrategy === 'SelectedName')
    return { denied: NSOFF_WEBHOOK.remoteNameImmutable }
  if (before.podOffloadingStrategy !== after.podOffloadingStrategy && after.podOffloadingStrategy !== 'LocalAndRemote')
    return { warning: NSOFF_WEBHOOK.podStrategyRestricted }
  return {}
}
