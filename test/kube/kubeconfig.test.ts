import { execFile } from 'node:child_process'
import * as fs from 'node:fs'
import * as http from 'node:http'
import type { AddressInfo } from 'node:net'
import * as path from 'node:path'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { CredentialError, type ExecConfig, ExecTokenSource, FileTokenSource, runExecPlugin } from '../../src/kube/credentials.ts'
import { type Connection, KubeClient, KubeError } from '../../src/kube/kube-client.ts'
import { connect, KubeconfigError, kubeconfigSource, readKubeconfigs } from '../../src/kube/kubeconfig.ts'
import { connectWithClient } from '../helpers/connect-with-client.ts'
import { noProxyMatches, proxyFromEnv } from '../../src/kube/proxy.ts'
import { tempTree } from '../helpers/cli.ts'
import { startConnectProxy } from '../helpers/connect-proxy.ts'
import { writeTokenPlugin } from '../helpers/token-plugin.ts'
import { kubectlPath } from '../helpers/tools.ts'

/**
 * nsoffload reads kubeconfigs of static credentials itself and leaves credential plugins to
 * @kubernetes/client-node: both must make the same connections out of the same file.
 */
const b64 = (s: string): string => Buffer.from(s).toString('base64')

interface Seen {
  server: string
  headers: Record<string, string>
  tls: Record<string, unknown>
}

async function seen(c: Connection): Promise<Seen> {
  const pick = (o: Record<string, unknown>): Record<string, unknown> => {
    const out: Record<string, unknown> = {}
    for (const k of ['ca', 'cert', 'key', 'rejectUnauthorized', 'servername'])
      if (o[k] !== undefined) out[k] = Buffer.isBuffer(o[k]) ? `bytes:${(o[k] as Buffer).toString()}` : o[k]
    return out
  }
  const tls = pick((c.agent as unknown as { options: Record<string, unknown> }).options)
  const headers: Record<string, string> = {}
  for (const [k, v] of Object.entries({ ...c.headers, ...(await c.auth?.headers()) })) headers[k] = typeof v === 'string' ? v : v.join(' | ')
  return { server: c.server.href, headers, tls }
}

const dir = tempTree({
  'certs/ca.crt': 'CA FILE',
  'certs/client.crt': 'CERT FILE',
  'certs/client.key': 'KEY FILE',
  token: 'TOKEN FROM FILE',
})

const KUBECONFIG = `apiVersion: v1
kind: Config
current-context: a
clusters:
  - name: a
    cluster: {server: "https://a.example:6443/", certificate-authority-data: ${b64('CA DATA')}}
  - name: b
    cluster: {server: https://b.example, certificate-authority: certs/ca.crt, tls-server-name: api.b}
  - name: c
    cluster: {server: https://c.example, certificate-authority: ${path.join(dir, 'certs', 'ca.crt')}, insecure-skip-tls-verify: true}
users:
  - name: token
    user: {token: s3cr3t}
  - name: token-file
    user: {token-file: ${path.join(dir, 'token')}}
  - name: cert-files
    user: {client-certificate: certs/client.crt, client-key: certs/client.key}
  - name: cert-data
    user: {client-certificate-data: ${b64('CERT DATA')}, client-key-data: ${b64('KEY DATA')}, as: someone}
  - name: basic
    user: {username: admin, password: pa55}
contexts:
  - {name: a-token, context: {cluster: a, user: token}}
  - {name: b-token-file, context: {cluster: b, user: token-file}}
  - {name: c-cert-files, context: {cluster: c, user: cert-files}}
  - {name: a-cert-data, context: {cluster: a, user: cert-data}}
  - {name: b-basic, context: {cluster: b, user: basic}}
  - {name: c-no-user, context: {cluster: c}}
  - {name: a-unknown-user, context: {cluster: a, user: nobody}}
`
fs.writeFileSync(path.join(dir, 'kubeconfig'), KUBECONFIG)
const file = path.join(dir, 'kubeconfig')
const contexts = ['a-token', 'b-token-file', 'c-cert-files', 'a-cert-data', 'b-basic', 'c-no-user', 'a-unknown-user']

test('static credentials: the same connections as @kubernetes/client-node makes', async () => {
  const wanted = contexts.map((c) => ({ cluster: c, context: c }))
  const ours = await Promise.all((await connect(file, wanted)).map(seen))
  const theirs = await Promise.all((await connectWithClient(file, wanted)).map(seen))
  assert.equal(ours, theirs)
  // And what they are, so that both cannot be wrong together.
  assert.equal(ours[0], { server: 'https://a.example:6443/', headers: { Authorization: 'Bearer s3cr3t' }, tls: { ca: 'bytes:CA DATA' } })
  assert.equal(ours[1]?.tls, { ca: 'bytes:CA FILE', servername: 'api.b' })
  assert.is(ours[1]?.headers['Authorization'], 'Bearer TOKEN FROM FILE')
  assert.equal(ours[2]?.tls, { ca: 'bytes:CA FILE', cert: 'bytes:CERT FILE', key: 'bytes:KEY FILE', rejectUnauthorized: false })
  assert.equal(ours[3]?.headers, { 'Impersonate-User': 'someone' })
  assert.is(ours[4]?.headers['Authorization'], `Basic ${b64('admin:pa55')}`)
})

