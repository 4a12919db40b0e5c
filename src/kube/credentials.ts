import { type ChildProcess, spawn } from 'node:child_process'
import type { Host } from '../host/host.ts'
import { nodeHost } from '../host/node-host.ts'

/**
 * The file reads of a connection: kubeconfig files and the files they name (certificates, keys,
 * token files), all through the `Host` (the CLI passes its own; tests may pass `memoryHost`).
 */
export type KubeFiles = Pick<Host, 'readFile' | 'stat'>

/** When no host is given: the process's own file system. */
export const processFiles = (): KubeFiles => nodeHost()

/** UTF-8 text of a file's bytes, as `fs.readFileSync(file, 'utf8')` decodes them. */
export const utf8 = (b: Uint8Array): string => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('utf8')

/**
 * Credentials that change while nsoffload runs, as client-go keeps them fresh: an exec plugin's
 * token is fetched again once its `expirationTimestamp` has passed, and when the server answers
 * 401 to it; a `tokenFile` is read again when a minute has passed since the last read, and on a
 * 401. The client asks `headers()` before every request and `refresh()` after a 401
 * (kube-client.ts), then retries the request once if `refresh()` says it has something new.
 */
export interface AuthSource {
  headers(): Promise<Readonly<Record<string, string>>>
  /** After a 401 to a request sent with `sent` (its Authorization): true when worth retrying. */
  refresh(sent: string | undefined): Promise<boolean>
}

/** An `exec` entry of a kubeconfig user, as nsoffload runs it (kubectl's fields). */
export interface ExecConfig {
  readonly apiVersion: string
  /** Absolute when the kubeconfig gave a path with a separator; else looked up in PATH. */
  readonly command: string
  readonly args: readonly string[]
  readonly env: readonly { readonly name: string; readonly value: string }[]
  readonly provideClusterInfo: boolean
  readonly installHint: string | undefined
}

/** What `spec.cluster` of the ExecCredential holds when the plugin asks for it (`provideClusterInfo`). */
export interface ExecClusterInfo {
  readonly server: string
  readonly 'tls-server-name'?: string
  readonly 'insecure-skip-tls-verify'?: boolean
  readonly 'certificate-authority-data'?: string
  readonly 'proxy-url'?: string
  readonly config?: unknown
}

export const EXEC_API_VERSIONS: readonly string[] = ['client.authentication.k8s.io/v1', 'client.authentication.k8s.io/v1beta1']

export interface ExecCredential {
  readonly token: string | undefined
  readonly clientCertificateData: string | undefined
  readonly clientKeyData: string | undefined
  /** ms since the epoch; `undefined`: valid until the server says otherwise. */
  readonly expiresAt: number | undefined
}

export class CredentialError extends Error {}

/** How long an exec plugin may run (kubectl waits for ever; a plugin waiting for a login that cannot come would hang nsoffload). */
export const EXEC_TIMEOUT_MS = 30_000

/** When a plugin run must end: `ms` from its start, never past `deadline` (the command's `--timeout`). */
export interface ExecLimit {
  readonly ms: number
  /** ms since the epoch, and the flag that set it, for the message. */
  readonly deadline?: { readonly at: number; readonly flag: string }
}

/**
 * Runs the plugin once (stdin closed: nsoffload is not interactive) and reads its
 * ExecCredential. A plugin still running when `limit` passes is killed, its pipes let go (a
 * child it started may still hold them), and the run fails with a message naming it.
 */
export function runExecPlugin(
  user: string,
  exec: ExecConfig,
  cluster: ExecClusterInfo | undefined,
  baseEnv: Readonly<Record<string, string | undefined>>,
  limit: ExecLimit = { ms: EXEC_TIMEOUT_MS },
): Promise<ExecCredential> {
  const info = {
    apiVersion: exec.apiVersion,
    kind: 'ExecCredential',
    spec: { interactive: false, ...(exec.provideClusterInfo && cluster ? { cluster } : {}) },
  }
  const env: Record<string, string> = {}
  for (const [k, v] of Object.entries(baseEnv)) if (v !== undefined) env[k] = v
  for (const e of exec.env) env[e.name] = e.value
  env['KUBERNETES_EXEC_INFO'] = JSON.stringify(info)
  const what = `exec plugin of user "${user}" (${exec.command})`
  const { ms, late } = pluginDeadline(what, limit)
  // The plugin's own message (a login prompt, an expired session), never its output.
  const said = (err: Buffer[]): string => Buffer.concat(err).toString('utf8').trim().split('\n').slice(-3).join(' ')
  return new Promise((resolve, reject) => {
    const child = spawn(exec.command, [...exec.args], { env, stdio: ['ignore', 'pipe', 'pipe'] })
    const out: Buffer[] = []
    const err: Buffer[] = []
    let over = false
    const timer = setTimeout(() => {
      over = true
      stopPlugin(child)
      const msg = said(err)
      reject(new CredentialError(`${late}${msg ? `; it said: ${msg}` : ''}`))
    }, ms)
    child.stdout.on('data', (c: Buffer) => out.push(c))
    child.stderr.on('data', (c: Buffer) => err.push(c))
    child.once('error', (e: NodeJS.ErrnoException) => {
      clearTimeout(timer)
      const hint = e.code === 'ENOENT' && exec.installHint ? `; ${exec.installHint.trim()}` : ''
      reject(new CredentialError(`${what} cannot run: ${e.code ?? e.message}${hint}`))
    })
    child.once('close', (code) => {
      clearTimeout(timer)
      if (over) return
      if (code !== 0) {
        const msg = said(err)
        reject(new CredentialError(`${what} exited with ${String(code)}${msg ? `: ${msg}` : ''}`))
        return
      }
      try {
        resolve(readCredential(Buffer.concat(out).toString('utf8'), exec.apiVersion))
      } catch (e) {
        reject(new CredentialError(`${what}: ${(e as Error).message}`))
      }
    })
  })
}

