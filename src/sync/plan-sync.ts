import type { Compiled, CompiledNamespace } from '../compile/compile.ts'
import { liveRemoteName, remoteNamespaceName } from '../liqo/remote-name.ts'
import { markOwned } from '../compile/render-manifests.ts'
import type { Inventory } from '../model/inventory.ts'
import type { Manifest } from '../model/k8s.ts'
import { LABEL_MANAGED_BY, LABEL_SCHEDULING_ENABLED, NSO_KIND } from '../model/liqo.ts'
import type { CodeId } from '../diagnostics/codes.ts'
import { type ClusterLocation, clusterDiag, type Diagnostic } from '../diagnostics/diagnostic.ts'
import { namespaceMapKey, twinOriginalName } from '../liqo/twin-namespace.ts'
import { describeObject, metaOf, namespaceOf, typeOf } from '../util/manifest.ts'
import { applyForm } from './apply-form.ts'
import {
  ANNOTATION_POLICY_FILE,
  type ApplySet,
  applySetFor,
  asMember,
  contentsOf,
  membership,
  parentManifest,
  parentProblem,
  parentRef,
  type ParentContents,
  parentUpToDate,
  recordedContents,
  twinOwner,
  unionContents,
} from './applyset.ts'
import { LABEL_PART_OF } from '../model/applyset.ts'
import { type LiveObject, needsApply, ownedPaths, sameObject } from './compare.ts'
import { inScope, isCrd, kindKey } from './kinds.ts'
import { unchangedApply } from './unchanged-apply.ts'
import { driftFindings } from './inventory-drift.ts'
import { type LiveCluster, objectKey } from './live-state.ts'

/** One change to one object of one cluster. */
export type Action =
  | {
      readonly op: 'create' | 'update'
      readonly cluster: string
      readonly namespace: string
      readonly step: Step
      readonly manifest: Manifest
      readonly live?: LiveObject
      /** A workload: the server's answer to the same apply with `dryRun=All` (the object as it will be). */
      readonly after?: LiveObject
      /** The live object carries nsoffload's old marker and no ApplySet: this apply adopts it into the set. */
      readonly adopt?: boolean
      /** A custom resource of a kind the CRD of this name (in this sync) defines: sent once that CRD is Established. */
      readonly definedBy?: string
    }
  | {
      readonly op: 'delete'
      readonly cluster: string
      readonly namespace: string
      readonly step: Step
      readonly live: LiveObject
      readonly why: 'prune' | 'deselected' | 'destructive'
    }

/** What an action is part of, per namespace: its home Namespace, its NamespaceOffloading, its twins, its workloads. */
export type Step = 'namespace' | 'offloading' | 'twins' | 'workloads'

/**
 * The order of docs/sync.md, per namespace, whatever runs concurrently: a phase runs after the
 * one before it, its actions `concurrency` at a time across namespaces, and an action runs only
 * when what it needs of its own namespace went through (`needs`: the gates of earlier actions
 * of that namespace; a failed or skipped action closes its gate). So a twin is never written
 * before its NamespaceOffloading, nor a NamespaceOffloading deleted before its twins: a sync
 * cut off anywhere (an API server killed midway) leaves no twin without its
 * NamespaceOffloading. Pure data; the executor follows it.
 */
export interface Phase {
  readonly takes: (a: Action) => boolean
  readonly needs: (a: Action) => readonly string[]
  /** The status of the NamespaceOffloadings is written after this phase. */
  readonly thenStatus?: boolean
  /** The CRDs this phase applied are waited for until Established (a failure closes their gate). */
  readonly thenEstablished?: boolean
}

/** The gate an action's failure closes for the later actions of its namespace (a CRD's: for its custom resources). */
export function gateOf(a: Action): string {
  if (a.op !== 'delete' && isCrd(a.manifest)) return crdGate(metaOf(a.manifest).name ?? '')
  const what = a.step === 'twins' && a.op === 'delete' ? 'twin-deletes' : a.step
  return `${what}:${a.namespace}`
}

/** The gate of a CRD of this sync: applied, and Established. */
export const crdGate = (name: string): string => `crd:${name}`
const isCrdAction = (a: Action): boolean => a.step === 'workloads' && a.op !== 'delete' && isCrd(a.manifest)