test('the same errors: unknown context, invalid file', async () => {
  const both = async (f: string, w: { cluster: string; context: string }[]): Promise<[string, string]> => {
    const msg = async (p: Promise<unknown>): Promise<string> =>
      p.then(
        () => 'no error',
        (e: Error) => e.message,
      )
    return [await msg(connect(f, w)), await msg(connectWithClient(f, w))]
  }
  const [a, b] = await both(file, [{ cluster: 'x', context: 'nope' }])
  assert.is(a, b)
  assert.match(a, /^context "nope" \(cluster x\) is not in .*; contexts there: a-token, b-token-file/)
  const bad = path.join(dir, 'bad')
  fs.writeFileSync(bad, 'clusters:\n  - name: x\n    cluster: {}\n')
  const [c, d] = await both(bad, [{ cluster: 'x', context: 'x' }])
  assert.is(c, d)
  assert.match(c, /clusters\[0\]\.cluster\.server is missing/)
  const [e, f] = await both(path.join(dir, 'missing'), [{ cluster: 'x', context: 'x' }])
  assert.is(e, f)
})

test('an exec credential plugin: its token, as client-node gets it', async () => {
  const exec = path.join(dir, 'exec-kubeconfig')
  const cred = JSON.stringify({ apiVersion: 'client.authentication.k8s.io/v1beta1', kind: 'ExecCredential', status: { token: 'from-exec' } })
  fs.writeFileSync(
    exec,
    `clusters: [{name: a, cluster: {server: "https://a.example"}}]
users: [{name: plugin, user: {exec: {apiVersion: client.authentication.k8s.io/v1beta1, command: sh, args: ["-c", ${JSON.stringify(`echo '${cred}'`)}]}}}]
contexts: [{name: a, context: {cluster: a, user: plugin}}]
`,
  )
  const [c] = await connect(exec, [{ cluster: 'a', context: 'a' }])
  const [d] = await connectWithClient(exec, [{ cluster: 'a', context: 'a' }])
  assert.ok(c && d)
  assert.equal(await seen(c), await seen(d))
  assert.is((await c.auth?.headers())?.['Authorization'], 'Bearer from-exec')
})

// ---- several files (KUBECONFIG) -----------------------------------------------------------

const kubectlBin = kubectlPath()
/** kubectl itself (asynchronously: some tests serve its requests from this process). */
const kubectl = (args: string[], env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> =>
  new Promise((resolve) => {
    execFile(kubectlBin ?? 'kubectl', args, { env: { PATH: process.env['PATH'] ?? '', ...env }, encoding: 'utf8', timeout: 30_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? Number((err as { code?: number }).code ?? -1) : 0, stdout, stderr })
    })
  })

const merge = tempTree({
  'one/ca.crt': 'CA ONE',
  'one/config': `apiVersion: v1
kind: Config
clusters:
  - {name: shared, cluster: {server: "https://one.example", certificate-authority: ca.crt}}
  - {name: only1, cluster: {server: "https://only1.example", certificate-authority: ca.crt}}
users:
  - {name: u, user: {token: token-one}}
contexts:
  - {name: c-shared, context: {cluster: shared, user: u}}
  - {name: c1, context: {cluster: only1, user: u}}
`,
  'two/ca.crt': 'CA TWO',
  'two/config': `apiVersion: v1
kind: Config
current-context: c2
clusters:
  - {name: shared, cluster: {server: "https://two.example", certificate-authority: ca.crt}}
  - {name: only2, cluster: {server: "https://only2.example", certificate-authority: ca.crt}}
users:
  - {name: u, user: {token: token-two}}
  - {name: u2, user: {token: token-u2}}
contexts:
  - {name: c-shared, context: {cluster: only2, user: u2}}
  - {name: c2, context: {cluster: only2, user: u2}}
`,
  'three/config': `apiVersion: v1
kind: Config
current-context: c-shared
contexts:
  - {name: c3, context: {cluster: shared, user: u2}}
`,
})
const mf = (...p: string[]): string => path.join(merge, ...p)
// A missing file, and a file named twice: kubectl skips the first and reads the second once.
const KUBECONFIG_LIST = [mf('one/config'), mf('missing/config'), mf('two/config'), mf('three/config'), mf('one/config')]

