/**
 * Real Kubernetes control planes on loopback for end-to-end tests.
 *
 * One etcd backs one kube-apiserver per cluster (each with its own `--etcd-prefix /<name>`),
 * plus, on request, a kube-controller-manager and a kube-scheduler per cluster. Binaries are
 * Kubernetes v1.20.2 built from Debian's source package by scripts/k8s-env/provision.sh and
 * cached outside the repo (see scripts/k8s-env/README.md). No fake API server.
 *
 * Every process is started by this module, tracked by PID, and killed by `stop()`, by a
 * process 'exit' handler (synchronously), and — should the test process itself be killed — by
 * a small detached reaper script that waits for the test process to go away.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { generateKeyPairSync, randomBytes } from 'node:crypto'
import * as fs from 'node:fs'
import * as https from 'node:https'
import * as http from 'node:http'
import * as net from 'node:net'
import * as os from 'node:os'
import * as path from 'node:path'
import { fileURLToPath } from 'node:url'

// ---------------------------------------------------------------------------------------
// Public types
// ---------------------------------------------------------------------------------------

export const K8S_VERSION = '1.20.2'

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
  /** Readiness timeout for the whole start-up, ms (default 180 s, env NSOFFLOAD_K8S_START_TIMEOUT_MS). */
  startTimeoutMs?: number
}

export interface UserSpec {
  name: string
  groups?: string[]
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
}

export interface ExecResult {
  code: number
  stdout: string
  stderr: string
}

export interface KubectlOptions {
  /** Authenticate as this user (one of ClusterInfo.tokens) instead of `admin`. */
  user?: string
  /** Kill kubectl after this many ms (default 60 s). */
  timeoutMs?: number
}

export interface ApiRequest {
  method?: string
  /** Path and query, e.g. `/api/v1/namespaces/default`. */
  path: string
  /** Sent as JSON unless a string. */
  body?: unknown
  /** Default `application/json`; e.g. `application/merge-patch+json`, `application/apply-patch+yaml`. */
  contentType?: string
  /** Authenticate as this user (default `admin`). */
  user?: string
  userAgent?: string
  timeoutMs?: number
}

export interface ApiResponse {
  status: number
  body: string
  json(): unknown
}

export const WRITE_VERBS: readonly string[] = ['create', 'update', 'patch', 'delete', 'deletecollection']

/** One audit event (stage ResponseComplete/Panic), flattened. */
export interface AuditEvent {
  auditID: string
  stage: string
  verb: string
  requestURI: string
  /** `objectRef.resource` ('' for non-resource requests such as /readyz). */
  resource: string
  subresource: string
  apiGroup: string
  namespace: string
  name: string
  userAgent: string
  /** `user.username` (the authenticated user). */
  user: string
  /** HTTP status code of the response (0 when unknown). */
  code: number
  /** true when the request carried `dryRun=All`. */
  dryRun: boolean
  /** Who the request acted as when it impersonated someone (`Impersonate-*` headers). */
  impersonatedUser?: { username: string; groups: string[]; extra: Record<string, string[]> }
}

export type AuditWrite = AuditEvent

export interface NodeTaint {
  key: string
  value?: string
  effect: 'NoSchedule' | 'PreferNoSchedule' | 'NoExecute'
}

export interface NodeSpec {
  name: string
  labels?: Record<string, string>
  taints?: NodeTaint[]
  /** Defaults: cpu 8, memory 32Gi, pods 110 (allocatable = capacity). */
  capacity?: { cpu?: string; memory?: string; pods?: string }
}

export interface ControlPlaneEnv {
  kubeconfigPath: string
  /** Temp dir holding etcd data, certs, tokens, audit logs and process logs (removed by stop()). */
  dataDir: string
  clusters: Record<string, ClusterInfo>
  clusterNames: string[]
  /** Run /usr/bin/kubectl --kubeconfig <kubeconfigPath> --context <cluster> ...args. */
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
   * Compact etcd's history up to now, as kube-apiserver does every 5 minutes: continue tokens
   * and resource versions given out before are then answered 410 Expired. Returns the revision.
   */
  compactEtcd(): Promise<number>
  /** Kill every started process (SIGTERM, then SIGKILL) and remove dataDir. Idempotent. */
  stop(): Promise<void>
}

/** Thrown (outside CI only) when this machine cannot provide control planes. */
export class ControlPlaneUnavailableError extends Error {
  readonly kind = 'unavailable' as const
  readonly reason: string
  constructor(reason: string) {
    super(`real Kubernetes control planes unavailable: ${reason}`)
    this.name = 'ControlPlaneUnavailableError'
    this.reason = reason
  }
}

export type Availability = { available: true } | { available: false; reason: string }

// ---------------------------------------------------------------------------------------
// Locations
// ---------------------------------------------------------------------------------------

const HERE = path.dirname(fileURLToPath(import.meta.url))
const REPO = path.resolve(HERE, '..', '..', '..')
export const PROVISION_SCRIPT = path.join(REPO, 'scripts', 'k8s-env', 'provision.sh')
const KUBECTL = process.env['NSOFFLOAD_KUBECTL'] ?? '/usr/bin/kubectl'
const K8S_BINARIES = ['kube-apiserver', 'kube-controller-manager', 'kube-scheduler'] as const

export function k8sCacheDir(): string {
  const explicit = process.env['NSOFFLOAD_K8S_CACHE']
  if (explicit) return explicit
  const xdg = process.env['XDG_CACHE_HOME'] ?? path.join(os.homedir(), '.cache')
  return path.join(xdg, 'nsoffload', `k8s-v${K8S_VERSION}`)
}

