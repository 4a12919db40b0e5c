import * as http from 'node:http'
import * as net from 'node:net'
import type { AddressInfo } from 'node:net'

/** A tiny HTTP proxy that only tunnels (`CONNECT`), and remembers every tunnel's target. */
export interface ConnectProxy {
  readonly url: string
  /** `host:port` of every tunnel asked for, in order. */
  readonly tunnels: string[]
  /** `Proxy-Authorization` headers received. */
  readonly auth: (string | undefined)[]
  close(): Promise<void>
}

/**
 * `route` maps the host asked for to the one dialled (a test name such as `kube.test` to 127.0.0.1);
 * `listen` is the loopback address the proxy listens on. A tunnel's target is read as an HTTP
 * proxy reads CONNECT's authority-form (RFC 9110 §9.3.6, Go's `net.SplitHostPort`): `host:port`,
 * an IPv6 address in brackets; anything else is 400 Bad Request.
 */
export async function startConnectProxy(route: (host: string) => string = (h) => h, listen: '127.0.0.1' | '::1' = '127.0.0.1'): Promise<ConnectProxy> {
  const tunnels: string[] = []
  const auth: (string | undefined)[] = []
  const sockets = new Set<net.Socket>()
  const srv = http.createServer((_req, res) => {
    res.writeHead(405).end('CONNECT only')
  })
  srv.on('connect', (req: http.IncomingMessage, client: net.Socket, head: Buffer) => {
    const target = req.url ?? ''
    tunnels.push(target)
    auth.push(req.headers['proxy-authorization'])
    const m = /^(?:\[([^\]]+)\]|([^:[\]]+)):(\d+)$/.exec(target)
    const host = m?.[1] ?? m?.[2]
    if (!host || !m?.[3]) {
      client.end('HTTP/1.1 400 Bad Request\r\n\r\n')
      return
    }
    const upstream = net.connect(Number(m[3]), route(host), () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n')
      if (head.length > 0) upstream.write(head)
      upstream.pipe(client)
      client.pipe(upstream)
    })
    sockets.add(client)
    sockets.add(upstream)
    const drop = (): void => {
      client.destroy()
      upstream.destroy()
    }
    upstream.on('error', () => {
      client.end('HTTP/1.1 502 Bad Gateway\r\n\r\n')
      drop()
    })
    client.on('error', drop)
    client.on('close', () => sockets.delete(client))
    upstream.on('close', () => sockets.delete(upstream))
  })
  await new Promise<void>((r) => srv.listen(0, listen, r))
  return {
    url: `http://${listen === '::1' ? '[::1]' : listen}:${(srv.address() as AddressInfo).port}`,
    tunnels,
    auth,
    close: async () => {
      for (const s of sockets) s.destroy()
      await new Promise((r) => srv.close(r))
    },
  }
}
