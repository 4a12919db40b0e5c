import { execFileSync } from 'node:child_process'
import * as fs from 'node:fs'
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http'
import * as https from 'node:https'
import { type AddressInfo, createServer as createNetServer, type Socket } from 'node:net'
import * as path from 'node:path'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { type ClientOptions, KubeClient, KubeError, type RetryPolicy } from '../../src/kube/kube-client.ts'
import { connect } from '../../src/kube/kubeconfig.ts'
import { tempDir } from '../helpers/temp.ts'

/**
 * The client's requests, against local HTTPS and HTTP servers (the e2e suites run it against
 * the real kube-apiserver): keep-alive connections, as many as the requests in flight at most;
 * retries of broken connections and silent servers; errors that name the cluster.
 */
const dir = tempDir('nsoffload-tls-')
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

/** Retries within 0.5 s: the tests' clusters are given up quickly. */
const FAST: RetryPolicy = { baseDelayMs: 10, maxDelayMs: 20, requestTimeoutMs: 5000, connectTimeoutMs: 5000, budgetMs: 500, firstContactBudgetMs: 100 }

const client = (url: string, opts: ClientOptions = {}): KubeClient =>
  new KubeClient(
    { cluster: 'c', context: 'ctx-c', server: new URL(url), headers: { Authorization: 'Bearer t0ken' }, agent: new https.Agent({ keepAlive: true, ca: cert }) },
    { retry: FAST, ...opts },
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
    assert.match(retries[0] ?? '', /^c: GET \/r5: ECONNRESET; retrying in \d+ ms \(\d+ ms of retries left\)$/)
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
  const c = client(s.url, { retry: { ...FAST, requestTimeoutMs: 300, firstContactBudgetMs: 5000 } })
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
  const c = client(url, { retry: { ...FAST, connectTimeoutMs: 200, firstContactBudgetMs: 300 } })
  try {
    const e = await failure(c.request('GET', '/api'))
    assert.is(e?.message, `cluster "c" (context ctx-c, ${url}) is unreachable: connect ETIMEDOUT: not connected within 200 ms`)
    assert.ok(c.counts.retries >= 1, 'tried again within its budget')
    assert.ok(accepted.length >= 2, 'each attempt on a new connection')
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
    assert.ok(c.counts.retries >= 2, 'retried quietly')
    const sent = c.counts.reads
    assert.is((await failure(c.get('/api/v1/pods')))?.message, errors[0]?.message, 'a cluster given up fails at once')
    assert.is(c.counts.reads, sent, 'without a request')
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

/** A hang guard (not a speed check): the promise, or a failure if it has not settled within `ms`. */
const within = <T>(p: Promise<T>, ms: number, what: string): Promise<T> =>
  Promise.race([p, new Promise<T>((_, reject) => setTimeout(() => reject(new Error(`${what}: not over after ${ms} ms`)), ms).unref())])

test('a server that trickles its answer (a byte every 50 ms): the request is cut off at its time-out, a total and not an idle time', async () => {
  const ticks: NodeJS.Timeout[] = []
  const s = await server((req, res) => {
    req.resume()
    res.writeHead(200, { 'content-type': 'application/json' })
    // 100,000 bytes at 20 a second: 83 minutes, and never 50 ms without one.
    let sent = 0
    const t = setInterval(() => {
      if (sent++ < 100_000) res.write(' ')
      else res.end('{}')
    }, 50)
    ticks.push(t)
    res.on('close', () => clearInterval(t))
  })
  const c = client(s.url, { retry: { ...FAST, requestTimeoutMs: 300, firstContactBudgetMs: 200 } })
  try {
    const e = await within(failure(c.get('/api/v1/namespaces')), 60_000, 'a LIST from a trickling server')
    assert.is(e?.message, `cluster "c" (context ctx-c, ${s.url}) is unreachable: no complete answer within 300 ms (--request-timeout)`)
    assert.ok(c.counts.retries >= 1, 'a time-out is retried')
  } finally {
    for (const t of ticks) clearInterval(t)
    c.close()
    await s.close()
  }
})

test('a request waiting for one of the maxSockets connections is not late yet: its time-out runs from when it has one', async () => {
  const s = await server((req, res, n) => setTimeout(() => echo(req, res, n), 100))
  const c = client(s.url, { maxSockets: 1, retry: { ...FAST, requestTimeoutMs: 3000 } })
  try {
    // 50 answers of 100 ms one after the other: the last waits 5 s or more for the connection.
    const answers = await Promise.all(Array.from({ length: 50 }, (_, i) => c.request<{ url: string }>('GET', `/q${i}`)))
    assert.is(answers[49]?.url, '/q49')
    assert.is(c.counts.retries, 0)
    assert.is(s.connections(), 1)
  } finally {
    c.close()
    await s.close()
  }
})

test('a cluster that stops answering mid-run: retried within its budget, then given up: one error for every request, none sent after', async () => {
  let srv: Awaited<ReturnType<typeof server>> | undefined
  const probe = await server()
  const url = probe.url
  await probe.close()
  // The same port again, answering until told to go.
  const port = Number(new URL(url).port)
  const live = https.createServer({ key, cert }, (req, res) => echo(req, res, 0))
  await new Promise<void>((r) => live.listen(port, '127.0.0.1', r))
  srv = { url, connections: () => 0, close: () => new Promise<void>((r) => (live.closeAllConnections(), live.close(() => r()))) }
  const retries: string[] = []
  const c = client(url, { onRetry: (m) => retries.push(m) })
  try {
    assert.is((await c.request<{ url: string }>('GET', '/before')).url, '/before')
    await srv.close()
    srv = undefined
    const errors = await within(Promise.all(Array.from({ length: 6 }, (_, i) => failure(c.get(`/r${i}`)))), 60_000, 'requests to a cluster gone')
    const message = errors[0]?.message ?? ''
    assert.match(
      message,
      new RegExp(
        `^cluster "c" \\(context ctx-c, ${url.replace(/[.]/g, '\\.')}\\) stopped answering: GET /r\\d: connect ECONNREFUSED; given up after \\d+(\\.\\d)? m?s of retries$`,
      ),
    )
    assert.equal(
      errors.map((e) => e?.message),
      errors.map(() => message),
      'one error for all',
    )
    assert.is(c.failure?.message, message)
    assert.ok(retries.length >= 1, 'the retries are told')
    // A request on a keep-alive connection the server broke sees a reset, the others a closed port.
    for (const r of retries) assert.match(r, /^c: GET \/r\d: ((read )?ECONNRESET|connect ECONNREFUSED); retrying in \d+ ms \(\d+ ms of retries left\)$/)
    const sent = c.counts.reads
    assert.is((await failure(c.get('/after')))?.message, message)
    assert.is(c.counts.reads, sent, 'nothing sent to a cluster given up')
  } finally {
    c.close()
    await srv?.close()
  }
})

test('one request that keeps failing while the others succeed: it gives up alone after its budget, the cluster stays in use', async () => {
  const s = await server((req, res, n) => {
    if (req.url !== '/bad') return echo(req, res, n)
    req.resume()
    res.writeHead(503, { 'content-type': 'application/json' })
    res.end(JSON.stringify({ kind: 'Status', reason: 'ServiceUnavailable', message: 'not this one' }))
  })
  // 3 s: time for the other requests to succeed meanwhile, on a slow machine too.
  const c = client(s.url, { retry: { ...FAST, budgetMs: 3000 } })
  try {
    await c.get('/first')
    let done = false
    const others = (async () => {
      let n = 0
      while (!done) n += (await c.get('/good')) ? 1 : 0
      return n
    })()
    const e = await within(failure(c.get('/bad')), 60_000, 'a request failing alone')
    done = true
    assert.ok((await others) > 0)
    assert.match(e?.message ?? '', /^GET \/bad: 503 ServiceUnavailable: not this one \(retried for \d+(\.\d)? m?s\)$/)
    assert.is(c.failure, undefined, 'the cluster is not given up')
    assert.ok(await c.get('/still'))
  } finally {
    c.close()
    await s.close()
  }
})

test("the command's deadline: the request under way when it passes ends then, and nothing is sent after it", async () => {
  const held: ServerResponse[] = []
  const s = await server((req, res) => {
    req.resume()
    held.push(res)
  })
  const c = client(s.url, { deadline: { at: Date.now() + 300, flag: '--timeout 0.3s' }, retry: { ...FAST, firstContactBudgetMs: 60_000, budgetMs: 60_000 } })
  try {
    const e = await within(failure(c.get('/api/v1/namespaces')), 60_000, 'a request past the deadline')
    assert.is(e?.message, `--timeout 0.3s passed while waiting for cluster "c" (context ctx-c, ${s.url}): GET /api/v1/namespaces`)
    assert.is((e as KubeError).outOfTime, true)
    assert.is(c.cutOff?.message, e?.message)
    const sent = c.counts.reads
    assert.is((await failure(c.get('/api')))?.message, `--timeout 0.3s passed while waiting for cluster "c" (context ctx-c, ${s.url}): GET /api`)
    assert.is(c.counts.reads, sent, 'nothing sent after the deadline')
  } finally {
    c.close()
    for (const r of held) r.destroy()
    await s.close()
  }
})

test.run()