const isCI = (): boolean => {
  const ci = process.env['CI']
  return ci !== undefined && ci !== '' && ci !== '0' && ci.toLowerCase() !== 'false'
}

function isExecutable(p: string): boolean {
  try {
    fs.accessSync(p, fs.constants.X_OK)
    return fs.statSync(p).isFile()
  } catch {
    return false
  }
}

function which(cmd: string): string | undefined {
  for (const dir of (process.env['PATH'] ?? '/usr/local/bin:/usr/bin:/bin').split(':')) {
    if (dir === '') continue
    const p = path.join(dir, cmd)
    if (isExecutable(p)) return p
  }
  for (const dir of ['/usr/bin', '/usr/sbin', '/bin', '/sbin']) {
    const p = path.join(dir, cmd)
    if (isExecutable(p)) return p
  }
  return undefined
}

function binariesPresent(): boolean {
  const dir = k8sCacheDir()
  return K8S_BINARIES.every((b) => isExecutable(path.join(dir, b))) && which('etcd') !== undefined
}

/**
 * Cheap, synchronous check whether e2e tests can run here. In CI this always says
 * "available": a machine that cannot provide control planes must fail the run, not skip.
 */
export function controlPlaneAvailability(): Availability {
  if (isCI()) return { available: true }
  if (!isExecutable(KUBECTL)) return { available: false, reason: `kubectl not found at ${KUBECTL}` }
  if (binariesPresent()) return { available: true }
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0
  if (!isRoot) {
    return {
      available: false,
      reason: `binaries missing in ${k8sCacheDir()} and not root (run: sudo bash ${path.relative(process.cwd(), PROVISION_SCRIPT)})`,
    }
  }
  if (which('apt-get') === undefined) {
    return { available: false, reason: `binaries missing in ${k8sCacheDir()} and no apt-get to provision them` }
  }
  return { available: true }
}

/**
 * For test files: returns null when the suite can run; otherwise prints a LOUD banner and
 * returns the reason (use `test.skip`). Never skips in CI.
 */
export function e2eSkipReason(suite: string): string | null {
  const a = controlPlaneAvailability()
  if (a.available) return null
  const line = '!'.repeat(100)
  process.stderr.write(
    `\n${line}\n!!! SKIPPING e2e suite "${suite}": ${a.reason}\n!!! These tests did NOT run. (In CI this is a failure.)\n${line}\n\n`,
  )
  return a.reason
}

/** Run provision.sh when the binaries are missing. Throws ControlPlaneUnavailableError (not in CI). */
export async function ensureProvisioned(): Promise<{ binDir: string; etcd: string }> {
  const binDir = k8sCacheDir()
  if (!binariesPresent()) {
    const a = controlPlaneAvailability()
    if (!a.available) throw new ControlPlaneUnavailableError(a.reason)
    process.stderr.write(`[k8s-env] provisioning Kubernetes v${K8S_VERSION} binaries into ${binDir} (several minutes, once)\n`)
    const t0 = Date.now()
    installExitHandlers()
    const code = await new Promise<number>((resolve, reject) => {
      const child = spawn('bash', [PROVISION_SCRIPT], { stdio: ['ignore', 'inherit', 'inherit'] })
      provisioning = child
      child.on('error', reject)
      child.on('exit', (c, sig) => {
        provisioning = undefined
        resolve(c ?? (sig ? 128 : 1))
      })
    })
    if (code === 3 && !isCI()) {
      throw new ControlPlaneUnavailableError(`${PROVISION_SCRIPT} cannot provision on this machine (exit 3, see its message above)`)
    }
    if (code === 3) {
      throw new Error(`${PROVISION_SCRIPT} cannot provision on this machine (exit 3: not root or no apt-get; see above). CI=${process.env['CI'] ?? ''}: this is a failure, not a skip`)
    }
    if (code !== 0) throw new Error(`${PROVISION_SCRIPT} failed with exit code ${code} (see its output above)`)
    process.stderr.write(`[k8s-env] provisioned in ${((Date.now() - t0) / 1000).toFixed(0)} s\n`)
  }
  const etcd = which('etcd')
  if (etcd === undefined || !K8S_BINARIES.every((b) => isExecutable(path.join(binDir, b)))) {
    throw new Error(`provisioning finished but binaries are still missing (etcd: ${etcd ?? 'none'}, dir: ${binDir})`)
  }
  return { binDir, etcd }
}

// ---------------------------------------------------------------------------------------
// Process tracking and cleanup
// ---------------------------------------------------------------------------------------

interface Proc {
  name: string
  pid: number
  child: ChildProcess
  logPath: string
  exited: boolean
  exitCode: number | null
  exitSignal: NodeJS.Signals | null
}

/** Every process started by any env of this module, for the synchronous exit handler. */
const LIVE = new Set<Proc>()
/** Data dirs to remove in the exit handler. */
const LIVE_DIRS = new Set<string>()
let handlersInstalled = false
/** A running provision.sh (its own EXIT trap removes its temp dir on SIGTERM). */
let provisioning: ChildProcess | undefined

function killAllSync(): void {
  if (provisioning?.pid !== undefined) {
    try {
      process.kill(provisioning.pid, 'SIGTERM')
    } catch {
      /* gone */
    }
  }
  for (const p of LIVE) {
    if (!p.exited) {
      try {
        process.kill(p.pid, 'SIGKILL')
      } catch {
        /* already gone */
      }
    }
  }
  LIVE.clear()
  if (process.env['NSOFFLOAD_K8S_KEEP'] === '1') return
  for (const d of LIVE_DIRS) {
    try {
      fs.rmSync(d, { recursive: true, force: true, maxRetries: 5, retryDelay: 50 })
    } catch {
      /* the reaper removes it once the processes are gone */
    }
  }
}