test('KUBECONFIG: files merged as kubectl merges them (first name wins, first current-context, paths per file, missing files skipped)', async () => {
  const src = kubeconfigSource(undefined, { KUBECONFIG: KUBECONFIG_LIST.join(path.delimiter), HOME: merge })
  assert.equal(src, { files: KUBECONFIG_LIST.slice(0, 4), explicit: false })
  const kc = readKubeconfigs(src)
  assert.is(kc.currentContext, 'c2')
  const wanted = ['c-shared', 'c1', 'c2', 'c3'].map((c) => ({ cluster: c, context: c }))
  const ours = await Promise.all((await connect(src, wanted)).map(seen))
  assert.equal(
    ours.map((c) => [c.server, c.tls['ca'], c.headers['Authorization']]),
    [
      ['https://one.example/', 'bytes:CA ONE', 'Bearer token-one'],
      ['https://only1.example/', 'bytes:CA ONE', 'Bearer token-one'],
      ['https://only2.example/', 'bytes:CA TWO', 'Bearer token-u2'],
      ['https://one.example/', 'bytes:CA ONE', 'Bearer token-u2'],
    ],
  )
  // client-node reads each file the same way (its own merge would throw on `shared`).
  assert.equal(ours, await Promise.all((await connectWithClient(src, wanted)).map(seen)))
  if (!kubectlBin) return
  // kubectl's own merge, files inlined: the same servers, CAs, tokens and current context.
  const r = await kubectl(['config', 'view', '--raw', '--flatten', '-o', 'json'], { KUBECONFIG: KUBECONFIG_LIST.join(path.delimiter), HOME: merge })
  assert.is(r.code, 0, r.stderr)
  const view = JSON.parse(r.stdout) as {
    'current-context': string
    clusters: { name: string; cluster: { server: string; 'certificate-authority-data': string } }[]
    users: { name: string; user: { token: string } }[]
    contexts: { name: string; context: { cluster: string; user: string } }[]
  }
  assert.is(view['current-context'], kc.currentContext)
  const theirs = wanted.map(({ context }) => {
    const ctx = view.contexts.find((c) => c.name === context)?.context
    const cl = view.clusters.find((c) => c.name === ctx?.cluster)?.cluster
    const u = view.users.find((x) => x.name === ctx?.user)?.user
    return [`${cl?.server ?? ''}/`, `bytes:${Buffer.from(cl?.['certificate-authority-data'] ?? '', 'base64').toString()}`, `Bearer ${u?.token ?? ''}`]
  })
  assert.equal(
    ours.map((c) => [c.server, c.tls['ca'], c.headers['Authorization']]),
    theirs,
  )
})

test('--kubeconfig names one file, which must exist; KUBECONFIG files that all miss: no contexts', async () => {
  assert.equal(kubeconfigSource('x.yaml', { KUBECONFIG: 'a:b' }), { files: ['x.yaml'], explicit: true })
  assert.equal(kubeconfigSource(undefined, { HOME: '/h' }), { files: ['/h/.kube/config'], explicit: false })
  assert.equal(kubeconfigSource(undefined, { HOME: '/h', KUBECONFIG: '' }), { files: ['/h/.kube/config'], explicit: false })
  const msg = (p: Promise<unknown>): Promise<string> =>
    p.then(
      () => 'no error',
      (e: Error) => e.message,
    )
  assert.match(await msg(connect(kubeconfigSource(mf('missing'), {}), [{ cluster: 'x', context: 'x' }])), /^cannot read kubeconfig .*missing: ENOENT/)
  assert.match(
    await msg(connect(kubeconfigSource(undefined, { KUBECONFIG: mf('missing') }), [{ cluster: 'x', context: 'x' }])),
    /^context "x" \(cluster x\): no kubeconfig file at .*missing \(KUBECONFIG, else ~\/\.kube\/config, as kubectl reads it\): give --kubeconfig FILE or set KUBECONFIG$/,
  )
  // An invalid file among several is an error naming that file.
  const bad = mf('bad.yaml')
  fs.writeFileSync(bad, 'clusters:\n  - name: x\n    cluster: {}\n')
  assert.match(
    await msg(connect({ files: [mf('one/config'), bad], explicit: false }, [{ cluster: 'x', context: 'c1' }])),
    /^cannot read kubeconfig .*bad\.yaml: clusters\[0\]\.cluster\.server is missing$/,
  )
})

// ---- impersonation ------------------------------------------------------------------------

