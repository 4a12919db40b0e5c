/**
 * Who may talk to a cluster: a service-account key pair, the token users the API server knows
 * (`--token-auth-file`), and kubeconfig files. Serving certificates are kube-apiserver's own:
 * it writes a self-signed pair into `certDir` at start (clients skip TLS verification).
 */
import { generateKeyPairSync, randomBytes } from 'node:crypto'
import * as fs from 'node:fs'
import * as path from 'node:path'

export interface UserSpec {
  name: string
  groups?: string[]
}

/** One cluster's credential files, under `<dataDir>/<cluster>/`. */
export interface ClusterCredentials {
  dir: string
  /** `--cert-dir` of the API server. */
  certDir: string
  /** The API server's serving certificate (written by kube-apiserver into certDir). */
  servingCert: string
  /** `token,user,uid,"groups"` lines. */
  tokenFile: string
  saKey: string
  saPub: string
  /** Token per user name: `admin`, `system:kube-controller-manager`, `system:kube-scheduler` and the extra users. */
  tokens: Record<string, string>
}

/**
 * Writes a cluster's key pair and token file. Users: `admin`, the controller-manager's and the
 * scheduler's (all system:masters), then `extraUsers` (groups default to system:masters).
 */
export function writeClusterCredentials(dir: string, extraUsers: readonly UserSpec[]): ClusterCredentials {
  const certDir = path.join(dir, 'certs')
  fs.mkdirSync(certDir, { recursive: true })
  const { privateKey, publicKey } = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs1', format: 'pem' },
  })
  const saKey = path.join(dir, 'sa.key')
  const saPub = path.join(dir, 'sa.pub')
  fs.writeFileSync(saKey, privateKey, { mode: 0o600 })
  fs.writeFileSync(saPub, publicKey)
  const tokens: Record<string, string> = {}
  const lines: string[] = []
  const addUser = (user: string, groups: string[]): void => {
    if (/[",\n]/.test(user) || groups.some((g) => /[",\n]/.test(g))) throw new Error(`bad user spec ${user}`)
    const token = randomBytes(24).toString('hex')
    tokens[user] = token
    lines.push(groups.length > 0 ? `${token},${user},${user},"${groups.join(',')}"` : `${token},${user},${user}`)
  }
  addUser('admin', ['system:masters'])
  addUser('system:kube-controller-manager', ['system:masters'])
  addUser('system:kube-scheduler', ['system:masters'])
  for (const u of extraUsers) addUser(u.name, u.groups ?? ['system:masters'])
  const tokenFile = path.join(dir, 'tokens.csv')
  fs.writeFileSync(tokenFile, lines.join('\n') + '\n', { mode: 0o600 })
  return { dir, certDir, servingCert: path.join(certDir, 'apiserver.crt'), tokenFile, saKey, saPub, tokens }
}

/** One context of a kubeconfig: cluster `name` at `server`, user `<name>-<user>` with `token`. */
export interface KubeconfigEntry {
  name: string
  server: string
  user: string
  token: string
}

/** A kubeconfig (JSON, which is YAML) with one context per entry, named as its cluster; TLS not verified. */
export function kubeconfigFor(entries: readonly KubeconfigEntry[], current: string): string {
  return (
    JSON.stringify(
      {
        apiVersion: 'v1',
        kind: 'Config',
        preferences: {},
        clusters: entries.map((e) => ({ name: e.name, cluster: { server: e.server, 'insecure-skip-tls-verify': true } })),
        users: entries.map((e) => ({ name: `${e.name}-${e.user}`, user: { token: e.token } })),
        contexts: entries.map((e) => ({ name: e.name, context: { cluster: e.name, user: `${e.name}-${e.user}` } })),
        'current-context': current,
      },
      null,
      2,
    ) + '\n'
  )
}
