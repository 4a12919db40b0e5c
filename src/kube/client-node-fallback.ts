import type { ChildProcess } from 'node:child_process'
import type * as https from 'node:https'
import * as path from 'node:path'
import { type AuthSource, CredentialError, type ExecLimit, EXEC_TIMEOUT_MS, type KubeFiles, pluginDeadline, stopPlugin, utf8 } from './credentials.ts'
import { KubeconfigError } from './kubeconfig-error.ts'
import type { KubeconfigSource } from './kubeconfig.ts'

/**
 * The `@kubernetes/client-node` fallback of the kubeconfig reader (kubeconfig.ts): the users it
 * does not model completely (an `auth-provider`, an exec plugin with `interactiveMode: Always`)
 * get their credentials from client-node, imported only then (it costs some 350 ms at start-up).
 */

/** What a connection is made of, whoever read the kubeconfig. */
export interface Credentials {
  readonly server: string
  readonly headers: Record<string, string | string[]>
  readonly auth: AuthSource | undefined
  readonly ca: Buffer | undefined
  readonly cert: Buffer | undefined
  readonly key: Buffer | undefined
  readonly skipTLSVerify: boolean
  readonly tlsServerName: string | undefined
  readonly proxyUrl: string | undefined
}

/** What the fallback needs of a user: its name and exec plugin, for the deadline of the plugin's run. */
interface PluginUser {
  readonly name: string
  readonly exec?: { readonly command: string }
}

/**
 * client-node's `applyToHTTPSOptions` for an exec plugin it runs (`interactiveMode: Always`),
 * with the deadline of nsoffload's own runs: client-node waits for ever, so the processes it
 * spawns are watched (its `ExecAuth`'s `execFn`) and killed when the time is up.
 */
async function applyWithin(kc: ClientKubeConfig, opts: https.RequestOptions, what: string, limit: ExecLimit): Promise<void> {
  type Spawn = (...a: unknown[]) => ChildProcess
  const execAuth = (kc as unknown as { authenticators?: { execFn?: Spawn }[] }).authenticators?.find((a) => typeof a.execFn === 'function')
  const children: ChildProcess[] = []
  const spawnFn = execAuth?.execFn
  if (execAuth && spawnFn) {
    execAuth.execFn = (...a: unknown[]): ChildProcess => {
      const child = spawnFn(...a)
      children.push(child)
      return child
    }
  }
  const { ms, late } = pluginDeadline(what, limit)
  let timer: NodeJS.Timeout | undefined
  const over = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      for (const c of children) stopPlugin(c)
      reject(new CredentialError(late))
    }, ms)
  })
  try {
    await Promise.race([kc.applyToHTTPSOptions(opts), over])
  } finally {
    clearTimeout(timer)
    if (execAuth && spawnFn) execAuth.execFn = spawnFn
  }
}

export type ClientKubeConfig = import('@kubernetes/client-node').KubeConfig

/** A client-node KubeConfig of the same files, merged with kubectl's rules (client-node's own merge throws on a name defined twice). */
export async function clientNodeConfig(src: KubeconfigSource, files: KubeFiles): Promise<ClientKubeConfig> {
  const k8s = await import('@kubernetes/client-node')
  const merged = new k8s.KubeConfig()
  const clusters = new Map<string, ReturnType<ClientKubeConfig['getClusters']>[number]>()
  const users = new Map<string, ReturnType<ClientKubeConfig['getUsers']>[number]>()
  const contexts = new Map<string, ReturnType<ClientKubeConfig['getContexts']>[number]>()
  let currentContext: string | undefined
  for (const file of src.files) {
    if (!src.explicit && files.stat(file) === undefined) continue
    const kc = new k8s.KubeConfig()
    try {
      // `loadFromFile`, its read through the host.
      kc.loadFromString(utf8(files.readFile(file)))
      kc.makePathsAbsolute(path.dirname(file))
    } catch (e) {
      throw new KubeconfigError(`cannot read kubeconfig ${file}: ${(e as Error).message.split('\n')[0] ?? ''}`)
    }
    for (const c of kc.getClusters()) if (!clusters.has(c.name)) clusters.set(c.name, c)
    for (const u of kc.getUsers()) if (!users.has(u.name)) users.set(u.name, u)
    for (const c of kc.getContexts()) if (!contexts.has(c.name)) contexts.set(c.name, c)
    currentContext ||= kc.getCurrentContext() || undefined
  }
  merged.loadFromOptions({
    clusters: [...clusters.values()],
    users: [...users.values()],
    contexts: [...contexts.values()],
    currentContext: currentContext ?? '',
  })
  return merged
}

/** The connection client-node makes for a context; with kubectl's impersonation headers when we know the user. */
export async function clientNodeCredentials(
  kc: ClientKubeConfig,
  context: string,
  user: PluginUser | undefined,
  impersonation: Record<string, string | string[]>,
  limit: ExecLimit = { ms: EXEC_TIMEOUT_MS },
): Promise<Credentials> {
  kc.setCurrentContext(context)
  const cluster = kc.getCurrentCluster()
  if (!cluster) throw new KubeconfigError(`context "${context}" names no cluster`)
  const opts: https.RequestOptions = {}
  await (user?.exec ? applyWithin(kc, opts, `exec plugin of user "${user.name}" (${user.exec.command})`, limit) : kc.applyToHTTPSOptions(opts))
  const headers: Record<string, string | string[]> = { ...impersonation }
  for (const [k, v] of Object.entries(opts.headers ?? {})) if (typeof v === 'string') headers[k] = v
  if (opts.auth) headers['Authorization'] = `Basic ${Buffer.from(opts.auth).toString('base64')}`
  const bytes = (b: unknown): Buffer | undefined => (Buffer.isBuffer(b) ? b : typeof b === 'string' ? Buffer.from(b) : undefined)
  return {
    server: cluster.server,
    headers,
    auth: undefined,
    ca: bytes(opts.ca),
    cert: bytes(opts.cert),
    key: bytes(opts.key),
    skipTLSVerify: cluster.skipTLSVerify,
    tlsServerName: cluster.tlsServerName || undefined,
    proxyUrl: cluster.proxyUrl || undefined,
  }
}