export const PHASES: readonly Phase[] = [
  // Twins go before their NamespaceOffloading goes (unoffloading, a deselected cluster, a destructive change).
  { takes: (a) => a.step === 'twins' && a.op === 'delete', needs: () => [] },
  { takes: (a) => a.step === 'namespace', needs: () => [] },
  { takes: (a) => a.step === 'offloading' && a.op === 'delete', needs: (a) => [`twin-deletes:${a.namespace}`] },
  { takes: (a) => a.step === 'offloading' && a.op !== 'delete', needs: (a) => [`namespace:${a.namespace}`, `offloading:${a.namespace}`] },
  // A twin only once its NamespaceOffloading is in place.
  { takes: (a) => a.step === 'twins' && a.op !== 'delete', needs: (a) => [`offloading:${a.namespace}`], thenStatus: true },
  // Workloads: the CRDs first, their custom resources once they are Established (as kustomize-controller applies them).
  { takes: isCrdAction, needs: (a) => [`namespace:${a.namespace}`, `offloading:${a.namespace}`], thenEstablished: true },
  {
    takes: (a) => a.step === 'workloads' && !isCrdAction(a),
    needs: (a) => [`namespace:${a.namespace}`, `offloading:${a.namespace}`, ...(a.op !== 'delete' && a.definedBy ? [crdGate(a.definedBy)] : [])],
  },
]

/**
 * What planning refuses or leaves alone, and why: a diagnostic of the registry (NSO5xxx) at its
 * cluster, home namespace and object (`clusterDiag`), printed as validate's are.
 */
export type Finding = Diagnostic &
  ClusterLocation & {
    /** A refused change (a destructive one, the set's parent, the inventory's drift): nothing is applied at all. */
    readonly blocking?: boolean
  }

/**
 * The ApplySet parent of one cluster (kubectl's two updates): `before` is applied before any
 * member is written, recording what the set held and what it will hold (kubectl's
 * `updateToSuperset`, so an interrupted sync leaks nothing); `after` once every change
 * succeeded, recording what it holds now (`updateToLatestSet`). Either is absent when the live
 * parent already says it.
 */
export interface ParentChange {
  readonly cluster: string
  readonly live?: LiveObject
  readonly before?: Manifest
  readonly after?: Manifest
}

export interface SyncPlan {
  readonly actions: readonly Action[]
  readonly findings: readonly Finding[]
  /** The set's parent on each cluster that needs a write. */
  readonly parents: readonly ParentChange[]
  /** Namespaces being unoffloaded (policy gone, `--prune`). */
  readonly pruned: readonly string[]
  /**
   * The remote namespace name of each pruned namespace, as Liqo computed it (from its live
   * NamespaceOffloading's spec, else the name of its twins): the report keeps showing it.
   */
  readonly prunedRemoteNames: Readonly<Record<string, string>>
}

/**
 * An existing workload of ours (a member of the set, or adopted, not being deleted): whether
 * applying it changes anything is the server's to say, by its answer to the same apply sent
 * with `dryRun=All`. Planning puts it where its update would go; `settleWorkloads` turns it
 * into that update, or into nothing.
 */
export interface Candidate {
  readonly op: 'candidate'
  readonly cluster: string
  readonly namespace: string
  readonly step: 'workloads'
  /** Its key among the home cluster's live objects (`LiveCluster.objects`), and among the dry runs' answers. */
  readonly key: string
  /** The apply sync would send. */
  readonly manifest: Manifest
  readonly live: LiveObject
  /** The live object carries nsoffload's old marker and no ApplySet: an apply adopts it into the set. */
  readonly adopt?: boolean
}

/**
 * The plan as planning leaves it, before the server has answered: the actions in their order,
 * each existing workload of ours among them as a `Candidate`. The findings, the parents and
 * the pruned namespaces are final.
 */
export interface DraftPlan extends Omit<SyncPlan, 'actions'> {
  readonly actions: readonly (Action | Candidate)[]
}