test('impersonation: as, as-uid, as-groups, as-user-extra sent as kubectl sends them', async () => {
  const seenHeaders: http.IncomingHttpHeaders[] = []
  const srv = http.createServer((req, res) => {
    seenHeaders.push(req.headers)
    res.writeHead(200, { 'Content-Type': 'application/json' }).end('{"kind":"APIVersions","versions":["v1"]}')
  })
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r))
  const url = `http://127.0.0.1:${(srv.address() as AddressInfo).port}`
  const f = path.join(dir, 'impersonate')
  fs.writeFileSync(
    f,
    `apiVersion: v1
kind: Config
clusters: [{name: p, cluster: {server: "${url}", insecure-skip-tls-verify: true}}]
users:
  - name: i
    user:
      token: t
      as: alice
      as-uid: "1234"
      as-groups: [developers, "system:authenticated"]
      as-user-extra: {scopes: [view, edit], "reason/why it%": [audit]}
contexts: [{name: p, context: {cluster: p, user: i}}]
`,
  )
  try {
    const [c] = await connect(f, [{ cluster: 'p', context: 'p' }])
    assert.ok(c)
    const client = new KubeClient(c)
    await client.request('GET', '/api')
    client.close()
    const pick = (h: http.IncomingHttpHeaders): Record<string, string> =>
      Object.fromEntries(
        Object.entries(h)
          .filter(([k]) => k.startsWith('impersonate-') || k === 'authorization')
          .map(([k, v]) => [k, String(v)]),
      )
    const ours = pick(seenHeaders[0] ?? {})
    assert.equal(ours, {
      authorization: 'Bearer t',
      'impersonate-user': 'alice',
      'impersonate-uid': '1234',
      // Node joins a header received several times with ", ": two Impersonate-Group headers.
      'impersonate-group': 'developers, system:authenticated',
      'impersonate-extra-scopes': 'view, edit',
      // Node lower-cases received header names; client-go's escaping is upper-case (%2F).
      'impersonate-extra-reason%2fwhy%20it%25': 'audit',
    })
    assert.equal(c.headers['Impersonate-Group'], ['developers', 'system:authenticated'])
    if (!kubectlBin) return
    const r = await kubectl(['--kubeconfig', f, '--context', 'p', 'get', '--raw', '/api'], { HOME: dir })
    assert.is(r.code, 0, r.stderr)
    // (kubectl keeps the token off plain HTTP; the impersonation headers are the same.)
    const noAuth = ({ authorization: _, ...h }: Record<string, string>): Record<string, string> => h
    assert.equal(noAuth(ours), noAuth(pick(seenHeaders[seenHeaders.length - 1] ?? {})), 'the headers kubectl sends')
  } finally {
    srv.closeAllConnections()
    await new Promise((r) => srv.close(r))
  }
})

// ---- proxies ------------------------------------------------------------------------------

test("HTTPS_PROXY/HTTP_PROXY/NO_PROXY with Go's rules (golang.org/x/net/http/httpproxy)", () => {
  const noProxy =
    'foobar.com, .barbaz.net, *.example.com, 192.168.1.1, 192.168.1.2:81, 192.168.1.3:80, 10.0.0.0/30, 2001:db8::52:0:1, [2001:db8::52:0:2]:443, 2002:db8:a::45/64, bar.baz:5678, [2001:db8::53]'
  const env = { HTTPS_PROXY: 'proxy.example:3128', http_proxy: 'http://plain-proxy:80', NO_PROXY: noProxy }
  const via = (u: string, e: Record<string, string> = env): string => proxyFromEnv(new URL(u), e)?.href ?? 'direct'
  const cases: [string, string][] = [
    ['https://localhost:6443', 'direct'],
    ['https://127.0.0.1', 'direct'],
    ['https://127.0.0.2:6443', 'direct'],
    ['https://[::1]:6443', 'direct'],
    ['https://foobar.com', 'direct'],
    ['https://www.foobar.com', 'direct'],
    ['https://foofoobar.com', 'http://proxy.example:3128/'],
    ['https://barbaz.net', 'http://proxy.example:3128/'],
    ['https://www.barbaz.net', 'direct'],
    ['https://example.com', 'http://proxy.example:3128/'],
    ['https://www.example.com', 'direct'],
    ['https://192.168.1.1', 'direct'],
    ['https://192.168.1.2:81', 'direct'],
    ['https://192.168.1.2', 'http://proxy.example:3128/'],
    ['https://192.168.1.3', 'http://proxy.example:3128/'],
    ['https://10.0.0.2', 'direct'],
    ['https://10.0.0.4', 'http://proxy.example:3128/'],
    ['https://[2001:db8::52:0:1]', 'direct'],
    ['https://[2001:db8::52:0:2]', 'direct'],
    ['https://[2001:db8::52:0:2]:6443', 'http://proxy.example:3128/'],
    ['https://[2002:db8:a::123]', 'direct'],
    ['https://[2001:db8::53]:6443', 'http://proxy.example:3128/'],
    ['https://bar.baz:5678', 'direct'],
    ['https://bar.baz', 'http://proxy.example:3128/'],
    // An http:// server uses HTTP_PROXY (lower case accepted), never HTTPS_PROXY.
    ['http://api.internal:8080', 'http://plain-proxy/'],
  ]
  assert.equal(
    cases.map(([u]) => [u, via(u)]),
    cases,
  )
  assert.is(via('https://api.internal', { HTTPS_PROXY: 'http://p:1', NO_PROXY: '*' }), 'direct')
  assert.is(via('https://api.internal', { HTTPS_PROXY: 'http://upper:1', https_proxy: 'http://lower:1' }), 'http://upper:1/')
  assert.is(via('https://api.internal', { https_proxy: 'http://lower:1', no_proxy: 'internal' }), 'direct', 'a domain matches its subdomains')
  assert.is(via('https://api.internal', { https_proxy: 'http://lower:1', no_proxy: 'ternal' }), 'http://lower:1/', 'but not a longer name')
  assert.is(via('https://api.internal', { HTTP_PROXY: 'http://plain:1' }), 'direct', 'HTTPS servers ignore HTTP_PROXY')
  assert.ok(noProxyMatches('.example.com:6443', 'a.example.com', '6443'))
  assert.not.ok(noProxyMatches('.example.com:6443', 'a.example.com', '443'))
})

