import type { Host } from '../host/host.ts'
import type { Inventory } from '../model/inventory.ts'
import type { KubeClient } from '../kube/kube-client.ts'
import { UsageError } from './exit-codes.ts'

/** Flags of every command that talks to clusters. */
export interface ClusterArgs {
  readonly kubeconfig?: string
  readonly 'context-map'?: string[]
}

/** `--context-map venice=ctx-a,naples=ctx-b` (repeatable) → cluster ID → context. */
export function parseContextMap(values: readonly string[] = []): Map<string, string> {
  const out = new Map<string, string>()
  for (const v of values.flatMap((x) => x.split(','))) {
    if (v.trim() === '') continue
    const m = /^([^=]+)=(.+)$/.exec(v.trim())
    if (!m || !m[1] || !m[2]) throw new UsageError(`--context-map takes CLUSTER=CONTEXT pairs, not "${v}"`)
    out.set(m[1], m[2])
  }
  return out
}

/**
 * Connections to the home and every remote cluster of the inventory, through the kubeconfig.
 * The Kubernetes client is imported only here, when a command needs a cluster.
 */
export async function openClusters(host: Host, inv: Inventory, args: ClusterArgs, log: (s: string) => void): Promise<Map<string, KubeClient>> {
  const [{ connect, kubeconfigPath, KubeconfigError }, { KubeClient }] = await Promise.all([import('../kube/kubeconfig.ts'), import('../kube/kube-client.ts')])
  const map = parseContextMap(args['context-map'])
  const wanted = [{ clusterID: inv.home.clusterID, context: inv.home.context }, ...inv.remotes].map((c) => ({
    cluster: c.clusterID,
    context: map.get(c.clusterID) ?? c.context ?? c.clusterID,
  }))
  const file = kubeconfigPath(args.kubeconfig, host.env)
  try {
    const conns = await connect(file, wanted)
    return new Map(conns.map((c) => [c.cluster, new KubeClient(c, undefined, log)]))
  } catch (e) {
    if (e instanceof KubeconfigError) throw new UsageError(e.message)
    throw e
  }
}
