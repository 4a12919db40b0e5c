import * as http from 'node:http'
import * as https from 'node:https'
import * as os from 'node:os'
import * as path from 'node:path'
import { parse } from 'yaml'
import { list, type Obj, obj } from '../util/plain-data.ts'
import {
  type AuthSource,
  CredentialError,
  EXEC_API_VERSIONS,
  type ExecClusterInfo,
  type ExecConfig,
  type ExecCredential,
  type ExecLimit,
  ExecTokenSource,
  FileTokenSource,
  type KubeFiles,
  processFiles,
  runExecPlugin,
  utf8,
} from './credentials.ts'
import type { Connection } from './kube-client.ts'
import { clientNodeConfig, clientNodeCredentials, type Credentials } from './client-node-fallback.ts'
import { KubeconfigError } from './kubeconfig-error.ts'
import { type Env, HttpTunnelAgent, HttpsTunnelAgent, proxyFor, redact } from './proxy.ts'

/**
 * Kubeconfigs as kubectl reads them (client-go's clientcmd):
 *
 * - **Which files**: `--kubeconfig FILE` (must exist), else every file of `KUBECONFIG`
 *   (`:`-separated, duplicates dropped, missing files ignored), else `~/.kube/config` (ignored
 *   when missing). Several files are merged: the first file that names a cluster, user or context
 *   wins it (entries are not merged field by field), `current-context` comes from the first file
 *   that sets one, relative paths are relative to the file that holds them.
 * - **Read here** (the fast path: importing `@kubernetes/client-node` costs some 350 ms, a third
 *   of a `sync` with nothing to do): every field kubectl gives a meaning to, except the ones
 *   listed next: server, TLS (CA, client certificate, server name, skip-verify), `proxy-url` and
 *   `HTTPS_PROXY`/`HTTP_PROXY`/`NO_PROXY` (proxy.ts), tokens, `tokenFile` (read again as client-go
 *   does), basic auth, impersonation (`as`, `as-uid`, `as-groups`, `as-user-extra`), and exec
 *   credential plugins of `client.authentication.k8s.io/v1` and `v1beta1` run without a terminal
 *   (credentials.ts: tokens fetched again when they expire and after a 401). Fields kubectl does
 *   not know are ignored, as kubectl ignores them; `extensions`, `namespace`, `disable-compression`
 *   (nsoffload never asks for compression) change nothing here.
 * - **Left to `@kubernetes/client-node`** (imported only then): a user this reader does not model
 *   completely, that is one with an `auth-provider` (oidc, gcp, azure) or an exec plugin with
 *   `interactiveMode: Always` (it wants a terminal, nsoffload has none; client-node runs it without
 *   one). Everything but the credential still follows the rules above (files, proxies, the
 *   impersonation headers client-node does not send).
 *
 * `socks5://` proxies are not supported: a clear error says so.
 */

/** The kubeconfig files to read; `explicit`: one file named by `--kubeconfig`, which must exist. */
export interface KubeconfigSource {
  readonly files: readonly string[]
  readonly explicit: boolean
}

/** `--kubeconfig`, else `KUBECONFIG` (every file), else `~/.kube/config`. */
export function kubeconfigSource(flag: string | undefined, env: Env): KubeconfigSource {
  if (flag) return { files: [flag], explicit: true }
  const fromEnv = [...new Set((env['KUBECONFIG'] ?? '').split(path.delimiter).filter((p) => p !== ''))]
  if (fromEnv.length > 0) return { files: fromEnv, explicit: false }
  return { files: [path.join(env['HOME'] ?? os.homedir(), '.kube', 'config')], explicit: false }
}

/**
 * Why a context is not there: no kubeconfig file at all (kubectl's lookup said), or the
 * contexts the files have.
 */
function missingContext(w: { cluster: string; context: string }, src: KubeconfigSource, contexts: readonly string[], files: KubeFiles): string {
  const want = `context "${w.context}" (cluster ${w.cluster})`
  if (!src.files.some((f) => files.stat(f)?.file))
    return `${want}: no kubeconfig file at ${describe(src)} (${src.explicit ? 'given with --kubeconfig' : 'KUBECONFIG, else ~/.kube/config, as kubectl reads it'}): give --kubeconfig FILE or set KUBECONFIG`
  return `${want} is not in ${describe(src)}; ${contexts.length > 0 ? `contexts there: ${contexts.join(', ')}` : 'it defines no context'}`
}

/** The files, for messages: `a` or `a:b`. */
export const describe = (s: KubeconfigSource): string => s.files.join(path.delimiter)
export const asSource = (s: string | KubeconfigSource): KubeconfigSource => (typeof s === 'string' ? { files: [s], explicit: true } : s)

