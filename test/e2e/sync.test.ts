import * as fs from 'node:fs'
import * as path from 'node:path'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { KubeClient } from '../../src/kube/kube-client.ts'
import { connect } from '../../src/kube/kubeconfig.ts'
import { REPO, runCli, tempTree } from '../helpers/cli.ts'
import { type ControlPlaneEnv, e2eSkipReason, getSharedEnv, poll } from './harness/control-plane.ts'

/**
 * nsoffload sync, diff and status against three real Kubernetes control planes (venice,
 * florence, naples): Liqo's tutorial synced, Liqo's exact status, the real scheduler placing
 * the patched workloads, no writes on a second sync, other people's objects untouched, and
 * destructive changes and unoffloading behind their flags.
 */
const skip = e2eSkipReason('sync')
const e2e = skip === null ? test : test.skip
let env: ControlPlaneEnv
let work: string

const CLUSTERS = ['venice', 'florence', 'naples'] as const

test.before(async () => {
  if (skip !== null) return
  env = await getSharedEnv()
  // A clean slate for the CRD: this suite owns it.
  await env.kubectl('venice', ['delete', 'crd', 'namespaceoffloadings.offloading.liqo.io', '--ignore-not-found', '--wait=true'])
  work = tempTree({
    'inventory.yaml': fs.readFileSync(path.join(REPO, 'inventory.yaml'), 'utf8'),
    'policies/liqo-demo.yaml': fs.readFileSync(path.join(REPO, 'policies', 'liqo-demo.yaml'), 'utf8'),
    'apps/liqo-demo/deploy.yaml': fs.readFileSync(path.join(REPO, 'apps', 'liqo-demo', 'deploy.yaml'), 'utf8'),
  })
  // Nodes without kubelets, as Liqo would show them on venice: its own node and one virtual node per remote.
  const taint = { key: 'virtual-node.liqo.io/not-allowed', value: 'true', effect: 'NoExecute' as const }
  await env.createNodes('venice', [
    { name: 'venice-control-plane', labels: { 'kubernetes.io/hostname': 'venice-control-plane', 'topology.liqo.io/region': 'north' } },
    {
      name: 'florence',
      labels: { 'liqo.io/type': 'virtual-node', 'liqo.io/remote-cluster-id': 'florence', 'topology.liqo.io/region': 'center' },
      taints: [taint],
    },
    { name: 'naples', labels: { 'liqo.io/type': 'virtual-node', 'liqo.io/remote-cluster-id': 'naples', 'topology.liqo.io/region': 'south' }, taints: [taint] },
  ])
})

test.after(async () => {
  if (skip !== null || (env as ControlPlaneEnv | undefined) === undefined) return
  for (const c of CLUSTERS)
    for (const ns of ['liqo-demo', 'liqo-demo-venice', 'legacy-app', 'shop', 'keep']) await env.deleteNamespace(c, ns, 30_000).catch(() => false)
  await env.deleteNodes('venice', ['venice-control-plane', 'florence', 'naples']).catch(() => undefined)
  for (const c of ['venice', 'florence', 'naples'])
    await env.kubectl(c, ['delete', 'secret', 'nsoffload-italy', '-n', 'default', '--ignore-not-found']).catch(() => undefined)
})

const nsoffload = (args: string[]) => runCli([...args, '--kubeconfig', env.kubeconfigPath], work)

async function json(cluster: string, args: string[]): Promise<Record<string, unknown>> {
  const r = await env.kubectl(cluster, [...args, '-o', 'json'])
  assert.is(r.code, 0, r.stderr)
  return JSON.parse(r.stdout) as Record<string, unknown>
}
const exists = async (cluster: string, args: string[]): Promise<boolean> =>
  (await env.kubectl(cluster, ['get', ...args, '--ignore-not-found', '-o', 'name'])).stdout.trim() !== ''

async function offsets(): Promise<Record<string, number>> {
  const out: Record<string, number> = {}
  for (const c of CLUSTERS) out[c] = await env.auditOffset(c)
  return out
}
/** Writes nsoffload sent since the offsets (dry-run ones apart when `real`). */
async function writes(since: Record<string, number>, real = true): Promise<string[]> {
  const out: string[] = []
  for (const c of CLUSTERS) {
    for (const w of await env.auditWrites(c, since[c])) {
      if (w.userAgent.startsWith('nsoffload') && (!real || !w.dryRun))
        out.push(`${c} ${w.verb} ${w.resource}/${w.namespace}/${w.name}${w.subresource ? `/${w.subresource}` : ''}`)
    }
  }
  return out
}

