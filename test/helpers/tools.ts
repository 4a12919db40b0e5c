/**
 * The programs the tests run, and which Kubernetes release the e2e suites are on.
 *
 * scripts/k8s-env/ builds kube-apiserver, kube-controller-manager, kube-scheduler and kubectl
 * of each supported release, etcd and a standalone kustomize from wrapper Go modules
 * (scripts/k8s-env/modules/<component>/) and caches them in
 * `${XDG_CACHE_HOME:-~/.cache}/nsoffload/<name>-v<version>-<key>`; this module computes the
 * same paths as scripts/k8s-env/lib.sh. Each function honours its env override first, then
 * the built program (kubectl of the release under test), then the machine's (PATH).
 */
import { createHash } from 'node:crypto'
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import { fileURLToPath } from 'node:url'

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..')
const MODULES = path.join(REPO, 'scripts', 'k8s-env', 'modules')

/** The releases the e2e suites run on (`npm test` runs them on each), oldest first: one per scripts/k8s-env/modules/k8s-<release>/. */
export const K8S_RELEASES: readonly string[] = fs
  .readdirSync(MODULES)
  .filter((d) => /^k8s-1\.\d+$/.test(d))
  .map((d) => d.slice('k8s-'.length))
  .sort((a, b) => Number(a.split('.')[1]) - Number(b.split('.')[1]))

/** The release under test: `NSOFFLOAD_K8S_RELEASE` (one of K8S_RELEASES), default the oldest. */
export function k8sRelease(): string {
  const r = process.env['NSOFFLOAD_K8S_RELEASE'] ?? K8S_RELEASES[0] ?? ''
  if (!K8S_RELEASES.includes(r)) throw new Error(`NSOFFLOAD_K8S_RELEASE=${r}: not a release the tests build (have: ${K8S_RELEASES.join(', ')})`)
  return r
}

/** What a component's go.mod requires of its main module: `1.35.4`, `3.6.16`, `5.8.2`. */
const MAIN_MODULE: Record<string, string> = { etcd: 'go.etcd.io/etcd/server/v3', kustomize: 'sigs.k8s.io/kustomize/kustomize/v5' }

function componentVersion(component: string): string {
  const mod = component.startsWith('k8s-') ? 'k8s.io/kubernetes' : MAIN_MODULE[component]
  if (mod === undefined) throw new Error(`unknown component ${component}`)
  const goMod = fs.readFileSync(path.join(MODULES, component, 'go.mod'), 'utf8')
  const escaped = mod.replace(/[.]/g, '\\.')
  const m = new RegExp(`^\\s*(?:require\\s+)?${escaped}\\s+v(\\S+)`, 'm').exec(goMod)
  if (m?.[1] === undefined) throw new Error(`no version of ${mod} in ${path.join(MODULES, component, 'go.mod')}`)
  return m[1]
}

/** The cache key of lib.sh: SHA-256 of the module's go.mod, go.sum, *.go ("<name>\0<content>\0", names in byte order). */
function componentKey(component: string): string {
  const dir = path.join(MODULES, component)
  const files = fs
    .readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isFile() && (e.name === 'go.mod' || e.name === 'go.sum' || e.name.endsWith('.go')))
    .map((e) => e.name)
    .sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)))
  const h = createHash('sha256')
  for (const f of files) {
    h.update(`${f}\0`)
    h.update(fs.readFileSync(path.join(dir, f)))
    h.update('\0')
  }
  return h.digest('hex').slice(0, 12)
}

/** `k8s-1.35`, `etcd`, `kustomize`: where scripts/k8s-env/build.sh puts the component's binaries. */
export function componentCacheDir(component: string): string {
  const root = path.join(process.env['XDG_CACHE_HOME'] || path.join(os.homedir(), '.cache'), 'nsoffload')
  const name = component.startsWith('k8s-') ? 'k8s' : component
  return path.join(root, `${name}-v${componentVersion(component)}-${componentKey(component)}`)
}

function isExecutable(p: string): boolean {
  try {
    fs.accessSync(p, fs.constants.X_OK)
    return fs.statSync(p).isFile()
  } catch {
    return false
  }
}

/** The first `cmd` on PATH (then the usual system dirs), or undefined. */
export function which(cmd: string): string | undefined {
  const dirs = [...(process.env['PATH'] ?? '').split(path.delimiter), '/usr/local/bin', '/usr/bin', '/bin', '/usr/sbin', '/sbin']
  for (const dir of dirs) {
    if (dir === '') continue
    const p = path.join(dir, cmd)
    if (isExecutable(p)) return p
  }
  return undefined
}

/** Where the release's kube-apiserver, kube-controller-manager, kube-scheduler and kubectl are: `NSOFFLOAD_K8S_CACHE`, else the build's cache dir. */
export function k8sBinDir(): string {
  return process.env['NSOFFLOAD_K8S_CACHE'] || componentCacheDir(`k8s-${k8sRelease()}`)
}

const built = (dir: string, bin: string): string | undefined => (isExecutable(path.join(dir, bin)) ? path.join(dir, bin) : undefined)

/**
 * kubectl: `NSOFFLOAD_KUBECTL`, else the built one of the release under test (same release as
 * the control planes), else the machine's; undefined when there is none.
 */
export function kubectlPath(): string | undefined {
  return process.env['NSOFFLOAD_KUBECTL'] || built(k8sBinDir(), 'kubectl') || which('kubectl')
}

/** The standalone kustomize: `NSOFFLOAD_KUSTOMIZE`, else the built one, else the machine's; undefined when there is none. */
export function kustomizePath(): string | undefined {
  return process.env['NSOFFLOAD_KUSTOMIZE'] || built(componentCacheDir('kustomize'), 'kustomize') || which('kustomize')
}

/** etcd: `NSOFFLOAD_ETCD`, else the built one (the machine's Debian etcd is not used); undefined when not built yet. */
export function etcdPath(): string | undefined {
  return process.env['NSOFFLOAD_ETCD'] || built(componentCacheDir('etcd'), 'etcd')
}