/**
 * What this run read of the set's policies, so that a run that reads part of them (`-p
 * policies/alpha.yaml`) prunes nothing of the rest: the policy file of each namespace
 * rendered, and the `-p` inputs, as paths relative to the inventory's folder. A namespace
 * whose policy is gone is unoffloaded only when the file its NamespaceOffloading names
 * (`nsoffload.dev/policy-file`) lies within the inputs.
 */
export interface PolicyScope {
  /** Namespace → its policy file. */
  readonly files: ReadonlyMap<string, string>
  /** The `-p` inputs: a file, or a folder (everything below it). */
  readonly inputs: readonly { readonly path: string; readonly folder: boolean }[]
}

export interface PlanOptions {
  readonly prune: boolean
  readonly allowDestructive: boolean
  /** The set this run syncs (default: the inventory's, `nsoffload-<name>`). */
  readonly set?: ApplySet
  /** Default: every policy file is within the inputs. */
  readonly scope?: PolicyScope
  /** `--allow-inventory-drift`: a drift of the inventory from the live nodes is a warning, not a refusal. */
  readonly allowInventoryDrift?: boolean
}

/** The set of an inventory when none is given (tests, and callers that do not write the parent). */
export const defaultSet = (inv: Inventory): ApplySet => applySetFor(inv.name, '0.0.0')

/** Whether a policy file lies within the run's `-p` inputs. */
export function withinInputs(scope: PolicyScope | undefined, file: string | undefined): boolean {
  if (!scope) return true
  if (file === undefined) return false
  return scope.inputs.some((i) => (i.folder ? i.path === '' || i.path === '.' || file === i.path || file.startsWith(`${i.path}/`) : file === i.path))
}

/** nsoffload's ownership of a live object in this set: a member, or an object with the old marker and no set (adopted when rendered). */
export const isOurs = (o: Manifest, set: ApplySet): boolean => {
  const m = membership(o, set)
  return m === 'member' || m === 'legacy'
}
const deleting = (o: LiveObject): boolean => Boolean(metaOf(o).deletionTimestamp)

/** The workloads of the home cluster: its manifests but the namespaces and NamespaceOffloadings nsoffload renders itself. */
export function homeWorkloads(compiled: Compiled, homeID: string): Manifest[] {
  return (compiled.clusters.get(homeID) ?? []).filter((m) => !isOwnKind(m))
}
const isOwnKind = (m: Manifest): boolean => {
  const t = typeOf(m)
  return (t.apiVersion === 'v1' && t.kind === 'Namespace') || t.kind === NSO_KIND
}

/** A workload of namespace `ns` as sync applies it, in the scope the home cluster gives its kind, and its key among the live objects. */
function homeWorkload(m: Manifest, ns: string, home: LiveCluster, set: ApplySet): { key: string; manifest: Manifest; definedBy?: string } {
  const t = typeOf(m)
  const kk = kindKey(t.apiVersion, t.kind)
  const scoped = inScope(m, home.kinds?.types.get(kk), ns)
  const definedBy = home.kinds?.definedBy.get(kk)
  return {
    key: objectKey(t.apiVersion, t.kind, namespaceOf(scoped), metaOf(scoped).name ?? ''),
    manifest: workloadApply(scoped, set),
    ...(definedBy !== undefined ? { definedBy } : {}),
  }
}

/** A workload as sync applies it: the ownership annotation and the set's label added, in the form server-side apply takes. */
const workloadApply = (m: Manifest, set: ApplySet): Manifest => asMember(applyForm(markOwned(m)), set)

/**
 * One planning run: its inputs, and what it has found so far (the actions, the findings, the
 * rendered objects each cluster keeps, the remote names of pruned namespaces). Built by
 * `draftSync`, filled by the steps below, read once into the `DraftPlan`.
 */
interface Planning {
  readonly compiled: Compiled
  readonly inv: Inventory
  readonly live: ReadonlyMap<string, LiveCluster>
  readonly opts: PlanOptions
  readonly homeID: string
  readonly home: LiveCluster
  readonly set: ApplySet
  readonly actions: (Action | Candidate)[]
  readonly findings: Finding[]
  /** Per cluster, the rendered objects this set applies or keeps (for the parent's contents). */
  readonly rendered: Map<string, Manifest[]>
  /** Per remote, this home's twins in this set by original name (built on first use: see `ownedTwins`). */
  readonly twinIndex: Map<string, Map<string, LiveObject[]>>
  readonly prunedRemoteNames: Record<string, string>
}

