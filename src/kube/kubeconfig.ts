import * as https from 'node:https'
import * as os from 'node:os'
import * as path from 'node:path'
import type { Connection } from './kube-client.ts'

/** Where the kubeconfig is: `--kubeconfig`, else `KUBECONFIG` (first entry), else `~/.kube/config`. */
export function kubeconfigPath(flag: string | undefined, env: Readonly<Record<string, string | undefined>>): string {
  if (flag) return flag
  const fromEnv = env['KUBECONFIG']?.split(path.delimiter).find((p) => p !== '')
  return fromEnv ?? path.join(env['HOME'] ?? os.homedir(), '.kube', 'config')
}

export class KubeconfigError extends Error {}

/**
 * Opens connections for the given contexts. `@kubernetes/client-node` is imported here, lazily,
 * so that commands that need no cluster never pay for loading it.
 */
export async function connect(file: string, wanted: readonly { cluster: string; context: string }[]): Promise<Connection[]> {
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
    const agent = new https.Agent({
      keepAlive: true,
      maxSockets: 16,
      ...(opts.ca !== undefined ? { ca: opts.ca } : {}),
      ...(opts.cert !== undefined ? { cert: opts.cert } : {}),
      ...(opts.key !== undefined ? { key: opts.key } : {}),
      ...(cluster.skipTLSVerify ? { rejectUnauthorized: false } : {}),
      ...(cluster.tlsServerName ? { servername: cluster.tlsServerName } : {}),
    })
    out.push({ cluster: w.cluster, context: w.context, server: new URL(cluster.server), headers, agent })
  }
  return out
}