e2e('nsoffload reaches kube-apiserver with the credentials of the kubeconfig', async () => {
  const conns = await connect(
    env.kubeconfigPath,
    CLUSTERS.map((c) => ({ cluster: c, context: c })),
  )
  for (const conn of conns) {
    const client = new KubeClient(conn)
    try {
      const ns = await client.get<{ metadata: { name: string } }>('/api/v1/namespaces/default')
      assert.is(ns?.metadata.name, 'default')
    } finally {
      client.close()
    }
  }
})

e2e('without the NamespaceOffloading CRD: a clear error, exit 2, nothing written', async () => {
  const before = await offsets()
  const r = await nsoffload(['sync'])
  assert.is(r.code, 2, r.stderr)
  assert.match(
    r.stderr,
    /the NamespaceOffloading CRD \(namespaceoffloadings\.offloading\.liqo\.io\) is not installed on venice: install Liqo, or run with --install-crds/,
  )
  assert.equal(await writes(before, false), [])
})

e2e('--dry-run changes nothing (every write carries dryRun=All)', async () => {
  const before = await offsets()
  const r = await nsoffload(['sync', '--install-crds', '--dry-run'])
  assert.is(r.code, 0, r.stderr)
  assert.match(r.stderr, /would install the NamespaceOffloading CRD/)
  assert.equal(await writes(before, true), [], 'no write without dryRun')
  assert.ok((await writes(before, false)).length > 0, 'the dry-run requests did reach the servers')
  assert.not.ok(await exists('venice', ['crd', 'namespaceoffloadings.offloading.liqo.io']))
  assert.not.ok(await exists('naples', ['namespace', 'liqo-demo']))
})

e2e("sync: Liqo tutorial offloaded, status Ready with Liqo's exact conditions, twin on naples only", async () => {
  const r = await nsoffload(['sync', '--install-crds'])
  assert.is(r.code, 0, r.stderr + r.stdout)
  assert.match(r.stdout, /^NAMESPACE\s+PHASE\s+REMOTE NAME\s+FLORENCE\s+NAPLES\nliqo-demo\s+Ready\s+liqo-demo\s+NotSelected\s+Ready\n/)
  const nso = await json('venice', ['get', 'namespaceoffloading', 'offloading', '-n', 'liqo-demo'])
  const status = nso['status'] as Record<string, unknown>
  assert.is(status['offloadingPhase'], 'Ready')
  assert.is(status['remoteNamespaceName'], 'liqo-demo')
  assert.is(status['observedGeneration'], (nso['metadata'] as Record<string, unknown>)['generation'])
  const conds = status['remoteNamespacesConditions'] as Record<string, Record<string, string>[]>
  const strip = (cs: Record<string, string>[] | undefined) =>
    (cs ?? []).map(({ lastTransitionTime, ...c }) => (assert.match(lastTransitionTime ?? '', /^\d{4}-\d\d-\d\dT/), c))
  assert.equal(strip(conds['florence']), [
    {
      type: 'OffloadingRequired',
      status: 'False',
      reason: 'ClusterNotSelected',
      message: 'The remote cluster has not been selected through the ClusterSelector field',
    },
  ])
  assert.equal(strip(conds['naples']), [
    {
      type: 'OffloadingRequired',
      status: 'True',
      reason: 'ClusterSelected',
      message: 'The remote cluster has been selected through the ClusterSelector field',
    },
    { type: 'Ready', status: 'True', reason: 'NamespaceCreated', message: 'Namespace correctly offloaded to the remote cluster' },
  ])
  const twin = await json('naples', ['get', 'namespace', 'liqo-demo'])
  const md = twin['metadata'] as { annotations: Record<string, string>; labels: Record<string, string> }
  assert.is(md.annotations['liqo.io/managed-by-namespace-map'], 'liqo-tenant-venice/naples')
  assert.is(md.annotations['liqo.io/original-name'], 'liqo-demo')
  assert.is(md.labels['liqo.io/remote-cluster-id'], 'venice')
  assert.not.ok(await exists('florence', ['namespace', 'liqo-demo']))
  const home = await json('venice', ['get', 'namespace', 'liqo-demo'])
  assert.is((home['metadata'] as { labels: Record<string, string> }).labels['liqo.io/scheduling-enabled'], 'true')
  // The same, read back by `status`.
  const s = await nsoffload(['status', '--format', 'json'])
  assert.is(s.code, 0, s.stderr)
  const rows = (JSON.parse(s.stdout) as { namespaces: { namespace: string; status: { offloadingPhase: string } }[] }).namespaces
  assert.equal(
    rows.map((x) => [x.namespace, x.status.offloadingPhase]),
    [['liqo-demo', 'Ready']],
  )
})

