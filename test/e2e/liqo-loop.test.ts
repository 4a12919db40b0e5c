import * as fs from 'node:fs'
import * as path from 'node:path'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { parse } from 'yaml'
import { REPO, runCli, tempTree } from '../helpers/cli.ts'
import { type ControlPlaneEnv, e2eSkipReason, poll, startControlPlanes } from './harness/control-plane.ts'
import { type LiqoLoop, startLiqoLoop } from './harness/liqo-loop.ts'

/**
 * nsoffload next to Liqo v1.2.0's own code: Liqo's NamespaceOffloading controller (home),
 * NamespaceMap controllers (remotes) and pod / NamespaceOffloading webhooks run against three
 * real control planes of their own (venice offloading to florence and naples, as in Liqo's
 * tutorial), through the liqo-loop Go program (harness/liqo-loop.ts; what stands in for
 * peering: docs/liqo.md). What `plan` predicts is held to what Liqo writes; the pods of the
 * patched workloads go through Liqo's real webhook and the real kube-scheduler.
 */
const skip = e2eSkipReason('liqo-loop')
const e2e = skip === null ? test : test.skip
const CLUSTERS = ['venice', 'florence', 'naples'] as const
const HOME_NODE = { name: 'venice-control-plane', labels: { 'kubernetes.io/hostname': 'venice-control-plane', 'topology.liqo.io/region': 'north' } }
let env: ControlPlaneEnv
let liqo: LiqoLoop | undefined

test.before(async () => {
  if (skip !== null) return
  env = await startControlPlanes({ clusters: [...CLUSTERS], withScheduler: true, withControllerManager: true })
  await env.createNodes('venice', [HOME_NODE])
  liqo = await startLiqoLoop(env, {
    home: { clusterID: 'venice' },
    remotes: [
      { clusterID: 'florence', labels: { 'topology.liqo.io/region': 'center' } },
      { clusterID: 'naples', labels: { 'topology.liqo.io/region': 'south' } },
    ],
  })
})

test.after(async () => {
  await liqo?.stop()
  if ((env as ControlPlaneEnv | undefined) !== undefined) await env.stop()
})

async function json<T = Record<string, unknown>>(cluster: string, args: string[]): Promise<T> {
  const r = await env.kubectl(cluster, [...args, '-o', 'json'])
  assert.is(r.code, 0, r.stderr)
  return JSON.parse(r.stdout) as T
}

e2e('the peering stand-ins: inventory pull reads back the bundled inventory from the virtual nodes Liqo forged', async () => {
  const work = tempTree({})
  const r = await runCli(
    ['inventory', 'pull', '--context', 'venice', '--cluster-id', 'venice', '-o', 'inventory.yaml', '--kubeconfig', env.kubeconfigPath],
    work,
  )
  assert.is(r.code, 0, r.stderr)
  assert.not.match(r.stderr, /lacks/, 'no virtual node lacks one of Liqo labels')
  const pulled = parse(fs.readFileSync(path.join(work, 'inventory.yaml'), 'utf8')) as { spec: { remotes: unknown[]; home: unknown } }
  const bundled = parse(fs.readFileSync(path.join(REPO, 'inventory.yaml'), 'utf8')) as { spec: { remotes: { clusterID: string; labels: unknown }[] } }
  assert.equal(
    pulled.spec.remotes,
    bundled.spec.remotes.map((x) => ({ clusterID: x.clusterID, context: 'venice', labels: x.labels })).map(({ context: _, ...x }) => x),
  )
  const vns = await json<{ items: { metadata: { name: string; namespace: string } }[] }>('venice', ['get', 'virtualnodes.offloading.liqo.io', '-A'])
  assert.equal(vns.items.map((v) => `${v.metadata.namespace}/${v.metadata.name}`).sort(), ['liqo-tenant-florence/florence', 'liqo-tenant-naples/naples'])
  await poll('NamespaceMaps copied to the providers', async () => {
    for (const c of ['florence', 'naples']) {
      const nm = await json<{ metadata: { labels: Record<string, string> } }>(c, ['get', 'namespacemaps.offloading.liqo.io', '-n', 'liqo-tenant-venice', c])
      if (nm.metadata.labels['liqo.io/replicated'] !== 'true') return undefined
    }
    return true
  })
})

test.run()
