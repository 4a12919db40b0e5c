/**
 * Real Kubernetes control planes on loopback for end-to-end tests: the harness' entry point.
 *
 * One etcd backs one kube-apiserver per cluster (each with its own `--etcd-prefix /<name>`),
 * plus, on request, a kube-controller-manager and a kube-scheduler per cluster. No fake API
 * server. This module composes the others:
 *
 * - `provision.ts`: the binaries (Kubernetes 1.35 or 1.37, `NSOFFLOAD_K8S_RELEASE`, and etcd,
 *   built from Go modules by scripts/k8s-env/; kubectl of the same release), whether this
 *   machine can run e2e tests, provisioning;
 * - `processes.ts`: starting, waiting for and stopping etcd and the components (their flags,
 *   ports, logs, cleanup even when the test process is killed);
 * - `credentials.ts`: service-account keys, token users, kubeconfig files;
 * - `audit.ts`: the audit policy and reading audit events back;
 * - `api.ts`: kubectl and HTTPS requests; `nodes.ts`: Node objects without kubelets;
 *   `namespaces.ts`: namespaces deleted for good; `wait.ts`: `poll`.
 */
import * as fs from 'node:fs'
import * as path from 'node:path'
import {
  apiRequest,
  type ApiRequest,
  type ApiResponse,
  type ClusterApi,
  clusterApi,
  type ExecResult,
  isRecord,
  type KubectlOptions,
  runKubectl,
} from './api.ts'
import { type AuditEvent, auditEvents, auditFlags, auditOffset, type AuditWrite, auditWrites, writeAuditPolicy } from './audit.ts'
import { type ClusterCredentials, kubeconfigFor, type UserSpec, writeClusterCredentials } from './credentials.ts'
import { deleteNamespace } from './namespaces.ts'
import { createNodes, deleteNodes, type NodeSpec } from './nodes.ts'
import {
  compactEtcd,
  controllerManagerReady,
  createProcessGroup,
  launchControllerManager,
  launchScheduler,
  type Proc,
  startApiserver,
  startEtcd,
} from './processes.ts'
import { ControlPlaneUnavailableError, ensureProvisioned } from './provision.ts'
import { poll, sleep } from './wait.ts'

export type { ApiRequest, ApiResponse, ExecResult, KubectlOptions } from './api.ts'
export type { AuditEvent, AuditWrite } from './audit.ts'
export type { UserSpec } from './credentials.ts'
export type { NodeSpec } from './nodes.ts'
export { e2eSkipReason } from './provision.ts'
export { poll } from './wait.ts'

// ---------------------------------------------------------------------------------------
// Public types
// ---------------------------------------------------------------------------------------

export interface StartOptions {
  /** Cluster names; each becomes an etcd prefix `/<name>`, an API server and a kubeconfig context. */
  clusters: string[]
  /** Run a kube-scheduler per cluster (default false). */
  withScheduler?: boolean
  /** Run a kube-controller-manager per cluster (default false). */
  withControllerManager?: boolean
  /**
   * Extra token users known to every API server (besides `admin`). Groups default to
   * `system:masters`; give `groups: []` for a user that RBAC denies everything.
   */
  users?: UserSpec[]
  /** Readiness timeout for the whole start-up, ms (default 600 s, env NSOFFLOAD_K8S_START_TIMEOUT_MS). */
  startTimeoutMs?: number
}

export interface ClusterInfo {
  name: string
  /** `https://127.0.0.1:<port>` */
  server: string
  /** Bearer token of the `admin` user (group system:masters). */
  token: string
  /** Context name in the kubeconfig (= cluster name). */
  context: string
  auditLogPath: string
  /** Token per user name: `admin`, `system:kube-controller-manager`, `system:kube-scheduler` and StartOptions.users. */
  tokens: Record<string, string>
  /** The API server's self-signed serving certificate (PEM), for clients that verify TLS. */
  caCertPath: string
  /** Its service-account signing key pair (PEM): for a process that mints or checks tokens. */
  serviceAccountKeyPath: string
  serviceAccountPubPath: string
}