test('HTTPS_PROXY/NO_PROXY: the servers kubectl sends through the proxy are the ones nsoffload does', async () => {
  if (!kubectlBin) return
  const proxy = await startConnectProxy(() => '127.0.0.1')
  const noProxy = 'foobar.com, .barbaz.net, *.example.com, 192.168.1.2:81, 10.0.0.0/30, [2001:db8::52:0:2]:443, bar.baz:5678, [2001:db8::53]'
  const servers = [
    'www.foobar.com',
    'foofoobar.com',
    'barbaz.net',
    'www.barbaz.net',
    'example.com',
    'a.example.com',
    '192.168.1.2:81',
    '10.0.0.4',
    '[2001:db8::52:0:2]',
    '[2001:db8::53]:6443',
    'bar.baz:5678',
    'bar.baz',
  ]
  try {
    const env = { HOME: dir, HTTPS_PROXY: proxy.url.replace('http://', ''), NO_PROXY: noProxy }
    const f = path.join(dir, 'kubectl-proxy')
    fs.writeFileSync(
      f,
      `clusters: [${servers.map((h, i) => `{name: c${i}, cluster: {server: "https://${h}", insecure-skip-tls-verify: true}}`).join(', ')}]\nusers: [{name: u, user: {token: t}}]\ncontexts: [${servers.map((_, i) => `{name: c${i}, context: {cluster: c${i}, user: u}}`).join(', ')}]\n`,
    )
    await Promise.all(servers.map((_, i) => kubectl(['--kubeconfig', f, '--context', `c${i}`, '--request-timeout', '3s', 'get', '--raw', '/api'], env)))
    const norm = (t: string): string => t.replace(/:443$/, '')
    const theirs = servers.filter((h) => proxy.tunnels.some((t) => norm(t) === h))
    const ours = servers.filter((h) => proxyFromEnv(new URL(`https://${h}`), env) !== undefined)
    assert.equal(ours, theirs)
    assert.equal(ours, ['foofoobar.com', 'barbaz.net', 'example.com', '10.0.0.4', '[2001:db8::53]:6443', 'bar.baz'])
  } finally {
    await proxy.close()
  }
})

test('proxy-url: a CONNECT tunnel for every connection, loopback servers included; socks5 is a clear error', async () => {
  const proxy = await startConnectProxy()
  const srv = http.createServer((req, res) => res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify({ url: req.url })))
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r))
  const port = (srv.address() as AddressInfo).port
  const f = path.join(dir, 'proxied')
  const proxyUrl = proxy.url.replace('http://', 'http://me:p%40ss@')
  fs.writeFileSync(
    f,
    `clusters:
  - {name: p, cluster: {server: "http://127.0.0.1:${port}", proxy-url: "${proxyUrl}"}}
  - {name: s, cluster: {server: "https://api.example", proxy-url: "socks5://me:secret@127.0.0.1:1080"}}
users: [{name: u, user: {token: t}}]
contexts: [{name: p, context: {cluster: p, user: u}}, {name: s, context: {cluster: s, user: u}}]
`,
  )
  try {
    const [c] = await connect(f, [{ cluster: 'p', context: 'p' }], { env: { NO_PROXY: '*' } })
    assert.ok(c)
    const client = new KubeClient(c)
    assert.equal(await client.request('GET', '/api/v1/namespaces'), { url: '/api/v1/namespaces' })
    assert.equal(await client.request('GET', '/api'), { url: '/api' })
    client.close()
    assert.equal(proxy.tunnels, [`127.0.0.1:${port}`], 'one tunnel, kept alive for both requests; NO_PROXY does not apply to proxy-url')
    assert.equal(proxy.auth, [`Basic ${Buffer.from('me:p@ss').toString('base64')}`])
    const e = await connect(f, [{ cluster: 's', context: 's' }]).then(
      () => undefined,
      (x: Error) => x,
    )
    assert.instance(e, KubeconfigError)
    assert.match(e?.message ?? '', /^context "s": proxy socks5:\/\/me:\*\*\*@127\.0\.0\.1:1080 is not supported/)
    assert.not.ok(e?.message.includes('secret'), 'the proxy password is never printed')
  } finally {
    srv.closeAllConnections()
    await new Promise((r) => srv.close(r))
    await proxy.close()
  }
})

// ---- exec plugins and token files ---------------------------------------------------------

