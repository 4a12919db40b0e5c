import { createHash } from 'node:crypto'
import { LABEL_APPLYSET_ID, LABEL_PART_OF } from '../model/applyset.ts'
import type { Manifest } from '../model/k8s.ts'
import { ANNOTATION_MANAGED_BY, LABEL_MANAGED_BY, MANAGED_BY_VALUE } from '../model/liqo.ts'
import { ownedByNamespaceMap } from '../liqo/twin-namespace.ts'
import { dns1123Subdomain } from '../selectors/label-syntax.ts'
import { metaOf, typeOf } from '../util/manifest.ts'

/**
 * The identity of what one repository (one inventory) syncs: a kubectl ApplySet (KEP-3659,
 * kubernetes/enhancements keps/sig-cli/3659-kubectl-apply-prune; kubectl's implementation is
 * kubernetes/kubectl pkg/cmd/apply/applyset.go). Each cluster the set writes to holds one
 * parent object, a Secret with the set's name in namespace `default` (kubectl's default
 * parent kind), labelled `applyset.kubernetes.io/id`; every member is labelled
 * `applyset.kubernetes.io/part-of` with the same ID. Same name, namespace and kind on every
 * cluster, hence one ID across the fleet. Pure functions of data, but for the hash.
 */

export const ANNOTATION_TOOLING = 'applyset.kubernetes.io/tooling'
export const ANNOTATION_GROUP_KINDS = 'applyset.kubernetes.io/contains-group-kinds'
export const ANNOTATION_ADDITIONAL_NAMESPACES = 'applyset.kubernetes.io/additional-namespaces'
/** kubectl's older hint, which it still reads and removes by applying without it. */
const ANNOTATION_GROUP_RESOURCES = 'applyset.kubernetes.io/contains-group-resources'
/** nsoffload's own: the home cluster whose set this is (two homes with one set name may share a remote). */
export const ANNOTATION_HOME_CLUSTER = 'nsoffload.dev/home-cluster'
/** nsoffload's own, on the namespaces, NamespaceOffloadings and twins it renders: the policy file, relative to the inventory's folder. */
export const ANNOTATION_POLICY_FILE = 'nsoffload.dev/policy-file'
/** The tool name of `applyset.kubernetes.io/tooling` (`nsoffload/v0.1.0`). */
export const TOOL_NAME = 'nsoffload'
/** The field manager of the parent's applies (kubectl's is `kubectl-applyset`). */
export const PARENT_FIELD_MANAGER = `${TOOL_NAME}-applyset`
/** Where the parent lives on every cluster: a namespace every cluster has. */
export const PARENT_NAMESPACE = 'default'

export type ParentKind = 'Secret' | 'ConfigMap'

export interface ApplySet {
  /** The parent's `metadata.name`. */
  readonly name: string
  readonly namespace: string
  readonly kind: ParentKind
  /** `applyset-<base64url(sha256(<name>.<namespace>.<kind>.<group>))>-v1` */
  readonly id: string
  /** `nsoffload/v<version>` */
  readonly tooling: string
}

/** kubectl's ApplySet.ID(): the URL-safe base64 (no padding) of the SHA-256 of the parent's GKNN. */
export function applySetID(name: string, namespace: string, kind: string, group: string): string {
  const hashed = createHash('sha256').update([name, namespace, kind, group].join('.')).digest('base64url')
  return `applyset-${hashed}-v1`
}

/**
 * The set of an inventory: `nsoffload-<inventory name>` unless `--applyset` names it, in
 * kubectl's form `[secrets/|configmaps/]NAME` (a Secret when no resource is given, as kubectl
 * defaults). A custom resource parent is refused: kubectl cannot create one either (it must
 * exist before the apply), and nsoffload creates its parents. Throws a message for a bad value.
 */
