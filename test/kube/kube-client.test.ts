import { execFileSync } from 'node:child_process'
import * as fs from 'node:fs'
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http'
import * as https from 'node:https'
import { type AddressInfo, createServer as createNetServer, type Socket } from 'node:net'
import * as os from 'node:os'
import * as path from 'node:path'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { type ClientOptions, KubeClient } from '../../src/kube/kube-client.ts'
import { connect } from '../../src/kube/kubeconfig.ts'

/**
 * The client's requests, against local HTTPS and HTTP servers (the e2e suites run it against
 * the real kube-apiserver): keep-alive connections, as many as the requests in flight at most;
 * retries of broken connections and silent servers; errors that name the cluster.
 */
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nsoffload-tls-'))
execFileSync(
  'openssl',
  [
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    path.join(dir, 'key'),
    '-out',
    path.join(dir, 'cert'),
    '-days',
    '1',
    '-subj',
    '/CN=localhost',
    '-addext',
    'subjectAltName=DNS:localhost,IP:127.0.0.1',
  ],
  { stdio: 'ignore' },
)
const key = fs.readFileSync(path.join(dir, 'key'))
const cert = fs.readFileSync(path.join(dir, 'cert'))

type Handler = (req: IncomingMessage, res: ServerResponse, n: number) => void

const echo: Handler = (req, res) => {
  let body = ''
  req.on('data', (c: Buffer) => (body += c.toString()))
  req.on('end', () => {
    res.writeHead(200, { 'content-type': 'application/json' })
    res.end(JSON.stringify({ method: req.method, url: req.url, body, auth: req.headers['authorization'] ?? '' }))
  })
}

async function server(handler: Handler = echo): Promise<{ url: string; connections: () => number; close: () => Promise<void> }> {
  let n = 0
  let connections = 0
  const srv = https.createServer({ key, cert }, (req, res) => handler(req, res, ++n))
  srv.on('secureConnection', () => connections++)
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r))
  return {
    url: `https://127.0.0.1:${(srv.address() as AddressInfo).port}`,
    connections: () => connections,
    close: () =>
      new Promise<void>((r) => {
        srv.closeAllConnections()
        srv.close(() => r())
      }),
  }
}

const client = (url: string, opts: ClientOptions = {}): KubeClient =>
  new KubeClient(
    { cluster: 'c', context: 'ctx-c', server: new URL(url), headers: { Authorization: 'Bearer t0ken' }, agent: new https.Agent({ keepAlive: true, ca: cert }) },
    { retry: { attempts: 3, baseDelayMs: 10, maxDelayMs: 20, timeoutMs: 5000 }, ...opts },
  )

const failure = (p: Promise<unknown>): Promise<Error | undefined> =>
  p.then(
    () => undefined,
    (e: unknown) => e as Error,
  )

test('keep-alive: requests in flight share as many connections as maxSockets, bodies and headers intact', async () => {
  const s = await server()
  const c = client(s.url, { maxSockets: 3 })
  try {
    const answers = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        c.request<{ method: string; url: string; body: string; auth: string }>('PATCH', `/api/v1/namespaces/n${i}`, {
          query: { fieldManager: 'nsoffload' },
          body: { i },
          contentType: 'application/apply-patch+yaml',
        }),
      ),
    )
    assert.equal(answers[7], { method: 'PATCH', url: '/api/v1/namespaces/n7?fieldManager=nsoffload', body: '{"i":7}', auth: 'Bearer t0ken' })
    assert.is(s.connections(), 3)
    for (let i = 0; i < 5; i++) await c.get('/api')
    assert.is(s.connections(), 3, 'requests one after the other reuse the open connections')
    assert.equal(c.counts, { reads: 5, writes: 20, retries: 0 })
    await c.request('PATCH', '/api/v1/namespaces/n0', {
      query: { fieldManager: 'nsoffload', dryRun: 'All' },
      body: {},
      contentType: 'application/apply-patch+yaml',
    })
    assert.equal(c.counts, { reads: 6, writes: 20, retries: 0 }, 'a dry run writes nothing: it counts as a read')
  } finally {
    c.close()
    await s.close()
  }
})

test('a plain-HTTP server (kubectl proxy), from a kubeconfig', async () => {
  const srv = createHttpServer((req, res) => echo(req, res, 0))
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r))
  const url = `http://127.0.0.1:${(srv.address() as AddressInfo).port}`
  const kubeconfig = path.join(dir, 'proxy-kubeconfig')
  fs.writeFileSync(
    kubeconfig,
    `apiVersion: v1\nkind: Config\ncurrent-context: p\nclusters: [{name: p, cluster: {server: "${url}"}}]\nusers: [{name: p, user: {}}]\ncontexts: [{name: p, context: {cluster: p, user: p}}]\n`,
  )
  const [conn] = await connect(kubeconfig, [{ cluster: 'p', context: 'p' }])
  assert.ok(conn)
  const c = new KubeClient(conn)
  try {
    assert.is((await c.request<{ url: string }>('GET', '/api/v1/namespaces', { query: { limit: '5' } })).url, '/api/v1/namespaces?limit=5')
  } finally {
    c.close()
    srv.closeAllConnections()
    await new Promise((r) => srv.close(r))
  }
})

