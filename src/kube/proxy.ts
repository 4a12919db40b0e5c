import * as http from 'node:http'
import * as https from 'node:https'
import { BlockList, isIP, type Socket } from 'node:net'
import type { Duplex } from 'node:stream'
import * as tls from 'node:tls'

/**
 * The proxy a request to an API server goes through, as kubectl (client-go) picks it: the
 * cluster's `proxy-url` when the kubeconfig sets one (for every server, loopback included), else
 * `HTTPS_PROXY`/`HTTP_PROXY` by the server's scheme, unless `NO_PROXY` excludes the server. The
 * environment is read with Go's `golang.org/x/net/http/httpproxy` rules: upper case first, then
 * lower case; a proxy without a scheme is `http://`; `localhost` and loopback addresses never go
 * through an environment proxy; `NO_PROXY` holds `*`, domains (`example.com` matches it and its
 * subdomains, `.example.com` and `*.example.com` only subdomains), IP addresses, CIDR ranges,
 * each optionally with `:port`.
 */

export type Env = Readonly<Record<string, string | undefined>>

const getEnvAny = (env: Env, ...names: string[]): string => {
  for (const n of names) {
    const v = env[n]
    if (v !== undefined && v !== '') return v
  }
  return ''
}

/** Go's `parseProxy`: a value without a scheme (or host) is read as `http://value`. */
function parseProxy(value: string): URL | undefined {
  if (value === '') return undefined
  try {
    const u = new URL(value)
    if (u.host !== '' && /^[a-z][a-z0-9+.-]*:$/i.test(u.protocol)) return u
  } catch {
    /* tried with http:// below */
  }
  try {
    return new URL(`http://${value}`)
  } catch {
    return undefined
  }
}

/** `host` without IPv6 brackets, lower case. */
const bare = (host: string): string => (host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host).toLowerCase()

/** Whether `NO_PROXY` (Go's rules) exempts `host:port`. */
export function noProxyMatches(noProxy: string, host: string, port: string): boolean {
  const h = bare(host)
  const ip = isIP(h)
  for (const raw of noProxy.split(',')) {
    const p = raw.trim().toLowerCase()
    if (p === '') continue
    if (p === '*') return true
    const cidr = /^(.+)\/(\d+)$/.exec(p)
    if (cidr?.[1] !== undefined && cidr[2] !== undefined && isIP(cidr[1]) !== 0) {
      if (ip === 0) continue
      const list = new BlockList()
      const family = isIP(cidr[1]) === 6 ? 'ipv6' : 'ipv4'
      try {
        list.addSubnet(cidr[1], Number(cidr[2]), family)
      } catch {
        continue
      }
      if (list.check(h, ip === 6 ? 'ipv6' : 'ipv4')) return true
      continue
    }
    // host:port, [v6]:port, or a bare host (a bare IPv6 address has colons but no port; Go
    // reads `[v6]` without a port as a name, which matches nothing).
    let phost = p
    let pport = ''
    const m = /^\[([^\]]*)\]:(\d*)$/.exec(p) ?? (isIP(p) === 6 ? null : /^([^:]*):(\d*)$/.exec(p))
    if (m?.[1] !== undefined && m[2] !== undefined) {
      if (m[1] === '') continue
      phost = m[1]
      pport = m[2]
    }
    if (isIP(phost) !== 0) {
      if (ip !== 0 && sameIP(phost, h) && (pport === '' || pport === port)) return true
      continue
    }
    if (phost === '') continue
    if (phost.startsWith('*.')) phost = phost.slice(1)
    const matchHost = !phost.startsWith('.')
    const suffix = matchHost ? `.${phost}` : phost
    if (ip !== 0) continue
    if ((h.endsWith(suffix) || (matchHost && h === phost)) && (pport === '' || pport === port)) return true
  }
  return false
}

function sameIP(a: string, b: string): boolean {
  if (isIP(a) === isIP(b)) {
    const list = new BlockList()
    list.addAddress(a, isIP(a) === 6 ? 'ipv6' : 'ipv4')
    return list.check(b, isIP(b) === 6 ? 'ipv6' : 'ipv4')
  }
  // An IPv4 address and its IPv4-mapped IPv6 form are equal in Go.
  const v4 = (x: string): string => x.replace(/^::ffff:/, '')
  return v4(a) === v4(b)
}

const isLoopback = (host: string): boolean => {
  const h = bare(host)
  if (isIP(h) === 4) return h.startsWith('127.')
  if (isIP(h) === 6) return h === '::1' || /^::ffff:127\./.test(h) || /^(0+:){7}0*1$/.test(h)
  return false
}

/** Go's `ProxyFromEnvironment` for a server URL: the proxy, or `undefined` for a direct connection. */
export function proxyFromEnv(server: URL, env: Env): URL | undefined {
  const proxy = parseProxy(server.protocol === 'https:' ? getEnvAny(env, 'HTTPS_PROXY', 'https_proxy') : getEnvAny(env, 'HTTP_PROXY', 'http_proxy'))
  if (!proxy) return undefined
  const host = server.hostname
  if (bare(host) === 'localhost' || isLoopback(host)) return undefined
  const port = server.port || (server.protocol === 'https:' ? '443' : '80')
  if (noProxyMatches(getEnvAny(env, 'NO_PROXY', 'no_proxy'), host, port)) return undefined
  return proxy
}

