import { fileURLToPath } from 'node:url'
import { parse } from 'yaml'
import type { Compiled } from '../compile/compile.ts'
import { codes } from '../diagnostics/codes.ts'
import { endsCommand, type KubeClient, KubeError } from '../kube/kube-client.ts'
import { knownType, objectPath } from '../kube/resources.ts'
import type { Inventory } from '../model/inventory.ts'
import type { Manifest } from '../model/k8s.ts'
import { NSO_API_VERSION, NSO_FINALIZER, NSO_KIND, type NamespaceOffloadingStatus } from '../model/liqo.ts'
import { describeObject, metaOf, namespaceOf, typeOf } from '../util/manifest.ts'
import { FIELD_MANAGER, type LiveObject } from './compare.ts'
import { CRD_PATH, type LiveCluster, objectKey, readCluster } from './live-state.ts'
import { namespaceStatus, prunedStatus, sameStatus } from './live-status.ts'
import { type Action, isOurs, planSync, STEPS, type SyncPlan, workloadsToDryRun } from './plan-sync.ts'

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
  readonly code?: string
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

function pathOf(m: Manifest): string {
  const t = typeOf(m)
  const rt = knownType(t.apiVersion, t.kind)
  if (!rt) throw new SyncError(`nsoffload does not know where ${t.apiVersion} ${t.kind} lives`)
  return objectPath(rt, metaOf(m).name ?? '', namespaceOf(m))
}

/** Server-side apply (PATCH application/apply-patch+yaml) with field manager `nsoffload`. */
export async function apply(client: KubeClient, m: Manifest, opts: { dryRun: boolean; force: boolean }): Promise<LiveObject> {
  return client.request<LiveObject>('PATCH', pathOf(m), {
    query: { fieldManager: FIELD_MANAGER, ...(opts.force ? { force: 'true' } : {}), ...(opts.dryRun ? { dryRun: 'All' } : {}) },
    body: JSON.stringify(m),
    contentType: 'application/apply-patch+yaml',
  })
}

async function ensureCrd(client: KubeClient, opts: SyncOptions, io: SyncIO): Promise<boolean> {
  if (await client.get(CRD_PATH)) return true
  if (!opts.installCrds) {
    throw new SyncError(
      `the NamespaceOffloading CRD (namespaceoffloadings.offloading.liqo.io) is not installed on ${client.name}: install Liqo, or run with --install-crds`,
    )
  }
  const crd: Manifest = parse(new TextDecoder().decode(io.readFile(CRD_FILE)))
  io.log(`${client.name}: ${opts.dryRun ? 'would install' : 'installing'} the NamespaceOffloading CRD`)
  await apply(client, crd, { dryRun: opts.dryRun, force: false })
  if (opts.dryRun) return false
  for (let i = 0; i < 100; i++) {
    const c = await client.get<{ status?: { conditions?: { type: string; status: string }[] } }>(CRD_PATH)
    if (c?.status?.conditions?.some((x) => x.type === 'Established' && x.status === 'True')) return true
    await io.sleep(200)
  }
  throw new SyncError(`${client.name}: the NamespaceOffloading CRD did not become Established`)
}

/** Clients whose per-namespace reads were told already (a `--wait` reads again and again). */
const toldPerNamespace = new WeakSet<KubeClient>()

/**
 * Reads every cluster of the inventory (in parallel). Clusters that cannot be reached fail it
 * together, one line each, not on the first.
 */
export async function readAll(compiled: Compiled, inv: Inventory, io: SyncIO): Promise<Map<string, LiveCluster>> {
  const homeID = inv.home.clusterID
  const kinds = new Map<string, { apiVersion: string; kind: string; namespaces: Set<string> }>()
  for (const m of compiled.clusters.get(homeID) ?? []) {
    const t = typeOf(m)
    if (t.kind === 'Namespace' || t.kind === NSO_KIND) continue
    const k = kinds.get(`${t.apiVersion}/${t.kind}`) ?? { ...t, namespaces: new Set<string>() }
    kinds.set(`${t.apiVersion}/${t.kind}`, k)
    const ns = namespaceOf(m)
    if (ns !== undefined) k.namespaces.add(ns)
  }
  const homeKinds = [...kinds.values()].sort((a, b) => (a.kind < b.kind ? -1 : 1)).map((k) => ({ ...k, namespaces: [...k.namespaces].sort() }))
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
      return readCluster(c, id === homeID, id === homeID ? homeKinds : [], log)
    }),
  )
  return new Map(read.map((l) => [l.clusterID, l]))
}

/** Requests in flight at once where no `--concurrency` says otherwise (`diff`). */
export const DEFAULT_CONCURRENCY = 8

/**
 * Asks the home cluster what applying each existing workload of ours would make of it: the
 * same server-side apply sync sends, with `dryRun=All` (as `kubectl diff --server-side`
 * does), `concurrency` at a time. The answers go to `LiveCluster.applied`, where the planner
 * compares them with the live objects. A failed dry run (a conflict without `force`, an
 * invalid object) leaves that workload to the client-side comparison; sync then meets the
 * same error when it applies. Returns how many were sent.
 */