/**
 * The pure heart of `sync` and `diff`, run once per command: what to change on which cluster,
 * given the compiled manifests and what is live, each existing workload of ours left as a
 * `Candidate` for the server's answer (`settleWorkloads`). Never plans a change to an object
 * outside the set (another set's, or one without nsoffload's marker); deletes only members of
 * the set.
 */
export function draftSync(compiled: Compiled, inv: Inventory, live: ReadonlyMap<string, LiveCluster>, opts: PlanOptions): DraftPlan {
  const homeID = inv.home.clusterID
  const home = live.get(homeID)
  if (!home) return { actions: [], findings: [], parents: [], pruned: [], prunedRemoteNames: {} }
  const p: Planning = {
    compiled,
    inv,
    live,
    opts,
    homeID,
    home,
    set: opts.set ?? defaultSet(inv),
    actions: [],
    findings: [],
    rendered: new Map(),
    twinIndex: new Map(),
    prunedRemoteNames: {},
  }
  // The inventory against the live virtual nodes: a selection nobody reviewed is refused before anything else.
  p.findings.push(...driftFindings(compiled, inv, home, opts.allowInventoryDrift ? 'allow' : 'refuse'))
  for (const ns of compiled.namespaces) planNamespace(p, ns)
  const pruned = planOrphans(p)
  const parents = planParents(p)
  return { actions: p.actions, findings: p.findings, parents, pruned, prunedRemoteNames: p.prunedRemoteNames }
}

/**
 * The plan on the server's answers to the candidates' dry runs (`answers`, by key; none: each
 * candidate compared client-side, as a workload whose dry run failed is): `draftSync`, then
 * `settleWorkloads`. Pure.
 */
export function planSync(
  compiled: Compiled,
  inv: Inventory,
  live: ReadonlyMap<string, LiveCluster>,
  opts: PlanOptions,
  answers: ReadonlyMap<string, LiveObject> = new Map(),
): SyncPlan {
  return settleWorkloads(draftSync(compiled, inv, live, opts), answers)
}

/** The draft's candidates, in order. */
export const candidatesOf = (draft: DraftPlan): Candidate[] => draft.actions.filter((a): a is Candidate => a.op === 'candidate')

/**
 * The candidates whose dry run is sent: none when the plan is refused (a `blocking` finding: a
 * refused sync sends nothing at all) unless `evenIfRefused` (`diff` shows the changes all the
 * same); of the others, each but those that applying is known to leave as they are (issue 19.3,
 * `unchangedApply`: the client-side comparison agrees).
 */
export function dryRunTargets(draft: DraftPlan, opts: { readonly evenIfRefused?: boolean } = {}): Candidate[] {
  if (!opts.evenIfRefused && draft.findings.some((f) => f.blocking)) return []
  return candidatesOf(draft).filter((c) => !unchangedApply(c.manifest, c.live))
}

/**
 * The draft with each candidate settled in its place: updated when the server's answer (by its
 * key in `answers`) is not the live object, left alone when it is; without an answer (no dry
 * run sent, or it failed: a conflict without `--force-conflicts`, an invalid object), updated
 * when the client-side comparison says so or the apply adopts it. Pure.
 */
export function settleWorkloads(draft: DraftPlan, answers: ReadonlyMap<string, LiveObject>): SyncPlan {
  return { ...draft, actions: draft.actions.flatMap((a) => (a.op === 'candidate' ? settle(a, answers.get(a.key)) : [a])) }
}

function settle(c: Candidate, after: LiveObject | undefined): Action[] {
  const { cluster, namespace, step, manifest, live, adopt } = c
  return updateOf({ cluster, namespace, step }, manifest, live, adopt === true, after)
}

/**
 * The update applying `m` over `live` is, if it changes anything. With the server's answer to
 * the same apply as a dry run (`after`): changed only if that is not the live object. Without
 * one: when the client-side comparison says so, or the apply adopts it.
 */
