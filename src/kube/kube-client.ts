import * as http from 'node:http'
import * as https from 'node:https'
import type { AuthSource } from './credentials.ts'
import { sayAnswer, seconds } from './describe-failure.ts'
import * as tls from 'node:tls'

/**
 * A small Kubernetes REST client with retries and paged LISTs: the one place nsoffload sends
 * requests to a cluster. HTTP/1.1 over the connection's keep-alive agent, at most `maxSockets`
 * connections per cluster (HTTP/2 was tried and dropped: `docs/performance.md`). Credentials
 * come from the kubeconfig (see kubeconfig.ts) and are never printed: errors name the cluster,
 * its context and server, and the path, nothing else of the connection.
 *
 * Time is bounded everywhere (docs/sync.md, "Time limits"): connecting has a deadline, every
 * request has one for the whole exchange (not an idle time-out: a server trickling its answer
 * is cut off too), retries are bounded by time per cluster (a retry budget, counted from the
 * first failure with no success since; a cluster that spends it is given up, and every request
 * to it fails at once), and the command's own deadline (`--timeout`) bounds all of it.
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

export interface KubeErrorInit {
  readonly status?: number
  readonly reason?: string
  readonly transient?: boolean
  readonly unreachable?: boolean
  readonly outOfTime?: boolean
  readonly cluster?: string
  readonly method?: string
  readonly path?: string
  readonly where?: string
  readonly detail?: string
  readonly retriedMs?: number
}

export class KubeError extends Error {
  /** The HTTP status of the answer; 0 without one. */
  readonly status: number
  readonly reason: string
  readonly transient: boolean
  /**
   * The cluster cannot be used: it never answered, or it stopped answering (or kept failing)
   * for longer than its retry budget. The message names it, its context and server.
   */
  readonly unreachable: boolean
  /** The command's deadline (`--timeout`) passed: nothing more is sent to any cluster. */
  readonly outOfTime: boolean
  /** The cluster of an unreachable error (`''` otherwise): its failures are told once. */
  readonly cluster: string
  /** The request that failed (its path without the query); `''` when none was sent. */
  readonly method: string
  readonly path: string
  /** `cluster "venice" (context venice, https://…)`: where the request went. */
  readonly where: string
  /** The API server's own words (the `message` of its Status answer), when it answered. */
  readonly detail: string
  /** How long the request was retried before this was its answer (0: not retried, or not transient). */
  readonly retriedMs: number
  constructor(message: string, init: KubeErrorInit = {}) {
    super(message)
    this.status = init.status ?? 0
    this.reason = init.reason ?? ''
    this.transient = init.transient ?? false
    this.unreachable = init.unreachable ?? false
    this.outOfTime = init.outOfTime ?? false
    this.cluster = init.cluster ?? ''
    this.method = init.method ?? ''
    this.path = init.path ?? ''
    this.where = init.where ?? ''
    this.detail = init.detail ?? ''
    this.retriedMs = init.retriedMs ?? 0
  }
}

/** An error that ends the command's work with the clusters: a cluster given up, or `--timeout` passed. */
export const endsCommand = (e: unknown): e is KubeError => e instanceof KubeError && (e.unreachable || e.outOfTime)

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
  /** The first wait before a retry, doubled at each retry up to `maxDelayMs`, ±25 % jitter. */
  readonly baseDelayMs: number
  readonly maxDelayMs: number
  /** One request, the whole exchange: connecting, sending, and the answer to its last byte (`--request-timeout`). */
  readonly requestTimeoutMs: number
  /** Connecting: TCP and the TLS handshake (through a proxy, its CONNECT too). */
  readonly connectTimeoutMs: number
  /**
   * How long a cluster that answered before may keep failing (transient failures, no success
   * since the first of them) before it is given up; one request's retries are bounded by as much.
   */
  readonly budgetMs: number
  /** The same for a cluster that never answered: it is declared unreachable sooner. */
  readonly firstContactBudgetMs: number
}

