import * as fs from 'node:fs'
import * as path from 'node:path'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { REPO, runCli, tempTree } from '../helpers/cli.ts'
import { inventoryNodes } from './harness/inventory-nodes.ts'
import { type ControlPlaneEnv, e2eSkipReason, getSharedEnv, poll } from './harness/control-plane.ts'
import { REQUIRED_FALSE, REQUIRED_TRUE, READY_TRUE, TERMINATING } from '../helpers/liqo-conditions.ts'

/**
 * A remote cluster deselected by a policy change while its twin still exists (sync without
 * --prune), against real API servers: sync, the written NamespaceOffloading status and `status`
 * say what Liqo would (the twin is being deleted: Ready=False Terminating next to
 * OffloadingRequired=False, the namespace still Ready), and an unoffloaded namespace keeps its
 * remote namespace name in the report.
 */
const skip = e2eSkipReason('deselect')
const e2e = skip === null ? test : test.skip
let env: ControlPlaneEnv
let work: string
const NS = 'deselect-demo'
const TWIN = 'deselect-demo-venice'
const KEEP = 'deselect-keep'
const NODES = () => inventoryNodes(fs.readFileSync(path.join(REPO, 'inventory.yaml'), 'utf8'))

const policy = (selector: string): string =>
  `apiVersion: nsoffload.dev/v1alpha1\nkind: OffloadingPolicy\nmetadata:\n  name: ${NS}\nspec:\n  namespaceMappingStrategy: DefaultName\n  clusterSelector:\n    - "${selector}"\n`

interface Status {
  offloadingPhase: string
  remoteNamespaceName: string
  remoteNamespacesConditions?: Record<string, Record<string, string>[]>
}
const strip = (s: Status | undefined): Record<string, unknown> =>
  Object.fromEntries(
    Object.entries(s?.remoteNamespacesConditions ?? {}).map(([k, v]) => [
      k,
      v.map(({ lastTransitionTime, ...c }) => (assert.match(lastTransitionTime ?? '', /^\d{4}-\d\d-\d\dT/), c)),
    ]),
  )

test.before(async () => {
  if (skip !== null) return
  env = await getSharedEnv()
  work = tempTree({
    'inventory.yaml': fs.readFileSync(path.join(REPO, 'inventory.yaml'), 'utf8'),
    [`policies/${NS}.yaml`]: policy('topology.liqo.io/region in (center,south)'),
  })
  // venice's nodes as the inventory says them: the drift guard finds nothing to refuse.
  await env.createNodes('venice', NODES())
})

test.after(async () => {
  if (skip !== null || (env as ControlPlaneEnv | undefined) === undefined) return
  for (const [c, ns] of [
    ['venice', NS],
    ['venice', KEEP],
    ['florence', TWIN],
    ['naples', TWIN],
  ] as const)
    await env.deleteNamespace(c, ns, 30_000).catch(() => false)
  for (const c of ['venice', 'florence', 'naples'])
    await env.kubectl(c, ['delete', 'secret', 'nsoffload-italy', '-n', 'default', '--ignore-not-found']).catch(() => undefined)
  await env
    .deleteNodes(
      'venice',
      NODES().map((n) => n.name),
    )
    .catch(() => undefined)
})

const nsoffload = (args: string[]) => runCli([...args, '--kubeconfig', env.kubeconfigPath], work)
const exists = async (cluster: string, args: string[]): Promise<boolean> =>
  (await env.kubectl(cluster, ['get', ...args, '--ignore-not-found', '-o', 'name'])).stdout.trim() !== ''
async function writtenStatus(): Promise<Status> {
  const r = await env.kubectl('venice', ['get', 'namespaceoffloading', 'offloading', '-n', NS, '-o', 'json'])
  assert.is(r.code, 0, r.stderr)
  return (JSON.parse(r.stdout) as { status: Status }).status
}

e2e('offloaded to florence and naples: both Ready', async () => {
  const r = await nsoffload(['sync', '--install-crds'])
  assert.is(r.code, 0, r.stderr + r.stdout)
  assert.match(r.stdout, new RegExp(`\\n${NS}\\s+Ready\\s+${TWIN}\\s+Ready\\s+Ready\\n`))
  assert.ok(await exists('florence', ['namespace', TWIN]))
  assert.ok(await exists('naples', ['namespace', TWIN]))
  assert.equal(strip(await writtenStatus()), { florence: [REQUIRED_TRUE, READY_TRUE], naples: [REQUIRED_TRUE, READY_TRUE] })
})