function updateOf(at: Target, m: Manifest, live: LiveObject, adopt: boolean, after?: LiveObject): Action[] {
  const changes = after ? !sameObject(after, live) : adopt || needsApply(m, live)
  return changes ? [{ op: 'update', ...at, manifest: m, live, ...(after ? { after } : {}), ...(adopt ? { adopt } : {}) }] : []
}

/** A rendered object this set applies or keeps on `cluster`. */
function keep(p: Planning, cluster: string, m: Manifest): void {
  const l = p.rendered.get(cluster)
  if (l) l.push(m)
  else p.rendered.set(cluster, [m])
}

/** Where an object lies: its cluster, its home namespace, and the step of that namespace it belongs to. */
interface Target {
  readonly cluster: string
  readonly namespace: string
  readonly step: Step
}

/**
 * Creates or updates a rendered object, or leaves it alone (with a finding) when the live one
 * is not this set's. `key`: a workload's key among the live objects; an existing one of ours,
 * not being deleted, is a `Candidate` for the server's answer.
 */
function upsert(p: Planning, at: Target, m: Manifest, liveObj: LiveObject | undefined, key?: string, definedBy?: string): void {
  const { cluster, namespace, step } = at
  const owner = liveObj ? membership(liveObj, p.set) : 'member'
  if (owner === 'foreign' || owner === 'other-set') {
    const partOf = liveObj ? metaOf(liveObj).labels?.[LABEL_PART_OF] : undefined
    const object = describeObject(m)
    p.findings.push(
      owner === 'foreign'
        ? clusterDiag('objectNotOwned', `${object} exists and is not managed by nsoffload: left alone`, { cluster, namespace, object })
        : clusterDiag('objectInOtherSet', `${object} exists and belongs to another ApplySet (${LABEL_PART_OF}=${partOf}): left alone`, {
            cluster,
            namespace,
            object,
          }),
    )
    return
  }
  keep(p, cluster, m)
  const adopt = owner === 'legacy'
  if (!liveObj) {
    p.actions.push({ op: 'create', cluster, namespace, step, manifest: m, ...(definedBy !== undefined ? { definedBy } : {}) })
  } else if (key !== undefined && step === 'workloads' && !deleting(liveObj)) {
    p.actions.push({ op: 'candidate', cluster, namespace, step, key, manifest: m, live: liveObj, ...(adopt ? { adopt } : {}) })
  } else {
    p.actions.push(...updateOf(at, m, liveObj, adopt))
  }
}

/** One namespace of the policies: its destructive change (if any), its home objects, its twins. */
function planNamespace(p: Planning, ns: CompiledNamespace): void {
  const recreate = planRecreate(p, ns)
  if (recreate === 'refused') return
  planHomeObjects(p, ns, recreate)
  planTwins(p, ns, recreate)
}

/**
 * A change of mapping strategy or remote name that Liqo allows only by unoffloading and
 * offloading again: refused (blocking) without `--allow-destructive`, else the
 * NamespaceOffloading and this set's twins of the old name are deleted and created again.
 */
function planRecreate(p: Planning, ns: CompiledNamespace): boolean | 'refused' {
  const { homeID, set } = p
  const name = ns.policy.namespace
  const liveNso = p.home.offloadings?.get(name)
  if (!liveNso || !isOurs(liveNso, set)) return false
  const spec = liveNso.spec ?? {}
  const liveStrategy = spec.namespaceMappingStrategy ?? 'DefaultName'
  const liveRemote = typeof spec.remoteNamespaceName === 'string' ? spec.remoteNamespaceName : ''
  const wantRemote = ns.policy.remoteNamespaceName ?? ''
  if (
    liveStrategy === ns.policy.namespaceMappingStrategy &&
    (liveRemote === wantRemote || (liveStrategy !== 'SelectedName' && ns.policy.namespaceMappingStrategy !== 'SelectedName'))
  )
    return false
  const oldName = remoteNamespaceName({ namespace: name, namespaceMappingStrategy: liveStrategy, remoteNamespaceName: liveRemote }, homeID)
  const what = `namespaceMappingStrategy ${liveStrategy} -> ${ns.policy.namespaceMappingStrategy}${oldName !== ns.remoteNamespaceName ? ` (remote namespace ${oldName} -> ${ns.remoteNamespaceName})` : ''}`
  if (!p.opts.allowDestructive) {
    p.findings.push({
      ...clusterDiag(
        'destructiveRefused',
        `${what}: Liqo allows this only by unoffloading and offloading again, which deletes everything in the twin namespaces; refused without --allow-destructive`,
        { cluster: homeID, namespace: name, object: describeObject(liveNso) },
      ),
      blocking: true,
    })
    return 'refused'
  }
  p.actions.push({ op: 'delete', cluster: homeID, namespace: name, step: 'offloading', live: liveNso, why: 'destructive' })
  for (const r of p.inv.remotes) {
    const twin = p.live.get(r.clusterID)?.namespaces.get(oldName)
    if (twin && twinOwner(twin, homeID, r.clusterID, set) === 'member' && twinOriginalName(metaOf(twin)) === name && !deleting(twin)) {
      p.actions.push({ op: 'delete', cluster: r.clusterID, namespace: name, step: 'twins', live: twin, why: 'destructive' })
    }
  }
  return true
}

