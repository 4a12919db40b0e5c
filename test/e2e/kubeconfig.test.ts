import * as dns from 'node:dns/promises'
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { main } from '../../src/cli/main.ts'
import { nodeHost } from '../../src/host/node-host.ts'
import { KubeClient, KubeError } from '../../src/kube/kube-client.ts'
import { connect } from '../../src/kube/kubeconfig.ts'
import { REPO, tempTree } from '../helpers/cli.ts'
import { type ConnectProxy, startConnectProxy } from '../helpers/connect-proxy.ts'
import { writeTokenPlugin } from '../helpers/token-plugin.ts'
import { type ControlPlaneEnv, e2eSkipReason, getSharedEnv } from './harness/control-plane.ts'

/**
 * Kubeconfigs as kubectl reads them, on the real API servers: through a CONNECT proxy (the
 * cluster's `proxy-url`, then `HTTPS_PROXY`, with `NO_PROXY` going around it), impersonation as
 * the audit log records it, and an exec credential plugin whose short-lived tokens expire or are
 * refused in the middle of a run.
 */
const skip = e2eSkipReason('kubeconfig')
const e2e = skip === null ? test : test.skip
let env: ControlPlaneEnv
let proxy: ConnectProxy
let work: string
const CLUSTERS = ['venice', 'florence', 'naples'] as const
/** Names only the proxy can resolve (to 127.0.0.1). */
const viaProxyOnly = (c: string): string => `kube-${c}.nsoffload.test`

interface KubeconfigDoc {
  clusters: { name: string; cluster: Record<string, unknown> }[]
  users: { name: string; user: Record<string, unknown> }[]
  contexts: { name: string; context: { cluster: string; user: string } }[]
  'current-context': string
}

test.before(async () => {
  if (skip !== null) return
  env = await getSharedEnv()
  proxy = await startConnectProxy((h) => (h.endsWith('.nsoffload.test') ? '127.0.0.1' : h))
  work = tempTree({
    'inventory.yaml': fs.readFileSync(path.join(REPO, 'inventory.yaml'), 'utf8'),
    'policies/liqo-demo.yaml': fs.readFileSync(path.join(REPO, 'policies', 'liqo-demo.yaml'), 'utf8'),
    'apps/liqo-demo/deploy.yaml': fs.readFileSync(path.join(REPO, 'apps', 'liqo-demo', 'deploy.yaml'), 'utf8'),
  })
})

test.after(async () => {
  if (skip !== null) return
  await (proxy as ConnectProxy | undefined)?.close()
  if ((env as ControlPlaneEnv | undefined) !== undefined) {
    await env.kubectl('venice', ['delete', 'clusterrolebinding,clusterrole', 'kcfg-impersonate', '--ignore-not-found'])
  }
})

/** The harness kubeconfig with `edit` applied to every cluster entry, written to a file. */
function kubeconfigWith(name: string, edit: (cluster: Record<string, unknown>, name: string) => void, users?: (doc: KubeconfigDoc) => void): string {
  const doc = JSON.parse(fs.readFileSync(env.kubeconfigPath, 'utf8')) as KubeconfigDoc
  for (const c of doc.clusters) edit(c.cluster, c.name)
  users?.(doc)
  const f = path.join(work, name)
  fs.writeFileSync(f, JSON.stringify(doc), { mode: 0o600 })
  return f
}

/** The CLI in-process, with this environment (runCli gives the CLI an empty one). */
async function cli(args: string[], vars: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = ''
  let stderr = ''
  const host = { ...nodeHost(work, vars), stdout: (s: string) => void (stdout += s), stderr: (s: string) => void (stderr += s), readStdin: async () => '' }
  const code = await main(args, host)
  return { code, stdout, stderr }
}

const distinct = (xs: readonly string[]): string[] => [...new Set(xs)].sort()
const port = (c: string): string => new URL(env.clusters[c]?.server ?? '').port
let direct: { code: number; stdout: string } | undefined

