/**
 * The set-up and teardown the sync suites share (time-limits, faults, no-op-sync, status-live):
 * a repository in a temporary folder (its `inventory.yaml`, policies and workloads as given),
 * the home cluster's nodes as the inventory says them (so the drift guard of docs/sync.md finds
 * nothing to refuse), and a clean-up that removes what syncing it leaves on the control planes:
 * the offloaded namespaces on the home cluster, their twins on every remote (either name Liqo
 * may give them: `<ns>` or `<ns>-<home>`, finalizers dropped first), the set's ApplySet parent
 * on every cluster of the inventory, and the nodes.
 */
import { parseYaml } from '../../../src/load/parse-yaml.ts'
import { classify } from '../../../src/validate/classify.ts'
import { toInventory } from '../../../src/validate/to-inventory.ts'
import { tempTree } from '../../helpers/cli.ts'
import type { ControlPlaneEnv } from './control-plane.ts'
import { inventoryNodes } from './inventory-nodes.ts'

export interface SyncFixture {
  /** The repository: where nsoffload runs. */
  readonly work: string
  /** Removes what the suite's syncs left; never fails (a suite's after hook). */
  cleanUp(): Promise<void>
}

/** The clusters of an inventory (home first) as the harness names them (their context, else their ID), and its set's parent Secret. */
function readInventory(text: string): { home: string; homeContext: string; remotes: string[]; parent: string } {
  const [doc] = classify(parseYaml('inventory.yaml', text).docs, ['ClusterInventory']).docs
  const inv = doc ? toInventory(doc).inventory : undefined
  if (!inv) throw new Error('syncFixture: inventory.yaml is not a valid inventory')
  return {
    home: inv.home.clusterID,
    homeContext: inv.home.context ?? inv.home.clusterID,
    remotes: inv.remotes.map((r) => r.context ?? r.clusterID),
    parent: `nsoffload-${inv.name}`,
  }
}

/**
 * A repository of `files` (which hold `inventory.yaml`) whose syncs offload `namespaces`, with
 * the home cluster's nodes created as its inventory says them.
 */
export async function syncFixture(env: ControlPlaneEnv, files: Readonly<Record<string, string>>, namespaces: readonly string[]): Promise<SyncFixture> {
  const inventoryText = files['inventory.yaml']
  if (inventoryText === undefined) throw new Error('syncFixture: no inventory.yaml among the files')
  const { home, homeContext, remotes, parent } = readInventory(inventoryText)
  const nodes = inventoryNodes(inventoryText)
  const work = tempTree({ ...files })
  await env.createNodes(homeContext, nodes)
  const quietly = async (p: Promise<unknown>): Promise<void> => {
    await p.catch(() => undefined)
  }
  return {
    work,
    async cleanUp() {
      const twins = namespaces.flatMap((ns) => [ns, `${ns}-${home}`])
      // A twin a test left with a finalizer would never go.
      await Promise.all(
        remotes.flatMap((c) =>
          twins.map((t) =>
            quietly(
              env.request(c, {
                method: 'PATCH',
                path: `/api/v1/namespaces/${encodeURIComponent(t)}`,
                contentType: 'application/merge-patch+json',
                body: { metadata: { finalizers: null } },
              }),
            ),
          ),
        ),
      )
      await Promise.all([
        ...namespaces.map((ns) => quietly(env.deleteNamespace(homeContext, ns, 30_000))),
        ...remotes.flatMap((c) => twins.map((t) => quietly(env.deleteNamespace(c, t, 30_000)))),
      ])
      for (const c of [homeContext, ...remotes]) await quietly(env.kubectl(c, ['delete', 'secret', parent, '-n', 'default', '--ignore-not-found']))
      await quietly(
        env.deleteNodes(
          homeContext,
          nodes.map((n) => n.name),
        ),
      )
    },
  }
}