export { KubeconfigError }

export interface ConnectOptions {
  /** For the proxy variables and the environment of exec plugins (default `process.env`). */
  readonly env?: Env
  /**
   * Where the kubeconfig files, and the certificates, keys and token files they name, are read:
   * the `Host` (default: the process's file system).
   */
  readonly host?: KubeFiles
  /** How long an exec plugin may run (default 30 s), never past the command's deadline. */
  readonly execLimit?: ExecLimit
}

export type Wanted = readonly { cluster: string; context: string }[]

/** Opens connections for the given contexts (see the rules above). */
export async function connect(source: string | KubeconfigSource, wanted: Wanted, options: ConnectOptions = {}): Promise<Connection[]> {
  const src = asSource(source)
  const env = options.env ?? process.env
  const files = options.host ?? processFiles()
  let kc: Kubeconfig
  try {
    kc = readKubeconfigs(src, files)
  } catch (e) {
    throw new KubeconfigError(`cannot read kubeconfig ${(e as { file?: string }).file ?? describe(src)}: ${(e as Error).message.split('\n')[0] ?? ''}`)
  }
  const resolved = wanted.map((w) => {
    const ctx = kc.contexts.get(w.context)
    if (!ctx) throw new KubeconfigError(missingContext(w, src, [...kc.contexts.keys()], files))
    const cluster = kc.clusters.get(ctx.cluster)
    if (!cluster) throw new KubeconfigError(`context "${w.context}" names no cluster`)
    return { w, cluster, user: ctx.user === undefined ? undefined : kc.users.get(ctx.user) }
  })
  // One plugin run per user, however many contexts share it.
  const plugins = new Map<string, Promise<{ first: ExecCredential; source: ExecTokenSource }>>()
  const client = resolved.some((r) => r.user !== undefined && delegated(r.user)) ? await clientNodeConfig(src, files) : undefined
  const out: Connection[] = []
  for (const { w, cluster, user } of resolved) {
    try {
      let creds: Credentials
      if (user !== undefined && delegated(user) && client)
        creds = await clientNodeCredentials(client, w.context, user, impersonationHeaders(user.impersonate), options.execLimit)
      else {
        const exec = user?.exec
        let plugin: { first: ExecCredential; source: ExecTokenSource } | undefined
        if (user !== undefined && exec !== undefined) {
          const run = (): Promise<ExecCredential> => runExecPlugin(user.name, exec, clusterInfo(cluster, exec, files), env, options.execLimit)
          let p = plugins.get(user.name)
          if (!p) {
            p = run().then((first) => ({ first, source: new ExecTokenSource(first, run) }))
            plugins.set(user.name, p)
          }
          plugin = await p
        }
        creds = credentials(cluster, user, plugin, files)
      }
      out.push(toConnection(w, creds, env))
    } catch (e) {
      // A plugin that fails, a certificate or token file that cannot be read: the user's to fix.
      if (e instanceof CredentialError || e instanceof KubeconfigError || typeof (e as NodeJS.ErrnoException).code === 'string') {
        throw new KubeconfigError(`context "${w.context}": ${(e as Error).message.split('\n')[0] ?? ''}`)
      }
      throw e
    }
  }
  return out
}

/** Users this reader does not model completely: their credentials come from `@kubernetes/client-node`. */
function delegated(user: KubeconfigUser): boolean {
  return user.authProvider !== undefined || user.execInteractiveMode === 'Always'
}

interface KubeconfigCluster {
  readonly name: string
  readonly server: string
  readonly caFile?: string
  readonly caData?: string
  readonly skipTLSVerify: boolean
  readonly tlsServerName?: string
  readonly proxyUrl?: string
  /** `extensions[client.authentication.k8s.io/exec].extension`, for exec plugins that ask for cluster info. */
  readonly execConfig?: unknown
}

interface Impersonation {
  readonly user?: string
  readonly uid?: string
  readonly groups: readonly string[]
  readonly extra: readonly (readonly [string, readonly string[]])[]
}

interface KubeconfigUser {
  readonly name: string
  readonly token?: string
  readonly tokenFile?: string
  readonly certFile?: string
  readonly certData?: string
  readonly keyFile?: string
  readonly keyData?: string
  readonly username?: string
  readonly password?: string
  readonly impersonate: Impersonation
  readonly exec?: ExecConfig
  readonly execInteractiveMode?: string
  readonly authProvider?: unknown
}

interface KubeconfigContext {
  readonly name: string
  readonly cluster: string
  readonly user?: string
}

