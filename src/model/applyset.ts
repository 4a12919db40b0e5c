/**
 * kubectl's ApplySet labels (KEP-3659; kubernetes/kubectl pkg/cmd/apply/applyset.go): the
 * parent's ID and the members' set. Constants only; `sync/applyset.ts` holds the rules.
 */
export const LABEL_APPLYSET_ID = 'applyset.kubernetes.io/id'
export const LABEL_PART_OF = 'applyset.kubernetes.io/part-of'
