import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { runCli, tempTree } from '../helpers/cli.ts'
import { type ControlPlaneEnv, e2eSkipReason, getSharedEnv } from './harness/control-plane.ts'

/**
 * `status` reads what is live, against real API servers: a twin deleted by hand after a sync
 * is not `Ready`, whatever status the earlier sync wrote on the NamespaceOffloading, with or
 * without the namespace's policy among those read.
 */
const skip = e2eSkipReason('status-live')
const e2e = skip === null ? test : test.skip
let env: ControlPlaneEnv
let work: string
const NS = 'sl-demo'
const OTHER = 'sl-other'
const VN = 'sl-naples'

const INVENTORY = `apiVersion: nsoffload.dev/v1alpha1
kind: ClusterInventory
metadata:
  name: status-live
spec:
  home:
    clusterID: venice
  remotes:
    - clusterID: naples
      labels: {topology.liqo.io/region: south}
      virtualNodes: [{name: ${VN}}]
`
const policy = (ns: string): string =>
  `apiVersion: nsoffload.dev/v1alpha1\nkind: OffloadingPolicy\nmetadata:\n  name: ${ns}\nspec:\n  namespaceMappingStrategy: EnforceSameName\n`

test.before(async () => {
  if (skip !== null) return
  env = await getSharedEnv()
  work = tempTree({ 'inventory.yaml': INVENTORY, [`policies/${NS}.yaml`]: policy(NS), [`policies/${OTHER}.yaml`]: policy(OTHER) })
  await env.createNodes('venice', [
    {
      name: VN,
      labels: { 'liqo.io/type': 'virtual-node', 'liqo.io/remote-cluster-id': 'naples', 'topology.liqo.io/region': 'south' },
      taints: [{ key: 'virtual-node.liqo.io/not-allowed', value: 'true', effect: 'NoExecute' }],
    },
  ])
})

test.after(async () => {
  if (skip !== null || (env as ControlPlaneEnv | undefined) === undefined) return
  for (const c of ['venice', 'naples']) {
    for (const ns of [NS, OTHER]) await env.deleteNamespace(c, ns, 30_000).catch(() => false)
    await env.kubectl(c, ['delete', 'secret', 'nsoffload-status-live', '-n', 'default', '--ignore-not-found']).catch(() => undefined)
  }
  await env.deleteNodes('venice', [VN]).catch(() => undefined)
})

const nsoffload = (args: string[]) => runCli([...args, '--kubeconfig', env.kubeconfigPath], work)
interface Row {
  namespace: string
  source: string
  status: { offloadingPhase: string; remoteNamespacesConditions?: Record<string, { type: string; status: string; reason: string }[]> }
}
const rows = (stdout: string): Row[] => (JSON.parse(stdout) as { namespaces: Row[] }).namespaces
const naplesReady = (r: Row | undefined): string | undefined => r?.status.remoteNamespacesConditions?.['naples']?.find((c) => c.type === 'Ready')?.status

e2e('a twin deleted by hand after sync: status says it is not Ready (exit 1), not what the sync wrote', async () => {
  const s = await nsoffload(['sync', '--install-crds'])
  assert.is(s.code, 0, s.stderr + s.stdout)
  const ok = await nsoffload(['status', '--format', 'json'])
  assert.is(ok.code, 0, ok.stderr)
  assert.is(rows(ok.stdout).find((r) => r.namespace === NS)?.status.offloadingPhase, 'Ready')
  assert.ok(await env.deleteNamespace('naples', NS, 60_000), 'the twin is gone')
  // The NamespaceOffloading still carries the Ready status the sync wrote.
  const nso = await env.kubectl('venice', ['get', 'nso', 'offloading', '-n', NS, '-o', 'jsonpath={.status.offloadingPhase}'])
  assert.is(nso.stdout, 'Ready')
  const r = await nsoffload(['status', '--format', 'json'])
  assert.is(r.code, 1, r.stderr + r.stdout)
  const row = rows(r.stdout).find((x) => x.namespace === NS)
  assert.is(row?.source, 'computed')
  assert.is.not(row?.status.offloadingPhase, 'Ready')
  assert.is.not(naplesReady(row), 'True')
  assert.is(rows(r.stdout).find((x) => x.namespace === OTHER)?.status.offloadingPhase, 'Ready', 'the other namespace is as it is')
  const text = await nsoffload(['status'])
  assert.is(text.code, 1)
  assert.not.match(text.stdout, new RegExp(`${NS}\\s+Ready`))
  // Its policy not read (-p names the other one only): still read from what is live.
  const part = await nsoffload(['status', '--format', 'json', '-p', `policies/${OTHER}.yaml`])
  assert.is(part.code, 1, part.stderr + part.stdout)
  const unread = rows(part.stdout).find((x) => x.namespace === NS)
  assert.ok(unread, 'a namespace of the set is shown without its policy')
  assert.is.not(unread?.status.offloadingPhase, 'Ready')
  assert.is.not(naplesReady(unread), 'True')
  // sync puts the twin back, and status says Ready again.
  assert.is((await nsoffload(['sync'])).code, 0)
  assert.is((await nsoffload(['status'])).code, 0)
})

test.run()
