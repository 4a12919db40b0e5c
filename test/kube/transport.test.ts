import { execFileSync } from 'node:child_process'
import * as fs from 'node:fs'
import { createServer as createHttpServer } from 'node:http'
import * as http2 from 'node:http2'
import * as https from 'node:https'
import { type AddressInfo, createServer as createNetServer } from 'node:net'
import * as os from 'node:os'
import * as path from 'node:path'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { KubeClient } from '../../src/kube/kube-client.ts'
import { connect } from '../../src/kube/kubeconfig.ts'

/**
 * The client's protocol choice, against local TLS servers of both kinds (the e2e suites run it
 * against the real kube-apiserver): HTTP/2 when offered, every request on one connection, a
 * connection the server closes or breaks replaced; HTTP/1.1 otherwise.
 */
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nsoffload-tls-'))
execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', path.join(dir, 'key'), '-out', path.join(dir, 'cert'), '-days', '1', '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1'], { stdio: 'ignore' })
const key = fs.readFileSync(path.join(dir, 'key'))
const cert = fs.readFileSync(path.join(dir, 'cert'))

interface Seen {
  versions: string[]
  sessions: number
  paths: string[]
}

type Handler = (req: http2.Http2ServerRequest | import('node:http').IncomingMessage, res: http2.Http2ServerResponse | import('node:http').ServerResponse, seen: Seen) => void

const echo: Handler = (req, res) => {
  let body = ''
  req.on('data', (c: Buffer) => (body += c.toString()))
  req.on('end', () => {
    res.writeHead(200, { 'content-type': 'application/json' })
    res.end(JSON.stringify({ method: req.method, url: req.url, body, auth: req.headers['authorization'] ?? '' }))
  })
}

async function server(kind: 'h1' | 'h2', handler: Handler = echo): Promise<{ url: string; seen: Seen; close: () => Promise<void> }> {
  const seen: Seen = { versions: [], sessions: 0, paths: [] }
  const onRequest = (req: Parameters<Handler>[0], res: Parameters<Handler>[1]): void => {
    seen.versions.push(req.httpVersion)
    seen.paths.push(req.url ?? '')
    handler(req, res, seen)
  }
  const srv = kind === 'h2' ? http2.createSecureServer({ key, cert, allowHTTP1: true }, onRequest) : https.createServer({ key, cert }, onRequest)
  if (kind === 'h2') (srv as http2.Http2SecureServer).on('session', () => seen.sessions++)
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r))
  const port = (srv as https.Server).address() as AddressInfo
  return {
    url: `https://127.0.0.1:${port.port}`,
    seen,
    close: () =>
      new Promise<void>((r) => {
        ;(srv as https.Server).closeAllConnections?.()
        srv.close(() => r())
      }),
  }
}

const client = (url: string): KubeClient =>
  new KubeClient(
    { cluster: 'c', context: 'c', server: new URL(url), headers: { Authorization: 'Bearer t0ken' }, agent: new https.Agent({ keepAlive: true, ca: cert }), tls: { ca: cert } },
    { attempts: 3, baseDelayMs: 10, maxDelayMs: 20, timeoutMs: 5000 },
  )

test('HTTP/2 when the server offers it: every request on one connection, bodies and headers intact', async () => {
  const s = await server('h2')
  const c = client(s.url)
  try {
    const answers = await Promise.all(
      Array.from({ length: 20 }, (_, i) => c.request<{ method: string; url: string; body: string; auth: string }>('PATCH', `/api/v1/namespaces/n${i}`, { query: { fieldManager: 'nsoffload', dryRun: 'All' }, body: { i }, contentType: 'application/apply-patch+yaml' })),
    )
    assert.is(await c.protocol(), 'h2')
    assert.equal(s.seen.versions, Array.from({ length: 20 }, () => '2.0'))
    assert.is(s.seen.sessions, 1, 'one connection')
    assert.equal(answers[7], { method: 'PATCH', url: '/api/v1/namespaces/n7?fieldManager=nsoffload&dryRun=All', body: '{"i":7}', auth: 'Bearer t0ken' })
  } finally {
    c.close()
    await s.close()
  }
})

test('HTTP/1.1 when the server does not offer HTTP/2', async () => {
  const s = await server('h1')
  const c = client(s.url)
  try {
    const r = await c.request<{ url: string }>('GET', '/api', { query: { limit: '5' } })
    assert.is(r.url, '/api?limit=5')
    assert.is(await c.protocol(), 'h1')
    assert.equal(s.seen.versions, ['1.1'])
  } finally {
    c.close()
    await s.close()
  }
})

