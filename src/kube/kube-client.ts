import * as http from 'node:http'
import * as https from 'node:https'
import type { AuthSource } from './credentials.ts'

/**
 * A small Kubernetes REST client with retries and paged LISTs: the one place nsoffload sends
 * requests to a cluster. HTTP/1.1 over the connection's keep-alive agent, at most `maxSockets`
 * connections per cluster (HTTP/2 was tried and dropped: `docs/performance.md`). Credentials
 * come from the kubeconfig (see kubeconfig.ts) and are never printed: errors name the cluster,
 * its context and server, and the path, nothing else of the connection.
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
  /** Keep-alive connections to the server (`http.Agent` for `http://`, e.g. `kubectl proxy`; through a proxy, an agent that opens CONNECT tunnels). */
  readonly agent: https.Agent | http.Agent
}

export class KubeError extends Error {
  readonly status: number
  readonly reason: string
  readonly transient: boolean
  /** No answer from a cluster that never answered: the message names it, its context and server. */
  readonly unreachable: boolean
  /** The cluster of an unreachable error (`''` otherwise): its failures are told once. */
  readonly cluster: string
  constructor(message: string, status: number, reason: string, transient: boolean, unreachable = false, cluster = '') {
    super(message)
    this.status = status
    this.reason = reason
    this.transient = transient
    this.unreachable = unreachable
    this.cluster = cluster
  }
}

export interface RequestOptions {
  readonly query?: Readonly<Record<string, string | undefined>>
  readonly body?: unknown
  readonly contentType?: string
  /** The Accept header (default `application/json`): API discovery asks for its aggregated form with it. */
  readonly accept?: string
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

export interface ClientOptions {
  readonly retry?: RetryPolicy
  /** Told of each retry of a cluster that answered before (an unreachable one fails once, at the end). */
  readonly onRetry?: (msg: string) => void
  /** Connections to the cluster at most: the requests in flight (default 8, sync's `--concurrency`). */
  readonly maxSockets?: number
  /** Items per LIST page (`limit`); 500 as kubectl. Tests set it small. */
  readonly pageSize?: number
}

const TRANSIENT_CODES = new Set(['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT', 'EAI_AGAIN', 'ENOTFOUND', 'ECONNABORTED', 'EHOSTUNREACH', 'ENETUNREACH'])

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms))

export class KubeClient {
  readonly counts: RequestCounts = { reads: 0, writes: 0, retries: 0 }
  readonly conn: Connection
  private readonly retry: RetryPolicy
  private readonly onRetry: (msg: string) => void
  private readonly pageSize: number
  private readonly base: string
  private readonly hostname: string
  private readonly port: number
  /** The server answered a request (any status): its failures from then on are not "unreachable". */
  private answered = false
  /** Closed: requests under way are not tried again. */
  private closed = false

  constructor(conn: Connection, opts: ClientOptions = {}) {
    this.conn = conn
    this.retry = opts.retry ?? DEFAULT_RETRY
    this.onRetry = opts.onRetry ?? (() => {})
    this.pageSize = opts.pageSize ?? 500
    conn.agent.maxSockets = opts.maxSockets ?? 8
    const u = conn.server
    this.base = u.pathname.replace(/\/$/, '')
    // node:http wants an IPv6 address without its brackets.
    this.hostname = u.hostname.startsWith('[') ? u.hostname.slice(1, -1) : u.hostname
    this.port = Number(u.port || (u.protocol === 'http:' ? 80 : 443))
  }

