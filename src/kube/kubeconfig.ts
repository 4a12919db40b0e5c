import * as fs from 'node:fs'
import * as http from 'node:http'
import * as https from 'node:https'
import * as os from 'node:os'
import * as path from 'node:path'
import { parse } from 'yaml'
import type { Connection } from './kube-client.ts'

/** Where the kubeconfig is: `--kubeconfig`, else `KUBECONFIG` (first entry), else `~/.kube/config`. */
export function kubeconfigPath(flag: string | undefined, env: Readonly<Record<string, string | undefined>>): string {
  if (flag) return flag
  const fromEnv = env['KUBECONFIG']?.split(path.delimiter).find((p) => p !== '')
  return fromEnv ?? path.join(env['HOME'] ?? os.homedir(), '.kube', 'config')
}

export class KubeconfigError extends Error {}

/** What a connection is made of, whoever read the kubeconfig. */
interface Credentials {
  readonly server: string
  readonly headers: Record<string, string>
  readonly ca: Buffer | undefined
  readonly cert: Buffer | undefined
  readonly key: Buffer | undefined
  readonly skipTLSVerify: boolean
  readonly tlsServerName: string | undefined
}

/**
 * Opens connections for the given contexts. A kubeconfig of static credentials (tokens,
 * client certificates, basic auth: what most CI and kind clusters use) is read here, with
 * `@kubernetes/client-node`'s semantics; credential plugins (`exec`, `auth-provider`) are left
 * to `@kubernetes/client-node`, imported only then: importing it costs some 350 ms, a third of
 * a `sync` with nothing to do.
 */
export async function connect(file: string, wanted: readonly { cluster: string; context: string }[]): Promise<Connection[]> {
  let kc: Kubeconfig
  try {
    kc = readKubeconfig(file)
  } catch (e) {
    throw new KubeconfigError(`cannot read kubeconfig ${file}: ${(e as Error).message.split('\n')[0] ?? ''}`)
  }
  const resolved = wanted.map((w) => {
    const ctx = kc.contexts.find((c) => c.name === w.context)
    if (!ctx) {
      throw new KubeconfigError(`context "${w.context}" (cluster ${w.cluster}) is not in ${file}; contexts there: ${kc.contexts.map((c) => c.name).join(', ') || 'none'}`)
    }
    const cluster = kc.clusters.find((c) => c.name === ctx.cluster)
    if (!cluster) throw new KubeconfigError(`context "${w.context}" names no cluster`)
    return { w, cluster, user: ctx.user === undefined ? undefined : kc.users.find((u) => u.name === ctx.user) }
  })
  if (resolved.some((r) => r.user?.exec || r.user?.authProvider)) return connectWithClient(file, wanted)
  return resolved.map(({ w, cluster, user }) => toConnection(w, credentials(cluster, user)))
}

interface KubeconfigCluster {
  readonly name: string
  readonly server: string
  readonly caFile?: string
  readonly caData?: string
  readonly skipTLSVerify: boolean
  readonly tlsServerName?: string
}

interface KubeconfigUser {
  readonly name: string
  readonly token?: string
  readonly certFile?: string
  readonly certData?: string
  readonly keyFile?: string
  readonly keyData?: string
  readonly username?: string
  readonly password?: string
  readonly impersonate?: string
  readonly exec?: unknown
  readonly authProvider?: unknown
}

interface Kubeconfig {
  readonly clusters: readonly KubeconfigCluster[]
  readonly users: readonly KubeconfigUser[]
  readonly contexts: readonly { readonly name: string; readonly cluster: string; readonly user?: string }[]
}

type Obj = Record<string, unknown>
const obj = (v: unknown): Obj => (typeof v === 'object' && v !== null ? (v as Obj) : {})
const list = (v: unknown): Obj[] => (Array.isArray(v) ? v.map(obj) : [])
/** A field as client-node tests it: present when truthy (`opt`), or when not null (`given`). */
const opt = (v: unknown): string | undefined => (v === undefined || v === null || v === '' || v === false || v === 0 ? undefined : String(v))
const given = (v: unknown): string | undefined => (v === undefined || v === null ? undefined : String(v))

/**
 * Reads a kubeconfig as `@kubernetes/client-node`'s `KubeConfig.loadFromFile` does (config_types.ts):
 * the same required fields and messages, file paths relative to the kubeconfig's folder,
 * `token-file` read at once (relative to the working directory, as there).
 */