e2e('the real kube-scheduler binds app-south to the naples virtual node and leaves app-center unscheduled', async () => {
  const deployments = await json('venice', ['get', 'deployments', '-n', 'liqo-demo'])
  const names = ((deployments['items'] as { metadata: { name: string } }[]) ?? []).map((d) => d.metadata.name).sort()
  assert.equal(names, ['app-center', 'app-south'], 'sync applied the patched workloads')
  const podOf = async (app: string): Promise<{ nodeName?: string } | undefined> => {
    const pods = await json('venice', ['get', 'pods', '-n', 'liqo-demo', '-l', `app=${app}`])
    return (pods['items'] as { spec: { nodeName?: string } }[])[0]?.spec ?? undefined
  }
  const south = await poll('app-south bound', async () => (await podOf('app-south'))?.nodeName, { timeoutMs: 60_000 })
  assert.is(south, 'naples')
  await poll('app-center pod created', async () => (await podOf('app-center')) !== undefined || undefined, { timeoutMs: 60_000 })
  const events = await poll(
    'app-center FailedScheduling',
    async () => {
      const ev = await json('venice', ['get', 'events', '-n', 'liqo-demo', '--field-selector', 'reason=FailedScheduling'])
      const items = (ev['items'] as { message: string; involvedObject: { name: string } }[]).filter((e) => e.involvedObject.name.startsWith('app-center'))
      return items.length > 0 ? items : undefined
    },
    { timeoutMs: 60_000 },
  )
  assert.match(events[0]?.message ?? '', /0\/3 nodes are available/)
  assert.is((await podOf('app-center'))?.nodeName, undefined)
  // The preview agrees with the scheduler.
  const plan = await runCli(['plan', '--format', 'json'], work)
  const wl =
    (JSON.parse(plan.stdout) as { namespaces: { workloads: { name: string; schedulable: boolean; nodes: string[] }[] }[] }).namespaces[0]?.workloads ?? []
  assert.equal(wl.find((w) => w.name === 'app-south')?.nodes, ['naples'])
  assert.is(wl.find((w) => w.name === 'app-center')?.schedulable, false)
})

e2e('a second sync with nothing changed sends no write request at all (only the dry runs of the workloads)', async () => {
  const before = await offsets()
  const r = await nsoffload(['sync'])
  assert.is(r.code, 0, r.stderr)
  assert.equal(await writes(before), [])
  // The workloads' "after" comes from the server: one dry-run apply each, and nothing else.
  assert.equal((await writes(before, false)).sort(), ['venice patch deployments/liqo-demo/app-center', 'venice patch deployments/liqo-demo/app-south'])
  assert.match(r.stderr, / 0 write requests/)
  const md = await nsoffload(['sync', '--dry-run', '--format', 'markdown'])
  assert.is(md.code, 0, md.stderr)
  assert.ok(md.stdout.startsWith('<!-- nsoffload:sync -->\n'), md.stdout)
  assert.match(md.stdout, /liqo-demo/)
  assert.match(md.stdout, /Ready/)
})