/** The home cluster's objects of a namespace: its Namespace, its NamespaceOffloading, its workloads. */
function planHomeObjects(p: Planning, ns: CompiledNamespace, recreate: boolean): void {
  const { homeID, home, set } = p
  const name = ns.policy.namespace
  const policyFile = p.opts.scope?.files.get(name)
  for (const m of ns.manifests.get(homeID) ?? []) {
    const t = typeOf(m)
    if (t.kind === 'Namespace') upsert(p, { cluster: homeID, namespace: name, step: 'namespace' }, asMember(m, set), home.namespaces.get(metaOf(m).name ?? ''))
    else if (t.kind === NSO_KIND) {
      const nso = asMember(m, set, policyFile)
      if (recreate) {
        keep(p, homeID, nso)
        p.actions.push({ op: 'create', cluster: homeID, namespace: name, step: 'offloading', manifest: nso })
      } else upsert(p, { cluster: homeID, namespace: name, step: 'offloading' }, nso, home.offloadings?.get(name))
    } else {
      // Workloads are the application's manifests: sync applies them with its ownership annotation and the set's label.
      const w = homeWorkload(m, name, home, set)
      upsert(p, { cluster: homeID, namespace: name, step: 'workloads' }, w.manifest, home.objects.get(w.key), w.key, w.definedBy)
    }
  }
}

/** A namespace's twins: written on the clusters that select it, deleted (`--prune`) on those that no longer do. */
function planTwins(p: Planning, ns: CompiledNamespace, recreate: boolean): void {
  const { homeID, set } = p
  const name = ns.policy.namespace
  const policyFile = p.opts.scope?.files.get(name)
  for (const d of ns.clusters) {
    const remote = p.live.get(d.clusterID)
    if (!remote) continue
    const renderedTwin = ns.manifests.get(d.clusterID)?.[0]
    const liveTwin = remote.namespaces.get(ns.remoteNamespaceName)
    const owner = liveTwin ? twinOwner(liveTwin, homeID, d.clusterID, set) : undefined
    if (d.selected && renderedTwin) {
      if (liveTwin && owner === undefined) {
        p.findings.push(
          clusterDiag(
            'twinNotOwned',
            `namespace "${ns.remoteNamespaceName}" already exists and it is not managed by NamespaceMap "${namespaceMapKey(homeID, d.clusterID)}": left alone (CreationLoopBackOff)`,
            { cluster: d.clusterID, namespace: name, object: `namespace/${ns.remoteNamespaceName}` },
          ),
        )
      } else if (!liveTwin || owner === 'member' || owner === 'legacy') {
        upsert(p, { cluster: d.clusterID, namespace: name, step: 'twins' }, asMember(renderedTwin, set, policyFile), recreate ? undefined : liveTwin)
      }
    } else if (!d.selected) {
      for (const twin of ownedTwins(p, d.clusterID, name)) {
        if (p.opts.prune) p.actions.push({ op: 'delete', cluster: d.clusterID, namespace: name, step: 'twins', live: twin, why: 'deselected' })
        else
          p.findings.push(
            clusterDiag('deletionNeedsPrune', `${describeObject(twin)} is no longer selected and would be deleted with everything in it: run with --prune`, {
              cluster: d.clusterID,
              namespace: name,
              object: describeObject(twin),
            }),
          )
      }
    }
  }
}

