import * as path from 'node:path'
import * as v8 from 'node:v8'
import { hasErrors } from '../diagnostics/diagnostic.ts'
import { type CacheConfig, cacheConfig, cacheDigest, cacheLock, cacheLookup, cacheStore, cacheUnlock } from '../host/build-cache.ts'
import type { Host } from '../host/host.ts'
import { recordingHost, replayDigest, type Trace, type TraceCall } from '../host/trace.ts'
import type { Manifest } from '../model/k8s.ts'
import type { InputOptions } from '../pipeline.ts'
import { clusterStream } from '../render/bundle.ts'
import { withSyncWaves } from '../render/sync-waves.ts'
import { closest } from '../validate/suggest.ts'
import { type CommandContext, LISTED_BY_VALIDATE, reportToStderr } from './context.ts'
import { ExitCode, UsageError } from './exit-codes.ts'
import { loadProject } from './project.ts'
import { codeIdentity } from './version.ts'

/**
 * `build --cluster X`: one cluster's manifests on stdout, as Argo CD's plugin asks for them,
 * once per Application (a hundred clusters: a hundred processes for one revision).
 *
 * What one cluster's build must still do, to fail, warn and print exactly as `build -o` would
 * for that cluster: read and validate every policy, read every workload, select clusters for
 * every policy (a policy that selects nothing is a warning, two policies whose twins meet on
 * any cluster an error, a twin that cannot be created on any cluster too), and check the home
 * cluster's objects for duplicates. What it skips: making and rendering the manifests of the
 * other clusters (`compile`'s `only`).
 *
 * With the cache (the default when there is a cache folder, `host/build-cache.ts`), the first
 * build of a revision compiles every cluster and stores the result: its diagnostics as printed,
 * whether it failed, the clusters, and each cluster's manifests (V8's serialisation). The key:
 * this build of nsoffload (`codeIdentity`), the input options, and a trace of every question
 * the run asked of its host (`host/trace.ts`: each file and folder read, each path probed, each
 * kustomize run, each environment variable read) with a digest of the answers. Builds that
 * miss side by side compile once: the others wait for the first one's entry. A later build
 * asks the same questions again (reading every input byte, running kustomize again) and uses
 * the entry only when every answer is the same: any change to an input is a miss.
 */
export function clusterBuild(ctx: CommandContext, opts: InputOptions, cluster: string, syncWaves: boolean, useCache: boolean): void {
  const code = useCache ? codeIdentity() : undefined
  const cfg = code ? cacheConfig(ctx.host.env) : undefined
  const waves = syncWaves ? withSyncWaves : <T>(ms: T): T => ms
  if (!cfg) {
    const project = loadProject(ctx.host, opts, true, { only: cluster })
    reportToStderr(ctx.host, project.diagnostics, project.texts, project.inputs, LISTED_BY_VALIDATE)
    const failed = hasErrors(project.diagnostics) || !project.compiled
    serve(ctx, { failed, clusters: [...(project.compiled?.clusters.keys() ?? [])] }, cluster, () => waves(project.compiled?.clusters.get(cluster) ?? []))
    return
  }
  const key = cacheKey(ctx.host, opts, code ?? '')
  let hit = lookup(cfg, key, ctx.host)
  let locked = false
  if (!hit && cfg.maxBytes > 0) {
    // Builds of the same revision side by side: one compiles, the others wait for its entry (none is kept at NSOFFLOAD_CACHE_MAX_MB=0).
    const lock = cacheLock(cfg, key, LOCK_WAIT_MS)
    if (lock === 'waited') hit = lookup(cfg, key, ctx.host)
    locked = lock === 'mine'
  }
  if (hit) {
    const ms = hit.meta.failed || !hit.meta.clusters.includes(cluster) ? [] : hit.manifests(cluster)
    if (ms) {
      if (hit.meta.stderr) ctx.host.stderr(hit.meta.stderr)
      serve(ctx, hit.meta, cluster, () => waves(ms))
      return
    }
  }
  // A miss: the whole fleet is compiled, so that the builds of the other clusters find it.
  let stderr = ''
  const rec = recordingHost({ ...ctx.host, stderr: (s) => void (stderr += s) })
  const project = loadProject(rec.host, opts, true)
  reportToStderr(rec.host, project.diagnostics, project.texts, project.inputs, LISTED_BY_VALIDATE)
  const trace = rec.finish()
  const compiled = project.compiled
  const meta: EntryMeta = {
    failed: hasErrors(project.diagnostics) || !compiled,
    clusters: [...(compiled?.clusters.keys() ?? [])],
    stderr,
    ...traceMeta(ctx.host, trace),
  }
  if (stderr) ctx.host.stderr(stderr)
  try {
    serve(ctx, meta, cluster, () => waves(compiled?.clusters.get(cluster) ?? []))
  } finally {
    try {
      if (trace.cacheable) store(cfg, key, ctx.host, meta, compiled?.clusters ?? new Map())
    } finally {
      if (locked) cacheUnlock(cfg, key)
    }
  }
}

