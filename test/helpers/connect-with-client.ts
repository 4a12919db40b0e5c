import { processFiles } from '../../src/kube/credentials.ts'
import type { Connection } from '../../src/kube/kube-client.ts'
import { clientNodeConfig, clientNodeCredentials } from '../../src/kube/client-node-fallback.ts'
import { asSource, type ConnectOptions, describe, KubeconfigError, type KubeconfigSource, toConnection, type Wanted } from '../../src/kube/kubeconfig.ts'

/** Through `@kubernetes/client-node` alone: the reference of `connect` in tests (same files, same merge). */
export async function connectWithClient(source: string | KubeconfigSource, wanted: Wanted, options: ConnectOptions = {}): Promise<Connection[]> {
  const src = asSource(source)
  const kc = await clientNodeConfig(src, options.host ?? processFiles())
  const out: Connection[] = []
  for (const w of wanted) {
    const ctx = kc.getContextObject(w.context)
    if (!ctx) {
      throw new KubeconfigError(
        `context "${w.context}" (cluster ${w.cluster}) is not in ${describe(src)}; contexts there: ${
          kc
            .getContexts()
            .map((c) => c.name)
            .join(', ') || 'none'
        }`,
      )
    }
    out.push(toConnection(w, await clientNodeCredentials(kc, w.context, undefined, {}), options.env ?? process.env))
  }
  return out
}