/** A server that accepts one bearer token at a time (`valid`), 401 otherwise. */
async function tokenServer(): Promise<{ url: string; valid: Set<string>; seen: string[]; close(): Promise<void> }> {
  const valid = new Set<string>()
  const seenAuth: string[] = []
  const srv = http.createServer((req, res) => {
    const a = req.headers.authorization ?? ''
    seenAuth.push(a)
    if (!valid.has(a.replace(/^Bearer /, '')))
      return void res.writeHead(401, { 'Content-Type': 'application/json' }).end('{"kind":"Status","reason":"Unauthorized","message":"Unauthorized"}')
    res.writeHead(200, { 'Content-Type': 'application/json' }).end('{}')
  })
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r))
  return {
    url: `http://127.0.0.1:${(srv.address() as AddressInfo).port}`,
    valid,
    seen: seenAuth,
    close: async () => {
      srv.closeAllConnections()
      await new Promise((r) => srv.close(r))
    },
  }
}

test('exec plugin: fetched again once its token expires, and after a 401 (the request retried once)', async () => {
  const s = await tokenServer()
  const pdir = path.join(dir, 'plugin')
  const plugin = writeTokenPlugin(pdir, 'short', [{ token: 'one', ttlMs: 1500 }, { token: 'revoked', ttlMs: 3_600_000 }, { token: 'three' }])
  const f = path.join(dir, 'exec-refresh')
  fs.writeFileSync(
    f,
    JSON.stringify({
      clusters: [{ name: 'p', cluster: { server: s.url, extensions: [{ name: 'client.authentication.k8s.io/exec', extension: { audience: 'nsoffload' } }] } }],
      users: [{ name: 'bot', user: { exec: { ...plugin.exec, provideClusterInfo: true, env: [{ name: 'PLUGIN_MODE', value: 'test' }] } } }],
      contexts: [
        { name: 'p', context: { cluster: 'p', user: 'bot' } },
        { name: 'p2', context: { cluster: 'p', user: 'bot' } },
      ],
    }),
  )
  try {
    s.valid.add('one')
    const conns = await connect(f, [
      { cluster: 'p', context: 'p' },
      { cluster: 'p2', context: 'p2' },
    ])
    assert.is(plugin.runs(), 1, 'one run for two contexts of the same user')
    assert.equal(plugin.infos()[0], {
      apiVersion: 'client.authentication.k8s.io/v1',
      kind: 'ExecCredential',
      spec: { interactive: false, cluster: { server: s.url, config: { audience: 'nsoffload' } } },
    })
    const client = new KubeClient(conns[0] as Connection)
    await client.request('GET', '/api')
    assert.is(plugin.runs(), 1)
    await new Promise((r) => setTimeout(r, 1600))
    // Expired: the plugin runs again and hands out "revoked", which the server refuses: one more run, "three", and the request retried.
    s.valid.add('three')
    await client.request('GET', '/api')
    assert.is(plugin.runs(), 3)
    assert.equal(s.seen, ['Bearer one', 'Bearer revoked', 'Bearer three'])
    // The other context shares the token.
    assert.equal(await conns[1]?.auth?.headers(), { Authorization: 'Bearer three' })
    // A token the server keeps refusing: one retry, then the 401 is the answer.
    s.valid.clear()
    const e = await client.request('GET', '/api').then(
      () => undefined,
      (x: unknown) => x,
    )
    assert.instance(e, KubeError)
    assert.is((e as KubeError).status, 401)
    assert.is(plugin.runs(), 4)
    client.close()
  } finally {
    await s.close()
  }
})

test('exec plugin failing when a token is refused mid-run: a KubeError with its message', async () => {
  const s = await tokenServer()
  const auth = new ExecTokenSource({ token: 'old', clientCertificateData: undefined, clientKeyData: undefined, expiresAt: undefined }, () =>
    Promise.reject(new CredentialError('exec plugin of user "bot" (login) exited with 1: session expired, log in again')),
  )
  const client = new KubeClient({ cluster: 'p', context: 'p', server: new URL(s.url), headers: {}, auth, agent: new http.Agent() })
  try {
    const e = await client.request('GET', '/api').then(
      () => undefined,
      (x: unknown) => x,
    )
    assert.instance(e, KubeError)
    assert.is((e as KubeError).message, 'GET /api: exec plugin of user "bot" (login) exited with 1: session expired, log in again')
    assert.is((e as KubeError).transient, false)
  } finally {
    client.close()
    await s.close()
  }
})

test('exec plugin: many requests meeting an expired token run the plugin once', async () => {
  let runs = 0
  let now = 0
  const src = new ExecTokenSource(
    { token: 't0', clientCertificateData: undefined, clientKeyData: undefined, expiresAt: 10 },
    async () => {
      runs++
      await new Promise((r) => setTimeout(r, 20))
      return { token: `t${runs}`, clientCertificateData: undefined, clientKeyData: undefined, expiresAt: now + 10 }
    },
    () => now,
  )
  assert.equal(await src.headers(), { Authorization: 'Bearer t0' })
  now = 11
  const all = await Promise.all([src.headers(), src.headers(), src.headers()])
  assert.equal(all, [{ Authorization: 'Bearer t1' }, { Authorization: 'Bearer t1' }, { Authorization: 'Bearer t1' }])
  assert.is(runs, 1)
  // A 401 to the previous token: no new run, the current one is worth a retry.
  assert.is(await src.refresh('Bearer t0'), true)
  assert.is(runs, 1)
  assert.is(await src.refresh('Bearer t1'), true)
  assert.is(runs, 2)
})

