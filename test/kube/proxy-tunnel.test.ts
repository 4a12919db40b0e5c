import * as fs from 'node:fs'
import * as http from 'node:http'
import { createRequire } from 'node:module'
import type { AddressInfo } from 'node:net'
import * as path from 'node:path'
import { fileURLToPath } from 'node:url'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { HttpTunnelAgent } from '../../src/kube/proxy.ts'
import { type ConnectProxy, startConnectProxy } from '../helpers/connect-proxy.ts'

/**
 * Why `proxy-url` tunnelling is hand-written (`src/kube/proxy.ts`) rather than `hpagent`
 * (1.2.0, what @kubernetes/client-node 1.4.0 depends on): the same requests, through a real
 * CONNECT proxy this test starts, by nsoffload's agent and by the real hpagent. Where they
 * agree (an IPv4 server, a proxy password) and where hpagent goes wrong: an IPv6 server is
 * asked for as `::1:PORT`, not the authority `[::1]:PORT` that CONNECT takes (RFC 9110 §9.3.6:
 * a proxy that reads it as Go's net.SplitHostPort does refuses it), and a proxy at an IPv6
 * address is looked up by the name `[::1]` and never reached. Both are the clusters of an
 * IPv6-only network, which kubectl (client-go) reaches.
 */

/** The hpagent @kubernetes/client-node itself loads (resolved from it, whatever npm hoists), and its version. */
const fromClientNode = createRequire(fileURLToPath(import.meta.resolve('@kubernetes/client-node')))
const hpagentMain = fromClientNode.resolve('hpagent')
const { HttpProxyAgent } = fromClientNode(hpagentMain) as { HttpProxyAgent: new (o: { proxy: string; keepAlive: boolean }) => http.Agent }
const HPAGENT_VERSION = (JSON.parse(fs.readFileSync(path.join(path.dirname(hpagentMain), 'package.json'), 'utf8')) as { version: string }).version

/** A server that answers every request with its path. */
async function echoServer(host: '127.0.0.1' | '::1'): Promise<{ port: number; close(): Promise<void> }> {
  const srv = http.createServer((req, res) => res.writeHead(200, { 'Content-Type': 'text/plain' }).end(`served ${req.url ?? ''}`))
  await new Promise<void>((r) => srv.listen(0, host, r))
  return {
    port: (srv.address() as AddressInfo).port,
    close: async () => {
      srv.closeAllConnections()
      await new Promise((r) => srv.close(r))
    },
  }
}

/** GET `path` from `host:port` through `agent`: the answer's status and body, or the error's message. */
function get(agent: http.Agent, host: string, port: number, path: string): Promise<{ status?: number; body?: string; error?: string }> {
  return new Promise((resolve) => {
    const req = http.request({ host, port, path, agent }, (res) => {
      let body = ''
      res.setEncoding('utf8')
      res.on('data', (c: string) => (body += c))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }))
    })
    req.on('error', (e) => resolve({ error: e.message }))
    req.end()
  })
}

const ours = (proxy: string): http.Agent => new HttpTunnelAgent(new URL(proxy), { keepAlive: false })
const theirs = (proxy: string): http.Agent => new HttpProxyAgent({ proxy, keepAlive: false })

async function withProxy(listen: '127.0.0.1' | '::1', fn: (p: ConnectProxy) => Promise<void>): Promise<void> {
  const p = await startConnectProxy(undefined, listen)
  try {
    await fn(p)
  } finally {
    await p.close()
  }
}

test(`hpagent ${HPAGENT_VERSION} and nsoffload agree: an IPv4 server through an IPv4 proxy, with the password of proxy-url`, async () => {
  const srv = await echoServer('127.0.0.1')
  try {
    await withProxy('127.0.0.1', async (p) => {
      const url = p.url.replace('http://', 'http://me:p%40ss@')
      assert.equal(await get(ours(url), '127.0.0.1', srv.port, '/api'), { status: 200, body: 'served /api' })
      assert.equal(await get(theirs(url), '127.0.0.1', srv.port, '/api'), { status: 200, body: 'served /api' })
      assert.equal(p.tunnels, [`127.0.0.1:${srv.port}`, `127.0.0.1:${srv.port}`])
      assert.equal(p.auth, [`Basic ${Buffer.from('me:p@ss').toString('base64')}`, `Basic ${Buffer.from('me:p@ss').toString('base64')}`])
    })
  } finally {
    await srv.close()
  }
})

test('an IPv6 server: nsoffload asks the proxy for [::1]:PORT and is served; hpagent asks for ::1:PORT, which the proxy refuses', async () => {
  const srv = await echoServer('::1')
  try {
    await withProxy('127.0.0.1', async (p) => {
      // Node takes the address unbracketed in request options, as a server URL's hostname is passed on without them.
      assert.equal(await get(ours(p.url), '::1', srv.port, '/api'), { status: 200, body: 'served /api' })
      const h = await get(theirs(p.url), '::1', srv.port, '/api')
      assert.equal(p.tunnels, [`[::1]:${srv.port}`, `::1:${srv.port}`], 'the CONNECT targets, as sent')
      assert.is(h.status, undefined, 'hpagent gets no answer from the server')
      assert.is(h.error, 'Bad response: 400')
    })
  } finally {
    await srv.close()
  }
})

test('a proxy at an IPv6 address (proxy-url: http://[::1]:PORT): nsoffload reaches it; hpagent looks up the name "[::1]"', async () => {
  const srv = await echoServer('127.0.0.1')
  try {
    await withProxy('::1', async (p) => {
      assert.match(p.url, /^http:\/\/\[::1\]:\d+$/)
      assert.equal(await get(ours(p.url), '127.0.0.1', srv.port, '/api'), { status: 200, body: 'served /api' })
      const h = await get(theirs(p.url), '127.0.0.1', srv.port, '/api')
      assert.is(h.status, undefined, 'hpagent never reaches the proxy')
      assert.match(h.error ?? '', /^getaddrinfo (ENOTFOUND|EAI_AGAIN) \[::1\]$/)
      assert.equal(p.tunnels, [`127.0.0.1:${srv.port}`], "one tunnel: nsoffload's")
    })
  } finally {
    await srv.close()
  }
})

test.run()