export const DEFAULT_RETRY: RetryPolicy = {
  baseDelayMs: 200,
  maxDelayMs: 5000,
  requestTimeoutMs: 30_000,
  connectTimeoutMs: 10_000,
  budgetMs: 30_000,
  firstContactBudgetMs: 10_000,
}

/** The end of the whole command (`--timeout`): one for every client of a command. */
export interface Deadline {
  /** ms since the epoch. */
  readonly at: number
  /** The flag as given, for messages: `--timeout 2m`. */
  readonly flag: string
}

export interface ClientOptions {
  readonly retry?: RetryPolicy
  /** Told of retries of a cluster that answered before (at most one line a second): what failed and how long is left. */
  readonly onRetry?: (msg: string) => void
  /** Connections to the cluster at most: the requests in flight (default 8, sync's `--concurrency`). */
  readonly maxSockets?: number
  /** Items per LIST page (`limit`); 500 as kubectl. Tests set it small. */
  readonly pageSize?: number
  /** The command's deadline: no request goes on past it. */
  readonly deadline?: Deadline
  /** What names `--request-timeout` in messages (default: the flag). */
  readonly requestTimeoutFlag?: string
}

const TRANSIENT_CODES = new Set(['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT', 'EAI_AGAIN', 'ENOTFOUND', 'ECONNABORTED', 'EHOSTUNREACH', 'ENETUNREACH'])

/** A failure of the transport with its own code, as Node's errors carry one. */
const timeoutError = (message: string): Error => Object.assign(new Error(message), { code: 'ETIMEDOUT', ours: true })

/** What an attempt cut off at the end of its retries says: the failure before it says more. */
const RETRIES_OUT_OF_TIME = 'no complete answer before its retries ran out of time'

/** The time an attempt has: `ms` from when it has a connection, and never past `capAt` (ms since the epoch). */
interface AttemptLimit {
  readonly ms: number
  readonly why: string
  readonly capAt: number
  readonly capWhy: string
}

export class KubeClient {
  readonly counts: RequestCounts = { reads: 0, writes: 0, retries: 0 }
  readonly conn: Connection
  private readonly retry: RetryPolicy
  private readonly onRetry: (msg: string) => void
  private readonly pageSize: number
  private readonly deadline: Deadline | undefined
  private readonly requestTimeoutFlag: string
  private readonly base: string
  private readonly hostname: string
  private readonly port: number
  /** The server answered a request (any status): its failures from then on are not "unreachable". */
  private answered = false
  /** When the failures of the cluster began, with no success since; `undefined` while it answers. */
  private outageSince: number | undefined
  /** When the last retry was told (`onRetry`): at most one line a second. */
  private toldAt = -Infinity
  /** Why the cluster is given up: every request fails with it. */
  private givenUp: KubeError | undefined
  /** The request the command's deadline cut off, if one was. */
  private cut: KubeError | undefined
  /** Closed: requests under way are not tried again. */
  private closed = false
  /** Connections known to be up (TLS handshake done): a request that gets one is not connecting. */
  private readonly connected = new WeakSet<object>()
  /** Retries waiting: woken when the client closes. */
  private readonly waiting = new Set<() => void>()

  constructor(conn: Connection, opts: ClientOptions = {}) {
    this.conn = conn
    this.retry = opts.retry ?? DEFAULT_RETRY
    this.onRetry = opts.onRetry ?? (() => {})
    this.pageSize = opts.pageSize ?? 500
    this.deadline = opts.deadline
    this.requestTimeoutFlag = opts.requestTimeoutFlag ?? '--request-timeout'
    conn.agent.maxSockets = opts.maxSockets ?? 8
    const u = conn.server
    this.base = u.pathname.replace(/\/$/, '')
    // node:http wants an IPv6 address without its brackets.
    this.hostname = u.hostname.startsWith('[') ? u.hostname.slice(1, -1) : u.hostname
    this.port = Number(u.port || (u.protocol === 'http:' ? 80 : 443))
  }

