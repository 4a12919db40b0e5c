import * as fs from 'node:fs'
import * as path from 'node:path'

/**
 * A kubectl exec credential plugin for tests: a small node script that hands out `tokens` in
 * order (the last one again once they run out), each valid `ttlMs` (none: no expiry), and logs
 * every run's `KUBERNETES_EXEC_INFO`. A `hang` entry is a run that never ends: it says `hang` on
 * stderr (a login prompt) and waits, as a plugin waiting for a browser login does.
 */
export interface TokenPlugin {
  /** The kubeconfig `exec` entry that runs it. */
  readonly exec: Record<string, unknown>
  /** How many times it ran. */
  runs(): number
  /** `KUBERNETES_EXEC_INFO` of every run. */
  infos(): unknown[]
  /** The process IDs of the runs that hung. */
  hung(): number[]
}

/** One run of the plugin: a token (valid `ttlMs`), or no end. */
type PluginRun = { readonly token: string; readonly ttlMs?: number } | { readonly hang: string }

const SCRIPT = `const fs = require('node:fs')
const state = process.argv[2]
const cfg = JSON.parse(fs.readFileSync(state + '.json', 'utf8'))
const info = process.env.KUBERNETES_EXEC_INFO || '{}'
fs.appendFileSync(state + '.log', info.replace(/\\n/g, ' ') + '\\n')
const n = fs.readFileSync(state + '.log', 'utf8').split('\\n').filter(Boolean).length - 1
const t = cfg.tokens[Math.min(n, cfg.tokens.length - 1)]
if (t.hang !== undefined) {
  fs.appendFileSync(state + '.pids', process.pid + '\\n')
  process.stderr.write(t.hang + '\\n')
  setInterval(() => {}, 1000)
  return
}
const status = { token: t.token }
if (t.ttlMs !== undefined) status.expirationTimestamp = new Date(Date.now() + t.ttlMs).toISOString()
process.stdout.write(JSON.stringify({ apiVersion: JSON.parse(info).apiVersion, kind: 'ExecCredential', status }))
`

export function writeTokenPlugin(dir: string, name: string, tokens: readonly PluginRun[], apiVersion = 'client.authentication.k8s.io/v1'): TokenPlugin {
  fs.mkdirSync(dir, { recursive: true })
  const script = path.join(dir, `${name}.cjs`)
  const state = path.join(dir, name)
  fs.writeFileSync(script, SCRIPT)
  fs.writeFileSync(`${state}.json`, JSON.stringify({ tokens }))
  const lines = (): string[] => (fs.existsSync(`${state}.log`) ? fs.readFileSync(`${state}.log`, 'utf8').split('\n').filter(Boolean) : [])
  return {
    exec: { apiVersion, command: process.execPath, args: [script, state], interactiveMode: 'Never' },
    runs: () => lines().length,
    infos: () => lines().map((l) => JSON.parse(l) as unknown),
    hung: () => (fs.existsSync(`${state}.pids`) ? fs.readFileSync(`${state}.pids`, 'utf8').split('\n').filter(Boolean).map(Number) : []),
  }
}
