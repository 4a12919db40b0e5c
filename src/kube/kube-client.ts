import * as http from 'node:http'
import type * as https from 'node:https'
import type * as tls from 'node:tls'
import type { AuthSource } from './credentials.ts'
import { Transport } from './transport.ts'

/**
 * A small Kubernetes REST client with retries, over HTTP/2 or HTTP/1.1 (see transport.ts): the
 * one place nsoffload sends requests to a cluster. Credentials come from the kubeconfig (see
 * kubeconfig.ts) and are never printed: errors name the cluster and the path, nothing else of
 * the connection.
 */

export interface Connection {
  /** The inventory's name for the cluster (its cluster ID). */
  readonly cluster: string
  readonly context: string
  readonly server: URL
  /** Impersonation and static credentials; a header of several values (`Impersonate-Group`) is sent once per value. */
  readonly headers: Readonly<Record<string, string | readonly string[]>>
  /** Credentials that change during a run (exec plugins, token files): asked before every request, refreshed after a 401. */
  readonly auth?: AuthSource
  /** HTTP/1.1 connections (when the server does not speak HTTP/2). */
  readonly agent: https.Agent | http.Agent
  /** The TLS settings the agent has, for HTTP/2 connections; `undefined` for `http://` and through a proxy (HTTP/1.1 over the agent's tunnel). */
  readonly tls?: tls.ConnectionOptions
}

export class KubeError extends Error {
  readonly status: number
  readonly reason: string
  readonly transient: boolean
  constructor(message: string, status: number, reason: string, transient: boolean) {
    super(message)
    this.status = status
    this.reason = reason
    this.transient = transient
  }
}

export interface RequestOptions {
  readonly query?: Readonly<Record<string, string | undefined>>
  readonly body?: unknown
  readonly contentType?: string
}

/** Counts per cluster, for reports and the benchmark: a no-op sync must show 0 writes (dry-run requests are reads). */
export interface RequestCounts {
  reads: number
  writes: number
  retries: number
}

export interface RetryPolicy {
  readonly attempts: number
  readonly baseDelayMs: number
  readonly maxDelayMs: number
  readonly timeoutMs: number
}

export const DEFAULT_RETRY: RetryPolicy = { attempts: 6, baseDelayMs: 200, maxDelayMs: 5000, timeoutMs: 30000 }

const TRANSIENT_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'EPIPE',
  'ETIMEDOUT',
  'EAI_AGAIN',
  'ENOTFOUND',
  'ECONNABORTED',
  'UND_ERR_SOCKET',
  // An HTTP/2 connection that broke or was closed by the server (GOAWAY) under a request.
  'ERR_HTTP2_STREAM_ERROR',
  'ERR_HTTP2_SESSION_ERROR',
  'ERR_HTTP2_GOAWAY_SESSION',
  'ERR_HTTP2_INVALID_SESSION',
  'ERR_HTTP2_STREAM_CANCEL',
  'ERR_HTTP2_ERROR',
])

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms))

export class KubeClient {
  readonly counts: RequestCounts = { reads: 0, writes: 0, retries: 0 }
  readonly conn: Connection
  private readonly retry: RetryPolicy
  private readonly onRetry: (msg: string) => void

  private readonly transport: Transport
  private readonly base: string

  constructor(conn: Connection, retry: RetryPolicy = DEFAULT_RETRY, onRetry: (msg: string) => void = () => {}) {
    this.conn = conn
    this.retry = retry
    this.onRetry = onRetry
    this.transport = new Transport({ server: conn.server, agent: conn.agent, tls: conn.tls })
    this.base = conn.server.pathname.replace(/\/$/, '')
  }

  /** Closes the client's connections. */
  close(): void {
    this.transport.close()
  }

  /** `h2` or `h1` once a request went out. */
  protocol(): Promise<'h1' | 'h2' | undefined> {
    return this.transport.protocol()
  }

  get name(): string {
    return this.conn.cluster
  }

