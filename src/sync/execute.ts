import { fileURLToPath } from 'node:url'
import { parse } from 'yaml'
import type { Compiled } from '../compile/compile.ts'
import { type Code, codes } from '../diagnostics/codes.ts'
import { endsCommand, type KubeClient, KubeError } from '../kube/kube-client.ts'
import { knownType, objectPath } from '../kube/resources.ts'
import type { Inventory } from '../model/inventory.ts'
import type { Manifest } from '../model/k8s.ts'
import { NSO_API_VERSION, NSO_KIND, type NamespaceOffloadingObject, type NamespaceOffloadingStatus } from '../model/liqo.ts'
import { describeObject, metaOf, namespaceOf, typeOf } from '../util/manifest.ts'
import { FIELD_MANAGER, type LiveObject } from './compare.ts'
import { discover } from '../kube/discovery.ts'
import { isCrd, kindKey, type ResolvedKinds, resolveKinds } from './kinds.ts'
import { CRD_PATH, type LiveCluster, objectKey, readCluster } from './live-state.ts'
import { liqoManaged, namespaceStatus, prunedStatus, sameStatus } from './live-status.ts'
import { type ApplySet, PARENT_FIELD_MANAGER } from './applyset.ts'
import {
  type Action,
  type Candidate,
  defaultSet,
  draftSync,
  dryRunTargets,
  gateOf,
  homeWorkloads,
  isOurs,
  PHASES,
  type PlanOptions,
  type PolicyScope,
  settleWorkloads,
  type SyncPlan,
} from './plan-sync.ts'

export interface SyncOptions {
  readonly dryRun: boolean
  readonly forceConflicts: boolean
  readonly prune: boolean
  readonly allowDestructive: boolean
  readonly installCrds: boolean
  readonly wait: boolean
  /** The command's deadline (`--timeout`, ms since the epoch): `--wait` stops waiting then. */
  readonly deadline?: number
  readonly concurrency: number
  /** The ApplySet this run syncs (docs/sync.md, "Sets"). */
  readonly set: ApplySet
  /** What this run read of the set's policies (a `-p` subset prunes nothing of the rest). */
  readonly scope?: PolicyScope
  /** `--allow-inventory-drift`: sync what the inventory says even where the live virtual nodes say otherwise. */
  readonly allowInventoryDrift?: boolean
}

/** A sync that cannot run (exit 2): missing CRD, unreachable cluster. */
export class SyncError extends Error {}

/** Clusters that did not answer: one line per cluster, naming its context and server. */
export class UnreachableError extends SyncError {
  readonly lines: readonly string[]
  constructor(lines: readonly string[]) {
    super(lines.join('\n'))
    this.lines = lines
  }
}

export interface ActionResult {
  readonly action: Action
  readonly ok: boolean
  readonly error?: string
  /** NSO5006 (conflict) or NSO5007 (refused) when it failed. */
  readonly code?: Code
}

export interface NamespaceReport {
  readonly namespace: string
  readonly remoteNamespaceName: string
  readonly status: NamespaceOffloadingStatus
  /** Liqo's controller manages this NamespaceOffloading: its status is Liqo's, not ours. */
  readonly liqoManaged: boolean
  readonly pruned: boolean
}

export interface SyncResult {
  readonly plan: SyncPlan
  readonly results: readonly ActionResult[]
  readonly namespaces: readonly NamespaceReport[]
  readonly statusWrites: number
  readonly settled: boolean
  readonly counts: Readonly<Record<string, { reads: number; writes: number; retries: number }>>
}

export interface SyncIO {
  readonly clients: ReadonlyMap<string, KubeClient>
  readonly log: (line: string) => void
  readonly now: () => Date
  readonly sleep: (ms: number) => Promise<void>
  /** The `Host`'s: the NamespaceOffloading CRD that `--install-crds` applies is read through it. */
  readonly readFile: (path: string) => Uint8Array
}

/** The CRD shipped with nsoffload (schemas/), next to the sources and to the bundle alike. */
export const CRD_FILE = fileURLToPath(new URL('../../schemas/namespaceoffloading-crd.yaml', import.meta.url))