/** How long a plugin run may take from now, and what is said when it takes longer (`what`: `exec plugin of user "bot" (cmd)`). */
export function pluginDeadline(what: string, limit: ExecLimit): { ms: number; late: string } {
  const left = limit.deadline ? limit.deadline.at - Date.now() : Infinity
  const ms = Math.max(1, Math.min(limit.ms, left))
  const late =
    left < limit.ms && limit.deadline
      ? `${what} was still running when ${limit.deadline.flag} passed: stopped`
      : `${what} did not finish within ${ms / 1000} s: stopped (kubectl would wait for ever; a plugin that asks for a login cannot get one here: log in first, then run nsoffload again)`
  return { ms, late }
}

/** Kills a plugin and lets go of its pipes. */
export function stopPlugin(child: ChildProcess): void {
  child.kill('SIGKILL')
  child.stdout?.destroy()
  child.stderr?.destroy()
  child.unref()
}

/** client-go's checks of a plugin's answer. */
export function readCredential(text: string, apiVersion: string): ExecCredential {
  let doc: unknown
  try {
    doc = JSON.parse(text)
  } catch {
    throw new Error('its output is not an ExecCredential (not JSON)')
  }
  const o = (typeof doc === 'object' && doc !== null ? doc : {}) as Record<string, unknown>
  if (o['kind'] !== 'ExecCredential') throw new Error('its output is not an ExecCredential')
  if (o['apiVersion'] !== apiVersion) throw new Error(`it answered apiVersion ${JSON.stringify(o['apiVersion'])}, the kubeconfig asks for ${apiVersion}`)
  const s = (typeof o['status'] === 'object' && o['status'] !== null ? o['status'] : undefined) as Record<string, unknown> | undefined
  if (!s) throw new Error('its ExecCredential has no status')
  const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined)
  const token = str(s['token'])
  const cert = str(s['clientCertificateData'])
  const key = str(s['clientKeyData'])
  if ((cert === undefined) !== (key === undefined)) throw new Error('its ExecCredential has a client certificate without a key, or a key without a certificate')
  if (token === undefined && cert === undefined) throw new Error('its ExecCredential has neither a token nor a client certificate')
  const ts = str(s['expirationTimestamp'])
  const expiresAt = ts === undefined ? undefined : Date.parse(ts)
  if (expiresAt !== undefined && Number.isNaN(expiresAt)) throw new Error(`its expirationTimestamp ${JSON.stringify(ts)} is not a time`)
  return { token, clientCertificateData: cert, clientKeyData: key, expiresAt }
}

/**
 * An exec plugin's token: fetched again once expired, or after a 401 to the current one. Calls
 * that arrive while the plugin runs wait for that run: one run for any number of requests.
 */
export class ExecTokenSource implements AuthSource {
  private current: ExecCredential
  private running: Promise<ExecCredential> | undefined
  private readonly run: () => Promise<ExecCredential>
  private readonly now: () => number
  /** How many times the plugin ran (the first run included). */
  runs = 1

  constructor(first: ExecCredential, run: () => Promise<ExecCredential>, now: () => number = Date.now) {
    this.current = first
    this.run = run
    this.now = now
  }

  async headers(): Promise<Readonly<Record<string, string>>> {
    const c = this.current.expiresAt !== undefined && this.now() > this.current.expiresAt ? await this.again() : this.current
    return c.token === undefined ? {} : { Authorization: `Bearer ${c.token}` }
  }

  async refresh(sent: string | undefined): Promise<boolean> {
    const before = this.current.token === undefined ? undefined : `Bearer ${this.current.token}`
    // Another request already got a new token after its own 401: retry with that one.
    if (sent !== before) return true
    const c = await this.again()
    return c.token !== undefined && `Bearer ${c.token}` !== sent
  }

  private again(): Promise<ExecCredential> {
    this.running ??= this.run().then(
      (c) => {
        this.runs++
        this.current = c
        this.running = undefined
        return c
      },
      (e: unknown) => {
        this.running = undefined
        throw e
      },
    )
    return this.running
  }
}

/** client-go's cached token file: read again when a minute has passed, or after a 401. */
export class FileTokenSource implements AuthSource {
  private token: string
  private readAt: number
  private readonly file: string
  private readonly now: () => number
  private readonly files: KubeFiles

  /** `files`: where the token file is read, at first and every time again. */
  constructor(file: string, now: () => number = Date.now, files: KubeFiles = processFiles()) {
    this.file = file
    this.now = now
    this.files = files
    this.token = readTokenFile(file, files)
    this.readAt = now()
  }

  headers(): Promise<Readonly<Record<string, string>>> {
    if (this.now() - this.readAt > 60_000) this.reread()
    return Promise.resolve(this.token === '' ? {} : { Authorization: `Bearer ${this.token}` })
  }

  refresh(sent: string | undefined): Promise<boolean> {
    this.reread()
    return Promise.resolve(this.token !== '' && `Bearer ${this.token}` !== sent)
  }

  private reread(): void {
    // A file that cannot be read now keeps the last token (client-go does the same).
    try {
      this.token = readTokenFile(this.file, this.files)
    } catch {
      /* keep the last token */
    }
    this.readAt = this.now()
  }
}

export const readTokenFile = (file: string, files: KubeFiles): string => utf8(files.readFile(file)).trim()
