import { execFileSync } from 'node:child_process'
import * as fs from 'node:fs'
import * as https from 'node:https'
import type { AddressInfo, Socket } from 'node:net'
import * as os from 'node:os'
import * as path from 'node:path'
import { tempDir } from '../../helpers/temp.ts'

/**
 * An HTTPS proxy on loopback between nsoffload and a real API server, that injects faults by
 * a deterministic schedule: 429 with Retry-After, 503, connection resets, slow answers, the
 * real answer trickled a byte every 250 ms (`trickle`), no answer at all (`hang`: the request
 * is held, its connection open). Every other request is forwarded as is, once `hold` lets it
 * go. `goDown()` loses the server: the port closes, every connection breaks (an API server
 * killed). HTTP/1.1 with keep-alive, as nsoffload speaks it. Test-only; it talks to 127.0.0.1 only.
 */
export type Fault = 'none' | '429' | '503' | 'reset' | 'slow' | 'trickle' | 'hang'

export interface FaultProxy {
  readonly url: string
  /** Requests seen, writes among them, and the connections they came on. */
  readonly seen: { total: number; writes: number; connections: number }
  /** Faults injected so far. */
  readonly injected: Fault[]
  /** Chooses the fault for the n-th request (1-based). */
  schedule: (n: number, method: string, url: string) => Fault
  /** Something to do before the n-th request is forwarded (e.g. compact etcd); `undefined`: nothing. */
  hold: (n: number, method: string, url: string) => Promise<unknown> | undefined
  /** The headers sent upstream (e.g. an Accept the server is not to see); default: as received. */
  headers: (h: Record<string, string | string[]>) => Record<string, string | string[]>
  /** The server is lost from now on: the port is closed and every connection broken. */
  goDown(): Promise<void>
  close(): Promise<void>
}

let certs: { key: string; cert: string } | undefined

function selfSigned(): { key: string; cert: string } {
  if (certs) return certs
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nsoffload-proxy-'))
  execFileSync(
    'openssl',
    ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', path.join(dir, 'k'), '-out', path.join(dir, 'c'), '-days', '1', '-subj', '/CN=127.0.0.1'],
    { stdio: 'ignore' },
  )
  certs = { key: fs.readFileSync(path.join(dir, 'k'), 'utf8'), cert: fs.readFileSync(path.join(dir, 'c'), 'utf8') }
  fs.rmSync(dir, { recursive: true, force: true })
  return certs
}

