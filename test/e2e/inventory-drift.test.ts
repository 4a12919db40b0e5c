import * as fs from 'node:fs'
import * as path from 'node:path'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { VIRTUAL_NODE_TAINT, virtualNodeLabels } from '../../src/liqo/virtual-nodes.ts'
import { runCli, tempTree } from '../helpers/cli.ts'
import { type ControlPlaneEnv, e2eSkipReason, getSharedEnv, poll } from './harness/control-plane.ts'

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
const RBAC_NS = 'id-rbac'
const NO_NODES = 'id-no-nodes'
const PLACE = 'id-place'
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
    for (const ns of [NS, NEW, RBAC_NS, PLACE]) await env.deleteNamespace(c, ns, 30_000).catch(() => false)
    await env.kubectl(c, ['delete', 'secret', 'nsoffload-venice', '-n', 'default', '--ignore-not-found']).catch(() => undefined)
  }
  await env.deleteNodes('venice', [HOME, VN_FLORENCE, VN_NAPLES]).catch(() => undefined)
  await env.kubectl('venice', ['delete', 'clusterrolebinding,clusterrole', NO_NODES, 'nsoffload-list-nodes', '--ignore-not-found']).catch(() => undefined)
  await env.kubectl('venice', ['delete', 'rolebinding,role', NO_NODES, '-n', 'default', '--ignore-not-found']).catch(() => undefined)
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
/** A finding as the cluster commands print it on stderr (`headline`: `CLUSTER: severity CODE: message`). */
interface Printed {
  readonly cluster: string
  readonly severity: string
  readonly code: string
  readonly message: string
}
const printed = (stderr: string): Printed[] =>
  stderr.split('\n').flatMap((l) => {
    const m = /^(\S+): (error|warning) (NSO\d{4}): (.*)$/.exec(l)
    return m ? [{ cluster: m[1] ?? '', severity: m[2] ?? '', code: m[3] ?? '', message: m[4] ?? '' }] : []
  })
/** The drift guard's findings among them (NSO5025, NSO5026, NSO5027). */
const drift = (stderr: string): Printed[] => printed(stderr).filter((f) => ['NSO5025', 'NSO5026', 'NSO5027'].includes(f.code))
/** A finding of `--format json`: a diagnostic at its cluster, home namespace and object. */
interface Listed extends Printed {
  readonly namespace: string
  readonly object: string
  readonly blocking?: boolean
}
const listed = (stdout: string): Listed[] => (JSON.parse(stdout) as { findings?: Listed[] }).findings ?? []
/** The label the relabelled node differs by, as the drift names it: inventory value, then live. */
const LABEL = (inventory: string, live: string): string =>
  `cluster florence (node ${VN_FLORENCE}): label topology.liqo.io/region: "${inventory}" in the inventory, "${live}" live`

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
  assert.equal(drift(s.stderr), [], 'no drift: nothing said')
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
  // Both policies now select florence too by the live nodes: one NSO5025 each, an error of venice, naming the label.
  const said = drift(s.stderr)
  assert.equal(
    said.map((f) => [f.code, f.severity, f.cluster]),
    [
      ['NSO5025', 'error', 'venice'],
      ['NSO5025', 'error', 'venice'],
    ],
    s.stderr,
  )
  assert.ok(
    said.every((f) => f.message.includes(LABEL('center', 'south'))),
    s.stderr,
  )
  assert.ok(
    said.some((f) => f.message.includes(`${NEW} selects naples by the inventory, florence, naples by the live virtual nodes`)),
    s.stderr,
  )
  assert.equal(await writes(since), [], 'no write request at all, dry runs included')
  assert.not.ok(await exists('venice', ['namespace', NEW]))
  assert.not.ok(await exists('naples', ['namespace', NEW]))
  // json says it too: at each namespace, blocking the sync.
  const j = await nsoffload(['sync', '--format', 'json'])
  assert.is(j.code, 1)
  assert.equal(
    listed(j.stdout)
      .filter((f) => f.code === 'NSO5025')
      .map((f) => [f.severity, f.cluster, f.namespace, f.object, f.blocking])
      .sort(),
    [
      ['error', 'venice', NEW, `namespace/${NEW}`, true],
      ['error', 'venice', NS, `namespace/${NS}`, true],
    ].sort(),
  )
  assert.equal(await writes(since), [])
  const d = await nsoffload(['diff'])
  assert.is(d.code, 1)
  assert.ok(
    drift(d.stderr).some(
      (f) =>
        f.code === 'NSO5025' &&
        f.severity === 'error' &&
        f.cluster === 'venice' &&
        f.message.includes(`${NS} selects naples by the inventory, florence, naples`),
    ),
    d.stderr,
  )
  // status reports it as an error too, and blocks nothing (it writes nothing anyway).
  const st = await nsoffload(['status', '--format', 'json'])
  assert.is(st.code, 1, st.stderr + st.stdout)
  assert.equal(
    drift(st.stderr).map((f) => [f.code, f.severity, f.cluster]),
    [
      ['NSO5025', 'error', 'venice'],
      ['NSO5025', 'error', 'venice'],
    ],
    st.stderr,
  )
  const reported = listed(st.stdout).filter((f) => f.code === 'NSO5025')
  assert.ok(reported.length === 2 && reported.every((f) => f.severity === 'error' && f.cluster === 'venice' && f.blocking === undefined), st.stdout)
})