test('a connection the server closes after answering or breaks before answering: the requests succeed, the broken one retried', async () => {
  const s = await server((req, res, n) => {
    // The 3rd request: the connection closes after answering; the 6th: it breaks unanswered.
    if (n === 6) return void req.socket.destroy()
    if (n === 3) res.setHeader('connection', 'close')
    echo(req, res, n)
  })
  const retries: string[] = []
  const c = client(s.url, { onRetry: (m) => retries.push(m) })
  try {
    for (let i = 0; i < 8; i++) assert.is((await c.request<{ url: string }>('GET', `/r${i}`)).url, `/r${i}`)
    assert.is(s.connections(), 3)
    assert.is(c.counts.retries, 1, 'the unanswered request was sent again')
    assert.match(retries[0] ?? '', /^c: GET \/r5: ECONNRESET; retrying in \d+ ms \(1\/2\)$/)
  } finally {
    c.close()
    await s.close()
  }
})

test('an answer that does not come in time: the request is sent again on another connection', async () => {
  const s = await server((req, res, n) => {
    // The first request never gets an answer: a connection dead without the kernel knowing.
    if (n !== 1) echo(req, res, n)
  })
  const c = client(s.url, { retry: { attempts: 3, baseDelayMs: 10, maxDelayMs: 20, timeoutMs: 300 } })
  try {
    assert.is((await c.request<{ url: string }>('GET', '/slow')).url, '/slow')
    assert.is(c.counts.retries, 1)
    assert.is(s.connections(), 2, 'the retry went over a new connection')
  } finally {
    c.close()
    await s.close()
  }
})

test('a server that never completes the TLS handshake: each attempt times out, then the cluster is unreachable', async () => {
  const accepted: Socket[] = []
  const silent = createNetServer((sock) => void accepted.push(sock))
  await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r))
  const url = `https://127.0.0.1:${(silent.address() as AddressInfo).port}`
  const c = client(url, { retry: { attempts: 3, baseDelayMs: 10, maxDelayMs: 20, timeoutMs: 200 } })
  try {
    const e = await failure(c.request('GET', '/api'))
    assert.is(e?.message, `cluster "c" (context ctx-c, ${url}) is unreachable: ETIMEDOUT`)
    assert.is(c.counts.retries, 2)
  } finally {
    c.close()
    for (const sock of accepted) sock.destroy()
    await new Promise((r) => silent.close(r))
  }
})

test('a closed port: retried quietly, then one error naming the cluster, its context and server', async () => {
  const probe = createNetServer()
  await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r))
  const url = `https://127.0.0.1:${(probe.address() as AddressInfo).port}`
  await new Promise((r) => probe.close(r))
  const retries: string[] = []
  const c = client(url, { onRetry: (m) => retries.push(m) })
  try {
    const errors = await Promise.all([failure(c.get('/api/v1/namespaces')), failure(c.get('/api/v1/nodes'))])
    assert.equal(
      errors.map((e) => e?.message),
      Array.from({ length: 2 }, () => `cluster "c" (context ctx-c, ${url}) is unreachable: connect ECONNREFUSED`),
    )
    assert.equal(retries, [], 'no line per retry')
    assert.is(c.counts.retries, 4)
  } finally {
    c.close()
  }
})

test('HTTP status errors: the status, reason and message of the Status object; 404 is undefined for get', async () => {
  const s = await server((req, res) => {
    req.resume()
    const conflict = req.method === 'PATCH'
    res.writeHead(conflict ? 409 : 404, { 'content-type': 'application/json' })
    res.end(JSON.stringify({ kind: 'Status', reason: conflict ? 'Conflict' : 'NotFound', message: conflict ? 'Apply failed with 1 conflict' : 'not found' }))
  })
  const c = client(s.url)
  try {
    assert.is((await failure(c.request('PATCH', '/x', { body: '{}' })))?.message, 'PATCH /x: 409 Conflict: Apply failed with 1 conflict')
    assert.is(await c.get('/y'), undefined)
    assert.is(await c.list('/z'), undefined)
    assert.is(c.counts.retries, 0)
  } finally {
    c.close()
    await s.close()
  }
})

test.run()