e2e("diff through the cluster's proxy-url: one CONNECT tunnel per cluster, the same answer as without", async () => {
  const plain = await cli(['diff', '--kubeconfig', env.kubeconfigPath], {})
  assert.ok(plain.code === 0 || plain.code === 1, plain.stderr)
  direct = { code: plain.code, stdout: plain.stdout }
  const f = kubeconfigWith('proxy-url.yaml', (c) => {
    c['proxy-url'] = proxy.url
  })
  const before = proxy.tunnels.length
  // NO_PROXY does not apply to a proxy-url (kubectl's rule), loopback servers go through it too.
  const r = await cli(['diff', '--kubeconfig', f], { NO_PROXY: '*' })
  assert.is(r.code, plain.code, r.stderr)
  assert.is(r.stdout, plain.stdout)
  // Every connection is a tunnel (several to the home cluster, which gets most requests), none elsewhere.
  assert.equal(distinct(proxy.tunnels.slice(before)), CLUSTERS.map((c) => `127.0.0.1:${port(c)}`).sort())
})

e2e('HTTPS_PROXY through KUBECONFIG: servers only the proxy can resolve; NO_PROXY goes around it', async () => {
  const f = kubeconfigWith('https-proxy.yaml', (c, name) => {
    c['server'] = `https://${viaProxyOnly(name)}:${port(name)}`
  })
  const before = proxy.tunnels.length
  const r = await cli(['diff'], {
    KUBECONFIG: `${path.join(work, 'absent.yaml')}${path.delimiter}${f}`,
    HTTPS_PROXY: proxy.url.replace('http://', ''),
    NO_PROXY: 'example.com,10.0.0.0/8',
  })
  assert.is(r.code, direct?.code, r.stderr)
  assert.is(r.stdout, direct?.stdout)
  assert.equal(distinct(proxy.tunnels.slice(before)), CLUSTERS.map((c) => `${viaProxyOnly(c)}:${port(c)}`).sort())
  // Without the proxy those names do not resolve: the proxy was needed (exit 2).
  const lost = await cli(['diff', '--kubeconfig', f], { NO_PROXY: `.nsoffload.test`, HTTPS_PROXY: proxy.url })
  assert.is(lost.code, 2)
  assert.match(lost.stderr, /ENOTFOUND|EAI_AGAIN/)
})

e2e('NO_PROXY: a server it names is reached directly, the others through the proxy', async () => {
  // The machine's own name: not `localhost` nor an IP (Go would never proxy those), resolving to this machine.
  const host = os.hostname()
  const addr = await dns.lookup(host).then(
    (a) => a.address,
    () => '',
  )
  if (addr !== '127.0.0.1') {
    console.log(`  (skipped: ${host} resolves to ${addr || 'nothing'}, not 127.0.0.1)`)
    return
  }
  const f = kubeconfigWith('no-proxy.yaml', (c, name) => {
    c['server'] = name === 'venice' ? `https://${host}:${port(name)}` : `https://${viaProxyOnly(name)}:${port(name)}`
  })
  const others = ['florence', 'naples'].map((c) => `${viaProxyOnly(c)}:${port(c)}`)
  for (const [noProxy, tunnels] of [
    [host.toUpperCase(), others],
    ['', [...others, `${host}:${port('venice')}`]],
  ] as const) {
    const before = proxy.tunnels.length
    const r = await cli(['diff', '--kubeconfig', f], { https_proxy: proxy.url, no_proxy: noProxy })
    assert.is(r.code, direct?.code, r.stderr)
    assert.is(r.stdout, direct?.stdout)
    assert.equal(distinct(proxy.tunnels.slice(before)), [...tunnels].sort(), `NO_PROXY=${noProxy}`)
  }
})

