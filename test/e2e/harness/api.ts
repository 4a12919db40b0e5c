/**
 * Talking to the API servers: kubectl with the env's kubeconfig, direct HTTPS requests with a
 * user's bearer token, and the small JSON guards the helpers read answers with.
 */
import { spawn } from 'node:child_process'
import * as http from 'node:http'
import * as https from 'node:https'

export interface ExecResult {
  code: number
  stdout: string
  stderr: string
}

export interface KubectlOptions {
  /** Authenticate as this user (one of ClusterInfo.tokens) instead of `admin`. */
  user?: string
  /** Kill kubectl after this many ms (default 60 s). */
  timeoutMs?: number
}

export interface ApiRequest {
  method?: string
  /** Path and query, e.g. `/api/v1/namespaces/default`. */
  path: string
  /** Sent as JSON unless a string. */
  body?: unknown
  /** Default `application/json`; e.g. `application/merge-patch+json`, `application/apply-patch+yaml`. */
  contentType?: string
  /** Authenticate as this user (default `admin`). */
  user?: string
  userAgent?: string
  timeoutMs?: number
}

export interface ApiResponse {
  status: number
  body: string
  json(): unknown
}

export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}
export const str = (v: unknown): string => (typeof v === 'string' ? v : '')

/** A plain GET (readiness checks during start-up), TLS not verified. */
export function httpGet(url: string, headers: Record<string, string> = {}, timeoutMs = 5_000): Promise<ApiResponse> {
  return new Promise((resolve, reject) => {
    const u = new URL(url)
    const mod = u.protocol === 'https:' ? https : http
    const req = mod.request(u, { method: 'GET', headers, rejectUnauthorized: false, timeout: timeoutMs, agent: false }, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (c: Buffer) => chunks.push(c))
      res.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8')
        resolve({ status: res.statusCode ?? 0, body, json: () => JSON.parse(body) as unknown })
      })
      res.on('error', reject)
    })
    req.on('timeout', () => req.destroy(new Error(`timeout after ${timeoutMs} ms: GET ${url}`)))
    req.on('error', reject)
    req.end()
  })
}

/** <kubectl> --kubeconfig <kubeconfig> --context <context> --cache-dir <cacheDir> [--token <token>] ...args. */
export function runKubectl(
  target: { kubectl: string; kubeconfigPath: string; context: string; cacheDir: string; token?: string },
  args: string[],
  stdin: string | undefined,
  timeoutMs: number,
): Promise<ExecResult> {
  const full = ['--kubeconfig', target.kubeconfigPath, '--context', target.context, '--cache-dir', target.cacheDir]
  if (target.token !== undefined) full.push('--token', target.token)
  full.push(...args)
  return new Promise((resolve, reject) => {
    const child = spawn(target.kubectl, full, { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, KUBECONFIG: target.kubeconfigPath } })
    const out: Buffer[] = []
    const err: Buffer[] = []
    child.stdout.on('data', (b: Buffer) => out.push(b))
    child.stderr.on('data', (b: Buffer) => err.push(b))
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs)
    child.on('error', (e) => {
      clearTimeout(timer)
      reject(e)
    })
    child.on('close', (code, signal) => {
      clearTimeout(timer)
      const stderr = Buffer.concat(err).toString('utf8') + (signal === 'SIGKILL' ? `\n(kubectl killed after ${timeoutMs} ms)` : '')
      resolve({ code: code ?? 128, stdout: Buffer.concat(out).toString('utf8'), stderr })
    })
    child.stdin.on('error', () => undefined)
    child.stdin.end(stdin ?? '')
  })
}

/** One HTTPS request to `server` with a bearer token, TLS not verified, no connection reuse. */
export function apiRequest(server: string, token: string, req: ApiRequest): Promise<ApiResponse> {
  const method = req.method ?? 'GET'
  const body = req.body === undefined ? undefined : typeof req.body === 'string' ? req.body : JSON.stringify(req.body)
  const headers: Record<string, string> = {
    Authorization: `Bearer ${token}`,
    Accept: 'application/json',
    'User-Agent': req.userAgent ?? 'nsoffload-e2e-harness',
  }
  if (body !== undefined) {
    headers['Content-Type'] = req.contentType ?? 'application/json'
    headers['Content-Length'] = String(Buffer.byteLength(body))
  }
  const timeoutMs = req.timeoutMs ?? 30_000
  return new Promise((resolve, reject) => {
    const r = https.request(new URL(req.path, server), { method, headers, rejectUnauthorized: false, timeout: timeoutMs, agent: false }, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (b: Buffer) => chunks.push(b))
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8')
        resolve({ status: res.statusCode ?? 0, body: text, json: () => JSON.parse(text) as unknown })
      })
      res.on('error', reject)
    })
    r.on('timeout', () => r.destroy(new Error(`timeout after ${timeoutMs} ms: ${method} ${req.path}`)))
    r.on('error', reject)
    r.end(body)
  })
}

/** One cluster's API as the harness' helpers (audit, nodes, namespaces) use it. */
export interface ClusterApi {
  readonly name: string
  request(req: ApiRequest): Promise<ApiResponse>
  /** `request`, throwing unless the status is one of `ok` (default 200, 201). */
  mustOk(req: ApiRequest, ok?: number[]): Promise<ApiResponse>
}

export function clusterApi(name: string, request: (req: ApiRequest) => Promise<ApiResponse>): ClusterApi {
  return {
    name,
    request,
    mustOk: async (req, ok = [200, 201]) => {
      const r = await request(req)
      if (!ok.includes(r.status)) {
        throw new Error(`${name}: ${req.method ?? 'GET'} ${req.path} -> HTTP ${r.status}: ${r.body.slice(0, 500)}`)
      }
      return r
    },
  }
}
