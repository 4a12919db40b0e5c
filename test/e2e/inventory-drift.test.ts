import * as fs from 'node:fs'
import * as path from 'node:path'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { VIRTUAL_NODE_TAINT, virtualNodeLabels } from '../../src/liqo/virtual-nodes.ts'
import { runCli, tempTree } from '../helpers/cli.ts'
import { type ControlPlaneEnv, e2eSkipReason, getSharedEnv } from './harness/control-plane.ts'

/**
 * The inventory drift guard against real API servers: an inventory pulled from venice checks
 * clean; a virtual node relabelled live so that a new policy would select another cluster
 * stops `sync` with nothing written (the audit logs say so), shows in `diff`, `status` and
 * `inventory pull --check`; `--allow-inventory-drift` syncs what the inventory says.
 */
const skip = e2eSkipReason('inventory-drift')
const e2e = skip === null ? test : test.skip
let env: ControlPlaneEnv
let work: string
const CLUSTERS = ['venice', 'florence', 'naples'] as const
const HOME = 'id-home'
const VN_FLORENCE = 'id-florence'
const VN_NAPLES = 'id-naples'
const NS = 'id-demo'
const NEW = 'id-new'
const policy = (ns: string): string =>
  `apiVersion: nsoffload.dev/v1alpha1\nkind: OffloadingPolicy\nmetadata:\n  name: ${ns}\nspec:\n  namespaceMappingStrategy: EnforceSameName\n  clusterSelector: ["topology.liqo.io/region=south"]\n`

const vn = (name: string, id: string, region: string) => ({
  name,
  labels: virtualNodeLabels(id, name, { 'topology.liqo.io/region': region }),
  taints: [{ ...VIRTUAL_NODE_TAINT, effect: 'NoExecute' as const }],
})

test.before(async () => {
  if (skip !== null) return
  env = await getSharedEnv()
  work = tempTree({ [`policies/${NS}.yaml`]: policy(NS) })
  // venice as Liqo shows it: its own node, and one virtual node per remote, labelled as Liqo labels them.
  await env.createNodes('venice', [
    { name: HOME, labels: { 'topology.liqo.io/region': 'north' } },
    vn(VN_FLORENCE, 'florence', 'center'),
    vn(VN_NAPLES, 'naples', 'south'),
  ])
})

test.after(async () => {
  if (skip !== null || (env as ControlPlaneEnv | undefined) === undefined) return
  for (const c of CLUSTERS) {
    for (const ns of [NS, NEW]) await env.deleteNamespace(c, ns, 30_000).catch(() => false)
    await env.kubectl(c, ['delete', 'secret', 'nsoffload-venice', '-n', 'default', '--ignore-not-found']).catch(() => undefined)
  }
  await env.deleteNodes('venice', [HOME, VN_FLORENCE, VN_NAPLES]).catch(() => undefined)
})

const nsoffload = (args: string[]) => runCli([...args, '--kubeconfig', env.kubeconfigPath], work)
const exists = async (cluster: string, args: string[]): Promise<boolean> =>
  (await env.kubectl(cluster, ['get', ...args, '--ignore-not-found', '-o', 'name'])).stdout.trim() !== ''
async function offsets(): Promise<Record<string, number>> {
  const out: Record<string, number> = {}
  for (const c of CLUSTERS) out[c] = await env.auditOffset(c)
  return out
}
/** Every write nsoffload sent since the offsets, dry runs included. */
async function writes(since: Record<string, number>): Promise<string[]> {
  const out: string[] = []
  for (const c of CLUSTERS)
    for (const w of await env.auditWrites(c, since[c]))
      if (w.userAgent.startsWith('nsoffload')) out.push(`${c} ${w.verb} ${w.resource}/${w.namespace}/${w.name}`)
  return out
}
const relabel = async (region: string): Promise<void> => {
  const r = await env.kubectl('venice', ['label', 'node', VN_FLORENCE, `topology.liqo.io/region=${region}`, '--overwrite'])
  assert.is(r.code, 0, r.stderr)
}

