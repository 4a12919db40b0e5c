import { randomBytes } from 'node:crypto'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { e2eSkipReason, getSharedEnv, poll, type ControlPlaneEnv } from './harness/control-plane.ts'

/**
 * The e2e environment itself: three real control planes (venice, florence, naples) on one
 * etcd, real scheduler and controller-manager, audit logs. If these fail, every e2e suite
 * built on the harness would give meaningless answers.
 */

const skip = e2eSkipReason('control-plane')
const e2e = skip === null ? test : test.skip
const suffix = randomBytes(3).toString('hex')
const NS = `cp-e2e-${suffix}`
const NODES = [`cp-e2e-${suffix}-a`, `cp-e2e-${suffix}-b`]
const POOL = `e2e.nsoffload.dev/pool-${suffix}`

let env: ControlPlaneEnv // set before each test; undefined if start-up failed

// Not test.before: uvu 0.5.6 swallows an error thrown by a `before` hook (the suite reports
// "0 / N" and exits 0). An error in `before.each` fails each test, loudly. getSharedEnv() is
// memoized, so the clusters start once.
test.before.each(async () => {
  if (skip === null) env = await getSharedEnv()
})

test.after(async () => {
  if (skip !== null || (env as ControlPlaneEnv | undefined) === undefined) return
  await env.deleteNamespace('venice', NS, 30_000).catch(() => false)
  await env.deleteNodes('venice', NODES).catch(() => undefined)
})

const ok = async (cluster: string, args: string[], stdin?: string, user?: string): Promise<string> => {
  const r = await env.kubectl(cluster, args, stdin, user === undefined ? {} : { user })
  assert.is(r.code, 0, `kubectl --context ${cluster} ${args.join(' ')} failed:\n${r.stderr}`)
  return r.stdout
}

e2e('every context of the one kubeconfig answers `kubectl get ns default`', async () => {
  assert.equal(env.clusterNames, ['venice', 'florence', 'naples'])
  const servers = new Set<string>()
  for (const name of env.clusterNames) {
    const c = env.clusters[name]
    assert.ok(c, name)
    assert.is(c.context, name)
    assert.match(c.server, /^https:\/\/127\.0\.0\.1:\d+$/)
    servers.add(c.server)
    const out = await ok(name, ['get', 'ns', 'default', '-o', 'jsonpath={.metadata.name}/{.status.phase}'])
    assert.is(out, 'default/Active')
  }
  assert.is(servers.size, 3, 'each cluster has its own API server')
  const contexts = await ok('venice', ['config', 'get-contexts', '-o', 'name'])
  assert.equal(contexts.trim().split('\n').sort(), ['florence', 'naples', 'venice'])
  const version = await env.request('naples', { path: '/version' })
  assert.is(version.status, 200)
  // The release under test (NSOFFLOAD_K8S_RELEASE), and kubectl of the same release.
  assert.match(version.body, new RegExp(`"gitVersion":\\s*"v${env.release.replace('.', '\\.')}\\.\\d+"`))
  const client = JSON.parse(await ok('naples', ['version', '--client', '-o', 'json'])) as { clientVersion: { gitVersion: string } }
  assert.match(client.clientVersion.gitVersion, new RegExp(`^v${env.release.replace('.', '\\.')}\\.\\d+$`), env.kubectlPath)
})

e2e('clusters are separate: a namespace created in venice is not in naples or florence', async () => {
  await ok('venice', ['create', 'namespace', NS])
  await ok('venice', ['get', 'ns', NS])
  for (const other of ['naples', 'florence']) {
    const r = await env.kubectl(other, ['get', 'ns', NS])
    assert.is.not(r.code, 0, `${NS} must not exist in ${other}`)
    assert.match(r.stderr, /NotFound|not found/)
  }
})

e2e('RBAC is enforced: a user without groups is forbidden', async () => {
  const r = await env.kubectl('florence', ['get', 'ns', 'default'], undefined, { user: 'nobody' })
  assert.is.not(r.code, 0)
  assert.match(r.stderr, /forbidden/i)
})