export interface ControlPlaneEnv {
  /** The Kubernetes release of the control planes and of `kubectl`: `1.35`, `1.37` (NSOFFLOAD_K8S_RELEASE). */
  release: string
  /** The kubectl `kubectl()` runs (test/helpers/tools.ts: same release as the control planes unless NSOFFLOAD_KUBECTL says otherwise). */
  kubectlPath: string
  /** The dir of kube-apiserver, kube-controller-manager, kube-scheduler (and kubectl) of `release`. */
  binDir: string
  /** etcd's client URL (`http://127.0.0.1:<port>`); each cluster's keys are under `/<name>`. */
  etcdUrl: string
  kubeconfigPath: string
  /** Temp dir holding etcd data, certs, tokens, audit logs and process logs (removed by stop()). */
  dataDir: string
  clusters: Record<string, ClusterInfo>
  clusterNames: string[]
  /** Run <kubectlPath> --kubeconfig <kubeconfigPath> --context <cluster> ...args. */
  kubectl(cluster: string, args: string[], stdin?: string, opts?: KubectlOptions): Promise<ExecResult>
  /** Direct HTTPS request to a cluster's API server (as `admin` unless `user` is given). */
  request(cluster: string, req: ApiRequest): Promise<ApiResponse>
  /** Byte offset of the end of the audit log, after every request answered so far is logged. */
  auditOffset(cluster: string): Promise<number>
  /** All audit events (ResponseComplete) logged after `sinceOffset` (default 0). */
  auditEvents(cluster: string, sinceOffset?: number): Promise<AuditEvent[]>
  /** Write events (create/update/patch/delete/deletecollection) logged after `sinceOffset`. */
  auditWrites(cluster: string, sinceOffset?: number): Promise<AuditWrite[]>
  /** Create (or update) Node objects that the real scheduler can bind pods to (no kubelets). */
  createNodes(cluster: string, nodes: NodeSpec[]): Promise<void>
  /** Delete Node objects (missing ones are ignored). */
  deleteNodes(cluster: string, names: string[]): Promise<void>
  /**
   * Delete a namespace, force-removing its pods (no kubelet ever confirms their deletion),
   * and wait (bounded) until it is gone. Needs the controller-manager. Returns true if gone.
   */
  deleteNamespace(cluster: string, name: string, timeoutMs?: number): Promise<boolean>
  /**
   * Compact etcd's history up to now, as kube-apiserver does every 5 minutes, and wait until
   * every API server has seen it (its watch cache learns of it within ~15 s): continue tokens
   * and resource versions given out before are then answered 410 Expired. Returns the revision.
   */
  compactEtcd(): Promise<number>
  /** Kill every started process (SIGTERM, then SIGKILL) and remove dataDir. Idempotent. */
  stop(): Promise<void>
}

// ---------------------------------------------------------------------------------------
// Start-up
// ---------------------------------------------------------------------------------------

function validateName(name: string): void {
  if (!/^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/.test(name)) {
    throw new Error(`invalid cluster name ${JSON.stringify(name)} (DNS label expected)`)
  }
}