function installExitHandlers(): void {
  if (handlersInstalled) return
  handlersInstalled = true
  process.on('exit', killAllSync)
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(sig, () => {
      killAllSync()
      process.exit(128 + (os.constants.signals[sig] ?? 1))
    })
  }
}

/**
 * A detached shell that outlives a SIGKILLed test process: it waits for `ownerPid` to exit,
 * then kills the PIDs listed in `pidFile` (only if their command line mentions `dataDir`,
 * so a reused PID is never hit) and removes `dataDir`.
 */
function startReaper(dataDir: string, pidFile: string): number | undefined {
  const script = [
    'owner="$1"; pidfile="$2"; dir="$3"',
    'while kill -0 "$owner" 2>/dev/null; do sleep 1; done',
    'if [ -f "$pidfile" ]; then',
    '  for p in $(cat "$pidfile"); do',
    '    if [ -r "/proc/$p/cmdline" ] && tr "\\0" " " < "/proc/$p/cmdline" | grep -qF -- "$dir"; then kill -9 "$p" 2>/dev/null; fi',
    '  done',
    'fi',
    'sleep 1',
    '[ "${NSOFFLOAD_K8S_KEEP:-}" = 1 ] || rm -rf -- "$dir"',
  ].join('\n')
  const child = spawn('sh', ['-c', script, 'nsoffload-k8s-reaper', String(process.pid), pidFile, dataDir], {
    detached: true,
    stdio: 'ignore',
  })
  child.unref()
  return child.pid
}

// ---------------------------------------------------------------------------------------
// Small utilities
// ---------------------------------------------------------------------------------------

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms))

/** Poll `fn` until it returns a value other than undefined, or throw after `timeoutMs`. */
export async function poll<T>(
  what: string,
  fn: () => Promise<T | undefined> | T | undefined,
  opts: { timeoutMs?: number; intervalMs?: number } = {},
): Promise<T> {
  const deadline = Date.now() + (opts.timeoutMs ?? 30_000)
  const interval = opts.intervalMs ?? 250
  let lastErr: unknown
  for (;;) {
    try {
      const v = await fn()
      if (v !== undefined) return v
    } catch (e) {
      lastErr = e
    }
    if (Date.now() > deadline) {
      const tail = lastErr instanceof Error ? ` (last error: ${lastErr.message})` : ''
      throw new Error(`timed out after ${opts.timeoutMs ?? 30_000} ms waiting for ${what}${tail}`)
    }
    await sleep(interval)
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer()
    srv.unref()
    srv.on('error', reject)
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address()
      const port = typeof addr === 'object' && addr !== null ? addr.port : 0
      srv.close(() => (port > 0 ? resolve(port) : reject(new Error('could not get a free port'))))
    })
  })
}

async function freePorts(n: number, avoid: Set<number>): Promise<number[]> {
  const out: number[] = []
  while (out.length < n) {
    const p = await freePort()
    if (!avoid.has(p) && !out.includes(p)) out.push(p)
  }
  for (const p of out) avoid.add(p)
  return out
}

function tail(file: string, lines = 40): string {
  try {
    const text = fs.readFileSync(file, 'utf8')
    return text.split('\n').slice(-lines - 1).join('\n')
  } catch (e) {
    return `(no log: ${e instanceof Error ? e.message : String(e)})`
  }
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}
const str = (v: unknown): string => (typeof v === 'string' ? v : '')

function httpGet(url: string, headers: Record<string, string> = {}, timeoutMs = 5_000): Promise<ApiResponse> {
  return new Promise((resolve, reject) => {
    const u = new URL(url)
    const mod = u.protocol === 'https:' ? https : http
    const req = mod.request(
      u,
      { method: 'GET', headers, rejectUnauthorized: false, timeout: timeoutMs, agent: false },
      (res) => {
        const chunks: Buffer[] = []
        res.on('data', (c: Buffer) => chunks.push(c))
        res.on('end', () => {
          const body = Buffer.concat(chunks).toString('utf8')
          resolve({ status: res.statusCode ?? 0, body, json: () => JSON.parse(body) as unknown })
        })
        res.on('error', reject)
      },
    )
    req.on('timeout', () => req.destroy(new Error(`timeout after ${timeoutMs} ms: GET ${url}`)))
    req.on('error', reject)
    req.end()
  })
}

// ---------------------------------------------------------------------------------------
// Start-up
// ---------------------------------------------------------------------------------------

const AUDIT_POLICY = `apiVersion: audit.k8s.io/v1
kind: Policy
omitStages: ["RequestReceived"]
rules:
  - level: Metadata
`

