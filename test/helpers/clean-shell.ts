import { spawnSync } from 'node:child_process'
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import { REPO } from './cli.ts'
import { tempDir } from './temp.ts'

/**
 * A copy of the checkout as `npm ci` leaves it: the files Git tracks or would track (the working
 * tree, uncommitted changes included), `node_modules` as hard links to the checkout's (npm may
 * add or remove files there without touching the checkout's), and, unless `build` is false,
 * `dist/` built by scripts/bundle.mjs (what `npm ci`'s prepare does).
 */
export function checkoutCopy(opts: { build?: boolean; nodeModules?: boolean } = {}): string {
  const dir = path.join(tempDir('nsoffload-checkout-'), 'nsoffload')
  const ls = spawnSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: REPO, encoding: 'utf8' })
  if (ls.status !== 0) throw new Error(`git ls-files: ${ls.stderr}`)
  for (const rel of ls.stdout.split('\0')) {
    if (!rel || rel === 'node_modules' || rel.startsWith('node_modules/')) continue
    const from = path.join(REPO, rel)
    if (!fs.existsSync(from)) continue // deleted in the working tree
    fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true })
    fs.copyFileSync(from, path.join(dir, rel))
    fs.chmodSync(path.join(dir, rel), fs.statSync(from).mode)
  }
  if (opts.nodeModules !== false) {
    const real = fs.realpathSync(path.join(REPO, 'node_modules'))
    const cp = spawnSync('cp', ['-al', real, path.join(dir, 'node_modules')], { encoding: 'utf8' })
    if (cp.status !== 0) fs.cpSync(real, path.join(dir, 'node_modules'), { recursive: true, verbatimSymlinks: true })
  }
  if (opts.build !== false && opts.nodeModules !== false) {
    const r = spawnSync(process.execPath, [path.join(dir, 'scripts', 'bundle.mjs')], { cwd: dir, encoding: 'utf8' })
    if (r.status !== 0) throw new Error(`bundle: ${r.stderr}`)
  }
  return dir
}

/** The user's npm cache, found before HOME is changed (the tests install from it, offline first). */
const npmCache = ((): string => {
  const r = spawnSync('npm', ['config', 'get', 'cache'], { encoding: 'utf8' })
  return r.status === 0 && r.stdout.trim() ? r.stdout.trim() : path.join(os.homedir(), '.npm')
})()
const userConfig = path.join(os.homedir(), '.npmrc')

/**
 * What a new login on this machine inherits from the system (`/etc/environment`, the proxy and
 * CA setup of a managed machine): the TLS trust (Node's extra CAs, OpenSSL's certificate file
 * and folder, npm's own CA file) and the proxies. Without them npm cannot reach the registry
 * where the machine needs them, and hangs until its time-out instead of failing.
 */
export const SYSTEM_ENV = [
  'NODE_EXTRA_CA_CERTS',
  'NODE_USE_SYSTEM_CA',
  'SSL_CERT_FILE',
  'SSL_CERT_DIR',
  'npm_config_cafile',
  'NPM_CONFIG_CAFILE',
  'npm_config_strict_ssl',
  'NPM_CONFIG_STRICT_SSL',
  'HTTPS_PROXY',
  'https_proxy',
  'HTTP_PROXY',
  'http_proxy',
  'NO_PROXY',
  'no_proxy',
] as const

export interface CleanShell {
  readonly env: Record<string, string>
  /** npm's global prefix of this shell: `npm install --global` and `npm link` write there. */
  readonly prefix: string
  readonly home: string
}

/**
 * The environment of a new login on a machine with Node.js and npm only: an empty HOME, an npm
 * global prefix of its own (its bin/ first on PATH, as after a usual Node.js install), PATH
 * holding node's folder and the system's, and neither the checkout's node_modules/.bin nor any
 * nsoffload. It keeps what the system gives every login (`SYSTEM_ENV`: CA certificates,
 * proxies). npm keeps the machine's cache and user config (registry, CA) and prefers the cache.
 */
export function cleanShell(): CleanShell {
  const root = tempDir('nsoffload-shell-')
  const home = path.join(root, 'home')
  const prefix = path.join(root, 'prefix')
  fs.mkdirSync(home)
  fs.mkdirSync(path.join(prefix, 'bin'), { recursive: true })
  const env: Record<string, string> = {
    HOME: home,
    PATH: [path.join(prefix, 'bin'), path.dirname(process.execPath), '/usr/local/bin', '/usr/bin', '/bin'].join(path.delimiter),
    LANG: 'C.UTF-8',
    TMPDIR: os.tmpdir(),
    npm_config_prefix: prefix,
    npm_config_cache: npmCache,
    npm_config_prefer_offline: 'true',
    npm_config_audit: 'false',
    npm_config_fund: 'false',
    npm_config_update_notifier: 'false',
  }
  for (const k of SYSTEM_ENV) {
    const v = process.env[k]
    if (v !== undefined && v !== '') env[k] = v
  }
  if (fs.existsSync(userConfig)) env['npm_config_userconfig'] = userConfig
  return { env, prefix, home }
}

/** True when npm's output says the registry could not be reached, or only through a TLS interception it refuses (and the cache had no copy). */
export function offline(output: string): boolean {
  return /\b(ENOTCACHED|EAI_AGAIN|ENOTFOUND|ECONNREFUSED|ECONNRESET|ETIMEDOUT|ENETUNREACH|SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_GET_ISSUER_CERT_LOCALLY)\b/.test(
    output,
  )
}
