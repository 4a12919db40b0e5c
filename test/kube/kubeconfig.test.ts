import * as fs from 'node:fs'
import type * as https from 'node:https'
import * as path from 'node:path'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { connect, connectWithClient } from '../../src/kube/kubeconfig.ts'
import { tempTree } from '../helpers/cli.ts'

/**
 * nsoffload reads kubeconfigs of static credentials itself and leaves credential plugins to
 * @kubernetes/client-node: both must make the same connections out of the same file.
 */
const b64 = (s: string): string => Buffer.from(s).toString('base64')

interface Seen {
  server: string
  headers: Record<string, string>
  tls: Record<string, unknown>
}

function seen(c: { server: URL; headers: Readonly<Record<string, string>>; agent: https.Agent | unknown; tls?: object }): Seen {
  const pick = (o: Record<string, unknown>): Record<string, unknown> => {
    const out: Record<string, unknown> = {}
    for (const k of ['ca', 'cert', 'key', 'rejectUnauthorized', 'servername']) if (o[k] !== undefined) out[k] = Buffer.isBuffer(o[k]) ? `bytes:${(o[k] as Buffer).toString()}` : o[k]
    return out
  }
  const tls = pick((c.agent as { options: Record<string, unknown> }).options)
  // HTTP/2 connections (kube/transport.ts) use the same TLS settings as the HTTP/1.1 agent.
  if (c.server.protocol === 'https:') assert.equal(pick((c.tls ?? {}) as Record<string, unknown>), tls, `${c.server.href}: HTTP/2 TLS settings`)
  return { server: c.server.href, headers: { ...c.headers }, tls }
}

const dir = tempTree({
  'certs/ca.crt': 'CA FILE',
  'certs/client.crt': 'CERT FILE',
  'certs/client.key': 'KEY FILE',
  'token': 'TOKEN FROM FILE',
})

const KUBECONFIG = `apiVersion: v1
kind: Config
current-context: a
clusters:
  - name: a
    cluster: {server: "https://a.example:6443/", certificate-authority-data: ${b64('CA DATA')}}
  - name: b
    cluster: {server: https://b.example, certificate-authority: certs/ca.crt, tls-server-name: api.b}
  - name: c
    cluster: {server: https://c.example, certificate-authority: ${path.join(dir, 'certs', 'ca.crt')}, insecure-skip-tls-verify: true}
users:
  - name: token
    user: {token: s3cr3t}
  - name: token-file
    user: {token-file: ${path.join(dir, 'token')}}
  - name: cert-files
    user: {client-certificate: certs/client.crt, client-key: certs/client.key}
  - name: cert-data
    user: {client-certificate-data: ${b64('CERT DATA')}, client-key-data: ${b64('KEY DATA')}, as: someone}
  - name: basic
    user: {username: admin, password: pa55}
contexts:
  - {name: a-token, context: {cluster: a, user: token}}
  - {name: b-token-file, context: {cluster: b, user: token-file}}
  - {name: c-cert-files, context: {cluster: c, user: cert-files}}
  - {name: a-cert-data, context: {cluster: a, user: cert-data}}
  - {name: b-basic, context: {cluster: b, user: basic}}
  - {name: c-no-user, context: {cluster: c}}
  - {name: a-unknown-user, context: {cluster: a, user: nobody}}
`
fs.writeFileSync(path.join(dir, 'kubeconfig'), KUBECONFIG)
const file = path.join(dir, 'kubeconfig')
const contexts = ['a-token', 'b-token-file', 'c-cert-files', 'a-cert-data', 'b-basic', 'c-no-user', 'a-unknown-user']

test('static credentials: the same connections as @kubernetes/client-node makes', async () => {
  const wanted = contexts.map((c) => ({ cluster: c, context: c }))
  const ours = (await connect(file, wanted)).map(seen)
  const theirs = (await connectWithClient(file, wanted)).map(seen)
  assert.equal(ours, theirs)
  // And what they are, so that both cannot be wrong together.
  assert.equal(ours[0], { server: 'https://a.example:6443/', headers: { Authorization: 'Bearer s3cr3t' }, tls: { ca: 'bytes:CA DATA' } })
  assert.equal(ours[1]?.tls, { ca: 'bytes:CA FILE', servername: 'api.b' })
  assert.is(ours[1]?.headers['Authorization'], 'Bearer TOKEN FROM FILE')
  assert.equal(ours[2]?.tls, { ca: 'bytes:CA FILE', cert: 'bytes:CERT FILE', key: 'bytes:KEY FILE', rejectUnauthorized: false })
  assert.equal(ours[3]?.headers, { 'Impersonate-User': 'someone' })
  assert.is(ours[4]?.headers['Authorization'], `Basic ${b64('admin:pa55')}`)
})

test('the same errors: unknown context, invalid file', async () => {
  const both = async (f: string, w: { cluster: string; context: string }[]): Promise<[string, string]> => {
    const msg = async (p: Promise<unknown>): Promise<string> => p.then(() => 'no error', (e: Error) => e.message)
    return [await msg(connect(f, w)), await msg(connectWithClient(f, w))]
  }
  const [a, b] = await both(file, [{ cluster: 'x', context: 'nope' }])
  assert.is(a, b)
  assert.match(a, /^context "nope" \(cluster x\) is not in .*; contexts there: a-token, b-token-file/)
  const bad = path.join(dir, 'bad')
  fs.writeFileSync(bad, 'clusters:\n  - name: x\n    cluster: {}\n')
  const [c, d] = await both(bad, [{ cluster: 'x', context: 'x' }])
  assert.is(c, d)
  assert.match(c, /clusters\[0\]\.cluster\.server is missing/)
  const [e, f] = await both(path.join(dir, 'missing'), [{ cluster: 'x', context: 'x' }])
  assert.is(e, f)
})

test('a credential plugin (exec) goes through @kubernetes/client-node', async () => {
  const exec = path.join(dir, 'exec-kubeconfig')
  const cred = JSON.stringify({ apiVersion: 'client.authentication.k8s.io/v1beta1', kind: 'ExecCredential', status: { token: 'from-exec' } })
  fs.writeFileSync(
    exec,
    `clusters: [{name: a, cluster: {server: "https://a.example"}}]
users: [{name: plugin, user: {exec: {apiVersion: client.authentication.k8s.io/v1beta1, command: sh, args: ["-c", ${JSON.stringify(`echo '${cred}'`)}]}}}]
contexts: [{name: a, context: {cluster: a, user: plugin}}]
`,
  )
  const [c] = await connect(exec, [{ cluster: 'a', context: 'a' }])
  assert.is(c?.headers['Authorization'], 'Bearer from-exec')
})

test.run()