export async function startControlPlanes(opts: StartOptions): Promise<ControlPlaneEnv> {
  const names = [...opts.clusters]
  if (names.length === 0) throw new Error('startControlPlanes: no clusters given')
  names.forEach(validateName)
  if (new Set(names).size !== names.length) throw new Error(`duplicate cluster names: ${names.join(', ')}`)

  const t0 = Date.now()
  const startTimeoutMs = opts.startTimeoutMs ?? Number(process.env['NSOFFLOAD_K8S_START_TIMEOUT_MS'] ?? 600_000)
  const { binDir, etcd, kubectl, release } = await ensureProvisioned()
  const tProvisioned = Date.now()

  const g = createProcessGroup(t0, tProvisioned + startTimeoutMs)
  const dataDir = g.dataDir
  try {
    const etcdUrl = await startEtcd(g, etcd)

    // ---- per-cluster credentials, audit policy ------------------------------------------
    const auditPolicy = writeAuditPolicy(dataDir)
    const extraUsers = opts.users ?? []
    const clusters: Record<string, ClusterInfo> = {}
    const creds: Record<string, ClusterCredentials> = {}
    for (const name of names) {
      const c = writeClusterCredentials(path.join(dataDir, name), extraUsers)
      creds[name] = c
      clusters[name] = {
        name,
        server: '',
        token: c.tokens['admin'] ?? '',
        context: name,
        auditLogPath: path.join(dataDir, `${name}-audit.log`),
        tokens: c.tokens,
        caCertPath: c.servingCert,
        serviceAccountKeyPath: c.saKey,
        serviceAccountPubPath: c.saPub,
      }
    }

    // ---- API servers (in parallel) ---------------------------------------------------
    await Promise.all(
      names.map(async (name) => {
        const c = clusters[name]
        const cr = creds[name]
        if (c === undefined || cr === undefined) throw new Error(`unknown cluster ${name}`)
        c.server = await startApiserver(g, binDir, { name, etcdUrl, creds: cr, auditFlags: auditFlags(auditPolicy, c.auditLogPath) })
      }),
    )

    // ---- kubeconfig (one context per cluster) ------------------------------------------
    const kubeconfigPath = path.join(dataDir, 'kubeconfig.yaml')
    fs.writeFileSync(
      kubeconfigPath,
      kubeconfigFor(
        names.map((n) => ({ name: n, server: clusters[n]?.server ?? '', user: 'admin', token: clusters[n]?.token ?? '' })),
        names[0] ?? '',
      ),
      { mode: 0o600 },
    )

    // ---- controller-managers and schedulers -------------------------------------------
    const cmProcs: Array<{ name: string; p: Proc }> = []
    for (const name of names) {
      const c = clusters[name]
      const cr = creds[name]
      if (c === undefined || cr === undefined) continue
      if (opts.withControllerManager) {
        const kubeconfig = path.join(cr.dir, 'controller-manager.kubeconfig')
        fs.writeFileSync(kubeconfig, kubeconfigFor([{ name, server: c.server, user: 'cm', token: c.tokens['system:kube-controller-manager'] ?? '' }], name))
        cmProcs.push({ name, p: launchControllerManager(g, binDir, { name, kubeconfig, creds: cr }) })
      }
      if (opts.withScheduler) {
        const kubeconfig = path.join(cr.dir, 'scheduler.kubeconfig')
        fs.writeFileSync(kubeconfig, kubeconfigFor([{ name, server: c.server, user: 'scheduler', token: c.tokens['system:kube-scheduler'] ?? '' }], name))
        launchScheduler(g, binDir, { name, kubeconfig })
      }
    }
    await Promise.all(
      cmProcs.map(async ({ name, p }) => {
        const c = clusters[name]
        if (c === undefined) return
        await controllerManagerReady(g, p, { name, server: c.server, token: c.token })
      }),
    )
    // Give schedulers a moment and fail now, with their log, if one died at start-up.
    if (opts.withScheduler) {
      await sleep(300)
      for (const p of g.procs) if (p.name.startsWith('kube-scheduler') && p.exited) throw g.died(p)
    }
    if (opts.withControllerManager) g.log(`controller-managers ready`)

    g.log(
      `${names.length} control plane(s) of Kubernetes ${release} ready in ${((Date.now() - tProvisioned) / 1000).toFixed(1)} s ` +
        `(kubeconfig ${kubeconfigPath})`,
    )
    return makeEnv({ release, kubectl, binDir, kubeconfigPath, dataDir, clusters, names, etcdUrl, stop: g.stop })
  } catch (e) {
    await g.stop().catch(() => undefined)
    throw e
  }
}

// ---------------------------------------------------------------------------------------
// The env object: every helper bound to a cluster by name
// ---------------------------------------------------------------------------------------

/** The user agent of the harness' own probes (not `nsoffload…`: tests pick nsoffload's requests by it). */
const PROBE_AGENT = 'e2e-harness-probe'

function makeEnv(x: {
  release: string
  kubectl: string
  binDir: string
  kubeconfigPath: string
  dataDir: string
  clusters: Record<string, ClusterInfo>
  names: string[]
  etcdUrl: string
  stop: () => Promise<void>
}): ControlPlaneEnv {
  const kubectlCacheDir = path.join(x.dataDir, 'kubectl-cache')
  const cluster = (name: string): ClusterInfo => {
    const c = x.clusters[name]
    if (c === undefined) throw new Error(`unknown cluster ${JSON.stringify(name)} (have: ${x.names.join(', ')})`)
    return c
  }
  const tokenOf = (c: ClusterInfo, user: string | undefined): string => {
    const t = c.tokens[user ?? 'admin']
    if (t === undefined) throw new Error(`unknown user ${JSON.stringify(user)} in ${c.name} (have: ${Object.keys(c.tokens).join(', ')})`)
    return t
  }
  // Unknown clusters and users throw at once, before anything is sent.
  const request = (name: string, req: ApiRequest): Promise<ApiResponse> => {
    const c = cluster(name)
    return apiRequest(c.server, tokenOf(c, req.user), req)
  }
  const api = (name: string): ClusterApi => {
    cluster(name)
    return clusterApi(name, (req) => request(name, req))
  }
  const kubectl = (name: string, args: string[], stdin?: string, opts: KubectlOptions = {}): Promise<ExecResult> => {
    const c = cluster(name)
    const target = { kubectl: x.kubectl, kubeconfigPath: x.kubeconfigPath, context: c.context, cacheDir: kubectlCacheDir }
    return runKubectl(opts.user !== undefined ? { ...target, token: tokenOf(c, opts.user) } : target, args, stdin, opts.timeoutMs ?? 60_000)
  }
  return {
    release: x.release,
    kubectlPath: x.kubectl,
    binDir: x.binDir,
    etcdUrl: x.etcdUrl,
    kubeconfigPath: x.kubeconfigPath,
    dataDir: x.dataDir,
    clusters: x.clusters,
    clusterNames: [...x.names],
    kubectl,
    request,
    auditOffset: async (name) => auditOffset(api(name), cluster(name).auditLogPath),
    auditEvents: async (name, sinceOffset) => auditEvents(api(name), cluster(name).auditLogPath, sinceOffset),
    auditWrites: async (name, sinceOffset) => auditWrites(api(name), cluster(name).auditLogPath, sinceOffset),
    createNodes: async (name, nodes) => createNodes(api(name), nodes),
    deleteNodes: async (name, names) => deleteNodes(api(name), names),
    deleteNamespace: async (name, ns, timeoutMs) => deleteNamespace(api(name), ns, timeoutMs),
    compactEtcd: async () => {
      // A continue token of each cluster from before, asked again until it is expired: then
      // the API server's watch cache has dropped the compacted history too (lists of every
      // resource are served from it).
      const probe = async (name: string): Promise<string> => {
        const r = await api(name).mustOk({ path: '/api/v1/namespaces?limit=1', userAgent: PROBE_AGENT })
        const body = r.json()
        const token = isRecord(body) && isRecord(body['metadata']) ? body['metadata']['continue'] : undefined
        if (typeof token !== 'string' || token === '') throw new Error(`${name}: no continue token for namespaces?limit=1`)
        return token
      }
      const tokens = await Promise.all(x.names.map(async (n) => [n, await probe(n)] as const))
      const revision = await compactEtcd(x.etcdUrl)
      await Promise.all(
        tokens.map(([n, token]) =>
          poll(
            `${n}: the compaction of etcd seen by the API server (410 for a continue token from before)`,
            async () =>
              (await request(n, { path: `/api/v1/namespaces?limit=1&continue=${encodeURIComponent(token)}`, userAgent: PROBE_AGENT })).status === 410
                ? true
                : undefined,
            { timeoutMs: 120_000, intervalMs: 500 },
          ),
        ),
      )
      return revision
    },
    stop: x.stop,
  }
}