export async function startFaultProxy(upstream: string, schedule: FaultProxy['schedule']): Promise<FaultProxy> {
  const target = new URL(upstream)
  const agent = new https.Agent({ keepAlive: true, rejectUnauthorized: false })
  const state = { total: 0, writes: 0, connections: 0 }
  const injected: Fault[] = []
  const proxy: FaultProxy = {
    url: '',
    seen: state,
    injected,
    schedule,
    hold: () => undefined,
    headers: (h) => h,
    goDown: async () => {},
    close: async () => {},
  }
  const sockets = new Set<Socket>()
  const timers = new Set<NodeJS.Timeout>()
  /** Gone (`goDown`, `close`): a connection still being set up then is broken too, and no request is served. */
  let down = false
  const server = https.createServer({ ...selfSigned() }, (req, res) => {
    if (down) {
      req.socket.destroy()
      return
    }
    state.total++
    if (req.method !== 'GET') state.writes++
    const fault = proxy.schedule(state.total, req.method ?? 'GET', req.url ?? '')
    if (fault !== 'none') injected.push(fault)
    if (fault === 'reset' || down) {
      req.socket.destroy()
      return
    }
    if (fault === 'hang') {
      req.resume()
      return
    }
    if (fault === '429' || fault === '503') {
      req.resume()
      res.writeHead(fault === '429' ? 429 : 503, { 'Content-Type': 'application/json', ...(fault === '429' ? { 'Retry-After': '1' } : {}) })
      res.end(
        JSON.stringify({
          kind: 'Status',
          apiVersion: 'v1',
          status: 'Failure',
          reason: fault === '429' ? 'TooManyRequests' : 'ServiceUnavailable',
          message: `injected ${fault}`,
          code: Number(fault),
        }),
      )
      return
    }
    const forward = (): void => {
      const up = https.request(
        {
          host: target.hostname,
          port: target.port,
          path: req.url,
          method: req.method,
          headers: { ...proxy.headers(hopByHop(req.headers)), host: target.host },
          agent,
        },
        (ur) => {
          if (fault !== 'trickle') {
            res.writeHead(ur.statusCode ?? 502, hopByHop(ur.headers))
            ur.pipe(res)
            return
          }
          // The real answer, a byte every 250 ms: never idle long, never done in time.
          const chunks: Buffer[] = []
          ur.on('data', (c: Buffer) => chunks.push(c))
          ur.on('end', () => {
            const body = Buffer.concat(chunks)
            const headers = hopByHop(ur.headers)
            delete headers['content-length']
            res.writeHead(ur.statusCode ?? 502, headers)
            let i = 0
            const t = setInterval(() => {
              if (i < body.length) res.write(body.subarray(i, ++i))
              else {
                clearInterval(t)
                timers.delete(t)
                res.end()
              }
            }, 250)
            timers.add(t)
            res.on('close', () => {
              clearInterval(t)
              timers.delete(t)
            })
          })
        },
      )
      up.on('error', () => res.destroy())
      req.pipe(up)
    }
    const held = proxy.hold(state.total, req.method ?? 'GET', req.url ?? '')
    if (held) held.then(forward, () => res.destroy())
    else if (fault === 'slow') setTimeout(forward, 300)
    else forward()
  })
  // Every TCP connection, its TLS handshake done or not: a connection accepted just before the server goes down goes down with it.
  server.on('connection', (x: Socket) => {
    if (down) {
      x.destroy()
      return
    }
    sockets.add(x)
    x.on('close', () => sockets.delete(x))
  })
  server.on('secureConnection', (x: Socket) => {
    if (down) {
      x.destroy()
      return
    }
    state.connections++
    sockets.add(x)
    x.on('close', () => sockets.delete(x))
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  const port = (server.address() as AddressInfo).port
  let closing: Promise<void> | undefined
  const close = (): Promise<void> =>
    (closing ??= new Promise<void>((r) => {
      down = true
      for (const t of timers) clearInterval(t)
      for (const x of sockets) x.destroy()
      server.close(() => r())
      agent.destroy()
    }))
  return Object.assign(proxy, { url: `https://127.0.0.1:${port}`, goDown: close, close })
}

/** Headers without the hop-by-hop ones. */
function hopByHop(h: Record<string, string | string[] | undefined>): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {}
  for (const [k, v] of Object.entries(h)) {
    if (v === undefined || ['connection', 'keep-alive', 'transfer-encoding', 'upgrade', 'proxy-connection', 'host'].includes(k.toLowerCase())) continue
    out[k] = v
  }
  return out
}

/** A kubeconfig whose contexts (one per cluster) point at the given servers with the given tokens. */
export function kubeconfigFor(clusters: Record<string, { server: string; token: string }>): string {
  const names = Object.keys(clusters)
  const file = path.join(tempDir('nsoffload-kc-'), 'config')
  const y = [
    'apiVersion: v1',
    'kind: Config',
    'clusters:',
    ...names.flatMap((n) => [`- name: ${n}`, '  cluster:', `    server: ${clusters[n]?.server}`, '    insecure-skip-tls-verify: true']),
    'users:',
    ...names.flatMap((n) => [`- name: ${n}`, '  user:', `    token: ${clusters[n]?.token}`]),
    'contexts:',
    ...names.flatMap((n) => [`- name: ${n}`, '  context:', `    cluster: ${n}`, `    user: ${n}`]),
    `current-context: ${names[0]}`,
  ]
  fs.writeFileSync(file, y.join('\n') + '\n', { mode: 0o600 })
  return file
}