/** How long a build waits for another that compiles the same key before it compiles itself. */
const LOCK_WAIT_MS = 120_000

/** The outcome every cluster of a build shares. */
interface Outcome {
  readonly failed: boolean
  /** Every cluster of the inventory, home first. */
  readonly clusters: readonly string[]
}

function serve(ctx: CommandContext, o: Outcome, cluster: string, manifests: () => readonly Manifest[]): void {
  if (o.failed) {
    ctx.exit(ExitCode.findings)
    return
  }
  if (!o.clusters.includes(cluster)) {
    const guess = closest(cluster, o.clusters)
    throw new UsageError(`cluster "${cluster}" is not in the inventory (${o.clusters.join(', ')})${guess ? `; did you mean "${guess}"?` : ''}`)
  }
  ctx.host.stdout(clusterStream(manifests()))
  ctx.exit(ExitCode.ok)
}

/** What an entry says: the outcome, the diagnostics as printed, and how to check it holds. */
interface EntryMeta extends Outcome {
  readonly stderr: string
  readonly calls: readonly TraceCall[]
  readonly digest: string
  /** Absent when the entry holds in any working folder with the same files below it. */
  readonly cwd?: string
}

/** The key of a build's entries: the code, the options, and how deep the working folder is (its parents are probed). */
function cacheKey(host: Host, opts: InputOptions, code: string): string {
  const depth = path.resolve(host.cwd).split(path.sep).filter(Boolean).length
  return cacheDigest(JSON.stringify({ format: 1, code, opts, depth }))
}

function traceMeta(host: Host, trace: Trace): Pick<EntryMeta, 'calls' | 'digest' | 'cwd'> {
  return { calls: trace.calls, digest: trace.digest, ...(trace.portable ? {} : { cwd: host.cwd }) }
}

function lookup(cfg: CacheConfig, key: string, host: Host): { meta: EntryMeta; manifests(id: string): readonly Manifest[] | undefined } | undefined {
  const memo = new Map()
  const hit = cacheLookup<EntryMeta>(
    cfg,
    key,
    (meta) => (meta.cwd === undefined || meta.cwd === host.cwd) && replayDigest(host, meta.calls, memo) === meta.digest,
  )
  if (!hit) return undefined
  return {
    meta: hit.meta,
    manifests: (id) => {
      const b = hit.blob(id)
      if (!b) return undefined
      try {
        return v8.deserialize(b) as Manifest[]
      } catch {
        return undefined
      }
    },
  }
}

/**
 * Stores a build. An entry that holds in any working folder must not name this one (it would
 * be wrong elsewhere): its diagnostics are checked for this folder and its parent, its
 * manifests for this folder.
 */
function store(cfg: CacheConfig, key: string, host: Host, meta: EntryMeta, clusters: ReadonlyMap<string, readonly Manifest[]>): void {
  const blobs = new Map<string, Buffer>()
  try {
    for (const [id, ms] of clusters) blobs.set(id, v8.serialize(ms))
  } catch {
    // Something V8 cannot copy (there should be nothing but plain data): not stored.
    return
  }
  const parent = path.dirname(host.cwd)
  const named =
    meta.stderr.includes(host.cwd) ||
    (parent !== path.parse(parent).root && meta.stderr.includes(parent)) ||
    [...blobs.values()].some((b) => b.includes(host.cwd) || b.includes(host.cwd, 0, 'utf16le'))
  const m = meta.cwd === undefined && named ? { ...meta, cwd: host.cwd } : meta
  cacheStore(cfg, key, cacheDigest(`${m.digest} ${m.cwd ?? ''}`), m, blobs)
}