function readKubeconfig(file: string): Kubeconfig {
  const doc = obj(parse(fs.readFileSync(file, 'utf8')))
  const dir = path.dirname(file)
  const abs = (p: string | undefined): string | undefined => (p === undefined || path.isAbsolute(p) ? p : path.join(dir, p))
  const clusters = list(doc['clusters']).map((e, i): KubeconfigCluster => {
    const c = e['cluster'] === undefined || e['cluster'] === null ? undefined : obj(e['cluster'])
    if (!e['name']) throw new Error(`clusters[${i}].name is missing`)
    if (!c) throw new Error(`clusters[${i}].cluster is missing`)
    if (!c['server']) throw new Error(`clusters[${i}].cluster.server is missing`)
    const caFile = abs(opt(c['certificate-authority']))
    const caData = opt(c['certificate-authority-data'])
    const tlsServerName = opt(c['tls-server-name'])
    return {
      name: String(e['name']),
      server: String(c['server']).replace(/\/$/, ''),
      ...(caFile !== undefined ? { caFile } : {}),
      ...(caData !== undefined ? { caData } : {}),
      skipTLSVerify: c['insecure-skip-tls-verify'] === true,
      ...(tlsServerName !== undefined ? { tlsServerName } : {}),
    }
  })
  const users = list(doc['users']).map((e, i): KubeconfigUser => {
    if (!e['name']) throw new Error(`users[${i}].name is missing`)
    const u = obj(e['user'])
    const tokenFile = opt(u['token-file'])
    const fields = {
      token: opt(u['token']) ?? (tokenFile !== undefined ? fs.readFileSync(tokenFile).toString() : undefined),
      certFile: abs(opt(u['client-certificate'])),
      certData: opt(u['client-certificate-data']),
      keyFile: abs(opt(u['client-key'])),
      keyData: opt(u['client-key-data']),
      username: opt(u['username']),
      password: given(u['password']),
      impersonate: given(u['as']),
      exec: u['exec'] ?? undefined,
      authProvider: u['auth-provider'] ?? undefined,
    }
    return { name: String(e['name']), ...Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined)) }
  })
  const contexts = list(doc['contexts']).map((e, i) => {
    const c = e['context'] === undefined || e['context'] === null ? undefined : obj(e['context'])
    if (!e['name']) throw new Error(`contexts[${i}].name is missing`)
    if (!c) throw new Error(`contexts[${i}].context is missing`)
    if (!c['cluster']) throw new Error(`contexts[${i}].context.cluster is missing`)
    const user = opt(c['user'])
    return { name: String(e['name']), cluster: String(c['cluster']), ...(user !== undefined ? { user } : {}) }
  })
  return { clusters, users, contexts }
}

/** `KubeConfig.applyToHTTPSOptions` for static credentials (no TLS material without a user, as there). */
function credentials(cluster: KubeconfigCluster, user: KubeconfigUser | undefined): Credentials {
  const headers: Record<string, string> = {}
  const bytes = (f: string | undefined, data: string | undefined): Buffer | undefined => (f ? fs.readFileSync(f) : data ? Buffer.from(data, 'base64') : undefined)
  const ca = user ? bytes(cluster.caFile, cluster.caData) : undefined
  const cert = user ? bytes(user.certFile, user.certData) : undefined
  const key = user ? bytes(user.keyFile, user.keyData) : undefined
  if (user?.impersonate !== undefined) headers['Impersonate-User'] = user.impersonate
  if (user?.token !== undefined) headers['Authorization'] = `Bearer ${user.token}`
  if (user?.username !== undefined) headers['Authorization'] = `Basic ${Buffer.from(`${user.username}:${String(user.password)}`).toString('base64')}`
  return { server: cluster.server, headers, ca, cert, key, skipTLSVerify: cluster.skipTLSVerify, tlsServerName: cluster.tlsServerName }
}

/** Through `@kubernetes/client-node`: for credential plugins (exec, auth-provider); the reference of `connect` in tests. */
export async function connectWithClient(file: string, wanted: readonly { cluster: string; context: string }[]): Promise<Connection[]> {
  const k8s = await import('@kubernetes/client-node')
  const kc = new k8s.KubeConfig()
  try {
    kc.loadFromFile(file)
  } catch (e) {
    throw new KubeconfigError(`cannot read kubeconfig ${file}: ${(e as Error).message.split('\n')[0] ?? ''}`)
  }
  const out: Connection[] = []
  for (const w of wanted) {
    const ctx = kc.getContextObject(w.context)
    if (!ctx) {
      throw new KubeconfigError(`context "${w.context}" (cluster ${w.cluster}) is not in ${file}; contexts there: ${kc.getContexts().map((c) => c.name).join(', ') || 'none'}`)
    }
    kc.setCurrentContext(w.context)
    const cluster = kc.getCurrentCluster()
    if (!cluster) throw new KubeconfigError(`context "${w.context}" names no cluster`)
    const opts: https.RequestOptions = {}
    await kc.applyToHTTPSOptions(opts)
    const headers: Record<string, string> = {}
    for (const [k, v] of Object.entries(opts.headers ?? {})) if (typeof v === 'string') headers[k] = v
    if (opts.auth) headers['Authorization'] = `Basic ${Buffer.from(opts.auth).toString('base64')}`
    const bytes = (b: unknown): Buffer | undefined => (Buffer.isBuffer(b) ? b : typeof b === 'string' ? Buffer.from(b) : undefined)
    out.push(
      toConnection(w, {
        server: cluster.server,
        headers,
        ca: bytes(opts.ca),
        cert: bytes(opts.cert),
        key: bytes(opts.key),
        skipTLSVerify: cluster.skipTLSVerify,
        tlsServerName: cluster.tlsServerName || undefined,
      }),
    )
  }
  return out
}

function toConnection(w: { cluster: string; context: string }, c: Credentials): Connection {
  const tlsOptions = {
    ...(c.ca !== undefined ? { ca: c.ca } : {}),
    ...(c.cert !== undefined ? { cert: c.cert } : {}),
    ...(c.key !== undefined ? { key: c.key } : {}),
    ...(c.skipTLSVerify ? { rejectUnauthorized: false } : {}),
    ...(c.tlsServerName ? { servername: c.tlsServerName } : {}),
  }
  const server = new URL(c.server)
  // A plain-HTTP server (`kubectl proxy`) has no TLS to set up.
  const agent = server.protocol === 'http:' ? new http.Agent({ keepAlive: true, maxSockets: 16 }) : new https.Agent({ keepAlive: true, maxSockets: 16, ...tlsOptions })
  return { cluster: w.cluster, context: w.context, server, headers: c.headers, agent, ...(server.protocol === 'https:' ? { tls: tlsOptions } : {}) }
}