interface Kubeconfig {
  readonly clusters: ReadonlyMap<string, KubeconfigCluster>
  readonly users: ReadonlyMap<string, KubeconfigUser>
  readonly contexts: ReadonlyMap<string, KubeconfigContext>
  readonly currentContext: string | undefined
}

/** A field as client-node tests it: present when truthy (`opt`), or when not null (`given`). */
const opt = (v: unknown): string | undefined => (v === undefined || v === null || v === '' || v === false || v === 0 ? undefined : String(v))
const given = (v: unknown): string | undefined => (v === undefined || v === null ? undefined : String(v))
const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x) => x !== null && x !== undefined).map(String) : [])

/** The files of a source, merged with kubectl's rules; missing files skipped unless explicit. */
export function readKubeconfigs(src: KubeconfigSource, files: KubeFiles = processFiles()): Kubeconfig {
  const clusters = new Map<string, KubeconfigCluster>()
  const users = new Map<string, KubeconfigUser>()
  const contexts = new Map<string, KubeconfigContext>()
  let currentContext: string | undefined
  for (const file of src.files) {
    let text: string
    try {
      text = utf8(files.readFile(file))
    } catch (e) {
      if (!src.explicit && (e as NodeJS.ErrnoException).code === 'ENOENT') continue
      throw Object.assign(e as Error, { file })
    }
    let one: Kubeconfig
    try {
      one = readKubeconfig(text, file)
    } catch (e) {
      throw Object.assign(e as Error, { file })
    }
    for (const [k, v] of one.clusters) if (!clusters.has(k)) clusters.set(k, v)
    for (const [k, v] of one.users) if (!users.has(k)) users.set(k, v)
    for (const [k, v] of one.contexts) if (!contexts.has(k)) contexts.set(k, v)
    currentContext ??= one.currentContext
  }
  return { clusters, users, contexts, currentContext }
}

/**
 * One kubeconfig file, with `@kubernetes/client-node`'s required fields and messages
 * (config_types.ts) and kubectl's path rules: file paths (certificates, keys, `tokenFile`, an
 * exec command with a `/`) relative to the file's folder. Within a file, the first entry of a
 * name is the one used.
 */
function readKubeconfig(text: string, file: string): Kubeconfig {
  const doc = obj(parse(text))
  const dir = path.dirname(file)
  const abs = (p: string | undefined): string | undefined => (p === undefined || path.isAbsolute(p) ? p : path.join(dir, p))
  const clusters = new Map<string, KubeconfigCluster>()
  list(doc['clusters'])
    .map(obj)
    .forEach((e, i) => {
      const c = e['cluster'] === undefined || e['cluster'] === null ? undefined : obj(e['cluster'])
      if (!e['name']) throw new Error(`clusters[${i}].name is missing`)
      if (!c) throw new Error(`clusters[${i}].cluster is missing`)
      if (!c['server']) throw new Error(`clusters[${i}].cluster.server is missing`)
      const caFile = abs(opt(c['certificate-authority']))
      const caData = opt(c['certificate-authority-data'])
      const tlsServerName = opt(c['tls-server-name'])
      const proxyUrl = opt(c['proxy-url'])
      const execExt = list(c['extensions'])
        .map(obj)
        .find((x) => x['name'] === 'client.authentication.k8s.io/exec')?.['extension']
      const name = String(e['name'])
      if (clusters.has(name)) return
      clusters.set(name, {
        name,
        server: String(c['server']).replace(/\/$/, ''),
        ...(caFile !== undefined ? { caFile } : {}),
        ...(caData !== undefined ? { caData } : {}),
        skipTLSVerify: c['insecure-skip-tls-verify'] === true,
        ...(tlsServerName !== undefined ? { tlsServerName } : {}),
        ...(proxyUrl !== undefined ? { proxyUrl } : {}),
        ...(execExt !== undefined ? { execConfig: execExt } : {}),
      })
    })
  const users = new Map<string, KubeconfigUser>()
  list(doc['users'])
    .map(obj)
    .forEach((e, i) => {
      if (!e['name']) throw new Error(`users[${i}].name is missing`)
      const name = String(e['name'])
      const u = obj(e['user'])
      const uid = opt(u['as-uid'])
      const impersonate: Impersonation = {
        ...(given(u['as']) !== undefined ? { user: String(u['as']) } : {}),
        ...(uid !== undefined ? { uid } : {}),
        groups: strings(u['as-groups']),
        extra: Object.entries(obj(u['as-user-extra'])).map(([k, v]) => [k, strings(v)] as const),
      }
      const rawExec = u['exec'] === undefined || u['exec'] === null ? undefined : obj(u['exec'])
      const exec = rawExec ? readExec(rawExec, i, dir) : undefined
      const fields = {
        token: opt(u['token']),
        tokenFile: abs(opt(u['tokenFile']) ?? opt(u['token-file'])),
        certFile: abs(opt(u['client-certificate'])),
        certData: opt(u['client-certificate-data']),
        keyFile: abs(opt(u['client-key'])),
        keyData: opt(u['client-key-data']),
        username: opt(u['username']),
        password: given(u['password']),
        exec: exec?.config,
        execInteractiveMode: exec?.interactiveMode,
        authProvider: u['auth-provider'] ?? undefined,
      }
      if (users.has(name)) return
      users.set(name, { name, impersonate, ...Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined)) })
    })
  const contexts = new Map<string, KubeconfigContext>()
  list(doc['contexts'])
    .map(obj)
    .forEach((e, i) => {
      const c = e['context'] === undefined || e['context'] === null ? undefined : obj(e['context'])
      if (!e['name']) throw new Error(`contexts[${i}].name is missing`)
      if (!c) throw new Error(`contexts[${i}].context is missing`)
      if (!c['cluster']) throw new Error(`contexts[${i}].context.cluster is missing`)
      const user = opt(c['user'])
      const name = String(e['name'])
      if (!contexts.has(name)) contexts.set(name, { name, cluster: String(c['cluster']), ...(user !== undefined ? { user } : {}) })
    })
  return { clusters, users, contexts, currentContext: opt(doc['current-context']) }
}