test("exec plugin errors are kubeconfig errors naming the user and the plugin's message, never its output", async () => {
  const f = path.join(dir, 'exec-bad')
  const write = (exec: Record<string, unknown>): void =>
    fs.writeFileSync(
      f,
      JSON.stringify({
        clusters: [{ name: 'p', cluster: { server: 'https://a.example' } }],
        users: [{ name: 'bot', user: { exec } }],
        contexts: [{ name: 'p', context: { cluster: 'p', user: 'bot' } }],
      }),
    )
  const msg = (): Promise<string> =>
    connect(f, [{ cluster: 'p', context: 'p' }]).then(
      () => 'no error',
      (e: Error) => `${e.constructor.name}: ${e.message}`,
    )
  write({ apiVersion: 'client.authentication.k8s.io/v1beta1', command: 'sh', args: ['-c', 'echo secret-output; echo please log in >&2; exit 3'] })
  assert.is(await msg(), 'KubeconfigError: context "p": exec plugin of user "bot" (sh) exited with 3: please log in')
  write({ apiVersion: 'client.authentication.k8s.io/v1beta1', command: 'no-such-plugin-here', installHint: 'install it from example.com' })
  assert.is(await msg(), 'KubeconfigError: context "p": exec plugin of user "bot" (no-such-plugin-here) cannot run: ENOENT; install it from example.com')
  write({ apiVersion: 'client.authentication.k8s.io/v1', command: 'sh' })
  assert.match(await msg(), /users\[0\]\.user\.exec\.interactiveMode is required with client\.authentication\.k8s\.io\/v1$/)
  write({ apiVersion: 'client.authentication.k8s.io/v1alpha1', command: 'sh' })
  assert.match(await msg(), /users\[0\]\.user\.exec\.apiVersion "client\.authentication\.k8s\.io\/v1alpha1" is not supported/)
  write({
    apiVersion: 'client.authentication.k8s.io/v1beta1',
    command: 'sh',
    args: ['-c', 'echo \'{"apiVersion":"client.authentication.k8s.io/v1beta1","kind":"ExecCredential","status":{}}\''],
  })
  assert.match(await msg(), /has neither a token nor a client certificate$/)
})

test('an exec plugin that never exits: killed at its deadline, the run fails naming the plugin (kubectl would wait for ever)', async () => {
  const exec = (script: string): ExecConfig => ({
    apiVersion: 'client.authentication.k8s.io/v1',
    command: process.execPath,
    args: ['-e', script],
    env: [],
    provideClusterInfo: false,
    installHint: undefined,
  })
  const pidFile = path.join(dir, 'hang.pid')
  const hang = exec(
    `require('node:fs').writeFileSync(${JSON.stringify(pidFile)}, String(process.pid)); process.stderr.write('open the browser to log in\\n'); setInterval(() => {}, 1000)`,
  )
  // 5 s: time for node to start and say something, on a slow machine too.
  const e = await runExecPlugin('bot', hang, undefined, process.env, { ms: 5000 }).then(
    () => undefined,
    (x: unknown) => x as Error,
  )
  assert.instance(e, CredentialError)
  assert.is(
    e?.message,
    `exec plugin of user "bot" (${process.execPath}) did not finish within 5 s: stopped (kubectl would wait for ever; a plugin that asks for a login cannot get one here: log in first, then run nsoffload again); it said: open the browser to log in`,
  )
  const pid = Number(fs.readFileSync(pidFile, 'utf8'))
  const alive = (): boolean => {
    try {
      process.kill(pid, 0)
      return true
    } catch {
      return false
    }
  }
  for (let i = 0; i < 200 && alive(); i++) await new Promise((r) => setTimeout(r, 50))
  assert.not.ok(alive(), 'the plugin was killed')
  // The command's deadline comes first: it is the one named.
  const late = await runExecPlugin('bot', exec('setInterval(() => {}, 1000)'), undefined, process.env, {
    ms: 30_000,
    deadline: { at: Date.now() + 300, flag: '--timeout 0.3s' },
  }).then(
    () => '',
    (x: unknown) => (x as Error).message,
  )
  assert.is(late, `exec plugin of user "bot" (${process.execPath}) was still running when --timeout 0.3s passed: stopped`)
})

