import * as fs from 'node:fs'
import * as path from 'node:path'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { KubeClient } from '../../src/kube/kube-client.ts'
import { connect } from '../../src/kube/kubeconfig.ts'
import { readCluster } from '../../src/sync/live-state.ts'
import { REPO, runCli, tempTree } from '../helpers/cli.ts'
import { type ControlPlaneEnv, e2eSkipReason, getSharedEnv, poll } from './harness/control-plane.ts'
import { inventoryNodes } from './harness/inventory-nodes.ts'
import { type FaultProxy, kubeconfigFor, startFaultProxy } from './harness/fault-proxy.ts'

/**
 * How nsoffload lists on real API servers: a page at a time, following `continue` (and listing
 * again when a continue token expires), and, for a user whose RBAC allows workloads only in the
 * offloaded namespaces, namespace by namespace.
 */
const skip = e2eSkipReason('listing')
const e2e = skip === null ? test : test.skip
let env: ControlPlaneEnv
const OFFLOADED = ['rbac-a', 'rbac-b']
const ALL = [...OFFLOADED, 'rbac-c']
const proxies: FaultProxy[] = []
const nodeNames: string[] = []
/** Nodes for the tenant (docs/sync.md: the inventory is checked against the live virtual nodes). */
const NODES_RBAC = [
  'apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata: {name: nsoffload-tenant-nodes}\nrules:\n- apiGroups: [""]\n  resources: [nodes]\n  verbs: [list]',
  'apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleBinding\nmetadata: {name: nsoffload-tenant-nodes}\nroleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: nsoffload-tenant-nodes}\nsubjects: [{kind: ServiceAccount, name: tenant, namespace: rbac-tenant}]',
].join('\n---\n')

test.before(async () => {
  if (skip !== null) return
  env = await getSharedEnv()
})

test.after(async () => {
  for (const p of proxies) await p.close()
  if (skip !== null || (env as ControlPlaneEnv | undefined) === undefined) return
  await env.kubectl('venice', ['delete', 'clusterrolebinding,clusterrole', 'nsoffload-tenant', 'nsoffload-tenant-nodes', '--ignore-not-found'])
  await env.deleteNodes('venice', nodeNames).catch(() => undefined)
  await env.kubectl('venice', ['delete', 'rolebinding,role', 'nsoffload-applyset', '-n', 'default', '--ignore-not-found'])
  for (const c of ['venice', 'florence', 'naples']) await env.kubectl(c, ['delete', 'secret', 'nsoffload-italy', '-n', 'default', '--ignore-not-found'])
  await Promise.all(
    [...ALL, 'rbac-tenant']
      .flatMap((ns) => [env.deleteNamespace('venice', ns, 30_000), ...['florence', 'naples'].map((c) => env.deleteNamespace(c, `${ns}-venice`, 30_000))])
      .map((p) => p.catch(() => false)),
  )
})

const must = async (r: Promise<{ code: number; stdout: string; stderr: string }>): Promise<string> => {
  const x = await r
  assert.is(x.code, 0, x.stderr)
  return x.stdout
}

/** The `tenant` service account of venice: namespaces and NamespaceOffloadings cluster-wide, workloads only in the offloaded namespaces. */
async function tenantToken(): Promise<string> {
  const rules = (verbs: string) => `  verbs: [${verbs}]`
  const rbac = [
    'apiVersion: v1\nkind: Namespace\nmetadata: {name: rbac-tenant}',
    'apiVersion: v1\nkind: ServiceAccount\nmetadata: {name: tenant, namespace: rbac-tenant}',
    [
      'apiVersion: rbac.authorization.k8s.io/v1',
      'kind: ClusterRole',
      'metadata: {name: nsoffload-tenant}',
      'rules:',
      '- apiGroups: [""]',
      '  resources: [namespaces]',
      rules('get, list, create, patch, update'),
      '- apiGroups: [offloading.liqo.io]',
      '  resources: [namespaceoffloadings, namespaceoffloadings/status]',
      rules('get, list, create, patch, update'),
      '- apiGroups: [apiextensions.k8s.io]',
      '  resources: [customresourcedefinitions]',
      rules('get'),
    ].join('\n'),
    // The set's parent (docs/sync.md, "Sets"): the Secret nsoffload-italy in default.
    [
      'apiVersion: rbac.authorization.k8s.io/v1',
      'kind: Role',
      'metadata: {name: nsoffload-applyset, namespace: default}',
      'rules:',
      '- apiGroups: [""]',
      '  resources: [secrets]',
      rules('get, create, patch'),
    ].join('\n'),
    'apiVersion: rbac.authorization.k8s.io/v1\nkind: RoleBinding\nmetadata: {name: nsoffload-applyset, namespace: default}\nroleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: nsoffload-applyset}\nsubjects: [{kind: ServiceAccount, name: tenant, namespace: rbac-tenant}]',
    'apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleBinding\nmetadata: {name: nsoffload-tenant}\nroleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: nsoffload-tenant}\nsubjects: [{kind: ServiceAccount, name: tenant, namespace: rbac-tenant}]',
    ...OFFLOADED.flatMap((ns) => [
      // Made ready for the tenant (its Role is there), with nsoffload's marker: the tenant's to offload.
      `apiVersion: v1\nkind: Namespace\nmetadata: {name: ${ns}, labels: {app.kubernetes.io/managed-by: nsoffload}}`,
      [
        'apiVersion: rbac.authorization.k8s.io/v1',
        'kind: Role',
        `metadata: {name: workloads, namespace: ${ns}}`,
        'rules:',
        '- apiGroups: ["", apps]',
        '  resources: [configmaps, deployments]',
        rules('get, list, create, patch, update'),
      ].join('\n'),
      `apiVersion: rbac.authorization.k8s.io/v1\nkind: RoleBinding\nmetadata: {name: workloads, namespace: ${ns}}\nroleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: workloads}\nsubjects: [{kind: ServiceAccount, name: tenant, namespace: rbac-tenant}]`,
    ]),
  ]
  await must(env.kubectl('venice', ['apply', '-f', '-'], rbac.join('\n---\n') + '\n'))
  // A token from the TokenRequest API (since 1.24 no token Secret is made for a service account).
  return (await must(env.kubectl('venice', ['create', 'token', 'tenant', '-n', 'rbac-tenant', '--duration=1h']))).trim()
}