/**
 * Runs `limit` tasks at a time, keeping results in order. When one throws, no task starts
 * after it; the ones under way end, then it is thrown.
 */
async function pool<T, R>(items: readonly T[], limit: number, fn: (t: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array<R>(items.length)
  let next = 0
  let failed = false
  const worker = async (): Promise<void> => {
    while (next < items.length && !failed) {
      const i = next++
      out[i] = await fn(items[i] as T).catch((e: unknown) => {
        failed = true
        throw e
      })
    }
  }
  const settled = await Promise.allSettled(Array.from({ length: Math.min(limit, items.length) }, worker))
  for (const s of settled) if (s.status === 'rejected') throw s.reason
  return out
}

/** Where an object lives: its kind as the server maps it (`kinds`), or one nsoffload writes itself. */
function pathOf(m: Manifest, kinds?: ResolvedKinds): string {
  const t = typeOf(m)
  const rt = kinds?.types.get(kindKey(t.apiVersion, t.kind)) ?? knownType(t.apiVersion, t.kind)
  if (!rt) throw new SyncError(`nsoffload does not know where ${t.apiVersion} ${t.kind} lives`)
  return objectPath(rt, metaOf(m).name ?? '', namespaceOf(m))
}

/** Server-side apply (PATCH application/apply-patch+yaml) with field manager `nsoffload` (the set's parent: `nsoffload-applyset`). */
export async function apply(
  client: KubeClient,
  m: Manifest,
  opts: { dryRun: boolean; force: boolean; fieldManager?: string; kinds?: ResolvedKinds | undefined },
): Promise<LiveObject> {
  return client.request<LiveObject>('PATCH', pathOf(m, opts.kinds), {
    query: { fieldManager: opts.fieldManager ?? FIELD_MANAGER, ...(opts.force ? { force: 'true' } : {}), ...(opts.dryRun ? { dryRun: 'All' } : {}) },
    body: JSON.stringify(m),
    contentType: 'application/apply-patch+yaml',
  })
}

/** Whether the home cluster has the NamespaceOffloading CRD; without it and without `--install-crds`, exit 2. */
async function crdPresent(client: KubeClient, opts: SyncOptions): Promise<boolean> {
  if (await client.get(CRD_PATH)) return true
  if (!opts.installCrds) {
    throw new SyncError(
      `the NamespaceOffloading CRD (namespaceoffloadings.offloading.liqo.io) is not installed on ${client.name}: install Liqo, or run with --install-crds`,
    )
  }
  return false
}

/** `--install-crds`: the project's copy of the CRD applied, then waited for until Established. `false` on a dry run. */
async function installCrd(client: KubeClient, opts: SyncOptions, io: SyncIO): Promise<boolean> {
  const crd: Manifest = parse(new TextDecoder().decode(io.readFile(CRD_FILE)))
  io.log(`${client.name}: ${opts.dryRun ? 'would install' : 'installing'} the NamespaceOffloading CRD`)
  await apply(client, crd, { dryRun: opts.dryRun, force: false })
  if (opts.dryRun) return false
  if (await established(client, CRD_PATH, io)) return true
  throw new SyncError(`${client.name}: the NamespaceOffloading CRD did not become Established`)
}

/** Waits (about 20 s at most) until the CRD at `path` is Established, as kustomize-controller waits before its custom resources. */
async function established(client: KubeClient, path: string, io: SyncIO): Promise<boolean> {
  for (let i = 0; i < 100; i++) {
    const c = await client.get<{ status?: { conditions?: { type: string; status: string }[] } }>(path)
    if (c?.status?.conditions?.some((x) => x.type === 'Established' && x.status === 'True')) return true
    await io.sleep(200)
  }
  return false
}

/** Clients whose per-namespace reads were told already (a `--wait` reads again and again). */
const toldPerNamespace = new WeakSet<KubeClient>()

/**
 * Reads every cluster of the inventory (in parallel). Clusters that cannot be reached fail it
 * together, one line each, not on the first.
 */
export async function readAll(
  compiled: Compiled,
  inv: Inventory,
  io: SyncIO,
  set: ApplySet = defaultSet(inv),
  opts: { nodes?: boolean } = {},
): Promise<Map<string, LiveCluster>> {
  const homeID = inv.home.clusterID
  const workloads = homeWorkloads(compiled, homeID)
  const ids = [homeID, ...inv.remotes.map((r) => r.clusterID)]
  const read = await settleAll(
    ids.map(async (id) => {
      const c = io.clients.get(id)
      if (!c) throw new SyncError(`no connection for cluster ${id}`)
      const log = (line: string): void => {
        if (toldPerNamespace.has(c)) return
        toldPerNamespace.add(c)
        io.log(line)
      }
      if (id !== homeID) return readCluster(c, false, [], log, parentPath(set))
      // The workloads' kinds as this server maps them (once per run), then their LISTs.
      const found =
        workloads.length > 0
          ? await discover(
              c,
              workloads.map((m) => typeOf(m).apiVersion),
            )
          : undefined
      const kinds = resolveKinds(workloads, found?.lookup ?? (() => undefined))
      const homeKinds = [...kinds.types]
        .filter(([key]) => !kinds.definedBy.has(key))
        .sort(([a], [b]) => (a < b ? -1 : 1))
        .map(([key, type]) => ({
          type,
          namespaces: type.namespaced
            ? [...new Set(workloads.flatMap((m): string[] => (kindKey(typeOf(m).apiVersion, typeOf(m).kind) === key ? [namespaceOf(m) ?? ''] : [])))].sort()
            : [],
        }))
      // The home cluster's nodes too (unless told not to): the inventory is checked against its Liqo virtual nodes.
      return { ...(await readCluster(c, true, homeKinds, log, parentPath(set), opts.nodes ?? true)), kinds }
    }),
  )
  return new Map(read.map((l) => [l.clusterID, l]))
}

/**
 * The kinds of the workloads that the home cluster neither serves nor a CRD of this sync
 * defines: one error before anything is written (exit 2), one line per kind, naming the cluster.
 */
export function checkServed(inv: Inventory, live: ReadonlyMap<string, LiveCluster>): void {
  const homeID = inv.home.clusterID
  const unserved = live.get(homeID)?.kinds?.unserved ?? []
  if (unserved.length === 0) return
  throw new SyncError(
    unserved
      .map(
        (u) =>
          `error ${codes.kindNotServed.code}: ${homeID} does not serve ${u.apiVersion} ${u.kind} (${u.object}), and no CustomResourceDefinition of this sync defines it: nothing written`,
      )
      .join('\n'),
  )
}

/** Where the set's parent lives (the same on every cluster). */
const parentPath = (set: ApplySet): string =>
  objectPath(knownType('v1', set.kind) ?? { apiVersion: 'v1', kind: set.kind, plural: `${set.kind.toLowerCase()}s`, namespaced: true }, set.name, set.namespace)

/** Requests in flight at once where no `--concurrency` says otherwise (`diff`). */
export const DEFAULT_CONCURRENCY = 8

/**
 * Asks the home cluster what applying each of `targets` would make of it: the same server-side
 * apply sync sends, with `dryRun=All` (as `kubectl diff --server-side` does), `concurrency` at
 * a time. Returns the answers by the candidates' keys. A failed dry run (a conflict without
 * `force`, an invalid object) has no answer: that workload is compared client-side, and sync
 * meets the same error when it applies.
 */
async function dryRunWorkloads(
  targets: readonly Candidate[],
  home: LiveCluster,
  client: KubeClient,
  opts: { force: boolean; concurrency: number },
): Promise<Map<string, LiveObject>> {
  const answers = await pool(targets, opts.concurrency, async (c): Promise<LiveObject | undefined> => {
    try {
      return await apply(client, c.manifest, { dryRun: true, force: opts.force, kinds: home.kinds })
    } catch (e) {
      if (endsCommand(e)) throw e
      return undefined
    }
  })
  const out = new Map<string, LiveObject>()
  targets.forEach((c, i) => {
    const a = answers[i]
    if (a) out.set(c.key, a)
  })
  return out
}

/**
 * The plan on the server's answers, as `sync` and `diff` read it: planned once (`draftSync`),
 * the dry runs of its candidates sent to the home cluster (`dryRunTargets`: none for a refused
 * plan, unless `evenIfRefused`), then each candidate settled on its answer (`settleWorkloads`).
 */
export async function planOnServer(
  compiled: Compiled,
  inv: Inventory,
  live: ReadonlyMap<string, LiveCluster>,
  io: SyncIO,
  planOpts: PlanOptions,
  opts: { force: boolean; concurrency: number; evenIfRefused?: boolean },
): Promise<SyncPlan> {
  const draft = draftSync(compiled, inv, live, planOpts)
  const home = live.get(inv.home.clusterID)
  const client = io.clients.get(inv.home.clusterID)
  const targets = dryRunTargets(draft, opts.evenIfRefused ? { evenIfRefused: true } : {})
  const answers = home && client && targets.length > 0 ? await dryRunWorkloads(targets, home, client, opts) : new Map<string, LiveObject>()
  return settleWorkloads(draft, answers)
}

/**
 * `Promise.all` that waits for every promise: unreachable clusters (a network failure after the
 * retries) are reported together, one line each; other failures as they come.
 */
async function settleAll<T>(promises: readonly Promise<T>[]): Promise<T[]> {
  const settled = await Promise.allSettled(promises)
  const failures = settled.flatMap((s) => (s.status === 'rejected' ? [s.reason as unknown] : []))
  const unreachable = failures.filter((e): e is KubeError => e instanceof KubeError && e.unreachable)
  if (unreachable.length > 0 && unreachable.length === failures.length) {
    // One line per cluster, however many of its requests failed.
    throw new UnreachableError([...new Map(unreachable.map((e) => [e.cluster, e.message])).values()])
  }
  if (failures.length > 0) throw failures.find((e) => !(e instanceof KubeError && e.unreachable))
  return settled.map((s) => (s as PromiseFulfilledResult<T>).value)
}

/**
 * The executor's picture of the clusters: what was read, then what each write answered (so
 * status sees what was done). Its own copy, with maps it may write: the planner's input is
 * never written through.
 */
interface WorkingCluster extends LiveCluster {
  readonly namespaces: Map<string, LiveObject>
  readonly offloadings?: Map<string, NamespaceOffloadingObject>
  readonly objects: Map<string, LiveObject>
}

function working(l: LiveCluster): WorkingCluster {
  const { offloadings, ...rest } = l
  return { ...rest, namespaces: new Map(l.namespaces), objects: new Map(l.objects), ...(offloadings ? { offloadings: new Map(offloadings) } : {}) }
}

/** Records an object's new live state in the executor's picture (`gone`: deleted, or being deleted). */
function remember(live: ReadonlyMap<string, WorkingCluster>, cluster: string, obj: LiveObject | undefined, m: Manifest, gone: boolean): void {
  const l = live.get(cluster)
  if (!l) return
  const t = typeOf(m)
  const name = metaOf(m).name ?? ''
  const namespace = namespaceOf(m)
  const value = gone ? (obj && metaOf(obj).name && metaOf(obj).deletionTimestamp ? obj : undefined) : obj
  const put = <V>(map: Map<string, V> | undefined, k: string, v: V | undefined): void => {
    if (!map) return
    if (v === undefined) map.delete(k)
    else map.set(k, v)
  }
  if (t.kind === 'Namespace') put(l.namespaces, name, value)
  else if (t.kind === NSO_KIND) put(l.offloadings, namespace ?? '', value as NamespaceOffloadingObject | undefined)
  else put(l.objects, objectKey(t.apiVersion, t.kind, namespace, name), value)
}

/** One run of the executor: its inputs, the plan it sends, and what it has done so far. */
interface Execution {
  readonly compiled: Compiled
  readonly inv: Inventory
  readonly opts: SyncOptions
  readonly io: SyncIO
  readonly homeID: string
  readonly homeClient: KubeClient
  readonly live: Map<string, WorkingCluster>
  readonly plan: SyncPlan
  readonly results: ActionResult[]
  /** Gates closed by a failed or skipped action: what the later actions of its namespace need (PHASES). */
  readonly closed: Set<string>
  /** The namespaces of each cluster before this sync (a dry run cannot create inside one it would create). */
  readonly existing: ReadonlyMap<string, ReadonlySet<string>>
  /** The NamespaceOffloading CRD is there (or was installed by this run). */
  readonly crdReady: boolean
  /** The clusters whose parent is as it must be before the members are written. */
  parentsBefore: ReadonlySet<string>
}

/**
 * `nsoffload sync`: plan against what is live, apply in the SPEC's order, compute Liqo's
 * status from the result, write it where no Liqo controller does, and optionally wait.
 */
export async function sync(compiled: Compiled, inv: Inventory, opts: SyncOptions, io: SyncIO): Promise<SyncResult> {
  const homeID = inv.home.clusterID
  const homeClient = io.clients.get(homeID)
  if (!homeClient) throw new SyncError(`no connection for the home cluster ${homeID}`)
  const { live, present, plan } = await readAndPlan(compiled, inv, opts, io, homeClient)
  if (plan.findings.some((f) => f.blocking)) return { plan, results: [], namespaces: [], statusWrites: 0, settled: false, counts: counts(io) }
  const existing = new Map([...live].map(([id, l]) => [id, new Set(l.namespaces.keys())]))
  // The first write: the CRD, when this sync installs it.
  const crdReady = present || (await installCrd(homeClient, opts, io))
  const picture = new Map([...live].map(([id, l]) => [id, working(l)]))
  const x: Execution = {
    compiled,
    inv,
    opts,
    io,
    homeID,
    homeClient,
    live: picture,
    plan,
    results: [],
    closed: new Set(),
    existing,
    crdReady,
    parentsBefore: new Set(),
  }
  // The set's parents first, recording what the set will hold before any member is written.
  x.parentsBefore = await writeParents(x, 'before')
  let statusWrites = await sendPhases(x)
  // Every change went through: the parents record what the set holds now (else they keep the superset).
  if (x.results.every((r) => r.ok)) await writeParents(x, 'after')
  let namespaces = reports(x)
  let settled = isSettled(namespaces)
  if (opts.wait && !opts.dryRun) {
    const deadline = opts.deadline ?? Infinity
    while (!settled && io.now().getTime() < deadline) {
      await io.sleep(Math.min(500, deadline - io.now().getTime()))
      // The deadline passing during a read or a status write: not settled in time (exit 1), not a failure.
      const fresh = await readAll(compiled, inv, io, opts.set, { nodes: false }).catch(outOfTime)
      if (!fresh) break
      for (const [k, v] of fresh) picture.set(k, working(v))
      const written = await writeStatuses(x).catch(outOfTime)
      if (written === undefined) break
      statusWrites += written
      namespaces = reports(x)
      settled = isSettled(namespaces)
    }
  }
  return { plan, results: x.results, namespaces, statusWrites, settled, counts: counts(io) }
}

/**
 * What is live, and the plan. The CRD check and the LISTs of every cluster go out together: a
 * sync waits for the slowest of them, not for their sum. Everything that can stop a sync is
 * known before its first write; a refused sync sends nothing at all, otherwise the workloads
 * are settled on the server's answers (`planOnServer`).
 */
async function readAndPlan(
  compiled: Compiled,
  inv: Inventory,
  opts: SyncOptions,
  io: SyncIO,
  homeClient: KubeClient,
): Promise<{ live: Map<string, LiveCluster>; present: boolean; plan: SyncPlan }> {
  const homeID = inv.home.clusterID
  const crd = crdPresent(homeClient, opts)
  // Awaited after the reads: when clusters cannot be reached, the reads' failure names them all.
  void crd.catch(() => undefined)
  const live = await readAll(compiled, inv, io, opts.set)
  const present = await crd
  checkServed(inv, live)
  const home = live.get(homeID)
  // A CRD this sync installs is missing while its objects are listed: there are none.
  if (!present && home && !home.offloadings) live.set(homeID, { ...home, offloadings: new Map() })
  const planOpts: PlanOptions = {
    prune: opts.prune,
    allowDestructive: opts.allowDestructive,
    set: opts.set,
    ...(opts.scope ? { scope: opts.scope } : {}),
    ...(opts.allowInventoryDrift ? { allowInventoryDrift: true } : {}),
  }
  const plan = await planOnServer(compiled, inv, live, io, planOpts, { force: opts.forceConflicts, concurrency: opts.concurrency })
  return { live, present, plan }
}

/** The plan's actions, phase by phase (PHASES); the statuses written where a phase says so. Returns the status writes. */
async function sendPhases(x: Execution): Promise<number> {
  let statusWrites = 0
  for (const phase of PHASES) {
    const done = await pool(x.plan.actions.filter(phase.takes), x.opts.concurrency, async (a): Promise<ActionResult> => {
      const r = await run(x, a)
      if (!r.ok) x.closed.add(gateOf(a))
      return r
    })
    x.results.push(...done)
    if (phase.thenStatus) statusWrites += await writeStatuses(x)
    if (phase.thenEstablished && !x.opts.dryRun) await waitEstablished(x, done)
  }
  return statusWrites
}

/** The CRDs just applied, each waited for until Established; one that is not closes its gate (its custom resources are not sent). */
async function waitEstablished(x: Execution, done: readonly ActionResult[]): Promise<void> {
  await Promise.all(
    done.map(async (r) => {
      const a = r.action
      const client = x.io.clients.get(a.cluster)
      if (!r.ok || a.op === 'delete' || !isCrd(a.manifest) || !client) return
      const name = metaOf(a.manifest).name ?? ''
      if (await established(client, `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${encodeURIComponent(name)}`, x.io)) return
      x.closed.add(gateOf(a))
      x.io.log(
        `${a.cluster}: error ${codes.applyFailed.code}: the CustomResourceDefinition ${name} did not become Established: its custom resources are not sent`,
      )
    }),
  )
}

/** Why an action is not sent (what it needs did not go through), or what a dry run says instead of sending it. */
function notSent(x: Execution, a: Action): ActionResult | undefined {
  const { opts, io } = x
  const phase = PHASES.find((p) => p.takes(a))
  const blocked = phase?.needs(a).find((g) => x.closed.has(g))
  const what = a.op === 'delete' ? describeObject(a.live) : describeObject(a.manifest)
  if (blocked !== undefined) {
    const msg = `not sent: ${blocked.replace(/:.*$/, '').replace('twin-deletes', 'the twin deletions')} of namespace ${a.namespace} did not go through`
    io.log(`${a.cluster}: ${a.op} ${what} ${msg}`)
    return { action: a, ok: false, error: msg, code: codes.applyFailed.code }
  }
  if (!x.parentsBefore.has(a.cluster))
    return { action: a, ok: false, error: `the set's parent on ${a.cluster} could not be written`, code: codes.applyFailed.code }
  if (!io.clients.get(a.cluster)) return { action: a, ok: false, error: `no connection for ${a.cluster}` }
  if (opts.dryRun && a.op !== 'delete' && a.definedBy !== undefined) {
    io.log(`${a.cluster}: would ${a.op} ${what} (once its CustomResourceDefinition ${a.definedBy}, which this sync creates, is Established)`)
    return { action: a, ok: true }
  }
  if (a.step === 'offloading' && !x.crdReady && opts.dryRun) {
    io.log(`${a.cluster}: would ${a.op} ${what} (after installing the CRD)`)
    return { action: a, ok: true }
  }
  // A dry run cannot create inside a namespace that only this sync would create (the server answers 404).
  if (opts.dryRun && a.op !== 'delete') {
    const inNamespace = namespaceOf(a.manifest)
    if (inNamespace !== undefined && !x.existing.get(a.cluster)?.has(inNamespace)) {
      io.log(`${a.cluster}: would ${a.op} ${what} (in namespace ${inNamespace}, which this sync creates)`)
      return { action: a, ok: true }
    }
  }
  return undefined
}

/** One action, unless what it needs of its namespace did not go through. */
async function run(x: Execution, a: Action): Promise<ActionResult> {
  const skipped = notSent(x, a)
  if (skipped) return skipped
  const { opts, io, live } = x
  const client = io.clients.get(a.cluster) as KubeClient
  const verb = opts.dryRun ? `would ${a.op}` : a.op === 'create' ? 'created' : a.op === 'update' ? 'updated' : 'deleted'
  try {
    if (a.op === 'delete') {
      const r = await client
        .request<LiveObject>('DELETE', pathOf(a.live, live.get(a.cluster)?.kinds), { query: opts.dryRun ? { dryRun: 'All' } : {} })
        .catch((e: unknown) => {
          if (e instanceof KubeError && e.status === 404) return undefined
          throw e
        })
      if (!opts.dryRun) remember(live, a.cluster, r, a.live, true)
      io.log(`${a.cluster}: ${verb} ${describeObject(a.live)} (${a.why})`)
    } else if (opts.dryRun && a.after) {
      // The server already answered this very dry run while planning.
      remember(live, a.cluster, a.after, a.manifest, false)
      io.log(`${a.cluster}: ${verb} ${describeObject(a.manifest)}`)
    } else {
      const r = await apply(client, a.manifest, { dryRun: opts.dryRun, force: opts.forceConflicts, kinds: live.get(a.cluster)?.kinds })
      remember(live, a.cluster, r, a.manifest, false)
      io.log(`${a.cluster}: ${verb} ${describeObject(a.manifest)}${a.op === 'update' && a.adopt ? ` (adopted into ApplySet ${opts.set.name})` : ''}`)
    }
    return { action: a, ok: true }
  } catch (e) {
    // A cluster given up, or --timeout passed: the sync stops here (run again, it converges).
    if (endsCommand(e)) throw e
    const conflict = e instanceof KubeError && e.status === 409 && a.op !== 'delete'
    const msg = conflict
      ? `conflict: ${e.message.replace(/^PATCH \S+: 409 Conflict: /, '')} (take the fields over with --force-conflicts)`
      : (e as Error).message
    const code = conflict ? codes.applyConflict.code : codes.applyFailed.code
    io.log(`${a.cluster}: error ${code}: failed to ${a.op} ${a.op === 'delete' ? describeObject(a.live) : describeObject(a.manifest)}: ${msg}`)
    return { action: a, ok: false, error: msg, code }
  }
}

/**
 * Applies the set's parent on every cluster that needs it (`before` or `after` the
 * members), as kubectl does: its own field manager, conflicts forced (the parent was
 * checked to be this set's). Returns the clusters whose parent is as it must be; a failure
 * is a result of its own, and nothing is written to that cluster afterwards.
 */
async function writeParents(x: Execution, when: 'before' | 'after'): Promise<Set<string>> {
  const { opts, io } = x
  const ok = new Set(x.live.keys())
  await Promise.all(
    x.plan.parents.map(async (p) => {
      const m = p[when]
      const client = io.clients.get(p.cluster)
      if (!m || !client) return
      const op = p.live || when === 'after' ? 'update' : 'create'
      const action: Action = { op, cluster: p.cluster, namespace: '', step: 'namespace', manifest: m, ...(p.live ? { live: p.live } : {}) }
      try {
        await apply(client, m, { dryRun: opts.dryRun, force: true, fieldManager: PARENT_FIELD_MANAGER })
        x.results.push({ action, ok: true })
        io.log(`${p.cluster}: ${opts.dryRun ? `would ${op}` : op === 'create' ? 'created' : 'updated'} ${describeObject(m)} (the ApplySet's parent)`)
      } catch (e) {
        if (endsCommand(e)) throw e
        ok.delete(p.cluster)
        const msg = (e as Error).message
        io.log(`${p.cluster}: error ${codes.applyFailed.code}: failed to ${op} ${describeObject(m)} (the ApplySet's parent): ${msg}`)
        x.results.push({ action, ok: false, error: msg, code: codes.applyFailed.code })
      }
    }),
  )
  return ok
}

/** The status patches of every NamespaceOffloading of ours whose status changed. */
function statusPatches(x: Execution): { namespace: string; body: unknown }[] {
  const { compiled, inv, io, opts } = x
  const home = x.live.get(x.homeID)
  const todo: { namespace: string; body: unknown }[] = []
  for (const ns of compiled.namespaces) {
    const nso = home?.offloadings?.get(ns.policy.namespace)
    if (!nso || !isOurs(nso, opts.set) || liqoManaged(nso)) continue
    const status = namespaceStatus(ns, inv, x.live, nso, io.now().toISOString(), false, opts.set)
    const previous = nso.status
    if (sameStatus(previous, status)) continue
    const removed = Object.keys(previous?.remoteNamespacesConditions ?? {}).filter((k) => !(k in (status.remoteNamespacesConditions ?? {})))
    todo.push({
      namespace: ns.policy.namespace,
      body: {
        status: {
          ...status,
          remoteNamespacesConditions: { ...(status.remoteNamespacesConditions ?? {}), ...Object.fromEntries(removed.map((k) => [k, null])) },
        },
      },
    })
  }
  return todo
}

/** Writes the status of every NamespaceOffloading of ours whose status changed (`concurrency` at a time). */
async function writeStatuses(x: Execution): Promise<number> {
  const rt = knownType(NSO_API_VERSION, NSO_KIND)
  if (!rt || x.opts.dryRun) return 0
  const written = await pool(statusPatches(x), x.opts.concurrency, async ({ namespace, body }): Promise<number> => {
    try {
      const r = await x.homeClient.request<LiveObject>('PATCH', `${objectPath(rt, 'offloading', namespace)}/status`, {
        body,
        contentType: 'application/merge-patch+json',
      })
      if (r) remember(x.live, x.homeID, r, r, false)
      return 1
    } catch (e) {
      if (endsCommand(e)) throw e
      x.io.log(`${x.homeID}: failed to write the status of ${namespace}/offloading: ${(e as Error).message}`)
      return 0
    }
  })
  return written.reduce((a, b) => a + b, 0)
}

function reports(x: Execution): NamespaceReport[] {
  const { compiled, inv, io, opts, plan, live } = x
  const home = live.get(x.homeID)
  const out: NamespaceReport[] = []
  for (const ns of compiled.namespaces) {
    const nso = home?.offloadings?.get(ns.policy.namespace)
    const managed = liqoManaged(nso)
    const status = managed && nso?.status ? nso.status : namespaceStatus(ns, inv, live, nso, io.now().toISOString(), false, opts.set)
    out.push({ namespace: ns.policy.namespace, remoteNamespaceName: ns.remoteNamespaceName, status, liqoManaged: managed, pruned: false })
  }
  for (const name of plan.pruned) {
    const remoteNamespaceName = plan.prunedRemoteNames[name] ?? ''
    const status = prunedStatus(remoteNamespaceName, inv, live, home?.offloadings?.get(name), io.now().toISOString(), opts.set)
    if (status) out.push({ namespace: name, remoteNamespaceName, status, liqoManaged: false, pruned: true })
  }
  return out.sort((a, b) => (a.namespace < b.namespace ? -1 : 1))
}

/** `undefined` for the command's deadline passing; any other failure thrown on. */
function outOfTime(e: unknown): undefined {
  if (e instanceof KubeError && e.outOfTime) return undefined
  throw e
}

/** Every namespace has reached a phase that will not change by itself. */
export function isSettled(ns: readonly NamespaceReport[]): boolean {
  return ns.every((n) => !['InProgress', 'Terminating'].includes(n.status.offloadingPhase) && (!n.liqoManaged || n.status.observedGeneration !== undefined))
}

function counts(io: SyncIO): Record<string, { reads: number; writes: number; retries: number }> {
  return Object.fromEntries([...io.clients].map(([k, c]) => [k, { ...c.counts }]))
}