/**
 * This home's twins in this set for a home namespace on one remote (not being deleted),
 * through an index of each remote's twins by original name, built on first use: asked for
 * every namespace and every cluster that does not select it, a scan of the remote's
 * namespaces each time made planning quadratic in the size of the fleet.
 */
function ownedTwins(p: Planning, cluster: string, original: string): LiveObject[] {
  let byOriginal = p.twinIndex.get(cluster)
  if (!byOriginal) {
    byOriginal = new Map()
    for (const t of p.live.get(cluster)?.namespaces.values() ?? []) {
      const o = twinOriginalName(metaOf(t))
      if (o === undefined || twinOwner(t, p.homeID, cluster, p.set) !== 'member' || deleting(t)) continue
      const same = byOriginal.get(o)
      if (same) same.push(t)
      else byOriginal.set(o, [t])
    }
    p.twinIndex.set(cluster, byOriginal)
  }
  return byOriginal.get(original) ?? []
}

/**
 * Namespaces this set offloaded whose policy is gone, each with the policy file it came from
 * (sorted by name). Objects with nsoffload's old marker and no set are never pruned: said
 * once each.
 */
function findOrphans(p: Planning): [string, string | undefined][] {
  const { homeID, set } = p
  const wanted = new Set(p.compiled.namespaces.map((n) => n.policy.namespace))
  const orphans = new Map<string, string | undefined>()
  const note = (ns: string, o: LiveObject): void => {
    if (!orphans.has(ns) || orphans.get(ns) === undefined) orphans.set(ns, metaOf(o).annotations?.[ANNOTATION_POLICY_FILE])
  }
  for (const [ns, nso] of p.home.offloadings ?? []) {
    if (wanted.has(ns)) continue
    const m = membership(nso, set)
    if (m === 'member') note(ns, nso)
    else if (m === 'legacy')
      p.findings.push(
        clusterDiag(
          'legacyNotPruned',
          `${describeObject(nso)} carries nsoffload's old marker and belongs to no ApplySet: never pruned (a policy of this set adopts it)`,
          {
            cluster: homeID,
            namespace: ns,
            object: describeObject(nso),
          },
        ),
      )
  }
  for (const r of p.inv.remotes) {
    for (const t of p.live.get(r.clusterID)?.namespaces.values() ?? []) {
      const original = twinOriginalName(metaOf(t))
      if (original && !wanted.has(original) && twinOwner(t, homeID, r.clusterID, set) === 'member') note(original, t)
    }
  }
  return [...orphans].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
}

/**
 * Namespaces this set offloaded whose policy is gone: unoffloaded with --prune, when this
 * run read the file their policy came from. Returns the namespaces unoffloaded.
 */
function planOrphans(p: Planning): string[] {
  const out: string[] = []
  for (const [ns, file] of findOrphans(p)) {
    const nso = p.home.offloadings?.get(ns)
    const nsoMember = nso && membership(nso, p.set) === 'member' ? nso : undefined
    const twins = p.inv.remotes.flatMap((r) => ownedTwins(p, r.clusterID, ns).map((t) => ({ cluster: r.clusterID, t })))
    const what = [nsoMember ? describeObject(nsoMember) : undefined, ...twins.map((x) => `${describeObject(x.t)} on ${x.cluster}`)].filter(Boolean).join(', ')
    const left = (id: CodeId, message: string): void => {
      p.findings.push(clusterDiag(id, message, { cluster: p.homeID, namespace: ns, object: `namespace/${ns}` }))
    }
    if (!withinInputs(p.opts.scope, file)) {
      left('pruneOutsideInputs', `${ns} is in this set but its policy (${file ?? 'file unknown'}) was not read in this run: left alone (${what})`)
      continue
    }
    if (!p.opts.prune) {
      left('deletionNeedsPrune', `policy removed: would unoffload ${ns} (${what}); run with --prune`)
      continue
    }
    out.push(ns)
    p.prunedRemoteNames[ns] = liveRemoteName(ns, nso, p.homeID) ?? twinName(p, ns) ?? ''
    for (const x of twins) p.actions.push({ op: 'delete', cluster: x.cluster, namespace: ns, step: 'twins', live: x.t, why: 'prune' })
    if (nsoMember && !deleting(nsoMember)) p.actions.push({ op: 'delete', cluster: p.homeID, namespace: ns, step: 'offloading', live: nsoMember, why: 'prune' })
    const unlabel = unschedulingApply(p, ns)
    if (unlabel) p.actions.push(unlabel)
  }
  return out
}