  /** Closes the client's connections. */
  close(): void {
    this.closed = true
    this.conn.agent.destroy()
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

  /**
   * Every item of a collection, a page of `pageSize` at a time, following `continue` until the
   * last page; `undefined` for 404 (a kind the server does not serve). A continue token that
   * expired meanwhile (410 Gone) is answered by listing again in one request, as client-go's pager does.
   */
  async list<T>(path: string): Promise<T[] | undefined> {
    type Page = { items?: T[]; metadata?: { continue?: string } }
    const items: T[] = []
    let token: string | undefined
    do {
      let page: Page | undefined
      try {
        page = await this.get<Page>(path, { limit: String(this.pageSize), continue: token })
      } catch (e) {
        if (token === undefined || !(e instanceof KubeError) || e.status !== 410) throw e
        return (await this.get<Page>(path))?.items ?? []
      }
      if (!page) return undefined
      for (const item of page.items ?? []) items.push(item)
      token = page.metadata?.continue || undefined
    } while (token !== undefined)
    return items
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
        if (
          err.status === 401 &&
          !reauthenticated &&
          this.conn.auth &&
          (await this.conn.auth.refresh(sent.authorization).catch((x: unknown) => Promise.reject(this.wrap(x, method, path))))
        ) {
          reauthenticated = true
          continue
        }
        if (!err.transient || attempt >= this.retry.attempts || this.closed) throw err
        this.counts.retries++
        const delay = Math.min(this.retry.maxDelayMs, this.retry.baseDelayMs * 2 ** (attempt - 1)) * (0.75 + Math.random() * 0.5)
        if (this.answered) this.onRetry(`${this.conn.cluster}: ${err.message}; retrying in ${Math.round(delay)} ms (${attempt}/${this.retry.attempts - 1})`)
        await sleep(delay)
        if (this.closed) throw err
      }
    }
  }

  /** A failure without an HTTP answer: the cluster is named, and called unreachable if it never answered. */
  private wrap(e: unknown, method: string, path: string): KubeError {
    const { code = '', syscall } = e as NodeJS.ErrnoException
    const why = code ? (syscall ? `${syscall} ${code}` : code) : (e as Error).message
    const { cluster, context, server } = this.conn
    const message = this.answered ? `${method} ${path}: ${why}` : `cluster "${cluster}" (context ${context}, ${server.origin}) is unreachable: ${why}`
    return new KubeError(message, 0, code || 'NetworkError', TRANSIENT_CODES.has(code), !this.answered, this.answered ? '' : cluster)
  }

  private async once<T>(method: string, path: string, opts: RequestOptions, sent: { authorization?: string }): Promise<T> {
    const query = Object.entries(opts.query ?? {}).filter((e): e is [string, string] => e[1] !== undefined)
    const body = opts.body === undefined ? undefined : typeof opts.body === 'string' ? opts.body : JSON.stringify(opts.body)
    const auth = this.conn.auth ? await this.conn.auth.headers() : {}
    if (auth['Authorization'] !== undefined) sent.authorization = auth['Authorization']
    const headers: Record<string, string | readonly string[]> = {
      ...this.conn.headers,
      ...auth,
      Accept: opts.accept ?? 'application/json',
      'User-Agent': 'nsoffload',
    }
    if (body !== undefined) {
      headers['Content-Type'] = opts.contentType ?? 'application/json'
      headers['Content-Length'] = String(Buffer.byteLength(body))
    }
    const fullPath = (this.base + path).replace(/\/\/+/g, '/') + (query.length > 0 ? `?${new URLSearchParams(query).toString()}` : '')
    const { status, text } = await this.send(method, fullPath, headers, body)
    this.answered = true
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

  /** One HTTP/1.1 exchange; a request without an answer within `timeoutMs` fails with ETIMEDOUT. */
  private send(
    method: string,
    path: string,
    headers: Record<string, string | readonly string[]>,
    body: string | undefined,
  ): Promise<{ status: number; text: string }> {
    const mod = this.conn.server.protocol === 'http:' ? http : https
    // A header of several values (`Impersonate-Group`) goes out once per value.
    const outgoing: http.OutgoingHttpHeaders = {}
    for (const [k, v] of Object.entries(headers)) outgoing[k] = typeof v === 'string' ? v : [...v]
    return new Promise((resolve, reject) => {
      const req = mod.request(
        { hostname: this.hostname, port: this.port, path, method, headers: outgoing, agent: this.conn.agent, timeout: this.retry.timeoutMs },
        (res) => {
          const chunks: Buffer[] = []
          res.on('data', (c: Buffer) => chunks.push(c))
          res.on('error', reject)
          res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }))
        },
      )
      req.on('timeout', () => req.destroy(Object.assign(new Error('request timed out'), { code: 'ETIMEDOUT' })))
      req.on('error', reject)
      req.end(body)
    })
  }
}