const CM_CONTROLLERS = 'namespace,deployment,replicaset,garbagecollector,serviceaccount,serviceaccount-token'

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
  const startTimeoutMs = opts.startTimeoutMs ?? Number(process.env['NSOFFLOAD_K8S_START_TIMEOUT_MS'] ?? 180_000)
  const { binDir, etcd } = await ensureProvisioned()
  const tProvisioned = Date.now()

  installExitHandlers()
  const dataRoot = process.env['NSOFFLOAD_K8S_DATA_ROOT'] ?? os.tmpdir()
  const dataDir = fs.mkdtempSync(path.join(dataRoot, 'nsoffload-k8s-'))
  LIVE_DIRS.add(dataDir)
  const pidFile = path.join(dataDir, 'pids')
  const procs: Proc[] = []
  const reaperPid = startReaper(dataDir, pidFile)
  const usedPorts = new Set<number>()
  const log = (msg: string): void => {
    process.stderr.write(`[k8s-env ${((Date.now() - t0) / 1000).toFixed(1)}s] ${msg}\n`)
  }

  const launch = (name: string, bin: string, args: string[]): Proc => {
    const logPath = path.join(dataDir, 'logs', `${name}.log`)
    fs.mkdirSync(path.dirname(logPath), { recursive: true })
    const fd = fs.openSync(logPath, 'a')
    fs.writeSync(fd, `# ${bin} ${args.join(' ')}\n`)
    const child = spawn(bin, args, { stdio: ['ignore', fd, fd], cwd: dataDir })
    fs.closeSync(fd)
    if (child.pid === undefined) throw new Error(`could not start ${bin}`)
    const p: Proc = { name, pid: child.pid, child, logPath, exited: false, exitCode: null, exitSignal: null }
    child.on('exit', (code, signal) => {
      p.exited = true
      p.exitCode = code
      p.exitSignal = signal
      LIVE.delete(p)
    })
    child.on('error', () => {
      p.exited = true
    })
    child.unref()
    procs.push(p)
    LIVE.add(p)
    fs.appendFileSync(pidFile, `${p.pid}\n`)
    return p
  }

  const died = (p: Proc): Error =>
    new Error(
      `${p.name} exited during start-up (code ${p.exitCode ?? 'none'}, signal ${p.exitSignal ?? 'none'}); ` +
        `last lines of ${p.logPath}:\n${tail(p.logPath)}`,
    )

  /** Wait until `check` passes, failing fast (with the log tail) if the process dies. */
  const waitReady = async (p: Proc, what: string, check: () => Promise<boolean>): Promise<void> => {
    const deadline = t0 + (tProvisioned - t0) + startTimeoutMs
    for (;;) {
      if (p.exited) throw died(p)
      try {
        if (await check()) return
      } catch {
        /* not yet */
      }
      if (Date.now() > deadline) {
        throw new Error(`${p.name}: timed out waiting for ${what}; last lines of ${p.logPath}:\n${tail(p.logPath)}`)
      }
      await sleep(200)
    }
  }

  const isPortClash = (p: Proc): boolean => p.exited && /address already in use/i.test(tail(p.logPath, 200))

  const killProcs = async (list: Proc[]): Promise<void> => {
    for (const p of list) {
      if (!p.exited) {
        try {
          process.kill(p.pid, 'SIGTERM')
        } catch {
          /* gone */
        }
      }
    }
    const deadline = Date.now() + 10_000
    while (list.some((p) => !p.exited) && Date.now() < deadline) await sleep(50)
    for (const p of list) {
      if (!p.exited) {
        try {
          process.kill(p.pid, 'SIGKILL')
        } catch {
          /* gone */
        }
      }
    }
    const hardDeadline = Date.now() + 5_000
    while (list.some((p) => !p.exited) && Date.now() < hardDeadline) await sleep(50)
    for (const p of list) LIVE.delete(p)
  }

  let stopped = false
  const stop = async (): Promise<void> => {
    if (stopped) return
    stopped = true
    // components first, then API servers, then etcd
    await killProcs(procs.filter((p) => p.name.startsWith('kube-controller-manager') || p.name.startsWith('kube-scheduler')))
    await killProcs(procs.filter((p) => p.name.startsWith('kube-apiserver')))
    await killProcs(procs)
    if (reaperPid !== undefined) {
      try {
        process.kill(reaperPid, 'SIGKILL')
      } catch {
        /* gone */
      }
    }
    if (process.env['NSOFFLOAD_K8S_KEEP'] === '1') {
      process.stderr.write(`[k8s-env] NSOFFLOAD_K8S_KEEP=1: kept ${dataDir}\n`)
    } else {
      fs.rmSync(dataDir, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 })
    }
    LIVE_DIRS.delete(dataDir)
  }

  try {
    // ---- etcd -----------------------------------------------------------------------
    let etcdProc: Proc | undefined
    let etcdUrl = ''
    for (let attempt = 0; attempt < 3 && etcdProc === undefined; attempt++) {
      const [clientPort, peerPort] = await freePorts(2, usedPorts)
      etcdUrl = `http://127.0.0.1:${clientPort}`
      const peerUrl = `http://127.0.0.1:${peerPort}`
      const p = launch(attempt === 0 ? 'etcd' : `etcd-${attempt}`, etcd, [
        '--name', 'nsoffload',
        '--data-dir', path.join(dataDir, 'etcd'),
        '--listen-client-urls', etcdUrl,
        '--advertise-client-urls', etcdUrl,
        '--listen-peer-urls', peerUrl,
        '--initial-advertise-peer-urls', peerUrl,
        '--initial-cluster', `nsoffload=${peerUrl}`,
        '--initial-cluster-state', 'new',
        '--snapshot-count', '10000',
        '--quota-backend-bytes', String(2 * 1024 * 1024 * 1024),
      ])
      try {
        await waitReady(p, 'etcd /health', async () => {
          const r = await httpGet(`${etcdUrl}/health`)
          return r.status === 200 && /"health":\s*"true"/.test(r.body)
        })
        etcdProc = p
      } catch (e) {
        if (!isPortClash(p) || attempt === 2) throw e
        fs.rmSync(path.join(dataDir, 'etcd'), { recursive: true, force: true })
      }
    }
    log(`etcd ready at ${etcdUrl}`)

    // ---- per-cluster credentials, audit policy ------------------------------------------
    const auditPolicy = path.join(dataDir, 'audit-policy.yaml')
    fs.writeFileSync(auditPolicy, AUDIT_POLICY)
    const extraUsers = opts.users ?? []
    const clusters: Record<string, ClusterInfo> = {}
    const clusterDirs: Record<string, string> = {}
    for (const name of names) {
      const dir = path.join(dataDir, name)
      fs.mkdirSync(path.join(dir, 'certs'), { recursive: true })
      clusterDirs[name] = dir
      const { privateKey, publicKey } = generateKeyPairSync('rsa', {
        modulusLength: 2048,
        publicKeyEncoding: { type: 'spki', format: 'pem' },
        privateKeyEncoding: { type: 'pkcs1', format: 'pem' },
      })
      fs.writeFileSync(path.join(dir, 'sa.key'), privateKey, { mode: 0o600 })
      fs.writeFileSync(path.join(dir, 'sa.pub'), publicKey)
      const tokens: Record<string, string> = {}
      const lines: string[] = []
      const addUser = (user: string, groups: string[]): void => {
        if (/[",\n]/.test(user) || groups.some((g) => /[",\n]/.test(g))) throw new Error(`bad user spec ${user}`)
        const token = randomBytes(24).toString('hex')
        tokens[user] = token
        lines.push(groups.length > 0 ? `${token},${user},${user},"${groups.join(',')}"` : `${token},${user},${user}`)
      }
      addUser('admin', ['system:masters'])
      addUser('system:kube-controller-manager', ['system:masters'])
      addUser('system:kube-scheduler', ['system:masters'])
      for (const u of extraUsers) addUser(u.name, u.groups ?? ['system:masters'])
      fs.writeFileSync(path.join(dir, 'tokens.csv'), lines.join('\n') + '\n', { mode: 0o600 })
      clusters[name] = {
        name,
        server: '',
        token: tokens['admin'] ?? '',
        context: name,
        auditLogPath: path.join(dataDir, `${name}-audit.log`),
        tokens,
      }
    }

    // ---- API servers (in parallel) ---------------------------------------------------
    const startApiserver = async (name: string): Promise<void> => {
      const c = clusters[name]
      const dir = clusterDirs[name]
      if (c === undefined || dir === undefined) throw new Error(`unknown cluster ${name}`)
      for (let attempt = 0; ; attempt++) {
        const [port] = await freePorts(1, usedPorts)
        const p = launch(attempt === 0 ? `kube-apiserver-${name}` : `kube-apiserver-${name}-${attempt}`, path.join(binDir, 'kube-apiserver'), [
          `--etcd-servers=${etcdUrl}`,
          `--etcd-prefix=/${name}`,
          `--secure-port=${port}`,
          '--insecure-port=0',
          '--bind-address=127.0.0.1',
          `--cert-dir=${path.join(dir, 'certs')}`,
          `--token-auth-file=${path.join(dir, 'tokens.csv')}`,
          '--authorization-mode=RBAC',
          `--service-account-key-file=${path.join(dir, 'sa.pub')}`,
          `--service-account-signing-key-file=${path.join(dir, 'sa.key')}`,
          '--service-account-issuer=https://kubernetes.default.svc',
          '--service-cluster-ip-range=10.0.0.0/24',
          '--advertise-address=10.0.0.1',
          '--endpoint-reconciler-type=none',
          `--audit-policy-file=${auditPolicy}`,
          `--audit-log-path=${c.auditLogPath}`,
          '--audit-log-format=json',
          '--audit-log-mode=blocking',
          '--audit-log-maxsize=0',
          '--audit-log-maxbackup=0',
          '--audit-log-maxage=0',
          '--profiling=false',
        ])
        c.server = `https://127.0.0.1:${port}`
        try {
          await waitReady(p, `${name} /readyz`, async () => {
            const r = await httpGet(`${c.server}/readyz`, { Authorization: `Bearer ${c.token}` })
            return r.status === 200
          })
          // The bootstrap controller creates `default` shortly after readiness.
          await waitReady(p, `${name} namespace default`, async () => {
            const r = await httpGet(`${c.server}/api/v1/namespaces/default`, { Authorization: `Bearer ${c.token}` })
            return r.status === 200
          })
          log(`kube-apiserver ${name} ready at ${c.server}`)
          return
        } catch (e) {
          if (!isPortClash(p) || attempt >= 2) throw e
        }
      }
    }
    await Promise.all(names.map(startApiserver))

    // ---- kubeconfig (one context per cluster) ------------------------------------------
    const kubeconfigPath = path.join(dataDir, 'kubeconfig.yaml')
    const kubeconfigFor = (entries: Array<{ name: string; user: string; token: string }>, current: string): string =>
      JSON.stringify(
        {
          apiVersion: 'v1',
          kind: 'Config',
          preferences: {},
          clusters: entries.map((e) => ({
            name: e.name,
            cluster: { server: clusters[e.name]?.server ?? '', 'insecure-skip-tls-verify': true },
          })),
          users: entries.map((e) => ({ name: `${e.name}-${e.user}`, user: { token: e.token } })),
          contexts: entries.map((e) => ({ name: e.name, context: { cluster: e.name, user: `${e.name}-${e.user}` } })),
          'current-context': current,
        },
        null,
        2,
      ) + '\n'
    fs.writeFileSync(
      kubeconfigPath,
      kubeconfigFor(
        names.map((n) => ({ name: n, user: 'admin', token: clusters[n]?.token ?? '' })),
        names[0] ?? '',
      ),
      { mode: 0o600 },
    )

    // ---- controller-managers and schedulers -------------------------------------------
    const cmProcs: Array<{ name: string; p: Proc }> = []
    for (const name of names) {
      const c = clusters[name]
      const dir = clusterDirs[name]
      if (c === undefined || dir === undefined) continue
      if (opts.withControllerManager) {
        const kc = path.join(dir, 'controller-manager.kubeconfig')
        fs.writeFileSync(kc, kubeconfigFor([{ name, user: 'cm', token: c.tokens['system:kube-controller-manager'] ?? '' }], name))
        const p = launch(`kube-controller-manager-${name}`, path.join(binDir, 'kube-controller-manager'), [
          `--kubeconfig=${kc}`,
          `--controllers=${CM_CONTROLLERS}`,
          `--service-account-private-key-file=${path.join(dir, 'sa.key')}`,
          `--root-ca-file=${path.join(dir, 'certs', 'apiserver.crt')}`,
          '--leader-elect=false',
          '--bind-address=127.0.0.1',
          '--secure-port=0',
          '--port=0',
          '--kube-api-qps=100',
          '--kube-api-burst=200',
          '--concurrent-namespace-syncs=5',
        ])
        cmProcs.push({ name, p })
      }
      if (opts.withScheduler) {
        const kc = path.join(dir, 'scheduler.kubeconfig')
        fs.writeFileSync(kc, kubeconfigFor([{ name, user: 'scheduler', token: c.tokens['system:kube-scheduler'] ?? '' }], name))
        launch(`kube-scheduler-${name}`, path.join(binDir, 'kube-scheduler'), [
          `--kubeconfig=${kc}`,
          '--leader-elect=false',
          '--bind-address=127.0.0.1',
          '--secure-port=0',
          '--port=0',
        ])
      }
    }
    // The controller-manager works once it has created the `default` ServiceAccount (and its
    // token Secret) in `default`: before that, pods cannot be created.
    await Promise.all(
      cmProcs.map(async ({ name, p }) => {
        const c = clusters[name]
        if (c === undefined) return
        await waitReady(p, `${name} serviceaccount default/default with token`, async () => {
          const r = await httpGet(`${c.server}/api/v1/namespaces/default/serviceaccounts/default`, {
            Authorization: `Bearer ${c.token}`,
          })
          if (r.status !== 200) return false
          const sa = r.json()
          return isRecord(sa) && Array.isArray(sa['secrets']) && sa['secrets'].length > 0
        })
      }),
    )
    // Give schedulers a moment and fail now, with their log, if one died at start-up.
    if (opts.withScheduler) {
      await sleep(300)
      for (const p of procs) if (p.name.startsWith('kube-scheduler') && p.exited) throw died(p)
    }
    if (opts.withControllerManager) log(`controller-managers ready`)

    log(
      `${names.length} control plane(s) ready in ${((Date.now() - tProvisioned) / 1000).toFixed(1)} s ` +
        `(kubeconfig ${kubeconfigPath})`,
    )
    return makeEnv({ kubeconfigPath, dataDir, clusters, names, etcdUrl, stop })
  } catch (e) {
    await stop().catch(() => undefined)
    throw e
  }
}

