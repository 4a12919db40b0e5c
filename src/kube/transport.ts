import * as http from 'node:http'
import * as http2 from 'node:http2'
import * as https from 'node:https'
import { isIP } from 'node:net'
import * as tls from 'node:tls'

/**
 * How a request reaches an API server: HTTP/2 when the server offers it (kube-apiserver does),
 * one connection per cluster with every request of a sync on it, else HTTP/1.1 over the keep-alive
 * agent. HTTP/2 costs both sides less per request (`docs/performance.md`). The protocol is
 * chosen once per client, by TLS ALPN on its first connection.
 */

export interface RawResponse {
  readonly status: number
  readonly body: Buffer
}

export interface Target {
  readonly server: URL
  readonly agent: https.Agent | http.Agent
  /** TLS settings of the cluster (CA, client certificate, server name, verification). */
  readonly tls: tls.ConnectionOptions | undefined
}

export interface RawRequest {
  readonly method: string
  /** Path and query. */
  readonly path: string
  readonly headers: Readonly<Record<string, string | readonly string[]>>
  readonly body: string | undefined
  readonly timeoutMs: number
}

const timedOut = (): Error => Object.assign(new Error('request timed out'), { code: 'ETIMEDOUT' })

export class Transport {
  private readonly target: Target
  private readonly hostname: string
  private readonly port: number
  /** `h1` once the server turned HTTP/2 down; a session (or its negotiation) otherwise. */
  private h2: Promise<http2.ClientHttp2Session | 'h1'> | undefined
  /** The session `h2` resolved to, while it is usable. */
  private current: http2.ClientHttp2Session | undefined
  /** Requests under way per session: a session keeps the process alive only while it has some. */
  private readonly inFlight = new WeakMap<http2.ClientHttp2Session, number>()

  constructor(target: Target) {
    this.target = target
    const u = target.server
    // node:net wants an IPv6 address without its brackets.
    this.hostname = u.hostname.startsWith('[') ? u.hostname.slice(1, -1) : u.hostname
    this.port = Number(u.port || (u.protocol === 'http:' ? 80 : 443))
  }

  /** The protocol in use: `undefined` before the first request. */
  async protocol(): Promise<'h1' | 'h2' | undefined> {
    if (this.target.server.protocol === 'http:' || this.target.tls === undefined) return 'h1'
    if (!this.h2) return undefined
    const s = await this.h2.catch(() => undefined)
    return s === undefined ? undefined : s === 'h1' ? 'h1' : 'h2'
  }

  async send(req: RawRequest): Promise<RawResponse> {
    // No TLS settings for an https server: its connections come from the agent alone (a proxy tunnel).
    const session = this.target.server.protocol === 'http:' || this.target.tls === undefined ? 'h1' : await this.session(req.timeoutMs)
    return session === 'h1' ? this.sendH1(req) : this.sendH2(session, req)
  }

  /** Closes the connections; requests under way fail. */
  close(): void {
    ;(this.target.agent as { destroy?: () => void }).destroy?.()
    const h2 = this.h2
    this.h2 = undefined
    this.current = undefined
    void h2?.then((s) => (s === 'h1' ? undefined : s.destroy())).catch(() => undefined)
  }

  private session(timeoutMs: number): Promise<http2.ClientHttp2Session | 'h1'> {
    this.h2 ??= this.negotiate(timeoutMs)
    const current = this.h2
    // A failed connection is tried again by the next request (the client retries with backoff).
    current.catch(() => {
      if (this.h2 === current) this.h2 = undefined
    })
    return current
  }

  private negotiate(timeoutMs: number): Promise<http2.ClientHttp2Session | 'h1'> {
    return new Promise((resolve, reject) => {
      const socket = tls.connect({
        ...this.target.tls,
        host: this.hostname,
        port: this.port,
        ALPNProtocols: ['h2', 'http/1.1'],
        ...(this.target.tls?.servername === undefined && isIP(this.hostname) === 0 ? { servername: this.hostname } : {}),
      })
      socket.once('error', reject)
      // A server that never completes the handshake fails the request like a silent one.
      socket.setTimeout(timeoutMs, () => socket.destroy(timedOut()))
      socket.once('secureConnect', () => {
        socket.off('error', reject)
        socket.setTimeout(0)
        if (socket.alpnProtocol !== 'h2') {
          socket.destroy()
          resolve('h1')
          return
        }
        const session = http2.connect(this.target.server.origin, { createConnection: () => socket })
        this.current = session
        const forget = (): void => {
          if (this.current !== session) return
          this.current = undefined
          this.h2 = undefined
        }
        // A session the server closes (GOAWAY) or that breaks is replaced on the next request.
        session.on('error', forget)
        session.on('goaway', forget)
        session.on('close', forget)
        session.unref()
        resolve(session)
      })
    })
  }

  private sendH2(session: http2.ClientHttp2Session, req: RawRequest): Promise<RawResponse> {
    return new Promise((resolve, reject) => {
      const headers: http2.OutgoingHttpHeaders = { ':method': req.method, ':path': req.path }
      for (const [k, v] of Object.entries(req.headers)) headers[k.toLowerCase()] = typeof v === 'string' ? v : [...v]
      const started = (): void => {
        const n = (this.inFlight.get(session) ?? 0) + 1
        this.inFlight.set(session, n)
        if (n === 1) session.ref()
      }
      const ended = (): void => {
        const n = (this.inFlight.get(session) ?? 1) - 1
        this.inFlight.set(session, n)
        if (n === 0 && !session.destroyed) session.unref()
      }
      started()
      let stream: http2.ClientHttp2Stream
      try {
        stream = session.request(headers, { endStream: req.body === undefined })
      } catch (e) {
        ended()
        reject(e)
        return
      }
      let status = 0
      const chunks: Buffer[] = []
      // No answer in time: the connection may be dead without the kernel knowing (HTTP/2 has no
      // other connection to retry on), so it goes and the retry opens a new one.
      stream.setTimeout(req.timeoutMs, () => {
        stream.destroy(timedOut())
        session.destroy()
      })
      stream.on('response', (h) => {
        status = Number(h[':status'] ?? 0)
      })
      stream.on('data', (c: Buffer) => chunks.push(c))
      stream.on('error', reject)
      stream.on('close', () => {
        ended()
        // A stream reset before its answer (REFUSED_STREAM, a GOAWAY) is a broken connection.
        if (status === 0) reject(Object.assign(new Error(`stream closed before an answer (code ${stream.rstCode})`), { code: 'ECONNRESET' }))
        else resolve({ status, body: Buffer.concat(chunks) })
      })
      if (req.body !== undefined) stream.end(req.body)
    })
  }

  private sendH1(req: RawRequest): Promise<RawResponse> {
    const mod = this.target.server.protocol === 'http:' ? http : https
    return new Promise((resolve, reject) => {
      const r = mod.request({ hostname: this.hostname, port: this.port, path: req.path, method: req.method, headers: req.headers as http.OutgoingHttpHeaders, agent: this.target.agent, timeout: req.timeoutMs }, (res) => {
        const chunks: Buffer[] = []
        res.on('data', (c: Buffer) => chunks.push(c))
        res.on('error', reject)
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks) }))
      })
      r.on('timeout', () => r.destroy(timedOut()))
      r.on('error', reject)
      if (req.body !== undefined) r.write(req.body)
      r.end()
    })
  }
}

