import * as path from 'node:path'
import type { Compiled } from '../compile/compile.ts'
import { hasErrors } from '../diagnostics/diagnostic.ts'
import type { Host } from '../host/host.ts'
import type { Inventory } from '../model/inventory.ts'
import type { KubeClient } from '../kube/kube-client.ts'
import type { SyncIO } from '../sync/execute.ts'
import { type ApplySet, applySetFor } from '../sync/applyset.ts'
import type { PolicyScope } from '../sync/plan-sync.ts'
import type { Project } from '../pipeline.ts'
import { version } from './version.ts'
import { type CommandContext, type GlobalArgs, inputOptions, reportToStderr } from './context.ts'
import { ExitCode, UsageError } from './exit-codes.ts'
import { loadProject } from './project.ts'

/** Flags of every command that talks to clusters. */
export interface ClusterArgs {
  readonly kubeconfig?: string
  readonly 'context-map'?: string[]
  /** `sync --concurrency`: the connections each cluster gets are as many. */
  readonly concurrency?: number
  /** The ApplySet's name (`[secrets/|configmaps/]NAME`), default `nsoffload-<inventory name>`. */
  readonly applyset?: string
}

/** `--context-map venice=ctx-a,naples=ctx-b` (repeatable) → cluster ID → context. */
export function parseContextMap(values: readonly string[] = []): Map<string, string> {
  const out = new Map<string, string>()
  for (const v of values.flatMap((x) => x.split(','))) {
    if (v.trim() === '') continue
    const m = /^([^=]+)=(.+)$/.exec(v.trim())
    if (!m || !m[1] || !m[2]) throw new UsageError(`--context-map takes CLUSTER=CONTEXT pairs, not "${v}"`)
    out.set(m[1], m[2])
  }
  return out
}

/**
 * Connections to the home and every remote cluster of the inventory, through the kubeconfig.
 * The Kubernetes client is imported only here, when a command needs a cluster.
 */
export async function openClusters(host: Host, inv: Inventory, args: ClusterArgs, log: (s: string) => void): Promise<Map<string, KubeClient>> {
  const [{ connect, kubeconfigSource, KubeconfigError }, { KubeClient }] = await Promise.all([
    import('../kube/kubeconfig.ts'),
    import('../kube/kube-client.ts'),
  ])
  const map = parseContextMap(args['context-map'])
  const wanted = [{ clusterID: inv.home.clusterID, context: inv.home.context }, ...inv.remotes].map((c) => ({
    cluster: c.clusterID,
    context: map.get(c.clusterID) ?? c.context ?? c.clusterID,
  }))
  const file = kubeconfigSource(args.kubeconfig, host.env)
  try {
    const conns = await connect(file, wanted, { env: host.env, host })
    return new Map(
      conns.map((c) => [
        c.cluster,
        new KubeClient(c, { onRetry: log, ...(args.concurrency ? { maxSockets: Math.max(1, Math.floor(args.concurrency)) } : {}) }),
      ]),
    )
  } catch (e) {
    if (e instanceof KubeconfigError) throw new UsageError(e.message)
    throw e
  }
}

/** What a cluster command works with: the compiled project and open connections. */
export interface ClusterSession {
  readonly compiled: Compiled
  readonly inv: Inventory
  readonly io: SyncIO
  readonly log: (line: string) => void
  /** The set this run syncs, and what it read of the set's policies. */
  readonly set: ApplySet
  readonly scope: PolicyScope
}

/** posix path of `abs` relative to `root` (the inventory's folder). */
const relativeTo = (root: string, abs: string): string => path.relative(root, abs).split(path.sep).join('/')

/**
 * What this run read of the set's policies, relative to the inventory's folder (stable
 * wherever the command runs): each namespace's policy file, and the `-p` inputs (files, or
 * folders and all below them).
 */
export function policyScope(host: Host, project: Project, policies: readonly string[]): PolicyScope {
  const root = path.dirname(path.resolve(host.cwd, project.inputs.inventoryFile ?? 'inventory.yaml'))
  const files = new Map((project.compiled?.namespaces ?? []).map((n) => [n.policy.namespace, relativeTo(root, path.resolve(host.cwd, n.policy.source.file))]))
  const inputs = policies.map((p) => {
    const abs = path.resolve(host.cwd, p)
    return { path: relativeTo(root, abs), folder: host.stat(abs)?.file !== true }
  })
  return { files, inputs }
}

/**
 * The frame of `diff`, `sync` and `status`: load and compile the project (invalid input: exit
 * 1, no cluster contacted), connect to every cluster, run `fn`, close the connections. Cluster
 * failures become exit 2 with the cluster and path named, never a stack trace.
 */
export async function withClusters<T>(
  ctx: CommandContext,
  args: GlobalArgs & ClusterArgs,
  rawArgv: readonly string[],
  fn: (s: ClusterSession) => Promise<T>,
): Promise<T | undefined> {
  const project = loadProject(ctx.host, inputOptions(args, rawArgv), true)
  reportToStderr(ctx.host, project.diagnostics, project.texts, project.inputs)
  const inv = project.validated.inventory
  if (hasErrors(project.diagnostics) || !project.compiled || !inv) {
    ctx.exit(ExitCode.findings)
    return undefined
  }
  const log = (s: string): void => ctx.host.stderr(`${s}\n`)
  let set: ApplySet
  try {
    set = applySetFor(inv.name, version(), args.applyset)
  } catch (e) {
    throw new UsageError((e as Error).message)
  }
  const scope = policyScope(ctx.host, project, inputOptions(args, rawArgv).policies)
  const clients = await openClusters(ctx.host, inv, args, log)
  const io: SyncIO = { clients, log, now: () => new Date(), sleep: (ms) => new Promise((r) => setTimeout(r, ms)), readFile: (p) => ctx.host.readFile(p) }
  try {
    return await fn({ compiled: project.compiled, inv, io, log, set, scope })
  } catch (e) {
    const [{ KubeError }, { SyncError, UnreachableError }] = await Promise.all([import('../kube/kube-client.ts'), import('../sync/execute.ts')])
    // One line per unreachable cluster, each as nsoffload's errors read.
    if (e instanceof UnreachableError) throw new UsageError(e.lines.join('\nnsoffload: '))
    if (e instanceof SyncError) throw new UsageError(e.message)
    if (e instanceof KubeError) throw new UsageError(e.unreachable ? e.message : `cannot reach the clusters: ${e.message}`)
    throw e
  } finally {
    for (const c of clients.values()) c.close()
  }
}