e2e('florence deselected, its twin kept without --prune: Ready=False Terminating as Liqo shows it, never Ready=True', async () => {
  fs.writeFileSync(path.join(work, 'policies', `${NS}.yaml`), policy('topology.liqo.io/region=south'))
  const r = await nsoffload(['sync'])
  assert.is(r.code, 0, r.stderr + r.stdout)
  assert.match(r.stderr, new RegExp(`namespace/${TWIN} is no longer selected and would be deleted with everything in it: run with --prune`))
  assert.ok(await exists('florence', ['namespace', TWIN]), 'the twin is still there')
  // The table: florence's Ready reason, the namespace still Ready (only naples is required).
  assert.match(r.stdout, new RegExp(`\\n${NS}\\s+Ready\\s+${TWIN}\\s+Terminating\\s+Ready\\n`))
  const written = await writtenStatus()
  assert.is(written.offloadingPhase, 'Ready')
  assert.is(written.remoteNamespaceName, TWIN)
  const expected = { florence: [REQUIRED_FALSE, TERMINATING], naples: [REQUIRED_TRUE, READY_TRUE] }
  assert.equal(strip(written), expected)
  // `status` reads back the same.
  const s = await nsoffload(['status', '--format', 'json'])
  const row = (JSON.parse(s.stdout) as { namespaces: { namespace: string; remoteNamespaceName: string; status: Status }[] }).namespaces.find(
    (n) => n.namespace === NS,
  )
  assert.is(row?.status.offloadingPhase, 'Ready')
  assert.is(row?.remoteNamespaceName, TWIN)
  assert.equal(strip(row?.status), expected)
  const text = await nsoffload(['status'])
  assert.match(text.stdout, new RegExp(`\\n${NS}\\s+Ready\\s+${TWIN}\\s+Terminating\\s+Ready\\n`))
  // A second sync changes nothing, the status included.
  const again = await nsoffload(['sync'])
  assert.is(again.code, 0, again.stderr)
  assert.match(again.stderr, / 0 write requests/)
})

e2e("--prune deletes the deselected twin; Liqo's last Ready stays next to OffloadingRequired=False", async () => {
  const r = await nsoffload(['sync', '--prune'])
  assert.is(r.code, 0, r.stderr + r.stdout)
  await poll('florence twin gone', async () => !(await exists('florence', ['namespace', TWIN])) || undefined, { timeoutMs: 60_000 })
  const again = await nsoffload(['sync'])
  assert.is(again.code, 0, again.stderr)
  assert.equal(strip(await writtenStatus()), { florence: [REQUIRED_FALSE, TERMINATING], naples: [REQUIRED_TRUE, READY_TRUE] })
})

e2e('unoffloaded with --prune: reported Terminating with its remote namespace name until its twin is gone', async () => {
  fs.rmSync(path.join(work, 'policies', `${NS}.yaml`))
  fs.writeFileSync(
    path.join(work, 'policies', `${KEEP}.yaml`),
    `apiVersion: nsoffload.dev/v1alpha1\nkind: OffloadingPolicy\nmetadata:\n  name: ${KEEP}\nspec:\n  clusterSelector: ["nowhere=1"]\n`,
  )
  const r = await nsoffload(['sync', '--prune', '--format', 'json'])
  assert.is(r.code, 0, r.stderr + r.stdout)
  const report = JSON.parse(r.stdout) as { namespaces: { namespace: string; remoteNamespaceName: string; pruned: boolean; status: Status }[] }
  const mine = report.namespaces.find((n) => n.namespace === NS)
  assert.ok(mine, r.stdout)
  assert.is(mine?.pruned, true)
  assert.is(mine?.remoteNamespaceName, TWIN)
  assert.is(mine?.status.remoteNamespaceName, TWIN)
  assert.is(mine?.status.offloadingPhase, 'Terminating')
  assert.equal(strip(mine?.status), { naples: [REQUIRED_FALSE, TERMINATING] })
  await poll('naples twin gone', async () => !(await exists('naples', ['namespace', TWIN])) || undefined, { timeoutMs: 60_000 })
  assert.not.ok(await exists('venice', ['nso', 'offloading', '-n', NS]))
})

test.run()