e2e('a user allowed workloads only in the offloaded namespaces: read namespace by namespace, said on one line, diff and sync correct', async () => {
  const files: Record<string, string> = { 'inventory.yaml': fs.readFileSync(path.join(REPO, 'inventory.yaml'), 'utf8') }
  for (const ns of ALL) {
    const workloads = OFFLOADED.includes(ns) ? `  workloads:\n    - ../apps/${ns}/\n` : ''
    files[`policies/${ns}.yaml`] =
      `apiVersion: nsoffload.dev/v1alpha1\nkind: OffloadingPolicy\nmetadata:\n  name: ${ns}\nspec:\n  podOffloadingStrategy: Local\n${workloads}`
  }
  for (const ns of OFFLOADED) {
    files[`apps/${ns}/app.yaml`] =
      [
        'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: 0\n  selector: {matchLabels: {app: web}}\n  template:\n    metadata: {labels: {app: web}}\n    spec:\n      containers: [{name: web, image: nginx}]',
        'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\ndata: {colour: blue}',
      ].join('\n---\n') + '\n'
  }
  const work = tempTree(files)
  await must(env.kubectl('venice', ['apply', '--server-side', '-f', path.join(REPO, 'schemas', 'namespaceoffloading-crd.yaml')]))
  await must(env.kubectl('venice', ['wait', '--for=condition=Established', 'crd/namespaceoffloadings.offloading.liqo.io', '--timeout=60s']))
  // The tenant on the home cluster; the remotes only get namespaces, as admin.
  const kubeconfig = kubeconfigFor({
    venice: { server: env.clusters['venice']?.server ?? '', token: await tenantToken() },
    florence: { server: env.clusters['florence']?.server ?? '', token: env.clusters['florence']?.token ?? '' },
    naples: { server: env.clusters['naples']?.server ?? '', token: env.clusters['naples']?.token ?? '' },
  })
  // venice's nodes as the inventory says them. The tenant may not list them yet: the inventory
  // cannot be checked against the live virtual nodes, and sync writes nothing (NSO5027).
  const inventoryText = files['inventory.yaml'] ?? ''
  await env.createNodes('venice', inventoryNodes(inventoryText))
  nodeNames.push(...inventoryNodes(inventoryText).map((n) => n.name))
  const before = await env.auditOffset('venice')
  const refused = await runCli(['sync', '--kubeconfig', kubeconfig], work)
  assert.is(refused.code, 1, refused.stderr + refused.stdout)
  assert.match(
    refused.stderr,
    /venice: error NSO5027: the nodes of venice cannot be listed \(forbidden\).*grant list on nodes, or run with --allow-inventory-drift/,
  )
  assert.equal(
    (await env.auditWrites('venice', before)).filter((w) => w.userAgent.startsWith('nsoffload')),
    [],
    'nothing written',
  )
  await must(env.kubectl('venice', ['apply', '-f', '-'], NODES_RBAC))
  await poll(
    'the tenant may list nodes',
    async () =>
      (await env.kubectl('venice', ['auth', 'can-i', 'list', 'nodes', '--as=system:serviceaccount:rbac-tenant:tenant'])).stdout.trim() === 'yes'
        ? true
        : undefined,
    { timeoutMs: 60_000, intervalMs: 200 },
  )
  const said = 'venice: read configmaps, deployments.apps namespace by namespace: listing them in all namespaces is forbidden to this user'
  const nsoffload = (args: string[]) => runCli([...args, '--kubeconfig', kubeconfig], work)

  const since = await env.auditOffset('venice')
  const diff = await nsoffload(['diff'])
  assert.is(diff.code, 1, diff.stderr)
  assert.equal(
    diff.stderr.split('\n').filter((l) => l.includes('namespace by namespace')),
    [said],
  )
  const lists = (await env.auditEvents('venice', since)).filter(
    (e) => e.userAgent.startsWith('nsoffload') && e.verb === 'list' && ['deployments', 'configmaps'].includes(e.resource),
  )
  assert.equal(lists.map((e) => `${e.code} ${e.resource} ${e.namespace}`).sort(), [
    '200 configmaps rbac-a',
    '200 configmaps rbac-b',
    '200 deployments rbac-a',
    '200 deployments rbac-b',
    '403 configmaps ',
    '403 deployments ',
  ])

  const sync = await nsoffload(['sync'])
  assert.is(sync.code, 0, sync.stderr + sync.stdout)
  assert.equal(
    sync.stderr.split('\n').filter((l) => l.includes('namespace by namespace')),
    [said],
    'said once',
  )
  for (const ns of OFFLOADED) assert.is(await must(env.kubectl('venice', ['get', 'configmap', 'settings', '-n', ns, '-o', 'jsonpath={.data.colour}'])), 'blue')
  for (const ns of ALL)
    for (const c of ['florence', 'naples']) assert.is((await env.kubectl(c, ['get', 'ns', `${ns}-venice`, '-o', 'name'])).code, 0, `${ns} on ${c}`)

  // The workloads were read: nothing left to change.
  const again = await nsoffload(['diff'])
  assert.is(again.code, 0, again.stdout + again.stderr)
  const writes = await env.auditOffset('venice')
  assert.is((await nsoffload(['sync'])).code, 0)
  // Its dry-run applies (the workloads' "after") are reads: no write goes through.
  assert.equal(
    (await env.auditWrites('venice', writes)).filter((w) => w.userAgent.startsWith('nsoffload') && !w.dryRun),
    [],
    'a second sync writes nothing',
  )
})