test('tokenFile: read again after a minute, and after a 401', async () => {
  const f = path.join(dir, 'rotating-token')
  fs.writeFileSync(f, 'first\n')
  let now = 0
  const src = new FileTokenSource(f, () => now)
  assert.equal(await src.headers(), { Authorization: 'Bearer first' }, 'trimmed, as client-go does')
  fs.writeFileSync(f, 'second')
  now = 59_000
  assert.equal(await src.headers(), { Authorization: 'Bearer first' })
  now = 61_000
  assert.equal(await src.headers(), { Authorization: 'Bearer second' })
  fs.writeFileSync(f, 'third')
  assert.is(await src.refresh('Bearer second'), true)
  assert.equal(await src.headers(), { Authorization: 'Bearer third' })
  assert.is(await src.refresh('Bearer third'), false, 'the same token again: no retry')
  // kubectl's field is tokenFile, relative to the kubeconfig's folder.
  const kc = path.join(dir, 'token-file-relative')
  fs.writeFileSync(
    kc,
    'clusters: [{name: p, cluster: {server: "https://a.example"}}]\nusers: [{name: u, user: {tokenFile: rotating-token}}]\ncontexts: [{name: p, context: {cluster: p, user: u}}]\n',
  )
  const [c] = await connect(kc, [{ cluster: 'p', context: 'p' }])
  assert.equal(await c?.auth?.headers(), { Authorization: 'Bearer third' })
  // A token file that is not there: a kubeconfig error, as kubectl's.
  fs.writeFileSync(
    kc,
    'clusters: [{name: p, cluster: {server: "https://a.example"}}]\nusers: [{name: u, user: {tokenFile: gone}}]\ncontexts: [{name: p, context: {cluster: p, user: u}}]\n',
  )
  const e = await connect(kc, [{ cluster: 'p', context: 'p' }]).then(
    () => undefined,
    (x: unknown) => x,
  )
  assert.instance(e, KubeconfigError)
  assert.match((e as Error).message, /^context "p": ENOENT: no such file or directory, open '.*\/gone'$/)
})

// ---- what goes to @kubernetes/client-node -------------------------------------------------

test("users this reader does not model (auth-provider, interactive exec) get their credential from client-node; the rest stays kubectl's", async () => {
  const f = path.join(dir, 'delegated')
  fs.writeFileSync(path.join(dir, 'provider-token'), 'FROM-PROVIDER')
  const cred = JSON.stringify({ apiVersion: 'client.authentication.k8s.io/v1', kind: 'ExecCredential', status: { token: 'from-interactive' } })
  fs.writeFileSync(
    f,
    `clusters: [{name: a, cluster: {server: "https://a.example", certificate-authority-data: ${b64('CA DATA')}}}]
users:
  - {name: provider, user: {auth-provider: {name: file, config: {tokenFile: ${path.join(dir, 'provider-token')}}}, as: bob, as-groups: [ops, dev]}}
  - {name: interactive, user: {exec: {apiVersion: client.authentication.k8s.io/v1, interactiveMode: Always, command: sh, args: ["-c", ${JSON.stringify(`echo '${cred}'`)}]}}}
contexts: [{name: p, context: {cluster: a, user: provider}}, {name: i, context: {cluster: a, user: interactive}}]
`,
  )
  const [p, i] = await Promise.all(
    (
      await connect(f, [
        { cluster: 'p', context: 'p' },
        { cluster: 'i', context: 'i' },
      ])
    ).map(seen),
  )
  assert.equal(p, {
    server: 'https://a.example/',
    headers: { 'Impersonate-User': 'bob', 'Impersonate-Group': 'ops | dev', Authorization: 'Bearer FROM-PROVIDER' },
    tls: { ca: 'bytes:CA DATA' },
  })
  assert.equal(i?.headers, { Authorization: 'Bearer from-interactive' })
})

test('an interactive exec plugin (client-node runs it) that never exits: killed at the deadline of our own runs, naming the user and the plugin', async () => {
  const f = path.join(dir, 'delegated-hang')
  const pidFile = path.join(dir, 'delegated-hang.pid')
  fs.writeFileSync(
    f,
    `clusters: [{name: a, cluster: {server: "https://a.example"}}]
users:
  - {name: interactive, user: {exec: {apiVersion: client.authentication.k8s.io/v1, interactiveMode: Always, command: sh, args: ["-c", ${JSON.stringify(`echo $$ > ${pidFile}; exec sleep 600`)}]}}}
contexts: [{name: i, context: {cluster: a, user: interactive}}]
`,
  )
  // 5 s: time for the shell to start, on a slow machine too.
  const e = await connect(f, [{ cluster: 'i', context: 'i' }], { execLimit: { ms: 5000 } }).then(
    () => undefined,
    (x: unknown) => x as Error,
  )
  assert.instance(e, KubeconfigError)
  assert.is(
    e?.message,
    'context "i": exec plugin of user "interactive" (sh) did not finish within 5 s: stopped (kubectl would wait for ever; a plugin that asks for a login cannot get one here: log in first, then run nsoffload again)',
  )
  const pid = Number(fs.readFileSync(pidFile, 'utf8'))
  const alive = (): boolean => {
    try {
      process.kill(pid, 0)
      return true
    } catch {
      return false
    }
  }
  for (let i = 0; i < 200 && alive(); i++) await new Promise((r) => setTimeout(r, 50))
  assert.not.ok(alive(), 'the plugin was killed')
})

test.run()