export function applySetFor(inventoryName: string, version: string, flag?: string): ApplySet {
  let kind: ParentKind = 'Secret'
  let name = `nsoffload-${inventoryName}`
  if (flag !== undefined) {
    const slash = flag.indexOf('/')
    const resource = slash >= 0 ? flag.slice(0, slash) : ''
    name = slash >= 0 ? flag.slice(slash + 1) : flag
    if (slash >= 0) {
      if (resource === 'secrets' || resource === 'secret') kind = 'Secret'
      else if (resource === 'configmaps' || resource === 'configmap') kind = 'ConfigMap'
      else throw new Error(`--applyset ${flag}: the parent is a Secret or a ConfigMap that nsoffload creates ("secrets/NAME", "configmaps/NAME" or "NAME")`)
    }
  }
  const problem = dns1123Subdomain(name)[0]
  if (name === '' || problem !== undefined) {
    throw new Error(
      `${flag === undefined ? `the ApplySet name "${name}" (from the inventory's metadata.name)` : `--applyset ${flag}`}: the name ${problem ?? 'is empty'}`,
    )
  }
  return { name, namespace: PARENT_NAMESPACE, kind, id: applySetID(name, PARENT_NAMESPACE, kind, ''), tooling: `${TOOL_NAME}/v${version}` }
}

/** How `kubectl get` and `--applyset` name the parent: `secrets/nsoffload-italy`. */
export const parentRef = (set: ApplySet): string => `${set.kind === 'Secret' ? 'secrets' : 'configmaps'}/${set.name}`

/** A group-kind as kubectl writes it in `contains-group-kinds` (`schema.GroupKind.String()`): `Deployment.apps`, `Namespace`. */
export function groupKind(m: Manifest): string {
  const { apiVersion, kind } = typeOf(m)
  const slash = apiVersion.indexOf('/')
  return slash >= 0 ? `${kind}.${apiVersion.slice(0, slash)}` : kind
}

/**
 * Who an object on a cluster belongs to, for this set:
 * - `member`: labelled part-of this set;
 * - `other-set`: labelled part-of another set (another repository's, kubectl's): never touched;
 * - `legacy`: nsoffload's old marker (managed-by) and no set: adopted when this set renders it, never pruned;
 * - `foreign`: no marker at all: never touched.
 */
export type Membership = 'member' | 'other-set' | 'legacy' | 'foreign'

export function membership(o: Manifest, set: ApplySet): Membership {
  const md = metaOf(o)
  const partOf = md.labels?.[LABEL_PART_OF]
  if (partOf !== undefined) return partOf === set.id ? 'member' : 'other-set'
  if (md.labels?.[LABEL_MANAGED_BY] === MANAGED_BY_VALUE || md.annotations?.[ANNOTATION_MANAGED_BY] === MANAGED_BY_VALUE) return 'legacy'
  return 'foreign'
}

/**
 * Who owns a twin on a remote, for this home cluster and set: Liqo's mark first (a namespace is
 * this home's twin only when it is owned by this home's NamespaceMap, `liqo/twin-namespace.ts`;
 * any other is someone else's, another home's included: never written, never deleted,
 * CreationLoopBackOff), then the set's. Among this home's twins: `member` of this set, `legacy`
 * (nsoffload's old marker, no set: adopted when rendered, never pruned), or `liqo` (Liqo's own,
 * or another set's: counted as offloaded, never touched).
 */
export function twinOwner(twin: Manifest, homeID: string, remoteID: string, set: ApplySet): 'member' | 'legacy' | 'liqo' | undefined {
  if (!ownedByNamespaceMap(metaOf(twin), homeID, remoteID)) return undefined
  const m = membership(twin, set)
  return m === 'member' || m === 'legacy' ? m : 'liqo'
}

/** A rendered object as sync applies it in this set: the part-of label added (and, where given, the policy file). */
export function asMember(m: Manifest, set: ApplySet, policyFile?: string): Manifest {
  const md = metaOf(m)
  const labels = { ...md.labels, [LABEL_PART_OF]: set.id }
  const annotations = policyFile !== undefined ? { ...md.annotations, [ANNOTATION_POLICY_FILE]: policyFile } : md.annotations
  return { ...m, metadata: { ...md, labels, ...(annotations ? { annotations } : {}) } }
}

/** What a parent says of its set: the group-kinds and namespaces of its members (kubectl's hint annotations). */
export interface ParentContents {
  readonly groupKinds: readonly string[]
  /** The namespaces of namespaced members, the parent's own left out. */
  readonly namespaces: readonly string[]
}

const sortedUnique = (xs: Iterable<string>): string[] => [...new Set(xs)].filter((x) => x !== '').sort()

/** The contents a live parent records (empty when it records none). */
export function recordedContents(parent: Manifest | undefined): ParentContents {
  const a = parent ? (metaOf(parent).annotations ?? {}) : {}
  const split = (v: string | undefined): string[] => (v ? v.split(',') : [])
  return { groupKinds: sortedUnique(split(a[ANNOTATION_GROUP_KINDS])), namespaces: sortedUnique(split(a[ANNOTATION_ADDITIONAL_NAMESPACES])) }
}

/** Both sets of contents together: what the parent says while members are written (kubectl's `updateToSuperset`). */
export const unionContents = (a: ParentContents, b: ParentContents): ParentContents => ({
  groupKinds: sortedUnique([...a.groupKinds, ...b.groupKinds]),
  namespaces: sortedUnique([...a.namespaces, ...b.namespaces]),
})

/** The contents of a list of member objects (rendered or live): their group-kinds and namespaces, sorted as kubectl sorts them. */
export function contentsOf(members: Iterable<Manifest>, set: ApplySet): ParentContents {
  const gks: string[] = []
  const nss: string[] = []
  for (const m of members) {
    gks.push(groupKind(m))
    const ns = metaOf(m).namespace
    if (typeof ns === 'string' && ns !== set.namespace) nss.push(ns)
  }
  return { groupKinds: sortedUnique(gks), namespaces: sortedUnique(nss) }
}

/**
 * The parent object as kubectl's `buildParentPatch` writes it: the ID label, the tooling, the
 * group-kinds and the additional namespaces (both always present, empty when there are none),
 * plus the home cluster whose set it is.
 */
export function parentManifest(set: ApplySet, contents: ParentContents, homeID: string): Manifest {
  return {
    apiVersion: 'v1',
    kind: set.kind,
    metadata: {
      name: set.name,
      namespace: set.namespace,
      labels: { [LABEL_APPLYSET_ID]: set.id },
      annotations: {
        [ANNOTATION_ADDITIONAL_NAMESPACES]: contents.namespaces.join(','),
        [ANNOTATION_GROUP_KINDS]: contents.groupKinds.join(','),
        [ANNOTATION_TOOLING]: set.tooling,
        [ANNOTATION_HOME_CLUSTER]: homeID,
      },
    },
  }
}

/** Whether the live parent already says exactly what `want` says (so no write is needed). */
export function parentUpToDate(live: Manifest | undefined, want: Manifest): boolean {
  if (!live) return false
  const l = metaOf(live)
  const w = metaOf(want)
  const same = (a: Readonly<Record<string, string>> | undefined, b: Readonly<Record<string, string>> | undefined): boolean =>
    Object.entries(b ?? {}).every(([k, v]) => a?.[k] === v)
  return same(l.labels, w.labels) && same(l.annotations, w.annotations) && l.annotations?.[ANNOTATION_GROUP_RESOURCES] === undefined
}

/** `nsoffload/v0.1.0` → `nsoffload`; `kubectl/v1.32.0` → `kubectl` (kubectl's toolingBaseName). */
function toolingBaseName(tooling: string): string {
  const parts = tooling.split('/')
  return parts.length >= 2 ? parts.slice(0, -1).join('/') : tooling
}

/**
 * Why a live object under the parent's name cannot be this set's parent, as kubectl's
 * `fetchParent` refuses it (the words are kubectl's): no tooling annotation, another tool's,
 * no ID label or another ID. nsoffload adds one check of its own: the parent of another home
 * cluster's set (two inventories with one name, sharing a remote). `undefined` when it can be.
 */
export function parentProblem(live: Manifest | undefined, set: ApplySet, homeID: string): string | undefined {
  if (!live) return undefined
  const ref = `${parentRef(set)} in namespace ${set.namespace}`
  const md = metaOf(live)
  const tooling = md.annotations?.[ANNOTATION_TOOLING]
  if (tooling === undefined) return `ApplySet parent object ${ref} already exists and is missing required annotation ${ANNOTATION_TOOLING}`
  const base = toolingBaseName(tooling)
  if (base !== TOOL_NAME) return `ApplySet parent object ${ref} already exists and is managed by tooling "${base}" instead of "${TOOL_NAME}"`
  const id = md.labels?.[LABEL_APPLYSET_ID]
  if (id === undefined) return `ApplySet parent object ${ref} exists and does not have required label ${LABEL_APPLYSET_ID}`
  if (id !== set.id) return `ApplySet parent object ${ref} exists and has incorrect value for label ${LABEL_APPLYSET_ID} (got: ${id}, want: ${set.id})`
  const home = md.annotations?.[ANNOTATION_HOME_CLUSTER]
  if (home !== undefined && home !== homeID) {
    return `ApplySet ${ref} is the set of home cluster ${home}, not ${homeID}: two inventories of one name share this cluster; give this one its own set with --applyset`
  }
  return undefined
}
