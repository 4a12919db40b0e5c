/**
 * The binaries the control planes run: kube-apiserver, kube-controller-manager, kube-scheduler
 * and kubectl of the release under test (`NSOFFLOAD_K8S_RELEASE`, 1.35 or 1.37) and etcd, built
 * from Go modules by scripts/k8s-env/provision.sh and cached outside the repo (see
 * scripts/k8s-env/README.md; paths in test/helpers/tools.ts). Whether this machine can run the
 * e2e tests, and provisioning when the binaries are missing.
 */
import { spawn } from 'node:child_process'
import * as fs from 'node:fs'
import * as path from 'node:path'
import { fileURLToPath } from 'node:url'
import { etcdPath, k8sBinDir, k8sRelease, kubectlPath, which } from '../../helpers/tools.ts'
import { installExitHandlers, trackProvisioning } from './processes.ts'

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

/** What is missing for the release under test ([] when nothing). */
function missingBinaries(): string[] {
  const dir = k8sBinDir()
  const missing: string[] = K8S_BINARIES.filter((b) => !isExecutable(path.join(dir, b))).map((b) => path.join(dir, b))
  if (kubectlPath() === undefined) missing.push('kubectl')
  if (etcdPath() === undefined) missing.push('etcd')
  return missing
}

/**
 * Cheap, synchronous check whether e2e tests can run here. In CI this always says
 * "available": a machine that cannot provide control planes must fail the run, not skip.
 */
export function controlPlaneAvailability(): Availability {
  if (isCI()) return { available: true }
  const missing = missingBinaries()
  if (missing.length === 0) return { available: true }
  if (which('go') === undefined) {
    return { available: false, reason: `missing ${missing.join(', ')} and no \`go\` to build them (${path.relative(process.cwd(), PROVISION_SCRIPT)})` }
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

/** The components provision.sh builds for the release under test. */
const components = (): string[] => [`k8s-${k8sRelease()}`, 'etcd']

/**
 * Run provision.sh (the release under test and etcd) when binaries are missing. Throws
 * ControlPlaneUnavailableError (not in CI).
 */
export async function ensureProvisioned(): Promise<{ binDir: string; etcd: string; kubectl: string; release: string }> {
  const release = k8sRelease()
  if (missingBinaries().length > 0) {
    const a = controlPlaneAvailability()
    if (!a.available) throw new ControlPlaneUnavailableError(a.reason)
    if (process.env['NSOFFLOAD_K8S_CACHE']) {
      throw new Error(
        `NSOFFLOAD_K8S_CACHE=${process.env['NSOFFLOAD_K8S_CACHE']} lacks ${missingBinaries().join(', ')} (nothing is built into a dir of your choice)`,
      )
    }
    process.stderr.write(`[k8s-env] building Kubernetes ${release} and etcd into ${k8sBinDir()} and beside it (10-20 min, once)\n`)
    const t0 = Date.now()
    installExitHandlers()
    const code = await new Promise<number>((resolve, reject) => {
      const child = spawn('bash', [PROVISION_SCRIPT, ...components()], { stdio: ['ignore', 'inherit', 'inherit'] })
      trackProvisioning(child)
      child.on('error', reject)
      child.on('exit', (c, sig) => {
        trackProvisioning(undefined)
        resolve(c ?? (sig ? 128 : 1))
      })
    })
    if (code === 3 && !isCI()) {
      throw new ControlPlaneUnavailableError(`${PROVISION_SCRIPT} cannot build here (exit 3, see its message above)`)
    }
    if (code === 3) {
      throw new Error(`${PROVISION_SCRIPT} cannot build here (exit 3: no go; see above). CI=${process.env['CI'] ?? ''}: this is a failure, not a skip`)
    }
    if (code !== 0) throw new Error(`${PROVISION_SCRIPT} failed with exit code ${code} (see its output above)`)
    process.stderr.write(`[k8s-env] built in ${((Date.now() - t0) / 1000).toFixed(0)} s\n`)
  }
  const etcd = etcdPath()
  const kubectl = kubectlPath()
  const missing = missingBinaries()
  if (etcd === undefined || kubectl === undefined || missing.length > 0) {
    throw new Error(`provisioning finished but binaries are still missing: ${missing.join(', ')}`)
  }
  return { binDir: k8sBinDir(), etcd, kubectl, release }
}