e2e('--allow-inventory-drift syncs what the inventory says; the label back, the inventory checks clean again', async () => {
  const s = await nsoffload(['sync', '--allow-inventory-drift'])
  assert.is(s.code, 0, s.stderr + s.stdout)
  const allowed = drift(s.stderr)
  assert.ok(allowed.length === 2 && allowed.every((f) => f.code === 'NSO5025' && f.severity === 'warning' && f.cluster === 'venice'), s.stderr)
  assert.ok(await exists('naples', ['namespace', NEW]), 'the twin the inventory selects')
  assert.not.ok(await exists('florence', ['namespace', NEW]), 'none where only the live node points')
  await relabel('center')
  assert.is((await nsoffload(['inventory', 'pull', '--check'])).code, 0)
  const since = await offsets()
  const again = await nsoffload(['sync'])
  assert.is(again.code, 0, again.stderr + again.stdout)
  assert.equal(drift(again.stderr), [])
  assert.equal(await writes(since), [], 'nothing left to write')
})

/** What sync needs on venice for these policies (no workloads), less nodes: namespaces, NamespaceOffloadings, the CRD, the set's parent Secret. */
const NO_NODES_RBAC = `apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: ${NO_NODES}}
rules:
  - {apiGroups: [""], resources: [namespaces], verbs: [get, list, create, patch, update]}
  - {apiGroups: [offloading.liqo.io], resources: [namespaceoffloadings, namespaceoffloadings/status], verbs: [get, list, create, patch, update]}
  - {apiGroups: [apiextensions.k8s.io], resources: [customresourcedefinitions], verbs: [get]}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: ${NO_NODES}}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: ${NO_NODES}}
subjects: [{apiGroup: rbac.authorization.k8s.io, kind: User, name: ${NO_NODES}}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: ${NO_NODES}, namespace: default}
rules:
  - {apiGroups: [""], resources: [secrets], verbs: [get, create, patch]}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: ${NO_NODES}, namespace: default}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: ${NO_NODES}}
subjects: [{apiGroup: rbac.authorization.k8s.io, kind: User, name: ${NO_NODES}}]
`

/** The harness kubeconfig with venice's context acting as the user `id-no-nodes` (impersonated by the admin); the remotes as admin. */
function noNodesKubeconfig(): string {
  const doc = JSON.parse(fs.readFileSync(env.kubeconfigPath, 'utf8')) as {
    users: { name: string; user: Record<string, unknown> }[]
    contexts: { name: string; context: { user: string } }[]
  }
  const ctx = doc.contexts.find((c) => c.name === 'venice')
  const admin = doc.users.find((u) => u.name === ctx?.context.user)
  assert.ok(ctx && admin, 'the harness kubeconfig has venice')
  doc.users.push({ name: NO_NODES, user: { ...admin.user, as: NO_NODES } })
  ctx.context.user = NO_NODES
  const file = path.join(tempTree({}), 'kubeconfig.json')
  fs.writeFileSync(file, JSON.stringify(doc), { mode: 0o600 })
  return file
}

const canI = async (verb: string, resource: string): Promise<boolean> =>
  (await env.kubectl('venice', ['auth', 'can-i', verb, resource, `--as=${NO_NODES}`])).stdout.trim() === 'yes'

