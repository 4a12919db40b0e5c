/**
 * The processes of the control planes: etcd, kube-apiserver, kube-controller-manager and
 * kube-scheduler, each with its flags, started on free loopback ports, waited for until ready,
 * and stopped.
 *
 * Every process is tracked by PID and killed by the group's `stop()`, by a process 'exit'
 * handler (synchronously), and — should the test process itself be killed — by a small
 * detached reaper script that waits for the test process to go away.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import * as fs from 'node:fs'
import * as net from 'node:net'
import * as os from 'node:os'
import * as path from 'node:path'
import { httpGet, isRecord } from './api.ts'
import type { ClusterCredentials } from './credentials.ts'
import { sleep } from './wait.ts'

export interface Proc {
  name: string
  pid: number
  child: ChildProcess
  logPath: string
  exited: boolean
  exitCode: number | null
  exitSignal: NodeJS.Signals | null
}

// ---------------------------------------------------------------------------------------
// Tracking and cleanup, whatever happens to the test process
// ---------------------------------------------------------------------------------------

/** Every process started by any group, for the synchronous exit handler. */
const LIVE = new Set<Proc>()
/** Data dirs to remove in the exit handler. */
const LIVE_DIRS = new Set<string>()
let handlersInstalled = false
/** A running provision.sh (its own EXIT trap removes its temp dir on SIGTERM). */
let provisioning: ChildProcess | undefined

/** provision.sh while it runs (killed by the exit handler), `undefined` once it is done. */
export function trackProvisioning(child: ChildProcess | undefined): void {
  provisioning = child
}

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

export function installExitHandlers(): void {
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
// Ports and logs
// ---------------------------------------------------------------------------------------

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

/** `n` ports free now, none of them in `avoid` (they are added to it). */
export async function freePorts(n: number, avoid: Set<number>): Promise<number[]> {
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
    return text
      .split('\n')
      .slice(-lines - 1)
      .join('\n')
  } catch (e) {
    return `(no log: ${e instanceof Error ? e.message : String(e)})`
  }
}

// ---------------------------------------------------------------------------------------
// A group: the processes of one env, in one temp data dir
// ---------------------------------------------------------------------------------------

export interface ProcessGroup {
  /** Temp dir holding etcd data, certs, tokens, audit logs and process logs (`logs/<name>.log`). */
  readonly dataDir: string
  readonly procs: readonly Proc[]
  /** Ports handed out to this group's processes so far. */
  readonly usedPorts: Set<number>
  /** `[k8s-env <seconds since t0>s] msg` on stderr. */
  log(msg: string): void
  launch(name: string, bin: string, args: string[]): Proc
  /** Wait until `check` passes, failing fast (with the log tail) if the process dies. */
  waitReady(p: Proc, what: string, check: () => Promise<boolean>): Promise<void>
  /** The error of a process that exited during start-up, with its log tail. */
  died(p: Proc): Error
  /** Whether `p` exited because its port was taken meanwhile (then start it again on another). */
  isPortClash(p: Proc): boolean
  /** Kill every process (components, then API servers, then etcd) and remove dataDir. Idempotent. */
  stop(): Promise<void>
}

/**
 * A new temp data dir (in `NSOFFLOAD_K8S_DATA_ROOT`, default the OS temp dir) with its reaper.
 * `t0`: when start-up began (for the log); `readyDeadline`: when `waitReady` gives up.
 */