const names = (items: Iterable<{ metadata?: unknown }>): string[] => [...items].map((o) => String((o.metadata as { name?: string } | undefined)?.name)).sort()

e2e('LISTs a page at a time: every object seen, `continue` followed; an expired continue token lists again', async () => {
  const [conn] = await connect(env.kubeconfigPath, [{ cluster: 'venice', context: 'venice' }])
  assert.ok(conn)
  const expected = (await must(env.kubectl('venice', ['get', 'namespaces', '-o', 'name'])))
    .split('\n')
    .filter(Boolean)
    .map((l) => l.replace('namespace/', ''))
    .sort()
  assert.ok(expected.length > 5, `${expected.length} namespaces`)
  const since = await env.auditOffset('venice')
  const client = new KubeClient(conn, { pageSize: 2 })
  try {
    const live = await readCluster(client, false)
    assert.equal([...live.namespaces.keys()].sort(), expected)
  } finally {
    client.close()
  }
  const uris = (await env.auditEvents('venice', since)).filter((e) => e.userAgent.startsWith('nsoffload')).map((e) => e.requestURI)
  assert.is(uris.length, Math.ceil(expected.length / 2))
  assert.ok(
    uris.every((u) => u.startsWith('/api/v1/namespaces?limit=2')),
    uris.join('\n'),
  )
  assert.is(uris.filter((u) => u.includes('&continue=')).length, uris.length - 1)

  // etcd is compacted before the third page is read (kube-apiserver compacts every 5 minutes):
  // its continue token has expired (410), and the whole list is read again in one request.
  let pages = 0
  const proxy = await startFaultProxy(env.clusters['venice']?.server ?? '', () => 'none')
  proxies.push(proxy)
  proxy.hold = (_n, _m, url) => (url.includes('continue=') && ++pages === 2 ? env.compactEtcd() : undefined)
  const [viaProxy] = await connect(kubeconfigFor({ venice: { server: proxy.url, token: env.clusters['venice']?.token ?? '' } }), [
    { cluster: 'venice', context: 'venice' },
  ])
  assert.ok(viaProxy)
  const since2 = await env.auditOffset('venice')
  const c2 = new KubeClient(viaProxy, { pageSize: 2 })
  try {
    assert.equal(names((await c2.list<{ metadata?: unknown }>('/api/v1/namespaces')) ?? []), expected)
  } finally {
    c2.close()
  }
  const relisted = (await env.auditEvents('venice', since2))
    .filter((e) => e.userAgent.startsWith('nsoffload'))
    .map((e) => `${e.code} ${e.requestURI.replace(/continue=[^&]+/, 'continue=…')}`)
  assert.equal(relisted, [
    '200 /api/v1/namespaces?limit=2',
    '200 /api/v1/namespaces?limit=2&continue=…',
    '410 /api/v1/namespaces?limit=2&continue=…',
    '200 /api/v1/namespaces',
  ])
})

test.run()