e2e('diff: nothing to show after sync (exit 0), a drift shows as a unified diff (exit 1)', async () => {
  const clean = await nsoffload(['diff'])
  assert.is(clean.code, 0, clean.stderr + clean.stdout)
  assert.is(clean.stdout, '')
  // Someone edits the NamespaceOffloading by hand (as another field manager).
  const p = await env.kubectl('venice', [
    '-n',
    'liqo-demo',
    'patch',
    'namespaceoffloading',
    'offloading',
    '--type',
    'merge',
    '-p',
    '{"spec":{"podOffloadingStrategy":"Remote"}}',
  ])
  assert.is(p.code, 0, p.stderr)
  const drift = await nsoffload(['diff'])
  assert.is(drift.code, 1)
  assert.match(
    drift.stdout,
    /--- live\/venice\/namespaceoffloading\/liqo-demo\/offloading\n\+\+\+ rendered\/venice\/namespaceoffloading\/liqo-demo\/offloading\n/,
  )
  assert.match(drift.stdout, /-  podOffloadingStrategy: Remote\n\+  podOffloadingStrategy: LocalAndRemote/)
  const md = await nsoffload(['diff', '--format', 'markdown'])
  assert.is(md.code, 1)
  assert.ok(md.stdout.startsWith('<!-- nsoffload:diff -->\n'), md.stdout)
  assert.match(md.stdout, /```diff\n[^]*\+  podOffloadingStrategy: LocalAndRemote/)
  // sync puts it back: the field was changed by another manager, so that is a conflict to force.
  const conflict = await nsoffload(['sync'])
  assert.is(conflict.code, 1)
  assert.match(conflict.stderr, /conflict: .*--force-conflicts/)
  const forced = await nsoffload(['sync', '--force-conflicts'])
  assert.is(forced.code, 0, forced.stderr)
  assert.is(
    ((await json('venice', ['get', 'nso', 'offloading', '-n', 'liqo-demo']))['spec'] as Record<string, string>)['podOffloadingStrategy'],
    'LocalAndRemote',
  )
  assert.is((await nsoffload(['diff'])).code, 0)
})

const SHOP = {
  'policies/shop.yaml':
    'apiVersion: nsoffload.dev/v1alpha1\nkind: OffloadingPolicy\nmetadata:\n  name: shop\nspec:\n  namespaceMappingStrategy: EnforceSameName\n  clusterSelector: ["topology.liqo.io/region=south"]\n  workloads: [../apps/shop/]\n',
  // stringData: the server keeps it as base64 `data`.
  'apps/shop/secret.yaml': 'apiVersion: v1\nkind: Secret\nmetadata:\n  name: creds\nstringData:\n  password: hunter2\n  user: admin\n',
  // cpu: 1, a number: the server keeps the quantity "1"; and 1024Mi, which it keeps as 1Gi.
  'apps/shop/deploy.yaml':
    'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  selector:\n    matchLabels: {app: web}\n  template:\n    metadata:\n      labels: {app: web}\n    spec:\n      containers:\n        - name: web\n          image: nginx\n          resources:\n            requests:\n              cpu: 1\n              memory: 1024Mi\n',
  // protocol and targetPort left to the server's defaults.
  'apps/shop/service.yaml': 'apiVersion: v1\nkind: Service\nmetadata:\n  name: web\nspec:\n  selector: {app: web}\n  ports:\n    - port: 80\n',
}
const b64 = (s: string): string => Buffer.from(s).toString('base64')

e2e(
  'workloads the server normalises (stringData, cpu: 1, defaulted ports): a second sync writes nothing, diff exits 0; a change in Git shows exactly that change, Secrets masked',
  async () => {
    for (const [f, text] of Object.entries(SHOP)) {
      fs.mkdirSync(path.dirname(path.join(work, f)), { recursive: true })
      fs.writeFileSync(path.join(work, f), text)
    }
    const first = await nsoffload(['sync'])
    assert.is(first.code, 0, first.stderr + first.stdout)
    const secret = await json('venice', ['get', 'secret', 'creds', '-n', 'shop'])
    assert.equal(secret['data'], { password: b64('hunter2'), user: b64('admin') })
    assert.is(secret['stringData'], undefined)
    const svc = await json('venice', ['get', 'service', 'web', '-n', 'shop'])
    assert.equal((svc['spec'] as { ports: unknown[] }).ports, [{ port: 80, protocol: 'TCP', targetPort: 80 }])

    const since = await offsets()
    const again = await nsoffload(['sync'])
    assert.is(again.code, 0, again.stderr)
    assert.equal(await writes(since), [], 'no write on the second sync')
    assert.match(again.stderr, /0 changes, 0 failed, 0 write requests/)
    const dryRuns = (await writes(since, false)).filter((w) => w.includes('/shop/')).sort()
    assert.equal(
      dryRuns,
      // The Secret (applied as base64 data, owned as applied) needs none (issue 19.3); cpu: 1 and the defaulted port are read back otherwise.
      ['venice patch deployments/shop/web', 'venice patch services/shop/web'],
      'one dry-run apply per workload the server may normalise',
    )
    const clean = await nsoffload(['diff'])
    assert.is(clean.code, 0, clean.stderr + clean.stdout)
    assert.is(clean.stdout, '')
    assert.match(clean.stderr, /0 to create, 0 to change, 0 to delete/)

    // Changed in Git: the CPU request and the password.
    fs.writeFileSync(path.join(work, 'apps/shop/deploy.yaml'), SHOP['apps/shop/deploy.yaml'].replace('cpu: 1', 'cpu: 1500m'))
    fs.writeFileSync(path.join(work, 'apps/shop/secret.yaml'), SHOP['apps/shop/secret.yaml'].replace('hunter2', 'correct-horse'))
    const changed = await nsoffload(['diff'])
    assert.is(changed.code, 1, changed.stderr)
    assert.match(changed.stderr, /0 to create, 2 to change, 0 to delete/)
    // Exactly the two changes, nothing the server normalised (memory, stringData, ports).
    const lines = changed.stdout
      .split('\n')
      .filter((l) => /^[-+](?![-+]{2} )/.test(l))
      .map((l) => `${l[0]} ${l.slice(1).trim()}`)
    assert.equal(lines.sort(), ['+ cpu: 1500m', '+ password: "*** (after)"', '- cpu: "1"', '- password: "*** (before)"'])
    for (const secretText of ['hunter2', 'correct-horse', b64('hunter2'), b64('correct-horse'), b64('admin')])
      assert.not.ok(changed.stdout.includes(secretText), secretText)
    assert.match(changed.stdout, /--- live\/venice\/secret\/shop\/creds\n\+\+\+ rendered\/venice\/secret\/shop\/creds\n[^]*  user: "\*\*\*"\n/)
    for (const format of ['json', 'markdown']) {
      const r = await nsoffload(['diff', '--format', format])
      assert.is(r.code, 1, r.stderr)
      assert.ok(r.stdout.includes('*** (after)'), format)
      assert.not.ok(r.stdout.includes(b64('correct-horse')) || r.stdout.includes(b64('hunter2')), format)
    }
    const shown = await nsoffload(['diff', '--show-secrets'])
    assert.is(shown.code, 1)
    assert.match(shown.stdout, new RegExp(`-  password: ${b64('hunter2')}\\n\\+  password: ${b64('correct-horse')}\\n`))
    const shownJson = await nsoffload(['diff', '--show-secrets', '--format', 'json'])
    assert.ok(shownJson.stdout.includes(b64('correct-horse')))

    // sync --dry-run changes nothing; sync applies exactly the two, then nothing is left.
    const dry = await nsoffload(['sync', '--dry-run'])
    assert.is(dry.code, 0, dry.stderr)
    assert.equal((await json('venice', ['get', 'secret', 'creds', '-n', 'shop']))['data'], { password: b64('hunter2'), user: b64('admin') })
    const before = await offsets()
    const applied = await nsoffload(['sync'])
    assert.is(applied.code, 0, applied.stderr)
    assert.equal((await writes(before)).sort(), ['venice patch deployments/shop/web', 'venice patch secrets/shop/creds'])
    assert.is(((await json('venice', ['get', 'secret', 'creds', '-n', 'shop']))['data'] as Record<string, string>)['password'], b64('correct-horse'))
    const after = await nsoffload(['diff'])
    assert.is(after.code, 0, after.stdout)

    // A key removed from the Secret's stringData in Git is removed from the Secret: nsoffload
    // applies stringData as the `data` the server stores, so it owns `data.user` and the apply
    // without it drops it (applied as stringData, it would own a field the server never keeps).
    fs.writeFileSync(path.join(work, 'apps/shop/secret.yaml'), SHOP['apps/shop/secret.yaml'].replace('hunter2', 'correct-horse').replace('  user: admin\n', ''))
    const removed = await nsoffload(['sync'])
    assert.is(removed.code, 0, removed.stderr)
    assert.equal((await json('venice', ['get', 'secret', 'creds', '-n', 'shop']))['data'], { password: b64('correct-horse') })
    assert.is((await nsoffload(['diff'])).code, 0)
  },
)

e2e('an unmanaged namespace and its contents are never touched: CreationLoopBackOff, SomeFailed/AllFailed, exit 1', async () => {
  const a = await env.kubectl('naples', ['create', 'namespace', 'legacy-app'])
  assert.is(a.code, 0, a.stderr)
  assert.is((await env.kubectl('naples', ['-n', 'legacy-app', 'create', 'configmap', 'precious', '--from-literal=k=v'])).code, 0)
  const before = await json('naples', ['get', 'namespace', 'legacy-app'])
  fs.writeFileSync(
    path.join(work, 'policies', 'legacy-app.yaml'),
    'apiVersion: nsoffload.dev/v1alpha1\nkind: OffloadingPolicy\nmetadata:\n  name: legacy-app\nspec:\n  namespaceMappingStrategy: EnforceSameName\n',
  )
  const since = await offsets()
  const r = await nsoffload(['sync', '--format', 'json'])
  assert.is(r.code, 1, r.stderr)
  const report = JSON.parse(r.stdout) as {
    namespaces: { namespace: string; status: { offloadingPhase: string; remoteNamespacesConditions: Record<string, { reason: string }[]> } }[]
  }
  const legacy = report.namespaces.find((n) => n.namespace === 'legacy-app')
  assert.is(legacy?.status.offloadingPhase, 'SomeFailed')
  assert.is(legacy?.status.remoteNamespacesConditions['naples']?.[1]?.reason, 'CreationLoopBackOff')
  assert.is(legacy?.status.remoteNamespacesConditions['florence']?.[1]?.reason, 'NamespaceCreated')
  assert.not.ok(
    (await writes(since)).some((w) => w.startsWith('naples')),
    'nothing written on naples',
  )
  const after = await json('naples', ['get', 'namespace', 'legacy-app'])
  assert.equal(after['metadata'], before['metadata'])
  assert.ok(await exists('naples', ['configmap', 'precious', '-n', 'legacy-app']))
  fs.rmSync(path.join(work, 'policies', 'legacy-app.yaml'))
  const prune = await nsoffload(['sync', '--prune', '--wait', '--timeout', '180s'])
  assert.is(prune.code, 0, prune.stderr)
  assert.ok(await exists('naples', ['configmap', 'precious', '-n', 'legacy-app']), 'still there after pruning')
  assert.not.ok(await exists('florence', ['namespace', 'legacy-app']), 'our own twin was pruned')
})

e2e('a new mapping strategy is refused without --allow-destructive (nothing changes), done with it', async () => {
  const file = path.join(work, 'policies', 'liqo-demo.yaml')
  const original = fs.readFileSync(file, 'utf8')
  fs.writeFileSync(file, original.replace('namespaceMappingStrategy: EnforceSameName', 'namespaceMappingStrategy: DefaultName'))
  const since = await offsets()
  const refused = await nsoffload(['sync'])
  assert.is(refused.code, 1)
  assert.match(
    refused.stderr,
    /namespaceMappingStrategy EnforceSameName -> DefaultName \(remote namespace liqo-demo -> liqo-demo-venice\).*refused without --allow-destructive/,
  )
  assert.equal(await writes(since, false), [], 'a refused sync sends no write, not even a dry run')
  const done = await nsoffload(['sync', '--allow-destructive', '--wait', '--timeout', '180s'])
  assert.is(done.code, 0, done.stderr)
  assert.ok(await exists('naples', ['namespace', 'liqo-demo-venice']))
  await poll('old twin gone', async () => !(await exists('naples', ['namespace', 'liqo-demo'])) || undefined, { timeoutMs: 60_000 })
  fs.writeFileSync(file, original)
  assert.is((await nsoffload(['sync', '--allow-destructive', '--wait', '--timeout', '180s'])).code, 0)
})

e2e('unoffloading needs --prune: then twins, NamespaceOffloading and label go; namespace and workloads stay', async () => {
  fs.rmSync(path.join(work, 'policies', 'liqo-demo.yaml'))
  fs.writeFileSync(
    path.join(work, 'policies', 'keep.yaml'),
    'apiVersion: nsoffload.dev/v1alpha1\nkind: OffloadingPolicy\nmetadata:\n  name: keep\nspec:\n  clusterSelector: ["nowhere=1"]\n',
  )
  const since = await offsets()
  const listed = await nsoffload(['sync'])
  assert.is(listed.code, 0, listed.stderr)
  assert.match(listed.stderr, /policy removed: would unoffload liqo-demo .*run with --prune/)
  assert.not.ok((await writes(since)).some((w) => w.includes('liqo-demo')))
  const pruned = await nsoffload(['sync', '--prune', '--wait', '--timeout', '180s'])
  assert.is(pruned.code, 0, pruned.stderr)
  await poll('twin gone', async () => !(await exists('naples', ['namespace', 'liqo-demo'])) || undefined, { timeoutMs: 60_000 })
  assert.not.ok(await exists('venice', ['nso', 'offloading', '-n', 'liqo-demo']))
  const home = await json('venice', ['get', 'namespace', 'liqo-demo'])
  assert.is((home['metadata'] as { labels: Record<string, string> }).labels['liqo.io/scheduling-enabled'], undefined)
  assert.ok(await exists('venice', ['deployment', 'app-south', '-n', 'liqo-demo']), 'the application stays')
})

test.run()