/** An unoffloaded namespace of this set re-applied without the scheduling label: the server drops the field we owned. */
function unschedulingApply(p: Planning, ns: string): Action | undefined {
  const homeNs = p.home.namespaces.get(ns)
  if (!homeNs || membership(homeNs, p.set) !== 'member' || metaOf(homeNs).labels?.[LABEL_SCHEDULING_ENABLED] === undefined) return undefined
  const owned = new Set(
    ownedPaths(homeNs)
      .filter((x) => x[0] === 'metadata' && x[1] === 'labels' && x[2] !== undefined)
      .map((x) => x[2] ?? ''),
  )
  const labels = Object.fromEntries(
    Object.entries(metaOf(homeNs).labels ?? {}).filter(
      ([k]) => k !== LABEL_SCHEDULING_ENABLED && (owned.has(k) || k === LABEL_MANAGED_BY || k === LABEL_PART_OF),
    ),
  )
  return {
    op: 'update',
    cluster: p.homeID,
    namespace: ns,
    step: 'namespace',
    manifest: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns, labels } },
    live: homeNs,
  }
}

/**
 * The set's parent on every cluster: checked as kubectl checks it before writing anything
 * (a problem blocks the whole sync), then what it records before the writes (what it
 * recorded, and what this run renders) and after them (the members left: what this run
 * renders, and the live members it does not delete).
 */
function planParents(p: Planning): ParentChange[] {
  const { homeID, set } = p
  const out: ParentChange[] = []
  const deleted = new Set(p.actions.flatMap((a) => (a.op === 'delete' ? [`${a.cluster}/${describeObject(a.live)}`] : [])))
  for (const id of [homeID, ...p.inv.remotes.map((r) => r.clusterID)]) {
    const l = p.live.get(id)
    if (!l) continue
    const problem = parentProblem(l.parent, set, homeID)
    if (problem) {
      p.findings.push({
        ...clusterDiag('applySetParent', `${problem}: nothing written`, { cluster: id, namespace: '', object: parentRef(set) }),
        blocking: true,
      })
      continue
    }
    const members: Manifest[] = [...(p.rendered.get(id) ?? [])]
    const liveMembers = [...l.namespaces.values(), ...(l.offloadings?.values() ?? []), ...l.objects.values()]
    for (const o of liveMembers) if (membership(o, set) === 'member' && !deleted.has(`${id}/${describeObject(o)}`)) members.push(o)
    const recorded = recordedContents(l.parent)
    const now = contentsOf(members, set)
    // Kinds the parent records that this run did not list: their members were not seen, so they stay recorded.
    const listed = new Set(l.listedGroupKinds ?? [])
    const latest: ParentContents = unionContents(now, { groupKinds: recorded.groupKinds.filter((gk) => !listed.has(gk)), namespaces: [] })
    const superset = unionContents(recorded, latest)
    const before = parentManifest(set, superset, homeID)
    const after = parentManifest(set, latest, homeID)
    const beforeNeeded = !parentUpToDate(l.parent, before)
    const afterNeeded = !parentUpToDate(beforeNeeded ? before : l.parent, after)
    if (beforeNeeded || afterNeeded)
      out.push({ cluster: id, ...(l.parent ? { live: l.parent } : {}), ...(beforeNeeded ? { before } : {}), ...(afterNeeded ? { after } : {}) })
  }
  return out
}

/** The name of a twin of this set of a home namespace on any remote, being deleted or not. */
function twinName(p: Planning, original: string): string | undefined {
  for (const r of p.inv.remotes) {
    for (const t of p.live.get(r.clusterID)?.namespaces.values() ?? []) {
      if (twinOriginalName(metaOf(t)) === original && twinOwner(t, p.homeID, r.clusterID, p.set) === 'member') return metaOf(t).name
    }
  }
  return undefined
}