export function createProcessGroup(t0: number, readyDeadline: number): ProcessGroup {
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
      `${p.name} exited during start-up (code ${p.exitCode ?? 'none'}, signal ${p.exitSignal ?? 'none'}); ` + `last lines of ${p.logPath}:\n${tail(p.logPath)}`,
    )

  const waitReady = async (p: Proc, what: string, check: () => Promise<boolean>): Promise<void> => {
    for (;;) {
      if (p.exited) throw died(p)
      try {
        if (await check()) return
      } catch {
        /* not yet */
      }
      if (Date.now() > readyDeadline) {
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

  return { dataDir, procs, usedPorts, log, launch, waitReady, died, isPortClash, stop }
}

// ---------------------------------------------------------------------------------------
// The components
// ---------------------------------------------------------------------------------------

/** One etcd for every cluster (each API server has its own prefix); returns its client URL. */
export async function startEtcd(g: ProcessGroup, etcdBin: string): Promise<string> {
  let etcdProc: Proc | undefined
  let etcdUrl = ''
  for (let attempt = 0; attempt < 3 && etcdProc === undefined; attempt++) {
    const [clientPort, peerPort] = await freePorts(2, g.usedPorts)
    etcdUrl = `http://127.0.0.1:${clientPort}`
    const peerUrl = `http://127.0.0.1:${peerPort}`
    const p = g.launch(attempt === 0 ? 'etcd' : `etcd-${attempt}`, etcdBin, [
      '--name',
      'nsoffload',
      '--data-dir',
      path.join(g.dataDir, 'etcd'),
      '--listen-client-urls',
      etcdUrl,
      '--advertise-client-urls',
      etcdUrl,
      '--listen-peer-urls',
      peerUrl,
      '--initial-advertise-peer-urls',
      peerUrl,
      '--initial-cluster',
      `nsoffload=${peerUrl}`,
      '--initial-cluster-state',
      'new',
      '--snapshot-count',
      '10000',
      '--quota-backend-bytes',
      String(2 * 1024 * 1024 * 1024),
    ])
    try {
      await g.waitReady(p, 'etcd /health', async () => {
        const r = await httpGet(`${etcdUrl}/health`)
        return r.status === 200 && /"health":\s*"true"/.test(r.body)
      })
      etcdProc = p
    } catch (e) {
      if (!g.isPortClash(p) || attempt === 2) throw e
      fs.rmSync(path.join(g.dataDir, 'etcd'), { recursive: true, force: true })
    }
  }
  g.log(`etcd ready at ${etcdUrl}`)
  return etcdUrl
}

/**
 * Compact etcd's history up to now as kube-apiserver's own compactor does every 5 minutes
 * (through etcd's JSON gateway, /v3/kv/…): the revision goes into `compact_rev_key`, which
 * every API server watches (and its watch cache drops what is older, within ~15 s), then etcd
 * compacts. Returns the revision.
 */
export async function compactEtcd(etcdUrl: string): Promise<number> {
  const post = async (p: string, body: unknown): Promise<Record<string, unknown>> => {
    const r = await fetch(`${etcdUrl}${p}`, { method: 'POST', body: JSON.stringify(body) })
    if (!r.ok) throw new Error(`etcd ${p}: ${r.status} ${await r.text()}`)
    return (await r.json()) as Record<string, unknown>
  }
  // A write of its own first: every resource version given out so far is then in the past.
  const b64 = (t: string): string => Buffer.from(t).toString('base64')
  const { revision } = (await post('/v3/kv/put', { key: b64('/nsoffload-e2e/compaction'), value: b64(String(Date.now())) }))['header'] as { revision: string }
  await post('/v3/kv/put', { key: b64('compact_rev_key'), value: b64(revision) })
  await post('/v3/kv/compaction', { revision, physical: true })
  return Number(revision)
}

/**
 * A cluster's kube-apiserver on a free port (started again on another one if it was taken
 * meanwhile), ready once /readyz answers and the `default` namespace exists. Returns its URL.
 */
export async function startApiserver(
  g: ProcessGroup,
  binDir: string,
  o: { name: string; etcdUrl: string; creds: ClusterCredentials; auditFlags: string[] },
): Promise<string> {
  const { name, creds } = o
  const token = creds.tokens['admin'] ?? ''
  for (let attempt = 0; ; attempt++) {
    const [port] = await freePorts(1, g.usedPorts)
    const p = g.launch(attempt === 0 ? `kube-apiserver-${name}` : `kube-apiserver-${name}-${attempt}`, path.join(binDir, 'kube-apiserver'), [
      `--etcd-servers=${o.etcdUrl}`,
      `--etcd-prefix=/${name}`,
      `--secure-port=${port}`,
      '--bind-address=127.0.0.1',
      `--cert-dir=${creds.certDir}`,
      `--token-auth-file=${creds.tokenFile}`,
      '--authorization-mode=RBAC',
      `--service-account-key-file=${creds.saPub}`,
      `--service-account-signing-key-file=${creds.saKey}`,
      '--service-account-issuer=https://kubernetes.default.svc',
      '--service-cluster-ip-range=10.0.0.0/24',
      '--advertise-address=10.0.0.1',
      '--endpoint-reconciler-type=none',
      ...o.auditFlags,
      '--profiling=false',
    ])
    const server = `https://127.0.0.1:${port}`
    try {
      await g.waitReady(p, `${name} /readyz`, async () => {
        const r = await httpGet(`${server}/readyz`, { Authorization: `Bearer ${token}` })
        return r.status === 200
      })
      // The bootstrap controller creates `default` shortly after readiness.
      await g.waitReady(p, `${name} namespace default`, async () => {
        const r = await httpGet(`${server}/api/v1/namespaces/default`, { Authorization: `Bearer ${token}` })
        return r.status === 200
      })
      g.log(`kube-apiserver ${name} ready at ${server}`)
      return server
    } catch (e) {
      // A port taken meanwhile: start again on another. An API server that exited on its own
      // during start-up (on a loaded machine its post-start hooks can give up on etcd and exit
      // 255) is started again, as the kubelet restarts a static-pod API server; a start-up that
      // fails three times, or times out, is an error with the log tail.
      if (!p.exited || attempt >= 2) throw e
      g.log(
        g.isPortClash(p)
          ? `kube-apiserver ${name}: port ${port} was taken meanwhile, starting it again on another`
          : `kube-apiserver ${name} exited during start-up (code ${p.exitCode ?? 'none'}, log ${p.logPath}), starting it again`,
      )
    }
  }
}

const CM_CONTROLLERS = 'namespace,deployment,replicaset,garbagecollector,serviceaccount,serviceaccount-token'

/** A cluster's kube-controller-manager (namespaces, deployments, replica sets, GC, service accounts). */
export function launchControllerManager(g: ProcessGroup, binDir: string, o: { name: string; kubeconfig: string; creds: ClusterCredentials }): Proc {
  return g.launch(`kube-controller-manager-${o.name}`, path.join(binDir, 'kube-controller-manager'), [
    `--kubeconfig=${o.kubeconfig}`,
    `--controllers=${CM_CONTROLLERS}`,
    `--service-account-private-key-file=${o.creds.saKey}`,
    `--root-ca-file=${o.creds.servingCert}`,
    '--leader-elect=false',
    '--bind-address=127.0.0.1',
    '--secure-port=0',
    '--kube-api-qps=100',
    '--kube-api-burst=200',
    '--concurrent-namespace-syncs=5',
  ])
}

/**
 * The controller-manager works once it has created the `default` ServiceAccount in `default`:
 * before that, pods cannot be created there ("serviceaccount default not found"). (Since 1.24
 * no token Secret comes with it: pods get a projected token volume instead.)
 */
export async function controllerManagerReady(g: ProcessGroup, p: Proc, o: { name: string; server: string; token: string }): Promise<void> {
  await g.waitReady(p, `${o.name} serviceaccount default/default`, async () => {
    const r = await httpGet(`${o.server}/api/v1/namespaces/default/serviceaccounts/default`, {
      Authorization: `Bearer ${o.token}`,
    })
    if (r.status !== 200) return false
    const sa = r.json()
    return isRecord(sa) && isRecord(sa['metadata'])
  })
}

/** A cluster's kube-scheduler. */
export function launchScheduler(g: ProcessGroup, binDir: string, o: { name: string; kubeconfig: string }): Proc {
  return g.launch(`kube-scheduler-${o.name}`, path.join(binDir, 'kube-scheduler'), [
    `--kubeconfig=${o.kubeconfig}`,
    '--leader-elect=false',
    '--bind-address=127.0.0.1',
    '--secure-port=0',
  ])
}