e2e(
  'a user who may not list nodes: sync writes nothing (exit 1, NSO5027 with the kubectl commands that grant it); --allow-inventory-drift syncs unchecked; granted, it checks',
  async () => {
    const applied = await env.kubectl('venice', ['apply', '-f', '-'], NO_NODES_RBAC)
    assert.is(applied.code, 0, applied.stderr)
    await poll('the user may list namespaces', async () => ((await canI('list', 'namespaces')) ? true : undefined), { timeoutMs: 60_000, intervalMs: 200 })
    assert.not.ok(await canI('list', 'nodes'))
    fs.writeFileSync(path.join(work, 'policies', `${RBAC_NS}.yaml`), policy(RBAC_NS))
    const kubeconfig = noNodesKubeconfig()
    const run = (args: string[]) => runCli([...args, '--kubeconfig', kubeconfig], work)

    const since = await offsets()
    const refused = await run(['sync'])
    assert.is(refused.code, 1, refused.stderr + refused.stdout)
    const [unread, ...others] = drift(refused.stderr)
    assert.equal([unread?.code, unread?.severity, unread?.cluster, others], ['NSO5027', 'error', 'venice', []], refused.stderr)
    const line = unread?.message ?? ''
    // The API server's own words, and the way out.
    assert.ok(line.includes(`(nodes is forbidden: User "${NO_NODES}" cannot list resource "nodes" in API group "" at the cluster scope)`), refused.stderr)
    assert.ok(line.includes('--allow-inventory-drift'), line)
    const j = await run(['sync', '--format', 'json'])
    assert.is(j.code, 1, j.stderr)
    assert.equal(
      listed(j.stdout).map((f) => [f.code, f.severity, f.cluster, f.object, f.blocking]),
      [['NSO5027', 'error', 'venice', 'inventory', true]],
    )
    assert.equal(await writes(since), [], 'no write request at all, dry runs included')
    assert.not.ok(await exists('naples', ['namespace', RBAC_NS]))

    const allowed = await run(['sync', '--allow-inventory-drift'])
    assert.is(allowed.code, 0, allowed.stderr + allowed.stdout)
    assert.equal(
      drift(allowed.stderr).map((f) => [f.code, f.severity, f.cluster]),
      [['NSO5027', 'warning', 'venice']],
      allowed.stderr,
    )
    assert.ok(await exists('naples', ['namespace', RBAC_NS]), 'synced as the inventory says')

    // The commands the message gives, run as they are written (an administrator of venice: the harness' admin).
    const commands = /grants list on nodes: (.*?);/.exec(line)?.[1]?.split(' && ') ?? []
    assert.is(commands.length, 2, line)
    for (const c of commands) {
      const [kubectl, ...args] = c.split(' ')
      assert.is(kubectl, 'kubectl', c)
      const r = await env.kubectl('venice', args)
      assert.is(r.code, 0, `${c}: ${r.stderr}`)
    }
    await poll('the user may list nodes', async () => ((await canI('list', 'nodes')) ? true : undefined), { timeoutMs: 60_000, intervalMs: 200 })
    const checked = await run(['sync'])
    assert.is(checked.code, 0, checked.stderr + checked.stdout)
    assert.equal(drift(checked.stderr), [], 'checked, and clean')
  },
)

e2e(
  'a virtual node relabelled live so that a workload could run elsewhere (selection unchanged): sync writes nothing (NSO5025 naming the workload)',
  async () => {
    // Every cluster selected; the Deployment runs where region is center: florence, by the inventory.
    fs.writeFileSync(
      path.join(work, 'policies', `${PLACE}.yaml`),
      `apiVersion: nsoffload.dev/v1alpha1\nkind: OffloadingPolicy\nmetadata:\n  name: ${PLACE}\nspec:\n  namespaceMappingStrategy: EnforceSameName\n  workloads: [../apps/${PLACE}/]\n`,
    )
    fs.mkdirSync(path.join(work, 'apps', PLACE), { recursive: true })
    fs.writeFileSync(
      path.join(work, 'apps', PLACE, 'web.yaml'),
      'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: 0\n  selector: {matchLabels: {app: web}}\n  template:\n    metadata: {labels: {app: web}}\n    spec:\n      nodeSelector: {topology.liqo.io/region: center}\n      containers: [{name: web, image: nginx}]\n',
    )
    await relabel('north')
    try {
      const since = await offsets()
      const s = await nsoffload(['sync'])
      assert.is(s.code, 1, s.stderr + s.stdout)
      // One finding, the workload's: the selection is the same.
      const said = drift(s.stderr)
      assert.equal(
        said.map((f) => [f.code, f.severity, f.cluster]),
        [['NSO5025', 'error', 'venice']],
        s.stderr,
      )
      assert.ok(said[0]?.message.includes(`deployment/${PLACE}/web can run on cluster florence by the inventory, on nothing by the live nodes`), s.stderr)
      assert.ok(said[0]?.message.includes(LABEL('center', 'north')), s.stderr)
      const j = await nsoffload(['sync', '--format', 'json'])
      assert.is(j.code, 1, j.stderr)
      assert.equal(
        listed(j.stdout)
          .filter((f) => f.code === 'NSO5025')
          .map((f) => [f.cluster, f.namespace, f.object, f.blocking]),
        [['venice', PLACE, `deployment/${PLACE}/web`, true]],
      )
      assert.equal(await writes(since), [], 'no write request at all, dry runs included')
      assert.not.ok(await exists('venice', ['namespace', PLACE]))
    } finally {
      await relabel('center')
    }
  },
)

test.run()