/** client-go's checks of an `exec` entry. */
function readExec(x: Obj, i: number, dir: string): { config: ExecConfig; interactiveMode: string } {
  const where = `users[${i}].user.exec`
  const apiVersion = opt(x['apiVersion'])
  if (apiVersion === undefined || !EXEC_API_VERSIONS.includes(apiVersion)) {
    throw new Error(`${where}.apiVersion ${JSON.stringify(apiVersion ?? '')} is not supported (${EXEC_API_VERSIONS.join(', ')})`)
  }
  const command = opt(x['command'])
  if (command === undefined) throw new Error(`${where}.command is missing`)
  const interactiveMode = opt(x['interactiveMode']) ?? (apiVersion.endsWith('/v1') ? undefined : 'IfAvailable')
  if (interactiveMode === undefined) throw new Error(`${where}.interactiveMode is required with ${apiVersion}`)
  if (!['Never', 'IfAvailable', 'Always'].includes(interactiveMode))
    throw new Error(`${where}.interactiveMode "${interactiveMode}" is not Never, IfAvailable or Always`)
  const installHint = opt(x['installHint'])
  return {
    interactiveMode,
    config: {
      apiVersion,
      // kubectl: a command with a path separator is relative to the kubeconfig's folder; a bare name is looked up in PATH.
      command: command.includes('/') && !path.isAbsolute(command) ? path.join(dir, command) : command,
      args: strings(x['args']),
      env: list(x['env'])
        .map(obj)
        .map((e) => ({ name: String(e['name'] ?? ''), value: String(e['value'] ?? '') })),
      provideClusterInfo: x['provideClusterInfo'] === true,
      installHint,
    },
  }
}

function clusterInfo(cluster: KubeconfigCluster, exec: ExecConfig, files: KubeFiles): ExecClusterInfo | undefined {
  if (!exec.provideClusterInfo) return undefined
  const ca = cluster.caFile !== undefined ? asBuffer(files.readFile(cluster.caFile)).toString('base64') : cluster.caData
  return {
    server: cluster.server,
    ...(cluster.tlsServerName !== undefined ? { 'tls-server-name': cluster.tlsServerName } : {}),
    ...(cluster.skipTLSVerify ? { 'insecure-skip-tls-verify': true } : {}),
    ...(ca !== undefined ? { 'certificate-authority-data': ca } : {}),
    ...(cluster.proxyUrl !== undefined ? { 'proxy-url': cluster.proxyUrl } : {}),
    ...(cluster.execConfig !== undefined ? { config: cluster.execConfig } : {}),
  }
}

const asBuffer = (b: Uint8Array): Buffer => (Buffer.isBuffer(b) ? b : Buffer.from(b.buffer, b.byteOffset, b.byteLength))