e2e('the real scheduler binds pods by nodeSelector and leaves impossible ones Pending', async () => {
  await env.createNodes('venice', [
    { name: NODES[0] ?? '', labels: { [POOL]: 'a' } },
    { name: NODES[1] ?? '', labels: { [POOL]: 'b' } },
  ])
  const nodes = JSON.parse(await ok('venice', ['get', 'node', ...NODES, '-o', 'json'])) as {
    items: Array<{ spec: { taints?: Array<{ key: string }> }; status: { conditions: Array<{ type: string; status: string }> } }>
  }
  for (const n of nodes.items) {
    assert.ok(!(n.spec.taints ?? []).some((t) => t.key === 'node.kubernetes.io/not-ready'), 'not-ready taint removed')
    assert.ok(
      n.status.conditions.some((c) => c.type === 'Ready' && c.status === 'True'),
      'node Ready',
    )
  }
  await poll('serviceaccount default in ' + NS, async () => ((await env.kubectl('venice', ['get', 'sa', 'default', '-n', NS])).code === 0 ? true : undefined))
  const deployment = (name: string, pool: string): string =>
    JSON.stringify({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name, namespace: NS },
      spec: {
        replicas: 1,
        selector: { matchLabels: { app: name } },
        template: {
          metadata: { labels: { app: name } },
          spec: { nodeSelector: { [POOL]: pool }, containers: [{ name: 'c', image: 'registry.invalid/none:1' }] },
        },
      },
    })
  await ok('venice', ['apply', '-f', '-'], deployment('to-b', 'b'))
  await ok('venice', ['apply', '-f', '-'], deployment('nowhere', 'z'))

  const podOf = async (app: string): Promise<{ name: string; nodeName: string } | undefined> => {
    const out = await ok('venice', ['get', 'pods', '-n', NS, '-l', `app=${app}`, '-o', 'json'])
    const list = JSON.parse(out) as { items: Array<{ metadata: { name: string }; spec: { nodeName?: string } }> }
    const p = list.items[0]
    return p === undefined ? undefined : { name: p.metadata.name, nodeName: p.spec.nodeName ?? '' }
  }
  const bound = await poll(
    'pod of to-b bound to a node',
    async () => {
      const p = await podOf('to-b')
      return p !== undefined && p.nodeName !== '' ? p : undefined
    },
    { timeoutMs: 60_000, intervalMs: 500 },
  )
  assert.is(bound.nodeName, NODES[1], 'scheduled onto the node with the matching label')

  const event = await poll(
    'FailedScheduling event for the nowhere pod',
    async () => {
      const out = await ok('venice', ['get', 'events', '-n', NS, '--field-selector', 'reason=FailedScheduling', '-o', 'json'])
      const list = JSON.parse(out) as { items: Array<{ involvedObject: { name: string }; message: string }> }
      return list.items.find((e) => e.involvedObject.name.startsWith('nowhere-'))
    },
    { timeoutMs: 60_000, intervalMs: 500 },
  )
  assert.match(event.message, /node\(s\) didn't match node selector|didn't match Pod's node affinity/)
  const pending = await podOf('nowhere')
  assert.ok(pending, 'nowhere pod exists')
  assert.is(pending.nodeName, '', 'impossible pod stays unbound')
  const phase = await ok('venice', ['get', 'pod', '-n', NS, pending.name, '-o', 'jsonpath={.status.phase}'])
  assert.is(phase, 'Pending')
})

e2e('audit log: counts kubectl writes by user agent and user; a read-only get writes nothing', async () => {
  const start = await env.auditOffset('venice')
  const cm = `audit-${suffix}`
  await ok('venice', ['create', 'configmap', cm, '-n', NS, '--from-literal=k=v'])
  await ok('venice', ['label', 'configmap', cm, '-n', NS, 'x=y'], undefined, 'nsoffload')

  const writes = (await env.auditWrites('venice', start)).filter((w) => w.userAgent.startsWith('kubectl/'))
  const creates = writes.filter((w) => w.verb === 'create' && w.resource === 'configmaps' && w.name === cm)
  assert.is(creates.length, 1, `exactly one create: ${JSON.stringify(writes)}`)
  assert.is(creates[0]?.user, 'admin')
  assert.is(creates[0]?.namespace, NS)
  assert.is(creates[0]?.code, 201)
  const patches = writes.filter((w) => w.verb === 'patch' && w.name === cm)
  assert.is(patches.length, 1)
  assert.is(patches[0]?.user, 'nsoffload')
  assert.is(writes.length, 2, `only the test's two writes: ${JSON.stringify(writes)}`)

  // the namespace created in the earlier test is in the log as well, from the start
  const nsCreates = (await env.auditWrites('venice')).filter(
    (w) => w.verb === 'create' && w.resource === 'namespaces' && w.name === NS && w.userAgent.startsWith('kubectl/'),
  )
  assert.is(nsCreates.length, 1)

  const beforeGet = await env.auditOffset('venice')
  await ok('venice', ['get', 'configmap', cm, '-n', NS, '-o', 'json'])
  await ok('venice', ['get', 'ns', NS])
  const after = await env.auditEvents('venice', beforeGet)
  const kubectlEvents = after.filter((e) => e.userAgent.startsWith('kubectl/'))
  assert.ok(
    kubectlEvents.some((e) => e.verb === 'get' && e.resource === 'configmaps' && e.name === cm),
    'the read was logged',
  )
  assert.is(kubectlEvents.filter((e) => e.verb !== 'get' && e.verb !== 'list').length, 0)
  assert.is((await env.auditWrites('venice', beforeGet)).filter((w) => w.userAgent.startsWith('kubectl/')).length, 0)

  // dry-run writes are recognisable
  const dryStart = await env.auditOffset('venice')
  await ok('venice', ['create', 'configmap', `${cm}-dry`, '-n', NS, '--dry-run=server'])
  const dry = (await env.auditWrites('venice', dryStart)).filter((w) => w.userAgent.startsWith('kubectl/'))
  assert.is(dry.length, 1)
  assert.ok(dry[0]?.dryRun, 'dryRun=All flagged')
})

e2e('the namespace controller finishes deleting a namespace (per cluster)', async () => {
  const ns = `cp-e2e-del-${suffix}`
  await ok('naples', ['create', 'namespace', ns])
  assert.ok(await env.deleteNamespace('naples', ns, 60_000), `${ns} deleted`)
})

test.run()