/** The proxy for a cluster: its `proxy-url`, else the environment's. */
export function proxyFor(server: URL, proxyUrl: string | undefined, env: Env): URL | undefined {
  if (proxyUrl !== undefined) {
    try {
      return new URL(proxyUrl)
    } catch {
      throw new Error(`proxy-url "${redact(proxyUrl)}" is not a URL`)
    }
  }
  return proxyFromEnv(server, env)
}

/** A proxy URL without its password, for messages. */
export function redact(u: string): string {
  return u.replace(/\/\/([^:@/]*):[^@/]*@/, '//$1:***@')
}

type Callback = (err: Error | null, stream: Duplex) => void

/**
 * Opens a `CONNECT` tunnel through an HTTP(S) proxy to `host:port`, then TLS to the server
 * inside it when `secure` (the server's TLS settings come with the request options).
 * Hand-written rather than `hpagent` (client-node's): hpagent 1.2.0 asks for an IPv6 server as
 * `::1:PORT` instead of the authority `[::1]:PORT`, and cannot reach a proxy at an IPv6
 * address (test/kube/proxy-tunnel.test.ts, against a real CONNECT proxy); its deadline is an
 * idle time, not the whole CONNECT's.
 */
function tunnel(proxy: URL, options: http.ClientRequestArgs & tls.ConnectionOptions, secure: boolean, cb: Callback): void {
  const host = String(options.host ?? options.hostname ?? 'localhost')
  const port = Number(options.port ?? (secure ? 443 : 80))
  const target = `${isIP(host) === 6 ? `[${host}]` : host}:${port}`
  const headers: Record<string, string> = { Host: target }
  if (proxy.username !== '' || proxy.password !== '') {
    headers['Proxy-Authorization'] = `Basic ${Buffer.from(`${decodeURIComponent(proxy.username)}:${decodeURIComponent(proxy.password)}`).toString('base64')}`
  }
  const mod = proxy.protocol === 'https:' ? https : http
  const req = mod.request({
    host: bare(proxy.hostname),
    port: Number(proxy.port || (proxy.protocol === 'https:' ? 443 : 80)),
    method: 'CONNECT',
    path: target,
    headers,
    agent: false,
  })
  let done = false
  const fail = (e: Error): void => {
    if (done) return
    done = true
    clearTimeout(timer)
    cb(e, undefined as unknown as Duplex)
  }
  // The client's connect deadline (kube-client.ts passes it with the request's options): the whole CONNECT, not an idle time.
  const ms = (options as { connectTimeoutMs?: number }).connectTimeoutMs ?? options.timeout
  const timer =
    ms === undefined
      ? undefined
      : setTimeout(() => {
          fail(Object.assign(new Error(`proxy ${redact(proxy.origin)}: CONNECT ETIMEDOUT: no tunnel within ${ms / 1000} s`), { code: 'ETIMEDOUT', ours: true }))
          req.destroy()
        }, ms)
  req.once('error', fail)
  req.once('connect', (res, socket: Socket, head: Buffer) => {
    clearTimeout(timer)
    if (res.statusCode !== 200) {
      socket.destroy()
      // Not transient: a proxy that refuses the tunnel refuses it again.
      fail(
        Object.assign(new Error(`proxy ${redact(proxy.origin)} refused CONNECT ${target}: ${res.statusCode ?? 0} ${res.statusMessage ?? ''}`.trim()), {
          code: 'EPROXY',
          ours: true,
        }),
      )
      return
    }
    if (head.length > 0) socket.unshift(head)
    done = true
    if (!secure) {
      cb(null, socket)
      return
    }
    const servername = options.servername ?? (isIP(host) === 0 ? host : undefined)
    const s = tls.connect({ ...options, socket, ...(servername !== undefined ? { servername } : {}) })
    cb(null, s)
  })
  req.end()
}

/** An HTTPS agent whose connections go through a `CONNECT` tunnel of `proxy`. */
export class HttpsTunnelAgent extends https.Agent {
  readonly proxy: URL
  constructor(proxy: URL, options: https.AgentOptions) {
    super(options)
    this.proxy = proxy
  }
  override createConnection(options: http.ClientRequestArgs, cb?: Callback): Duplex | null | undefined {
    tunnel(this.proxy, options as http.ClientRequestArgs & tls.ConnectionOptions, true, cb ?? (() => undefined))
    return undefined
  }
}

/**
 * An HTTP agent for `http://` servers through a proxy: a `CONNECT` tunnel too (Go sends
 * absolute-form requests to the proxy instead; both reach the server through it).
 */
export class HttpTunnelAgent extends http.Agent {
  readonly proxy: URL
  constructor(proxy: URL, options: http.AgentOptions) {
    super(options)
    this.proxy = proxy
  }
  override createConnection(options: http.ClientRequestArgs, cb?: Callback): Duplex | null | undefined {
    tunnel(this.proxy, options as http.ClientRequestArgs & tls.ConnectionOptions, false, cb ?? (() => undefined))
    return undefined
  }
}