e2e('impersonation: as, as-groups, as-user-extra in the audit log; refused until RBAC lets the user impersonate', async () => {
  const token = env.clusters['venice']?.tokens['kcfg-impersonator'] ?? ''
  const f = kubeconfigWith(
    'impersonate.yaml',
    () => undefined,
    (doc) => {
      doc.users.push({
        name: 'imp',
        user: { token, as: 'kcfg-alice', 'as-groups': ['system:masters', 'kcfg-auditors'], 'as-user-extra': { reason: ['e2e', 'kubeconfig'] } },
      })
      doc.contexts.push({ name: 'venice-imp', context: { cluster: 'venice', user: 'imp' } })
    },
  )
  const [conn] = await connect(f, [{ cluster: 'venice', context: 'venice-imp' }])
  assert.ok(conn)
  const client = new KubeClient(conn)
  try {
    const denied = await client.request('GET', '/api/v1/namespaces/default').then(
      () => undefined,
      (e: unknown) => e,
    )
    assert.instance(denied, KubeError)
    assert.is((denied as KubeError).status, 403)
    const rbac = `apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: kcfg-impersonate}
rules:
  - {apiGroups: [""], resources: [users, groups], verbs: [impersonate]}
  - {apiGroups: [authentication.k8s.io], resources: [userextras/reason], verbs: [impersonate]}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: kcfg-impersonate}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: kcfg-impersonate}
subjects: [{apiGroup: rbac.authorization.k8s.io, kind: User, name: kcfg-impersonator}]
`
    const applied = await env.kubectl('venice', ['apply', '-f', '-'], rbac)
    assert.is(applied.code, 0, applied.stderr)
    const since = await env.auditOffset('venice')
    // RBAC caches nothing across requests, but the binding may take a moment to be seen.
    let ns: { metadata?: { name?: string } } | undefined
    for (let i = 0; i < 20 && ns === undefined; i++) {
      ns = await client.request<{ metadata?: { name?: string } }>('GET', '/api/v1/namespaces/default').catch(async () => {
        await new Promise((r) => setTimeout(r, 250))
        return undefined
      })
    }
    assert.is(ns?.metadata?.name, 'default')
    const events = (await env.auditEvents('venice', since)).filter(
      (e) => e.requestURI === '/api/v1/namespaces/default' && e.code === 200 && e.userAgent === 'nsoffload',
    )
    assert.ok(events.length >= 1)
    assert.is(events[0]?.user, 'kcfg-impersonator')
    assert.equal(events[0]?.impersonatedUser, {
      username: 'kcfg-alice',
      groups: ['system:masters', 'kcfg-auditors', 'system:authenticated'],
      extra: { reason: ['e2e', 'kubeconfig'] },
    })
  } finally {
    client.close()
  }
})

e2e("an exec plugin's short-lived tokens: run again when one expires and when the server refuses one", async () => {
  const tokens = env.clusters['venice']?.tokens ?? {}
  const plugin = writeTokenPlugin(path.join(work, 'plugin'), 'short-lived', [
    { token: tokens['kcfg-exec-1'] ?? '', ttlMs: 2000 },
    // Not a token the API server knows: 401, and the plugin runs again.
    { token: 'revoked-before-expiry', ttlMs: 3_600_000 },
    { token: tokens['kcfg-exec-2'] ?? '', ttlMs: 3_600_000 },
  ])
  const f = kubeconfigWith(
    'exec.yaml',
    () => undefined,
    (doc) => {
      doc.users.push({ name: 'plugin', user: { exec: plugin.exec } })
      doc.contexts.push({ name: 'venice-exec', context: { cluster: 'venice', user: 'plugin' } })
    },
  )
  const since = await env.auditOffset('venice')
  const [conn] = await connect(f, [{ cluster: 'venice', context: 'venice-exec' }])
  assert.ok(conn)
  const client = new KubeClient(conn)
  try {
    await client.request('GET', '/api/v1/namespaces/default')
    assert.is(plugin.runs(), 1)
    await new Promise((r) => setTimeout(r, 2100))
    await client.request('GET', '/api/v1/namespaces/kube-system')
    assert.is(plugin.runs(), 3, 'expired, then refused')
    await client.request('GET', '/api/v1/namespaces/default')
    assert.is(plugin.runs(), 3)
  } finally {
    client.close()
  }
  const seen = (await env.auditEvents('venice', since))
    .filter((e) => e.userAgent === 'nsoffload' && e.requestURI.startsWith('/api/v1/namespaces/'))
    .map((e) => [e.user, e.requestURI, e.code])
  assert.equal(seen, [
    ['kcfg-exec-1', '/api/v1/namespaces/default', 200],
    ['kcfg-exec-2', '/api/v1/namespaces/kube-system', 200],
    ['kcfg-exec-2', '/api/v1/namespaces/default', 200],
  ])
})

test.run()