test('a plain-HTTP server (kubectl proxy), from a kubeconfig: HTTP/1.1 without TLS', async () => {
  const srv = createHttpServer((req, res) => echo(req, res, { versions: [], sessions: 0, paths: [] }))
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r))
  const url = `http://127.0.0.1:${(srv.address() as AddressInfo).port}`
  const kubeconfig = path.join(dir, 'proxy-kubeconfig')
  fs.writeFileSync(kubeconfig, `apiVersion: v1\nkind: Config\ncurrent-context: p\nclusters: [{name: p, cluster: {server: "${url}"}}]\nusers: [{name: p, user: {}}]\ncontexts: [{name: p, context: {cluster: p, user: p}}]\n`)
  const [conn] = await connect(kubeconfig, [{ cluster: 'p', context: 'p' }])
  assert.ok(conn)
  const c = new KubeClient(conn)
  try {
    assert.is((await c.request<{ url: string }>('GET', '/api/v1/namespaces')).url, '/api/v1/namespaces')
    assert.is(await c.protocol(), 'h1')
  } finally {
    c.close()
    srv.closeAllConnections()
    await new Promise((r) => srv.close(r))
  }
})

test('a connection the server closes (GOAWAY) or breaks is replaced: the requests succeed', async () => {
  let n = 0
  const s = await server('h2', (req, res, seen) => {
    n++
    // The 3rd request: the connection closes after answering; the 6th: it breaks unanswered.
    if (n === 6) {
      ;(req as http2.Http2ServerRequest).stream.session?.destroy()
      return
    }
    echo(req, res, seen)
    if (n === 3) (req as http2.Http2ServerRequest).stream.session?.close()
  })
  const c = client(s.url)
  try {
    for (let i = 0; i < 8; i++) assert.is((await c.request<{ url: string }>('GET', `/r${i}`)).url, `/r${i}`)
    assert.is(await c.protocol(), 'h2')
    assert.ok(s.seen.sessions >= 3, `${s.seen.sessions} connections`)
    assert.is(c.counts.retries, 1, 'the unanswered request was sent again')
  } finally {
    c.close()
    await s.close()
  }
})

test('an answer that does not come in time: the request fails over to a new connection', async () => {
  let n = 0
  const s = await server('h2', (req, res, seen) => {
    // The first request never gets an answer: a connection dead without the kernel knowing.
    if (++n === 1) return
    echo(req, res, seen)
  })
  const c = new KubeClient(
    { cluster: 'c', context: 'c', server: new URL(s.url), headers: {}, agent: new https.Agent({ keepAlive: true, ca: cert }), tls: { ca: cert } },
    { attempts: 3, baseDelayMs: 10, maxDelayMs: 20, timeoutMs: 300 },
  )
  try {
    assert.is((await c.request<{ url: string }>('GET', '/slow')).url, '/slow')
    assert.is(c.counts.retries, 1)
    assert.is(s.seen.sessions, 2, 'the retry went over a new connection')
  } finally {
    c.close()
    await s.close()
  }
})

test('a server that never completes the TLS handshake: each attempt times out, then the request fails', async () => {
  const accepted: import('node:net').Socket[] = []
  const silent = createNetServer((sock) => void accepted.push(sock))
  await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r))
  const c = new KubeClient(
    { cluster: 'c', context: 'c', server: new URL(`https://127.0.0.1:${(silent.address() as AddressInfo).port}`), headers: {}, agent: new https.Agent({ keepAlive: true }), tls: {} },
    { attempts: 3, baseDelayMs: 10, maxDelayMs: 20, timeoutMs: 200 },
  )
  try {
    const e = await c.request('GET', '/api').then(
      () => undefined,
      (err: unknown) => err as Error,
    )
    assert.is(e?.message, 'GET /api: ETIMEDOUT')
    assert.is(c.counts.retries, 2)
  } finally {
    c.close()
    for (const sock of accepted) sock.destroy()
    await new Promise((r) => silent.close(r))
  }
})

test('HTTP status errors read the same on both protocols', async () => {
  const fail: Handler = (req, res) => {
    req.resume()
    res.writeHead(409, { 'content-type': 'application/json' })
    res.end(JSON.stringify({ kind: 'Status', reason: 'Conflict', message: 'Apply failed with 1 conflict' }))
  }
  for (const kind of ['h1', 'h2'] as const) {
    const s = await server(kind, fail)
    const c = client(s.url)
    try {
      const e = await c.request('PATCH', '/x', { body: '{}' }).then(
        () => undefined,
        (err: unknown) => err as Error,
      )
      assert.is(e?.message, 'PATCH /x: 409 Conflict: Apply failed with 1 conflict', kind)
    } finally {
      c.close()
      await s.close()
    }
  }
})

test.run()
