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

/** `route` maps the host asked for to the one dialled (a test name such as `kube.test` to 127.0.0.1). */
export async function startConnectProxy(route: (host: string) => string = (h) => h): Promise<ConnectProxy> {
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
    const m = /^\[?([^\]]*)\]?:(\d+)$/.exec(target)
    if (!m?.[1] || !m[2]) {
      client.end('HTTP/1.1 400 Bad Request\r\n\r\n')
      return
    }
    const upstream = net.connect(Number(m[2]), route(m[1]), () => {
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
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r))
  return {
    url: `http://127.0.0.1:${(srv.address() as AddressInfo).port}`,
    tunnels,
    auth,
    close: async () => {
      for (const s of sockets) s.destroy()
      await new Promise((r) => srv.close(r))
    },
  }
}