// ---------------------------------------------------------------------------------------
// Shared env: venice, florence, naples — started once per test process
// ---------------------------------------------------------------------------------------

export const SHARED_CLUSTERS: readonly string[] = ['venice', 'florence', 'naples']
/**
 * Extra users of the shared env: `nsoffload` (system:masters), `nobody` (no RBAC rights),
 * `kcfg-impersonator` (no RBAC rights until a test grants some) and `kcfg-exec-1`, `kcfg-exec-2`
 * (system:masters: the tokens an exec credential plugin of the kubeconfig e2e test hands out).
 */
export const SHARED_USERS: readonly UserSpec[] = [
  { name: 'nsoffload' },
  { name: 'nobody', groups: [] },
  { name: 'kcfg-impersonator', groups: [] },
  { name: 'kcfg-exec-1' },
  { name: 'kcfg-exec-2' },
]

let shared: Promise<ControlPlaneEnv> | undefined
let sharedStopping = false
let sharedFailureReported = false

/**
 * The three clusters venice, florence and naples (with controller-manager and scheduler),
 * started on first call and stopped when the test process is about to exit. uvu loads all
 * test files into one process, so every e2e file shares them: use unique namespace/node names.
 */
export async function getSharedEnv(): Promise<ControlPlaneEnv> {
  if (shared === undefined) {
    shared = startControlPlanes({
      clusters: [...SHARED_CLUSTERS],
      withScheduler: true,
      withControllerManager: true,
      users: [...SHARED_USERS],
    })
    // The caller sees the rejection. Also: uvu 0.5.6 swallows errors thrown in `test.before`
    // hooks (the suite shows "0 / N" and the run exits 0), so a failed start-up must fail the
    // run by itself, whatever hook the test file awaited it in.
    shared.catch((e: unknown) => {
      process.on('exit', () => {
        const msg = e instanceof Error ? e.message : String(e)
        process.stderr.write(`\n[k8s-env] FAILED: the shared control planes (${SHARED_CLUSTERS.join(', ')}) did not start; exit code forced to 1.\n${msg}\n`)
        process.exitCode = 1
      })
    })
    process.on('beforeExit', () => {
      if (sharedStopping || shared === undefined) return
      sharedStopping = true
      shared.then((env) => env.stop()).catch(() => undefined)
    })
  }
  try {
    return await shared
  } catch (e) {
    // The first caller gets the full error (with the failing process' log); later ones a short one.
    if (!sharedFailureReported || e instanceof ControlPlaneUnavailableError) {
      sharedFailureReported = true
      throw e
    }
    const first = (e instanceof Error ? e.message : String(e)).split('\n')[0] ?? ''
    throw new Error(`shared control planes failed to start (full error at the first test that asked): ${first}`)
  }
}