  /** Closes the client's connections; retries waiting give up. */
  close(): void {
    this.closed = true
    this.conn.agent.destroy()
    for (const wake of this.waiting) wake()
  }

  get name(): string {
    return this.conn.cluster
  }

  /** `cluster "venice" (context venice, https://…)`: how messages name this cluster. */
  get where(): string {
    const { cluster, context, server } = this.conn
    return `cluster "${cluster}" (context ${context}, ${server.origin})`
  }

  /** Why this cluster was given up (it never answered, or failed longer than its retry budget); `undefined` while it is usable. */
  get failure(): KubeError | undefined {
    return this.givenUp
  }

  /** The request of this cluster that the command's deadline cut off, if one was. */
  get cutOff(): KubeError | undefined {
    return this.cut
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

  /**
   * One request, retried while it fails transiently (429, 5xx, resets, time-outs) with
   * exponential backoff, within the time left: the request's own budget (from its first
   * failure), the cluster's (from its first failure with no success since: when it runs out,
   * the cluster is given up), and the command's deadline.
   */
  async request<T>(method: string, path: string, opts: RequestOptions = {}): Promise<T> {
    // A dry run (`dryRun=All`) changes nothing: it counts as a read.
    const write = method !== 'GET' && opts.query?.['dryRun'] === undefined
    let attempt = 0
    let reauthenticated = false
    /** When this request first failed. */
    let firstFailure: number | undefined
    /** Where this request's retries end (the budget's end): no attempt runs past it. */
    let end = Infinity
    /** The last failure that says what went wrong (not an attempt cut off at `end`). */
    let telling: KubeError | undefined
    for (;;) {
      this.usable(method, path)
      attempt++
      if (write) this.counts.writes++
      else this.counts.reads++
      const sent: { authorization?: string } = {}
      const limit = this.attemptLimit(end)
      try {
        const r = await this.once<T>(method, path, opts, sent, limit)
        this.outageSince = undefined
        return r
      } catch (e) {
        const err = e instanceof KubeError ? e : this.wrap(e, method, path)
        if (err.detail !== RETRIES_OUT_OF_TIME) telling = err
        // The server answered, and not as a server in trouble: the cluster works.
        if (err.status !== 0 && !err.transient) this.outageSince = undefined
        // An expired or revoked token: new credentials, and the request once more with them.
        if (
          err.status === 401 &&
          !reauthenticated &&
          this.conn.auth &&
          (await this.conn.auth.refresh(sent.authorization).catch((x: unknown) => Promise.reject(this.credentialError(x, method, path))))
        ) {
          reauthenticated = true
          continue
        }
        if (this.givenUp) throw this.givenUp
        const t = Date.now()
        if (this.deadline && t >= this.deadline.at) throw this.outOfTime(method, path)
        // No answer ever, and not one worth waiting for (a TLS certificate refused, a proxy that refuses the tunnel).
        if (err.status === 0 && err.reason !== 'CredentialError' && !err.transient && !this.answered && !this.closed) throw this.giveUp(err, 0)
        if (!err.transient || this.closed) throw err
        this.outageSince ??= t
        firstFailure ??= t
        const budget = this.answered ? this.retry.budgetMs : this.retry.firstContactBudgetMs
        const clusterEnd = this.outageSince + budget
        const requestEnd = firstFailure + budget
        end = Math.min(clusterEnd, requestEnd)
        const delay = Math.min(this.retry.maxDelayMs, this.retry.baseDelayMs * 2 ** (attempt - 1)) * (0.75 + Math.random() * 0.5)
        if (this.deadline && t + delay >= this.deadline.at) throw this.outOfTime(method, path)
        if (t + delay >= end) {
          // Nothing of the cluster succeeded since this request first failed: the cluster is given up.
          const last = telling ?? err
          if (clusterEnd <= requestEnd) throw this.giveUp(last, t - this.outageSince)
          throw new KubeError(`${last.message} (retried for ${seconds(t - firstFailure)})`, {
            ...last,
            transient: false,
            detail: last.detail,
            retriedMs: t - firstFailure,
          })
        }
        this.counts.retries++
        if (this.answered && t - this.toldAt >= 1000) {
          this.toldAt = t
          this.onRetry(`${this.conn.cluster}: ${err.message}; retrying in ${Math.round(delay)} ms (${seconds(end - t)} of retries left)`)
        }
        await this.wait(delay)
      }
    }
  }

  /** Throws when no request may go out: the cluster was given up, the command's time is up, the client is closed. */
  private usable(method: string, path: string): void {
    if (this.givenUp) throw this.givenUp
    if (this.deadline && Date.now() >= this.deadline.at) throw this.outOfTime(method, path)
    if (this.closed) throw new KubeError(`${method} ${path}: the connection to ${this.where} was closed`, { method, path, where: this.where })
  }

  /**
   * How long the next attempt may take: the request time-out once it has a connection (a
   * request waiting for one of the `maxSockets` is not late yet), and never past the end of its
   * retries or the command's deadline; with what to say when it takes that long.
   */
  private attemptLimit(end: number): AttemptLimit {
    const ms = this.retry.requestTimeoutMs
    const limit: AttemptLimit = { ms, why: `no complete answer within ${seconds(ms)} (${this.requestTimeoutFlag})`, capAt: Infinity, capWhy: '' }
    if (end < Infinity) Object.assign(limit, { capAt: end, capWhy: RETRIES_OUT_OF_TIME })
    if (this.deadline && this.deadline.at < limit.capAt)
      Object.assign(limit, { capAt: this.deadline.at, capWhy: `no answer before ${this.deadline.flag} passed` })
    return limit
  }

  private wait(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer)
        this.waiting.delete(done)
        resolve()
      }
      const timer = setTimeout(done, ms)
      this.waiting.add(done)
    })
  }

  /** The cluster failed for longer than its budget: every request to it fails with this from now on. */
  private giveUp(err: KubeError, forMs: number): KubeError {
    const what = err.status === 0 ? err.detail || err.message : err.message
    const message = !this.answered
      ? `${this.where} is unreachable: ${what}`
      : err.status === 0
        ? `${this.where} stopped answering: ${err.method} ${err.path}: ${what}; given up after ${seconds(forMs)} of retries`
        : `${this.where} kept failing: ${sayAnswer(err)}; given up after ${seconds(forMs)} of retries`
    this.givenUp = new KubeError(message, { ...err, transient: false, unreachable: true, cluster: this.conn.cluster, where: this.where, detail: err.detail })
    return this.givenUp
  }

  /** The command's deadline passed while this request was under way. */
  private outOfTime(method: string, path: string): KubeError {
    const flag = this.deadline?.flag ?? '--timeout'
    const e = new KubeError(`${flag} passed while waiting for ${this.where}: ${method} ${path}`, {
      outOfTime: true,
      method,
      path,
      where: this.where,
      cluster: this.conn.cluster,
    })
    this.cut ??= e
    return e
  }

  /** An exec plugin or token file that failed: the user's to fix, never retried. */
  private credentialError(e: unknown, method: string, path: string): KubeError {
    return new KubeError(`${method} ${path}: ${(e as Error).message}`, { reason: 'CredentialError', method, path, where: this.where })
  }

  /** A failure without an HTTP answer. */
  private wrap(e: unknown, method: string, path: string): KubeError {
    const { code = '', syscall } = e as NodeJS.ErrnoException
    const msg = (e as Error).message
    // Our own time-outs say what took too long; Node's errors are said by their code.
    const why = (e as { ours?: boolean }).ours ? msg : code ? (syscall ? `${syscall} ${code}` : code) : msg
    return new KubeError(`${method} ${path}: ${why}`, {
      reason: code || 'NetworkError',
      transient: TRANSIENT_CODES.has(code),
      method,
      path,
      where: this.where,
      detail: why,
    })
  }

  private async once<T>(method: string, path: string, opts: RequestOptions, sent: { authorization?: string }, limit: AttemptLimit): Promise<T> {
    const query = Object.entries(opts.query ?? {}).filter((e): e is [string, string] => e[1] !== undefined)
    const body = opts.body === undefined ? undefined : typeof opts.body === 'string' ? opts.body : JSON.stringify(opts.body)
    let auth: Readonly<Record<string, string>> = {}
    try {
      if (this.conn.auth) auth = await this.conn.auth.headers()
    } catch (x) {
      throw this.credentialError(x, method, path)
    }
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
    const { status, text } = await this.send(method, fullPath, headers, body, limit)
    this.answered = true
    if (status >= 200 && status < 300) {
      try {
        return (text ? JSON.parse(text) : {}) as T
      } catch {
        throw new KubeError(`${method} ${path}: the server answered ${status} with a body that is not JSON`, {
          status,
          reason: 'BadResponse',
          transient: true,
          method,
          path,
          where: this.where,
        })
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
    throw new KubeError(`${method} ${path}: ${status} ${reason || http.STATUS_CODES[status] || ''}: ${message}`.trim(), {
      status,
      reason,
      transient,
      method,
      path,
      where: this.where,
      detail: message,
    })
  }

  /**
   * One HTTP/1.1 exchange: `limit.ms` from the moment it has a connection to the last byte of
   * the answer (a total, not an idle time-out), never past `limit.capAt`; a new connection
   * must be up (TCP and TLS) within `connectTimeoutMs`. Any of them passing fails it with ETIMEDOUT.
   */
  private send(
    method: string,
    path: string,
    headers: Record<string, string | readonly string[]>,
    body: string | undefined,
    limit: AttemptLimit,
  ): Promise<{ status: number; text: string }> {
    const mod = this.conn.server.protocol === 'http:' ? http : https
    // A header of several values (`Impersonate-Group`) goes out once per value.
    const outgoing: http.OutgoingHttpHeaders = {}
    for (const [k, v] of Object.entries(headers)) outgoing[k] = typeof v === 'string' ? v : [...v]
    const connectMs = this.retry.connectTimeoutMs
    return new Promise((resolve, reject) => {
      const timers: NodeJS.Timeout[] = []
      let settled = false
      const finish = (e: Error | undefined, r?: { status: number; text: string }): void => {
        if (settled) return
        settled = true
        for (const t of timers) clearTimeout(t)
        if (e) {
          reject(e)
          req.destroy()
        } else if (r) resolve(r)
      }
      const after = (ms: number, why: string): NodeJS.Timeout => {
        const t = setTimeout(() => finish(timeoutError(why)), Math.max(1, ms))
        timers.push(t)
        return t
      }
      // `connectTimeoutMs` goes to the agent too: a proxy's CONNECT has the same deadline (proxy.ts).
      const req = mod.request({
        hostname: this.hostname,
        port: this.port,
        path,
        method,
        headers: outgoing,
        agent: this.conn.agent,
        connectTimeoutMs: connectMs,
      } as http.RequestOptions)
      if (limit.capAt < Infinity) after(limit.capAt - Date.now(), limit.capWhy)
      req.once('socket', (s) => {
        after(limit.ms, limit.why)
        if (this.connected.has(s) || (!(s instanceof tls.TLSSocket) && !s.connecting)) return
        const connecting = after(connectMs, `connect ETIMEDOUT: not connected within ${seconds(connectMs)}`)
        s.once(s instanceof tls.TLSSocket ? 'secureConnect' : 'connect', () => {
          this.connected.add(s)
          clearTimeout(connecting)
        })
      })
      req.once('response', (res) => {
        const chunks: Buffer[] = []
        res.on('data', (c: Buffer) => chunks.push(c))
        res.on('error', (e) => finish(e))
        res.on('end', () => finish(undefined, { status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }))
      })
      req.on('error', (e) => finish(e))
      req.end(body)
    })
  }
}