e2e('an inventory pulled from venice checks clean, and syncs', async () => {
  const pulled = await nsoffload(['inventory', 'pull', '--context', 'venice', '--cluster-id', 'venice', '-o', 'inventory.yaml'])
  assert.is(pulled.code, 0, pulled.stderr)
  const check = await nsoffload(['inventory', 'pull', '--check'])
  assert.is(check.code, 0, check.stdout + check.stderr)
  assert.match(check.stderr, /inventory\.yaml says what the live nodes of venice say/)
  const s = await nsoffload(['sync', '--install-crds'])
  assert.is(s.code, 0, s.stderr + s.stdout)
  assert.not.match(s.stderr, /NSO502[567]/, 'no drift: nothing said')
  assert.ok(await exists('naples', ['namespace', NS]), 'the twin on naples')
  assert.not.ok(await exists('florence', ['namespace', NS]))
})

e2e('a virtual node relabelled live: sync writes nothing (exit 1, NSO5025 naming the cluster and the label); diff, status and --check say it', async () => {
  // The drift: florence's virtual node now says region south, which the inventory does not; and a new policy in Git.
  await relabel('south')
  fs.writeFileSync(path.join(work, 'policies', `${NEW}.yaml`), policy(NEW))
  const check = await nsoffload(['inventory', 'pull', '--check'])
  assert.is(check.code, 1, check.stdout + check.stderr)
  assert.match(
    check.stdout,
    new RegExp(`cluster florence \\(node ${VN_FLORENCE}\\): label topology\\.liqo\\.io/region: "center" in the inventory, "south" live`),
  )
  const since = await offsets()
  const s = await nsoffload(['sync'])
  assert.is(s.code, 1, s.stderr + s.stdout)
  assert.match(
    s.stderr,
    /venice: error NSO5025: the inventory differs from the live nodes of venice: id-new selects naples by the inventory, florence, naples by the live virtual nodes/,
  )
  assert.match(s.stderr, /label topology\.liqo\.io\/region: "center" in the inventory, "south" live/)
  assert.match(s.stderr, /sync writes nothing/)
  assert.equal(await writes(since), [], 'no write request at all, dry runs included')
  assert.not.ok(await exists('venice', ['namespace', NEW]))
  assert.not.ok(await exists('naples', ['namespace', NEW]))
  // json says it too.
  const j = await nsoffload(['sync', '--format', 'json'])
  assert.is(j.code, 1)
  const findings = (JSON.parse(j.stdout) as { findings: { code: string; blocking?: boolean; namespace: string }[] }).findings
  assert.ok(findings.some((f) => f.code === 'NSO5025' && f.blocking === true && f.namespace === NEW))
  assert.equal(await writes(since), [])
  const d = await nsoffload(['diff'])
  assert.is(d.code, 1)
  assert.match(d.stderr, /error NSO5025: .*id-demo selects naples by the inventory, florence, naples by the live virtual nodes/)
  const st = await nsoffload(['status'])
  assert.is(st.code, 1, st.stderr + st.stdout)
  assert.match(st.stderr, /error NSO5025: .*sync refuses this unless --allow-inventory-drift/)
})

e2e('--allow-inventory-drift syncs what the inventory says; the label back, the inventory checks clean again', async () => {
  const s = await nsoffload(['sync', '--allow-inventory-drift'])
  assert.is(s.code, 0, s.stderr + s.stdout)
  assert.match(s.stderr, /warning NSO5025: .*synced as the inventory says \(--allow-inventory-drift\)/)
  assert.ok(await exists('naples', ['namespace', NEW]), 'the twin the inventory selects')
  assert.not.ok(await exists('florence', ['namespace', NEW]), 'none where only the live node points')
  await relabel('center')
  assert.is((await nsoffload(['inventory', 'pull', '--check'])).code, 0)
  const since = await offsets()
  const again = await nsoffload(['sync'])
  assert.is(again.code, 0, again.stderr + again.stdout)
  assert.not.match(again.stderr, /NSO502[567]/)
  assert.equal(await writes(since), [], 'nothing left to write')
})

test.run()
