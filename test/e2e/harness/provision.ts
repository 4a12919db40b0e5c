/**
 * The binaries the control planes run: Kubernetes v1.20.2 built from Debian's source package by
 * scripts/k8s-env/provision.sh and cached outside the repo (see scripts/k8s-env/README.md),
 * etcd from PATH, kubectl. Whether this machine can run the e2e tests, and provisioning when
 * the binaries are missing.
 */
import { spawn } from 'node:child_process'
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import { fileURLToPath } from 'node:url'
import { KUBECTL } from './api.ts'
import { installExitHandlers, trackProvisioning } from './processes.ts'

export const K8S_VERSION = '1.20.2'

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

const HERE = path.dirname(fileURLToPath(import.meta.url))
const REPO = path.resolve(HERE, '..', '..', '..')
export const PROVISION_SCRIPT = path.join(REPO, 'scripts', 'k8s-env', 'provision.sh')
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
  process.stderr.write(`\n${line}\n!!! SKIPPING e2e suite "${suite}": ${a.reason}\n!!! These tests did NOT run. (In CI this is a failure.)\n${line}\n\n`)
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
      trackProvisioning(child)
      child.on('error', reject)
      child.on('exit', (c, sig) => {
        trackProvisioning(undefined)
        resolve(c ?? (sig ? 128 : 1))
      })
    })
    if (code === 3 && !isCI()) {
      throw new ControlPlaneUnavailableError(`${PROVISION_SCRIPT} cannot provision on this machine (exit 3, see its message above)`)
    }
    if (code === 3) {
      throw new Error(
        `${PROVISION_SCRIPT} cannot provision on this machine (exit 3: not root or no apt-get; see above). CI=${process.env['CI'] ?? ''}: this is a failure, not a skip`,
      )
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
