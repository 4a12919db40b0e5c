import * as path from 'node:path'
import type { Compiled } from '../compile/compile.ts'
import { hasErrors } from '../diagnostics/diagnostic.ts'
import type { Host } from '../host/host.ts'
import type { Inventory } from '../model/inventory.ts'
import type { Deadline, KubeClient } from '../kube/kube-client.ts'
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
  /** The bound on the whole command (`sync --wait`: 2m when not given). */
  readonly timeout?: string
  /** One request, the whole exchange (as kubectl's `--request-timeout`; default 30s). */
  readonly 'request-timeout'?: string
}

/** How long `sync --wait` may take in all when `--timeout` is not given. */
export const WAIT_TIMEOUT = '2m'

const UNITS: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }

/**
 * A duration as kubectl takes one (Go's `time.ParseDuration`: `30s`, `2m`, `1m30s`, `1.5h`,
 * `250ms`), or a number of seconds (`90`) → milliseconds, more than 0.
 */
export function parseDuration(s: string, flag: string): number {
  const t = s.trim()
  const ms = /^\d+(\.\d+)?$/.test(t)
    ? Number(t) * 1000
    : /^(\d+(\.\d+)?(ms|s|m|h))+$/.test(t)
      ? [...t.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h)/g)].reduce((n, m) => n + Number(m[1]) * (UNITS[m[2] ?? 's'] ?? 1000), 0)
      : NaN
  if (!(ms > 0)) throw new UsageError(`${flag} takes a duration more than 0, such as 30s, 2m or 1m30s, not "${s}"`)
  return ms
}

/** The command's deadline, from `--timeout` counted from `start`; `undefined` without one. */
export function commandDeadline(args: ClusterArgs, start: number): Deadline | undefined {
  if (args.timeout === undefined) return undefined
  return { at: start + parseDuration(args.timeout, '--timeout'), flag: `--timeout ${args.timeout}` }
}

/** The time-outs of the client, from the flags (checked before anything is read). */
export function clientTimes(args: ClusterArgs, start: number): { deadline: Deadline | undefined; requestTimeoutMs: number | undefined } {
  const deadline = commandDeadline(args, start)
  const requestTimeoutMs = args['request-timeout'] === undefined ? undefined : parseDuration(args['request-timeout'], '--request-timeout')
  return { deadline, requestTimeoutMs }
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
export async function openClusters(
  host: Host,
  inv: Inventory,
  args: ClusterArgs,
  log: (s: string) => void,
  times: ReturnType<typeof clientTimes>,
): Promise<Map<string, KubeClient>> {
  const map = parseContextMap(args['context-map'])
  const wanted = [{ clusterID: inv.home.clusterID, context: inv.home.context }, ...inv.remotes].map((c) => ({
    cluster: c.clusterID,
    context: map.get(c.clusterID) ?? c.context ?? c.clusterID,
  }))
  return openClients(host, args.kubeconfig, wanted, log, times, args.concurrency)
}

/**
 * A client per wanted cluster (its context in the kubeconfig), with the command's time limits
 * and, when given, `--concurrency` as its sockets: what every command that talks to clusters
 * opens (`openClusters`, `inventory pull`). A kubeconfig that cannot be used throws
 * KubeconfigError: exit 2, told by main.ts.
 */
export async function openClients(
  host: Host,
  kubeconfig: string | undefined,
  wanted: readonly { readonly cluster: string; readonly context: string }[],
  log: (s: string) => void,
  times: ReturnType<typeof clientTimes>,
  concurrency?: number,
): Promise<Map<string, KubeClient>> {
  const [{ connect, kubeconfigSource }, { KubeClient, DEFAULT_RETRY }, { EXEC_TIMEOUT_MS }] = await Promise.all([
    import('../kube/kubeconfig.ts'),
    import('../kube/kube-client.ts'),
    import('../kube/credentials.ts'),
  ])
  const file = kubeconfigSource(kubeconfig, host.env)
  const { deadline, requestTimeoutMs } = times
  const conns = await connect(file, wanted, { env: host.env, host, execLimit: { ms: EXEC_TIMEOUT_MS, ...(deadline ? { deadline } : {}) } })
  return new Map(
    conns.map((c) => [
      c.cluster,
      new KubeClient(c, {
        onRetry: log,
        ...(concurrency ? { maxSockets: Math.max(1, Math.floor(concurrency)) } : {}),
        ...(deadline ? { deadline } : {}),
        ...(requestTimeoutMs !== undefined ? { retry: { ...DEFAULT_RETRY, requestTimeoutMs } } : {}),
      }),
    ]),
  )
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
  /** The command's deadline (`--timeout`), ms since the epoch; `undefined` without one. */
  readonly deadline: number | undefined
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
 * failures become exit 2 with the cluster named (its context and server) and what happened,
 * never a stack trace nor a credential. `--timeout` counts from here: the whole command.
 */
export async function withClusters<T>(
  ctx: CommandContext,
  args: GlobalArgs & ClusterArgs,
  rawArgv: readonly string[],
  fn: (s: ClusterSession) => Promise<T>,
): Promise<T | undefined> {
  const times = clientTimes(args, Date.now())
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
  const clients = await openClusters(ctx.host, inv, args, log, times)
  const io: SyncIO = { clients, log, now: () => new Date(), sleep: (ms) => new Promise((r) => setTimeout(r, ms)), readFile: (p) => ctx.host.readFile(p) }
  try {
    return await fn({ compiled: project.compiled, inv, io, log, set, scope, deadline: times.deadline?.at })
  } catch (e) {
    throw await clusterFailure(e, [...clients.values()])
  } finally {
    for (const c of clients.values()) c.close()
  }
}

/**
 * What a cluster command says when it cannot go on (exit 2): each cluster given up on its own
 * line (unreachable, stopped answering, kept failing), or each request `--timeout` cut off, or
 * what a request's answer meant (unauthorized, forbidden, a server error) and where.
 */
export async function clusterFailure(e: unknown, clients: readonly KubeClient[]): Promise<unknown> {
  const [{ KubeError }, { describeFailure }, { SyncError, UnreachableError }] = await Promise.all([
    import('../kube/kube-client.ts'),
    import('../kube/describe-failure.ts'),
    import('../sync/execute.ts'),
  ])
  const lines = (own: readonly string[]): UsageError => new UsageError([...new Set(own)].join('\nnsoffload: '))
  const givenUp = clients.flatMap((c) => (c.failure ? [c.failure.message] : []))
  // One line per cluster that cannot be used, each as nsoffload's errors read.
  if (e instanceof UnreachableError) return lines([...givenUp, ...e.lines])
  if (e instanceof KubeError && e.unreachable) return lines([...givenUp, e.message])
  // One line per cluster a request of which the deadline cut off.
  if (e instanceof KubeError && e.outOfTime) {
    const cut = clients.flatMap((c) => (c.cutOff ? [c.cutOff.message] : []))
    return lines(cut.length > 0 ? cut : [e.message])
  }
  if (e instanceof SyncError) return new UsageError(e.message)
  if (e instanceof KubeError) return new UsageError(describeFailure(e))
  return e
}
