import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { runCli, tempTree } from '../helpers/cli.ts'
import { type ControlPlaneEnv, e2eSkipReason, getSharedEnv } from './harness/control-plane.ts'

/**
 * A no-op sync (issue 19.3), against real API servers: once nsoffload's managedFields show it
 * owning every field it applies with the values it applies, a second sync sends no dry run for
 * the workloads; drift made by anyone else still shows in `diff` and is put back by `sync`:
 * a field changed by another manager with an update, a forced apply by another manager, a
 * label removed.
 */
const skip = e2eSkipReason('no-op-sync')
const e2e = skip === null ? test : test.skip
let env: ControlPlaneEnv
let work: string
const NS = 'noop-shop'
const VN = 'noop-naples'
const CLUSTERS = ['venice', 'naples'] as const

const INVENTORY = `apiVersion: nsoffload.dev/v1alpha1
kind: ClusterInventory
metadata:
  name: no-op-sync
spec:
  home:
    clusterID: venice
  remotes:
    - clusterID: naples
      labels: {topology.liqo.io/region: south}
      virtualNodes: [{name: ${VN}}]
`
const POLICY = `apiVersion: nsoffload.dev/v1alpha1\nkind: OffloadingPolicy\nmetadata:\n  name: ${NS}\nspec:\n  namespaceMappingStrategy: EnforceSameName\n  workloads: [../apps/shop/]\n`
const CONFIG = `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cfg\n  labels: {tier: web}\ndata:\n  mode: fast\n  size: small\n`

test.before(async () => {
  if (skip !== null) return
  env = await getSharedEnv()
  work = tempTree({ 'inventory.yaml': INVENTORY, [`policies/${NS}.yaml`]: POLICY, 'apps/shop/config.yaml': CONFIG })
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
  for (const c of CLUSTERS) {
    await env.deleteNamespace(c, NS, 30_000).catch(() => false)
    await env.kubectl(c, ['delete', 'secret', 'nsoffload-no-op-sync', '-n', 'default', '--ignore-not-found']).catch(() => undefined)
  }
  await env.deleteNodes('venice', [VN]).catch(() => undefined)
})

const nsoffload = (args: string[]) => runCli([...args, '--kubeconfig', env.kubeconfigPath], work)

/** nsoffload's dry-run applies of the ConfigMap since `since` (the audit log of venice). */
async function dryRuns(since: number): Promise<number> {
  return (await env.auditWrites('venice', since)).filter(
    (w) => w.userAgent.startsWith('nsoffload') && w.dryRun && w.resource === 'configmaps' && w.name === 'cfg',
  ).length
}
const data = async (): Promise<Record<string, unknown>> =>
  JSON.parse((await env.kubectl('venice', ['get', 'configmap', 'cfg', '-n', NS, '-o', 'json'])).stdout) as Record<string, unknown>

/** After a drift: diff shows it (exit 1), sync --force-conflicts puts it back, diff is clean again. */
async function driftShownAndRepaired(what: RegExp): Promise<void> {
  const d = await nsoffload(['diff'])
  assert.is(d.code, 1, d.stderr + d.stdout)
  assert.match(d.stdout, what)
  const s = await nsoffload(['sync', '--force-conflicts'])
  assert.is(s.code, 0, s.stderr + s.stdout)
  const cm = await data()
  assert.equal(cm['data'], { mode: 'fast', size: 'small' })
  assert.is(((cm['metadata'] as { labels?: Record<string, string> }).labels ?? {})['tier'], 'web')
  assert.is((await nsoffload(['diff'])).code, 0)
}

e2e('a second sync with nothing changed sends no dry run of the workload; diff is clean', async () => {
  const first = await nsoffload(['sync', '--install-crds'])
  assert.is(first.code, 0, first.stderr + first.stdout)
  const since = await env.auditOffset('venice')
  const again = await nsoffload(['sync'])
  assert.is(again.code, 0, again.stderr)
  assert.match(again.stderr, / 0 write requests/)
  assert.is(await dryRuns(since), 0, 'no dry run for an object nsoffload owns as it applies it')
  assert.is((await nsoffload(['diff'])).code, 0)
})

e2e('a field changed by another manager with an update: diff shows it, sync puts it back', async () => {
  const p = await env.kubectl('venice', ['-n', NS, 'patch', 'configmap', 'cfg', '--type', 'merge', '-p', '{"data":{"mode":"slow"}}'])
  assert.is(p.code, 0, p.stderr)
  const since = await env.auditOffset('venice')
  await driftShownAndRepaired(/-\s+mode: slow\n\+\s+mode: fast/)
  assert.ok((await dryRuns(since)) > 0, 'the drifted object was asked about again')
})

e2e('a forced apply by another manager (same fields, one value changed): diff shows it, sync puts it back', async () => {
  const other = `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cfg\n  namespace: ${NS}\ndata:\n  size: large\n`
  const a = await env.kubectl('venice', ['apply', '--server-side', '--force-conflicts', '--field-manager', 'someone-else', '-f', '-'], other)
  assert.is(a.code, 0, a.stderr)
  await driftShownAndRepaired(/-\s+size: large\n\+\s+size: small/)
})

// The API server shares a field that a second manager applies with the same value (server-side apply's shared
// ownership, --force-conflicts or not): nsoffload still owns all it applies, nothing can change, no dry run is due.
e2e('an apply by another manager with the same value shares the field: nsoffload still owns it, no dry run, no write', async () => {
  const other = `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cfg\n  namespace: ${NS}\ndata:\n  size: small\n`
  const a = await env.kubectl('venice', ['apply', '--server-side', '--force-conflicts', '--field-manager', 'someone-else', '-f', '-'], other)
  assert.is(a.code, 0, a.stderr)
  const since = await env.auditOffset('venice')
  const s = await nsoffload(['sync'])
  assert.is(s.code, 0, s.stderr + s.stdout)
  assert.is(await dryRuns(since), 0, 'the field is shared, not taken: nothing to dry-run')
  assert.match(s.stderr + s.stdout, /0 write requests/)
})

e2e('a label removed by hand: diff shows it, sync puts it back', async () => {
  const l = await env.kubectl('venice', ['-n', NS, 'label', 'configmap', 'cfg', 'tier-'])
  assert.is(l.code, 0, l.stderr)
  await driftShownAndRepaired(/\+\s+tier: web/)
})

test.run()
