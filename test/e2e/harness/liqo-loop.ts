/**
 * Liqo v1.2.0's own offloading controllers and webhooks next to the harness' control planes:
 * the `liqo-loop` Go program (test/oracle/cmd/liqo-loop, built and cached by
 * scripts/go-tools/build-oracle.sh), started against a ControlPlaneEnv's kubeconfig. It installs
 * Liqo's CRDs from the liqotech/liqo Go module, stands in for peering (tenant namespaces,
 * VirtualNodes and their Nodes, NamespaceMaps and their copy to the providers), runs Liqo's
 * NamespaceOffloading controller on the home cluster and Liqo's NamespaceMap controller on every
 * remote, and serves Liqo's pod and NamespaceOffloading webhooks, registered with the home API
 * server. See docs/liqo.md.
 */
import { execFile } from 'node:child_process'
import * as fs from 'node:fs'
import * as path from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { httpGet } from './api.ts'
import type { ControlPlaneEnv } from './control-plane.ts'
import { createProcessGroup, freePorts, type ProcessGroup } from './processes.ts'

const run = promisify(execFile)
const REPO = fileURLToPath(new URL('../../..', import.meta.url))
const MODULE = path.join(REPO, 'test', 'oracle')

export interface LiqoCluster {
  clusterID: string
  /** Context of the env's kubeconfig (default: the cluster ID). */
  context?: string
}

export interface LiqoRemote extends LiqoCluster {
  /** The provider's cluster labels (what its virtual node is labelled with). */
  labels?: Record<string, string>
}

export interface LiqoLoopOptions {
  home: LiqoCluster
  remotes: LiqoRemote[]
  /** Readiness deadline, ms (default 300 s: the first run builds the program). */
  startTimeoutMs?: number
}

export interface LiqoLoop {
  /** The program's log (stdout and stderr). */
  readonly logPath: string
  /** Stop it (SIGTERM: it unregisters its webhooks, then SIGKILL after 10 s). Idempotent. */
  stop(): Promise<void>
}

/** Builds liqo-loop (a no-op when cached) and returns its path. */
async function buildLiqoLoop(): Promise<string> {
  const { stdout } = await run('bash', [path.join(REPO, 'scripts', 'go-tools', 'build-oracle.sh'), 'liqo-loop'], { encoding: 'utf8', maxBuffer: 1 << 20 })
  const bin = stdout.trim().split('\n').pop() ?? ''
  if (!fs.existsSync(bin)) throw new Error(`build-oracle.sh liqo-loop printed no binary: ${JSON.stringify(stdout)}`)
  return bin
}

/** Liqo's CRD files in the Go module cache (the version test/oracle/go.mod requires). */
async function liqoCrdDir(): Promise<string> {
  const { stdout } = await run('go', ['list', '-mod=readonly', '-m', '-f', '{{.Dir}}', 'github.com/liqotech/liqo'], { cwd: MODULE, encoding: 'utf8' })
  const dir = path.join(stdout.trim(), 'deployments', 'liqo', 'charts', 'liqo-crds', 'crds')
  if (!fs.existsSync(path.join(dir, 'offloading.liqo.io_namespaceoffloadings.yaml'))) throw new Error(`no Liqo CRDs in ${dir}`)
  return dir
}

/**
 * Starts liqo-loop against `env` and resolves once its /readyz answers 200 (CRDs established,
 * peering stand-ins created, caches synced, webhooks registered). Fails at once, with its log,
 * if it exits before.
 */
export async function startLiqoLoop(env: ControlPlaneEnv, opts: LiqoLoopOptions): Promise<LiqoLoop> {
  const t0 = Date.now()
  const [bin, crdDir] = await Promise.all([buildLiqoLoop(), liqoCrdDir()])
  const g: ProcessGroup = createProcessGroup(t0, Date.now() + (opts.startTimeoutMs ?? 300_000))
  try {
    const [webhookPort, probePort] = await freePorts(2, g.usedPorts)
    const config = {
      kubeconfig: env.kubeconfigPath,
      home: { clusterID: opts.home.clusterID, context: opts.home.context ?? opts.home.clusterID },
      remotes: opts.remotes.map((r) => ({ clusterID: r.clusterID, context: r.context ?? r.clusterID, labels: r.labels ?? {} })),
      crdDir,
      certDir: path.join(g.dataDir, 'webhook-certs'),
      webhookPort,
      probePort,
      failurePolicy: 'Fail',
    }
    const configPath = path.join(g.dataDir, 'liqo-loop.json')
    fs.writeFileSync(configPath, JSON.stringify(config, null, 2))
    const p = g.launch('liqo-loop', bin, ['--config', configPath, '-v', '2'])
    await g.waitReady(p, 'liqo-loop /readyz', async () => (await httpGet(`http://127.0.0.1:${probePort}/readyz`)).status === 200)
    g.log(`liqo-loop ready in ${((Date.now() - t0) / 1000).toFixed(1)} s (log ${p.logPath})`)
    return { logPath: p.logPath, stop: g.stop }
  } catch (e) {
    await g.stop().catch(() => undefined)
    throw e
  }
}
