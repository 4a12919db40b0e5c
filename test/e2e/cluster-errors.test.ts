import * as fs from 'node:fs'
import * as path from 'node:path'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { REPO, runCli, tempTree } from '../helpers/cli.ts'
import { type ControlPlaneEnv, e2eSkipReason, getSharedEnv } from './harness/control-plane.ts'
import { type FaultProxy, kubeconfigFor, startFaultProxy } from './harness/fault-proxy.ts'

/**
 * What a cluster command says when a cluster refuses to be read, on the real API servers:
 * 401 (a token the server does not know), 403 (RBAC: the `nobody` user has no rights), 5xx
 * (a proxy answering 503 in front of a real server): what happened, on which cluster (its
 * context and server), never a credential; exit 2.
 */
const skip = e2eSkipReason('cluster-errors')
const e2e = skip === null ? test : test.skip
let env: ControlPlaneEnv
let work: string
const proxies: FaultProxy[] = []

test.before(async () => {
  if (skip !== null) return
  env = await getSharedEnv()
  work = tempTree({
    'inventory.yaml': fs.readFileSync(path.join(REPO, 'inventory.yaml'), 'utf8'),
    'policies/ce-a.yaml': 'apiVersion: nsoffload.dev/v1alpha1\nkind: OffloadingPolicy\nmetadata:\n  name: ce-a\nspec: {}\n',
  })
})

test.after(async () => {
  for (const p of proxies) await p.close()
})

/** A kubeconfig of the three clusters, with `change` applied to some of them (server and token). */
function kubeconfig(change: Record<string, { server?: string; token?: string }>): string {
  const servers: Record<string, { server: string; token: string }> = {}
  for (const c of ['venice', 'florence', 'naples']) {
    const info = env.clusters[c]
    if (!info) throw new Error(`no cluster ${c}`)
    servers[c] = { server: change[c]?.server ?? info.server, token: change[c]?.token ?? info.token }
  }
  return kubeconfigFor(servers)
}

e2e('403 while reading: forbidden, the verb and resource RBAC refused, the cluster, its context and server; no token printed', async () => {
  const token = env.clusters['venice']?.tokens['nobody'] ?? ''
  const r = await runCli(['status', '--kubeconfig', kubeconfig({ venice: { token } })], work)
  assert.is(r.code, 2, r.stderr)
  const server = env.clusters['venice']?.server ?? ''
  // The home cluster's LISTs go out together: either may be the one refused first.
  const m = /^nsoffload: cluster "venice" \(context venice, (\S+)\): forbidden \(403\): cannot list (\S+) at the cluster scope \(GET (\S+)\): (.*)\n$/.exec(
    r.stderr,
  )
  assert.ok(m, r.stderr)
  assert.is(m[1], server)
  const [resource, group] = m[2] === 'namespaces' ? ['namespaces', ''] : ['namespaceoffloadings', 'offloading.liqo.io']
  assert.ok(['/api/v1/namespaces', '/apis/offloading.liqo.io/v1beta1/namespaceoffloadings'].includes(m[3] ?? ''), m[3])
  assert.is(
    m[4],
    `${resource}${group ? `.${group}` : ''} is forbidden: User "nobody" cannot list resource "${resource}" in API group "${group}" at the cluster scope`,
  )
  assert.not.ok(r.stderr.includes(token), 'the token is never printed')
})

e2e('401 while reading: unauthorized, the cluster, its context and server; no token printed', async () => {
  const token = 'not-a-token-the-server-knows'
  const r = await runCli(['diff', '--kubeconfig', kubeconfig({ florence: { token } })], work)
  assert.is(r.code, 2, r.stderr)
  // The first read refused names its request: the namespaces or the set's parent, both read at once.
  const server = (env.clusters['florence']?.server ?? '').replace(/[.]/g, '\\.')
  assert.match(
    r.stderr,
    new RegExp(
      `^nsoffload: cluster "florence" \\(context florence, ${server}\\): unauthorized \\(401\\): the API server does not accept the credentials of this context \\(GET /api/v1/namespaces(/default/secrets/nsoffload-italy)?\\)\n$`,
    ),
  )
  assert.not.ok(r.stderr.includes(token))
})

e2e('inventory pull: a 403 names the cluster, its context and server, and what RBAC refused; no token printed', async () => {
  const token = env.clusters['venice']?.tokens['nobody'] ?? ''
  const r = await runCli(['inventory', 'pull', '--context', 'venice', '--kubeconfig', kubeconfig({ venice: { token } })], work)
  assert.is(r.code, 2, r.stderr)
  assert.is(
    r.stderr,
    `nsoffload: cluster "venice" (context venice, ${env.clusters['venice']?.server}): forbidden (403): cannot list nodes at the cluster scope (GET /api/v1/nodes): nodes is forbidden: User "nobody" cannot list resource "nodes" in API group "" at the cluster scope\n`,
  )
  assert.not.ok(r.stderr.includes(token), 'the token is never printed')
})

e2e('inventory pull --check: a 403 on the nodes is told as every other failure (the cluster, its context and server, what RBAC refused; exit 2)', async () => {
  const token = env.clusters['venice']?.tokens['nobody'] ?? ''
  const r = await runCli(['inventory', 'pull', '--check', '--kubeconfig', kubeconfig({ venice: { token } })], work)
  assert.is(r.code, 2, r.stderr)
  assert.is(
    r.stderr,
    `nsoffload: cluster "venice" (context venice, ${env.clusters['venice']?.server}): forbidden (403): cannot list nodes at the cluster scope (GET /api/v1/nodes): nodes is forbidden: User "nobody" cannot list resource "nodes" in API group "" at the cluster scope\n`,
  )
  assert.not.ok(r.stderr.includes(token), 'the token is never printed')
})

e2e('5xx while reading: retried within the budget, then a server error with its status, on which cluster', async () => {
  const info = env.clusters['naples']
  assert.ok(info)
  const p = await startFaultProxy(info.server, () => '503')
  proxies.push(p)
  const r = await runCli(['status', '--kubeconfig', kubeconfig({ naples: { server: p.url } })], work)
  assert.is(r.code, 2, r.stderr)
  const out = r.stderr.split('\n').filter(Boolean)
  // The retries are told, with the time left, then the cluster is given up.
  assert.ok(out.length >= 2, r.stderr)
  for (const l of out.slice(0, -1))
    assert.match(
      l,
      /^naples: GET \/api\/v1\/namespaces(\/default\/secrets\/nsoffload-italy)?: 503 ServiceUnavailable: injected 503; retrying in \d+ ms \(\d+(\.\d)? m?s of retries left\)$/,
      r.stderr,
    )
  assert.match(
    out.at(-1) ?? '',
    new RegExp(
      `^nsoffload: cluster "naples" \\(context naples, ${p.url.replace(/[.]/g, '\\.')}\\) kept failing: server error 503 ServiceUnavailable while trying to (list namespaces at the cluster scope \\(GET /api/v1/namespaces\\)|get secrets "nsoffload-italy" in namespace default \\(GET /api/v1/namespaces/default/secrets/nsoffload-italy\\)): injected 503; given up after \\d+(\\.\\d)? m?s of retries$`,
    ),
  )
})

test.run()