export async function dryRunWorkloads(
  compiled: Compiled,
  inv: Inventory,
  live: Map<string, LiveCluster>,
  io: SyncIO,
  opts: { force: boolean; concurrency: number },
): Promise<number> {
  const homeID = inv.home.clusterID
  const home = live.get(homeID)
  const client = io.clients.get(homeID)
  if (!home || !client) return 0
  const todo = workloadsToDryRun(compiled, inv, live)
  if (todo.length === 0) return 0
  const answers = await pool(todo, opts.concurrency, async (w): Promise<LiveObject | undefined> => {
    try {
      return await apply(client, w.manifest, { dryRun: true, force: opts.force })
    } catch (e) {
      if (endsCommand(e)) throw e
      return undefined
    }
  })
  const applied = new Map<string, LiveObject>()
  todo.forEach((w, i) => {
    const a = answers[i]
    if (a) applied.set(w.key, a)
  })
  live.set(homeID, { ...home, applied })
  return todo.length
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

/** Records an object's new live state in the in-memory picture, so status sees what was done. */
function remember(live: Map<string, LiveCluster>, cluster: string, obj: LiveObject | undefined, m: Manifest, gone: boolean): void {
  const l = live.get(cluster)
  if (!l) return
  const t = typeOf(m)
  const name = metaOf(m).name ?? ''
  const namespace = namespaceOf(m)
  const set = <K, V>(map: ReadonlyMap<K, V> | undefined, k: K, v: V | undefined): void => {
    const mm = map as Map<K, V> | undefined
    if (!mm) return
    if (v === undefined) mm.delete(k)
    else mm.set(k, v)
  }
  const value = gone ? (obj && metaOf(obj).name && metaOf(obj).deletionTimestamp ? obj : undefined) : obj
  if (t.kind === 'Namespace') set(l.namespaces, name, value)
  else if (t.kind === NSO_KIND) set(l.offloadings, namespace ?? '', value)
  else set(l.objects, objectKey(t.apiVersion, t.kind, namespace, name), value)
}

/**
 * `nsoffload sync`: plan against what is live, apply in the SPEC's order, compute Liqo's
 * status from the result, write it where no Liqo controller does, and optionally wait.
 */
export async function sync(compiled: Compiled, inv: Inventory, opts: SyncOptions, io: SyncIO): Promise<SyncResult> {
  const homeID = inv.home.clusterID
  const homeClient = io.clients.get(homeID)
  if (!homeClient) throw new SyncError(`no connection for the home cluster ${homeID}`)
  // The CRD check and the LISTs of every cluster go out together: a sync waits for the
  // slowest of them, not for their sum.
  const crd = ensureCrd(homeClient, opts, io)
  // Awaited after the reads: when clusters cannot be reached, the reads' failure names them all.
  void crd.catch(() => undefined)
  const live = await readAll(compiled, inv, io)
  const crdReady = await crd
  const home = live.get(homeID)
  // A CRD this sync installed may have been missing when its objects were listed: it has none.
  if (crdReady && home && !home.offloadings) live.set(homeID, { ...home, offloadings: new Map() })
  const existing = new Map([...live].map(([id, l]) => [id, new Set(l.namespaces.keys())]))
  const planOpts = { prune: opts.prune, allowDestructive: opts.allowDestructive }
  let plan = planSync(compiled, inv, live, planOpts)
  // A refused sync sends nothing at all; otherwise the workloads are planned on the server's answers.
  if (
    !plan.findings.some((f) => f.blocking) &&
    (await dryRunWorkloads(compiled, inv, live, io, { force: opts.forceConflicts, concurrency: opts.concurrency })) > 0
  ) {
    plan = planSync(compiled, inv, live, planOpts)
  }
  const results: ActionResult[] = []
  let statusWrites = 0
  if (plan.findings.some((f) => f.blocking)) {
    return { plan, results, namespaces: [], statusWrites, settled: false, counts: counts(io) }
  }
  const verb = (a: Action): string => (opts.dryRun ? `would ${a.op}` : a.op === 'create' ? 'created' : a.op === 'update' ? 'updated' : 'deleted')
  for (const step of STEPS) {
    const todo: Action[] = plan.actions.filter((a) => a.step === step)
    // Deletions go before applies of the same step (a destructive re-create needs the old object gone).
    const batches: Action[][] = [todo.filter((a) => a.op === 'delete'), todo.filter((a) => a.op !== 'delete')]
    for (const batch of batches) {
      const done = await pool(batch, opts.concurrency, async (a): Promise<ActionResult> => {
        const client = io.clients.get(a.cluster)
        if (!client) return { action: a, ok: false, error: `no connection for ${a.cluster}` }
        if (step === 'offloading' && !crdReady && opts.dryRun) {
          io.log(`${a.cluster}: would ${a.op} ${a.op === 'delete' ? describeObject(a.live) : describeObject(a.manifest)} (after installing the CRD)`)
          return { action: a, ok: true }
        }
        // A dry run cannot create inside a namespace that only this sync would create (the server answers 404).
        if (opts.dryRun && a.op !== 'delete') {
          const inNamespace = namespaceOf(a.manifest)
          if (inNamespace !== undefined && !existing.get(a.cluster)?.has(inNamespace)) {
            io.log(`${a.cluster}: would ${a.op} ${describeObject(a.manifest)} (in namespace ${inNamespace}, which this sync creates)`)
            return { action: a, ok: true }
          }
        }
        try {
          if (a.op === 'delete') {
            const r = await client.request<LiveObject>('DELETE', pathOf(a.live), { query: opts.dryRun ? { dryRun: 'All' } : {} }).catch((e: unknown) => {
              if (e instanceof KubeError && e.status === 404) return undefined
              throw e
            })
            if (!opts.dryRun) remember(live, a.cluster, r, a.live, true)
            io.log(`${a.cluster}: ${verb(a)} ${describeObject(a.live)} (${a.why})`)
          } else if (opts.dryRun && a.after) {
            // The server already answered this very dry run while planning.
            remember(live, a.cluster, a.after, a.manifest, false)
            io.log(`${a.cluster}: ${verb(a)} ${describeObject(a.manifest)}`)
          } else {
            const r = await apply(client, a.manifest, { dryRun: opts.dryRun, force: opts.forceConflicts })
            remember(live, a.cluster, r, a.manifest, false)
            io.log(`${a.cluster}: ${verb(a)} ${describeObject(a.manifest)}`)
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
      })
      results.push(...done)
    }
    if (step === 'twins') statusWrites += await writeStatuses()
  }
  let namespaces = reports()
  let settled = isSettled(namespaces)
  if (opts.wait && !opts.dryRun) {
    const deadline = opts.deadline ?? Infinity
    while (!settled && io.now().getTime() < deadline) {
      await io.sleep(Math.min(500, deadline - io.now().getTime()))
      // The deadline passing during a read or a status write: not settled in time (exit 1), not a failure.
      const fresh = await readAll(compiled, inv, io).catch(outOfTime)
      if (!fresh) break
      for (const [k, v] of fresh) live.set(k, v)
      const written = await writeStatuses().catch(outOfTime)
      if (written === undefined) break
      statusWrites += written
      namespaces = reports()
      settled = isSettled(namespaces)
    }
  }
  return { plan, results, namespaces, statusWrites, settled, counts: counts(io) }

  function liqoManaged(nso: LiveObject | undefined): boolean {
    const f = nso?.metadata?.finalizers
    return Array.isArray(f) && f.includes(NSO_FINALIZER)
  }

  /** Writes the status of every NamespaceOffloading of ours whose status changed (`concurrency` at a time). */
  async function writeStatuses(): Promise<number> {
    const home = live.get(homeID)
    const rt = knownType(NSO_API_VERSION, NSO_KIND)
    if (!rt || opts.dryRun) return 0
    const todo: { namespace: string; body: unknown }[] = []
    for (const ns of compiled.namespaces) {
      const nso = home?.offloadings?.get(ns.policy.namespace)
      if (!nso || !isOurs(nso) || liqoManaged(nso)) continue
      const status = namespaceStatus(ns, inv, live, nso, io.now().toISOString())
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
    const written = await pool(todo, opts.concurrency, async ({ namespace, body }): Promise<number> => {
      try {
        const r = await homeClient?.request<LiveObject>('PATCH', `${objectPath(rt, 'offloading', namespace)}/status`, {
          body,
          contentType: 'application/merge-patch+json',
        })
        if (r) remember(live, homeID, r, r, false)
        return 1
      } catch (e) {
        if (endsCommand(e)) throw e
        io.log(`${homeID}: failed to write the status of ${namespace}/offloading: ${(e as Error).message}`)
        return 0
      }
    })
    return written.reduce((a, b) => a + b, 0)
  }

  function reports(): NamespaceReport[] {
    const home = live.get(homeID)
    const out: NamespaceReport[] = []
    for (const ns of compiled.namespaces) {
      const nso = home?.offloadings?.get(ns.policy.namespace)
      const managed = liqoManaged(nso)
      const status = managed && nso?.status ? nso.status : namespaceStatus(ns, inv, live, nso, io.now().toISOString())
      out.push({ namespace: ns.policy.namespace, remoteNamespaceName: ns.remoteNamespaceName, status, liqoManaged: managed, pruned: false })
    }
    for (const name of plan.pruned) {
      const remoteNamespaceName = plan.prunedRemoteNames[name] ?? ''
      const status = prunedStatus(remoteNamespaceName, inv, live, home?.offloadings?.get(name), io.now().toISOString())
      if (status) out.push({ namespace: name, remoteNamespaceName, status, liqoManaged: false, pruned: true })
    }
    return out.sort((a, b) => (a.namespace < b.namespace ? -1 : 1))
  }
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