// ---------------------------------------------------------------------------------------
// The env object: kubectl, API requests, audit, nodes
// ---------------------------------------------------------------------------------------

function makeEnv(x: {
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

  const kubectl = (name: string, args: string[], stdin?: string, opts: KubectlOptions = {}): Promise<ExecResult> => {
    const c = cluster(name)
    const full = ['--kubeconfig', x.kubeconfigPath, '--context', c.context, '--cache-dir', kubectlCacheDir]
    if (opts.user !== undefined) full.push('--token', tokenOf(c, opts.user))
    full.push(...args)
    return new Promise((resolve, reject) => {
      const child = spawn(KUBECTL, full, { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, KUBECONFIG: x.kubeconfigPath } })
      const out: Buffer[] = []
      const err: Buffer[] = []
      child.stdout.on('data', (b: Buffer) => out.push(b))
      child.stderr.on('data', (b: Buffer) => err.push(b))
      const timeoutMs = opts.timeoutMs ?? 60_000
      const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs)
      child.on('error', (e) => {
        clearTimeout(timer)
        reject(e)
      })
      child.on('close', (code, signal) => {
        clearTimeout(timer)
        const stderr = Buffer.concat(err).toString('utf8') + (signal === 'SIGKILL' ? `\n(kubectl killed after ${timeoutMs} ms)` : '')
        resolve({ code: code ?? 128, stdout: Buffer.concat(out).toString('utf8'), stderr })
      })
      child.stdin.on('error', () => undefined)
      child.stdin.end(stdin ?? '')
    })
  }

  const request = (name: string, req: ApiRequest): Promise<ApiResponse> => {
    const c = cluster(name)
    const method = req.method ?? 'GET'
    const body = req.body === undefined ? undefined : typeof req.body === 'string' ? req.body : JSON.stringify(req.body)
    const headers: Record<string, string> = {
      Authorization: `Bearer ${tokenOf(c, req.user)}`,
      Accept: 'application/json',
      'User-Agent': req.userAgent ?? 'nsoffload-e2e-harness',
    }
    if (body !== undefined) {
      headers['Content-Type'] = req.contentType ?? 'application/json'
      headers['Content-Length'] = String(Buffer.byteLength(body))
    }
    const timeoutMs = req.timeoutMs ?? 30_000
    return new Promise((resolve, reject) => {
      const r = https.request(
        new URL(req.path, c.server),
        { method, headers, rejectUnauthorized: false, timeout: timeoutMs, agent: false },
        (res) => {
          const chunks: Buffer[] = []
          res.on('data', (b: Buffer) => chunks.push(b))
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8')
            resolve({ status: res.statusCode ?? 0, body: text, json: () => JSON.parse(text) as unknown })
          })
          res.on('error', reject)
        },
      )
      r.on('timeout', () => r.destroy(new Error(`timeout after ${timeoutMs} ms: ${method} ${req.path}`)))
      r.on('error', reject)
      r.end(body)
    })
  }

  const mustOk = async (name: string, req: ApiRequest, ok: number[] = [200, 201]): Promise<ApiResponse> => {
    const r = await request(name, req)
    if (!ok.includes(r.status)) {
      throw new Error(`${name}: ${req.method ?? 'GET'} ${req.path} -> HTTP ${r.status}: ${r.body.slice(0, 500)}`)
    }
    return r
  }

  // -- audit ------------------------------------------------------------------------
  /**
   * The log backend writes an event after the response is sent, so a request can be answered
   * a moment before its event is on disk. A marker request sent now and seen in the log means
   * every earlier request's event is there too.
   */
  const auditBarrier = async (name: string): Promise<void> => {
    const c = cluster(name)
    const marker = `nsoffload-audit-barrier/${randomBytes(8).toString('hex')}`
    const from = fs.existsSync(c.auditLogPath) ? fs.statSync(c.auditLogPath).size : 0
    await request(name, { path: '/version', userAgent: marker })
    await poll(
      `audit marker in ${c.auditLogPath}`,
      () => {
        if (!fs.existsSync(c.auditLogPath)) return undefined
        const fd = fs.openSync(c.auditLogPath, 'r')
        try {
          const size = fs.fstatSync(fd).size
          const buf = Buffer.alloc(Math.max(0, size - from))
          fs.readSync(fd, buf, 0, buf.length, from)
          return buf.includes(marker) ? true : undefined
        } finally {
          fs.closeSync(fd)
        }
      },
      { timeoutMs: 10_000, intervalMs: 20 },
    )
  }

  const auditOffset = async (name: string): Promise<number> => {
    await auditBarrier(name)
    return fs.statSync(cluster(name).auditLogPath).size
  }

  const auditEvents = async (name: string, sinceOffset = 0): Promise<AuditEvent[]> => {
    await auditBarrier(name)
    const fd = fs.openSync(cluster(name).auditLogPath, 'r')
    let text: string
    try {
      const size = fs.fstatSync(fd).size
      const from = Math.min(Math.max(0, sinceOffset), size)
      const buf = Buffer.alloc(size - from)
      fs.readSync(fd, buf, 0, buf.length, from)
      text = buf.toString('utf8')
    } finally {
      fs.closeSync(fd)
    }
    const events: AuditEvent[] = []
    for (const line of text.split('\n')) {
      if (line.trim() === '') continue
      let raw: unknown
      try {
        raw = JSON.parse(line)
      } catch {
        continue // a partial line at the end
      }
      if (!isRecord(raw)) continue
      const stage = str(raw['stage'])
      if (stage !== 'ResponseComplete' && stage !== 'Panic') continue
      const ref = isRecord(raw['objectRef']) ? raw['objectRef'] : {}
      const user = isRecord(raw['user']) ? raw['user'] : {}
      const status = isRecord(raw['responseStatus']) ? raw['responseStatus'] : {}
      const imp = isRecord(raw['impersonatedUser']) ? raw['impersonatedUser'] : undefined
      const requestURI = str(raw['requestURI'])
      const userAgent = str(raw['userAgent'])
      if (userAgent.startsWith('nsoffload-audit-barrier/')) continue
      events.push({
        auditID: str(raw['auditID']),
        stage,
        verb: str(raw['verb']),
        requestURI,
        resource: str(ref['resource']),
        subresource: str(ref['subresource']),
        apiGroup: str(ref['apiGroup']),
        namespace: str(ref['namespace']),
        name: str(ref['name']),
        userAgent,
        user: str(user['username']),
        code: typeof status['code'] === 'number' ? status['code'] : 0,
        dryRun: /[?&]dryRun=All(&|$)/.test(requestURI),
        ...(imp
          ? {
              impersonatedUser: {
                username: str(imp['username']),
                groups: Array.isArray(imp['groups']) ? imp['groups'].map(String) : [],
                extra: isRecord(imp['extra']) ? Object.fromEntries(Object.entries(imp['extra']).map(([k, v]) => [k, Array.isArray(v) ? v.map(String) : []])) : {},
              },
            }
          : {}),
      })
    }
    return events
  }

  const auditWrites = async (name: string, sinceOffset = 0): Promise<AuditWrite[]> =>
    (await auditEvents(name, sinceOffset)).filter((e) => WRITE_VERBS.includes(e.verb))

  // -- nodes ----------------------------------------------------------------------------
  const createNodes = async (name: string, nodes: NodeSpec[]): Promise<void> => {
    for (const n of nodes) {
      const labels: Record<string, string> = {
        'kubernetes.io/hostname': n.name,
        'kubernetes.io/os': 'linux',
        'kubernetes.io/arch': 'amd64',
        ...(n.labels ?? {}),
      }
      const taints = (n.taints ?? []).map((t) => ({ key: t.key, ...(t.value !== undefined ? { value: t.value } : {}), effect: t.effect }))
      const nodePath = `/api/v1/nodes/${encodeURIComponent(n.name)}`
      // 1. create (or bring an existing node to the requested labels/taints)
      const created = await request(name, {
        method: 'POST',
        path: '/api/v1/nodes',
        body: { apiVersion: 'v1', kind: 'Node', metadata: { name: n.name, labels }, spec: { taints } },
      })
      if (created.status === 409) {
        const cur = (await mustOk(name, { path: nodePath })).json()
        if (!isRecord(cur) || !isRecord(cur['metadata'])) throw new Error(`${name}: unexpected node ${n.name}`)
        const spec = isRecord(cur['spec']) ? cur['spec'] : {}
        await mustOk(name, {
          method: 'PUT',
          path: nodePath,
          body: { ...cur, metadata: { ...cur['metadata'], labels }, spec: { ...spec, taints } },
        })
      } else if (created.status !== 201) {
        throw new Error(`${name}: creating node ${n.name} -> HTTP ${created.status}: ${created.body.slice(0, 500)}`)
      }
      // 2. status: capacity/allocatable and Ready=True (status subresource)
      const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z')
      const capacity = { cpu: n.capacity?.cpu ?? '8', memory: n.capacity?.memory ?? '32Gi', pods: n.capacity?.pods ?? '110' }
      await mustOk(name, {
        method: 'PATCH',
        path: `${nodePath}/status`,
        contentType: 'application/merge-patch+json',
        body: {
          status: {
            capacity,
            allocatable: capacity,
            conditions: [
              {
                type: 'Ready',
                status: 'True',
                reason: 'KubeletReady',
                message: 'nsoffload e2e: node without kubelet',
                lastHeartbeatTime: now,
                lastTransitionTime: now,
              },
            ],
          },
        },
      })
      // 3. drop the node.kubernetes.io/not-ready taint added at creation (nothing re-adds it)
      await poll(`node ${n.name} without not-ready taint`, async () => {
        const cur = (await mustOk(name, { path: nodePath })).json()
        if (!isRecord(cur)) throw new Error('bad node')
        const spec = isRecord(cur['spec']) ? cur['spec'] : {}
        const curTaints = Array.isArray(spec['taints']) ? spec['taints'] : []
        const keep = curTaints.filter((t) => !(isRecord(t) && t['key'] === 'node.kubernetes.io/not-ready'))
        if (keep.length === curTaints.length) return true
        const meta = isRecord(cur['metadata']) ? cur['metadata'] : {}
        const r = await request(name, {
          method: 'PATCH',
          path: nodePath,
          contentType: 'application/merge-patch+json',
          body: { metadata: { resourceVersion: meta['resourceVersion'] }, spec: { taints: keep } },
        })
        if (r.status === 409) return undefined // changed meanwhile: retry
        if (r.status !== 200) throw new Error(`removing not-ready taint: HTTP ${r.status}: ${r.body.slice(0, 300)}`)
        return undefined // verify on the next round
      }, { timeoutMs: 15_000, intervalMs: 50 })
    }
  }

  const deleteNodes = async (name: string, names: string[]): Promise<void> => {
    for (const n of names) {
      await mustOk(name, { method: 'DELETE', path: `/api/v1/nodes/${encodeURIComponent(n)}` }, [200, 202, 404])
    }
  }

  const deleteNamespace = async (name: string, ns: string, timeoutMs = 60_000): Promise<boolean> => {
    const nsPath = `/api/v1/namespaces/${encodeURIComponent(ns)}`
    await mustOk(name, { method: 'DELETE', path: nsPath }, [200, 202, 404, 409])
    const deadline = Date.now() + timeoutMs
    while (Date.now() < deadline) {
      // Pods bound to a node wait forever for a kubelet: remove them at once.
      const pods = await request(name, { path: `${nsPath}/pods` })
      if (pods.status === 200) {
        const list = pods.json()
        const items = isRecord(list) && Array.isArray(list['items']) ? list['items'] : []
        for (const item of items) {
          const podName = isRecord(item) && isRecord(item['metadata']) ? str(item['metadata']['name']) : ''
          if (podName === '') continue
          await request(name, {
            method: 'DELETE',
            path: `${nsPath}/pods/${encodeURIComponent(podName)}`,
            body: { kind: 'DeleteOptions', apiVersion: 'v1', gracePeriodSeconds: 0 },
          })
        }
      }
      const r = await request(name, { path: nsPath })
      if (r.status === 404) return true
      await sleep(250)
    }
    return false
  }

  /** Through etcd's JSON gateway (v3.4). */
  const compactEtcd = async (): Promise<number> => {
    const post = async (p: string, body: unknown): Promise<Record<string, unknown>> => {
      const r = await fetch(`${x.etcdUrl}${p}`, { method: 'POST', body: JSON.stringify(body) })
      if (!r.ok) throw new Error(`etcd ${p}: ${r.status} ${await r.text()}`)
      return (await r.json()) as Record<string, unknown>
    }
    // A write of its own first: every resource version given out so far is then in the past.
    const b64 = (t: string): string => Buffer.from(t).toString('base64')
    const { revision } = (await post('/v3/kv/put', { key: b64('/nsoffload-e2e/compaction'), value: b64(String(Date.now())) }))['header'] as { revision: string }
    await post('/v3/kv/compaction', { revision, physical: true })
    return Number(revision)
  }

  return {
    kubeconfigPath: x.kubeconfigPath,
    dataDir: x.dataDir,
    clusters: x.clusters,
    clusterNames: [...x.names],
    kubectl,
    request,
    auditOffset,
    auditEvents,
    auditWrites,
    createNodes,
    deleteNodes,
    deleteNamespace,
    compactEtcd,
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
        process.stderr.write(
          `\n[k8s-env] FAILED: the shared control planes (${SHARED_CLUSTERS.join(', ')}) did not start; exit code forced to 1.\n${msg}\n`,
        )
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