/** The impersonation headers kubectl sends (client-go's round_trippers.go). */
export function impersonationHeaders(i: Impersonation): Record<string, string | string[]> {
  const h: Record<string, string | string[]> = {}
  if (i.user !== undefined) h['Impersonate-User'] = i.user
  if (i.uid !== undefined) h['Impersonate-Uid'] = i.uid
  if (i.groups.length > 0) h['Impersonate-Group'] = [...i.groups]
  for (const [k, v] of i.extra) if (v.length > 0) h[`Impersonate-Extra-${headerKeyEscape(k)}`] = [...v]
  return h
}

/** client-go's `headerKeyEscape`: bytes that are not HTTP token characters, and `%`, percent-encoded. */
function headerKeyEscape(key: string): string {
  let out = ''
  for (const b of Buffer.from(key, 'utf8')) {
    const c = String.fromCharCode(b)
    out += /^[A-Za-z0-9!#$&'*+\-.^_`|~]$/.test(c) ? c : `%${b.toString(16).toUpperCase().padStart(2, '0')}`
  }
  return out
}

/** `KubeConfig.applyToHTTPSOptions`, plus kubectl's impersonation, token files and exec plugins. */
function credentials(
  cluster: KubeconfigCluster,
  user: KubeconfigUser | undefined,
  plugin: { first: ExecCredential; source: ExecTokenSource } | undefined,
  files: KubeFiles,
): Credentials {
  const bytes = (f: string | undefined, data: string | undefined): Buffer | undefined =>
    f ? asBuffer(files.readFile(f)) : data ? Buffer.from(data, 'base64') : undefined
  // No TLS material without a user, as in client-node.
  const ca = user ? bytes(cluster.caFile, cluster.caData) : undefined
  // An exec plugin's certificate is used when the user has none (client-go); from its first run.
  const first = plugin?.first
  const cert = user
    ? (bytes(user.certFile, user.certData) ?? (first?.clientCertificateData !== undefined ? Buffer.from(first.clientCertificateData) : undefined))
    : undefined
  const key = user ? (bytes(user.keyFile, user.keyData) ?? (first?.clientKeyData !== undefined ? Buffer.from(first.clientKeyData) : undefined)) : undefined
  const headers = user ? impersonationHeaders(user.impersonate) : {}
  let auth: AuthSource | undefined
  if (plugin && first?.token !== undefined) auth = plugin.source
  else if (user?.tokenFile !== undefined) auth = new FileTokenSource(user.tokenFile, Date.now, files)
  else if (user?.token !== undefined) headers['Authorization'] = `Bearer ${user.token}`
  if (user?.username !== undefined) {
    headers['Authorization'] = `Basic ${Buffer.from(`${user.username}:${String(user.password)}`).toString('base64')}`
    auth = undefined
  }
  return {
    server: cluster.server,
    headers,
    auth,
    ca,
    cert,
    key,
    skipTLSVerify: cluster.skipTLSVerify,
    tlsServerName: cluster.tlsServerName,
    proxyUrl: cluster.proxyUrl,
  }
}

/** The connection of a context, from its credentials (whoever read them) and the proxy rules. */
export function toConnection(w: { cluster: string; context: string }, c: Credentials, env: Env): Connection {
  const tlsOptions = {
    ...(c.ca !== undefined ? { ca: c.ca } : {}),
    ...(c.cert !== undefined ? { cert: c.cert } : {}),
    ...(c.key !== undefined ? { key: c.key } : {}),
    ...(c.skipTLSVerify ? { rejectUnauthorized: false } : {}),
    ...(c.tlsServerName ? { servername: c.tlsServerName } : {}),
  }
  const server = new URL(c.server)
  const proxy = proxyFor(server, c.proxyUrl, env)
  if (proxy && proxy.protocol !== 'http:' && proxy.protocol !== 'https:') {
    throw new KubeconfigError(
      `proxy ${redact(proxy.href)} is not supported (nsoffload speaks to HTTP and HTTPS proxies with CONNECT; ${proxy.protocol.replace(/:$/, '')} is not one)`,
    )
  }
  const agentOptions = { keepAlive: true, maxSockets: 16 }
  // A plain-HTTP server (`kubectl proxy`) has no TLS to set up. Through a proxy, every connection
  // is a CONNECT tunnel made by the agent.
  const agent = proxy
    ? server.protocol === 'http:'
      ? new HttpTunnelAgent(proxy, agentOptions)
      : new HttpsTunnelAgent(proxy, { ...agentOptions, ...tlsOptions })
    : server.protocol === 'http:'
      ? new http.Agent(agentOptions)
      : new https.Agent({ ...agentOptions, ...tlsOptions })
  return {
    cluster: w.cluster,
    context: w.context,
    server,
    headers: c.headers,
    ...(c.auth !== undefined ? { auth: c.auth } : {}),
    agent,
  }
}
