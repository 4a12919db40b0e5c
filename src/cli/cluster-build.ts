import { hasErrors } from '../diagnostics/diagnostic.ts'
import { cacheConfig, cacheLock, cacheUnlock } from '../host/build-cache.ts'
import { recordingHost } from '../host/trace.ts'
import type { Manifest } from '../model/k8s.ts'
import type { InputOptions } from '../pipeline.ts'
import { clusterStream } from '../render/bundle.ts'
import { withSyncWaves } from '../render/sync-waves.ts'
import { closest } from '../validate/suggest.ts'
import { cacheKey, type EntryMeta, lookupEntry, type Outcome, takeMiss, storeEntry } from './cluster-cache.ts'
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
 * whether it failed, the clusters, and what each cluster's build prints (the bytes). The key:
 * this build of nsoffload (`codeIdentity`), the input options and `--sync-waves`, and a trace
 * of every question the run asked of its host (`host/trace.ts`: each file and folder read,
 * each path probed, each kustomize run, each environment variable read) with a digest of each
 * answer. Builds that miss side by side compile once: the others wait for the first one's
 * entry. A later build asks the same questions again (running kustomize again, reading every
 * input whose stamp changed or is too recent to tell) and uses the entry only when every
 * answer is the same: any change to an input is a miss. A hit of the usual command lines is
 * served before the CLI is loaded (`fast-cluster-build.ts`); this is the path of the others.
 */
export function clusterBuild(ctx: CommandContext, opts: InputOptions, cluster: string, syncWaves: boolean, useCache: boolean): void {
  const code = useCache ? codeIdentity() : undefined
  const cfg = code ? cacheConfig(ctx.host.env) : undefined
  const waves = syncWaves ? withSyncWaves : <T>(ms: T): T => ms
  if (!cfg) {
    const project = loadProject(ctx.host, opts, true, { only: cluster })
    reportToStderr(ctx.host, project.diagnostics, project.texts, project.inputs, LISTED_BY_VALIDATE)
    const failed = hasErrors(project.diagnostics) || !project.compiled
    serve(ctx, { failed, clusters: [...(project.compiled?.clusters.keys() ?? [])] }, cluster, () =>
      clusterStream(waves(project.compiled?.clusters.get(cluster) ?? [])),
    )
    return
  }
  const key = cacheKey(ctx.host, opts, code ?? '', syncWaves)
  // The fast path looked this key up a moment ago in this process and found nothing.
  let hit = takeMiss(key, ctx.host) ? undefined : lookupEntry(cfg, key, ctx.host)
  let locked = false
  if (!hit && cfg.maxBytes > 0) {
    // Builds of the same revision side by side: one compiles, the others wait for its entry (none is kept at NSOFFLOAD_CACHE_MAX_MB=0).
    const lock = cacheLock(cfg, key, LOCK_WAIT_MS)
    if (lock === 'waited') hit = lookupEntry(cfg, key, ctx.host)
    locked = lock === 'mine'
  }
  if (hit) {
    const out = hit.meta.failed || !hit.meta.clusters.includes(cluster) ? new Uint8Array() : hit.stream(cluster)
    if (out) {
      if (hit.meta.stderr) ctx.host.stderr(hit.meta.stderr)
      serve(ctx, hit.meta, cluster, () => Buffer.from(out).toString('utf8'))
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
    calls: trace.calls,
    answers: trace.answers,
    stamps: trace.stamps,
    digest: trace.digest,
    ...(trace.portable ? {} : { cwd: ctx.host.cwd }),
  }
  if (stderr) ctx.host.stderr(stderr)
  // What each cluster's build prints, made once: this one's now, the others' for the cache.
  const streams = new Map<string, string>()
  const streamOf = (id: string, ms: readonly Manifest[]): string => {
    let s = streams.get(id)
    if (s === undefined) streams.set(id, (s = clusterStream(waves(ms))))
    return s
  }
  try {
    serve(ctx, meta, cluster, () => streamOf(cluster, compiled?.clusters.get(cluster) ?? []))
  } finally {
    try {
      if (trace.cacheable) {
        if (!meta.failed) for (const [id, ms] of compiled?.clusters ?? []) streamOf(id, ms)
        storeEntry(cfg, key, ctx.host, meta, streams)
      }
    } finally {
      if (locked) cacheUnlock(cfg, key)
    }
  }
}

/** How long a build waits for another that compiles the same key before it compiles itself. */
const LOCK_WAIT_MS = 120_000

function serve(ctx: CommandContext, o: Outcome, cluster: string, stream: () => string): void {
  if (o.failed) {
    ctx.exit(ExitCode.findings)
    return
  }
  if (!o.clusters.includes(cluster)) {
    const guess = closest(cluster, o.clusters)
    throw new UsageError(`cluster "${cluster}" is not in the inventory (${o.clusters.join(', ')})${guess ? `; did you mean "${guess}"?` : ''}`)
  }
  ctx.host.stdout(stream())
  ctx.exit(ExitCode.ok)
}