  /** GET; `undefined` for 404. */
  async get<T>(path: string, query?: RequestOptions['query']): Promise<T | undefined> {
    try {
      return await this.request<T>('GET', path, query ? { query } : {})
    } catch (e) {
      if (e instanceof KubeError && e.status === 404) return undefined
      throw e
    }
  }

  async request<T>(method: string, path: string, opts: RequestOptions = {}): Promise<T> {
    // A dry run (`dryRun=All`) changes nothing: it counts as a read.
    const write = method !== 'GET' && opts.query?.['dryRun'] === undefined
    let attempt = 0
    let reauthenticated = false
    for (;;) {
      attempt++
      if (write) this.counts.writes++
      else this.counts.reads++
      const sent: { authorization?: string } = {}
      try {
        return await this.once<T>(method, path, opts, sent)
      } catch (e) {
        const err = e instanceof KubeError ? e : this.wrap(e, method, path)
        // An expired or revoked token: new credentials, and the request once more with them.
        if (err.status === 401 && !reauthenticated && this.conn.auth && (await this.conn.auth.refresh(sent.authorization).catch((x: unknown) => Promise.reject(this.wrap(x, method, path))))) {
          reauthenticated = true
          continue
        }
        if (!err.transient || attempt >= this.retry.attempts) throw err
        this.counts.retries++
        const delay = Math.min(this.retry.maxDelayMs, this.retry.baseDelayMs * 2 ** (attempt - 1)) * (0.75 + Math.random() * 0.5)
        this.onRetry(`${this.conn.cluster}: ${method} ${path}: ${err.message}; retrying in ${Math.round(delay)} ms (${attempt}/${this.retry.attempts - 1})`)
        await sleep(delay)
      }
    }
  }

  private wrap(e: unknown, method: string, path: string): KubeError {
    const code = (e as NodeJS.ErrnoException).code ?? ''
    const transient = TRANSIENT_CODES.has(code) || (e as Error).name === 'TimeoutError'
    return new KubeError(`${method} ${path}: ${code || (e as Error).message}`, 0, code || 'NetworkError', transient)
  }

  private async once<T>(method: string, path: string, opts: RequestOptions, sent: { authorization?: string }): Promise<T> {
    const query = Object.entries(opts.query ?? {}).filter((e): e is [string, string] => e[1] !== undefined)
    const body = opts.body === undefined ? undefined : typeof opts.body === 'string' ? opts.body : JSON.stringify(opts.body)
    const auth = this.conn.auth ? await this.conn.auth.headers() : {}
    if (auth['Authorization'] !== undefined) sent.authorization = auth['Authorization']
    const headers: Record<string, string | readonly string[]> = { ...this.conn.headers, ...auth, Accept: 'application/json', 'User-Agent': 'nsoffload' }
    if (body !== undefined) {
      headers['Content-Type'] = opts.contentType ?? 'application/json'
      headers['Content-Length'] = String(Buffer.byteLength(body))
    }
    const res = await this.transport.send({
      method,
      path: (this.base + path).replace(/\/\/+/g, '/') + (query.length > 0 ? `?${new URLSearchParams(query).toString()}` : ''),
      headers,
      body,
      timeoutMs: this.retry.timeoutMs,
    })
    const text = res.body.toString('utf8')
    const status = res.status
    if (status >= 200 && status < 300) {
      try {
        return (text ? JSON.parse(text) : {}) as T
      } catch {
        throw new KubeError(`${method} ${path}: the server answered ${status} with a body that is not JSON`, status, 'BadResponse', true)
      }
    }
    let reason = ''
    let message = text.slice(0, 300)
    try {
      const s = JSON.parse(text) as { reason?: string; message?: string }
      reason = s.reason ?? ''
      message = s.message ?? message
    } catch {
      /* not a Status object */
    }
    const transient = status === 429 || status >= 500
    throw new KubeError(`${method} ${path}: ${status} ${reason || http.STATUS_CODES[status] || ''}: ${message}`.trim(), status, reason, transient)
  }
}
