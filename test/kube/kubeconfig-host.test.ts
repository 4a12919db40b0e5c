import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { memoryHost } from '../../src/host/memory-host.ts'
import { FileTokenSource } from '../../src/kube/credentials.ts'
import { connect, KubeconfigError, kubeconfigSource, readKubeconfigs } from '../../src/kube/kubeconfig.ts'

/**
 * Kubeconfigs, and the certificates, keys and token files they name, are read through the
 * `Host`: here a memory host, with no file on disk.
 */
const CA = '-----BEGIN CERTIFICATE-----\nnot checked here\n-----END CERTIFICATE-----\n'
const CERT = '-----BEGIN CERTIFICATE-----\nclient\n-----END CERTIFICATE-----\n'
const KEY = '-----BEGIN RSA PRIVATE KEY-----\nkey\n-----END RSA PRIVATE KEY-----\n'

const config = [
  'apiVersion: v1',
  'kind: Config',
  'clusters:',
  '  - name: venice',
  '    cluster: {server: "https://venice.example:6443/", certificate-authority: certs/ca.crt}',
  '  - name: naples',
  '    cluster: {server: "https://naples.example:6443", insecure-skip-tls-verify: true}',
  'users:',
  '  - name: admin',
  '    user: {client-certificate: certs/admin.crt, client-key: /keys/admin.key}',
  '  - name: rotating',
  '    user: {tokenFile: token}',
  'contexts:',
  '  - {name: venice, context: {cluster: venice, user: admin}}',
  '  - {name: naples, context: {cluster: naples, user: rotating}}',
  'current-context: venice',
  '',
].join('\n')

const host = () =>
  memoryHost({
    cwd: '/work',
    files: {
      '/home/me/.kube/config': config,
      '/home/me/.kube/certs/ca.crt': CA,
      '/home/me/.kube/certs/admin.crt': CERT,
      '/keys/admin.key': KEY,
      '/home/me/.kube/token': 'first\n',
      '/elsewhere/extra.yaml':
        'clusters: [{name: venice, cluster: {server: "https://shadowed.example"}}]\ncontexts: [{name: extra, context: {cluster: venice}}]\n',
    },
  })

const tlsOf = (agent: unknown): Record<string, unknown> => (agent as { options: Record<string, unknown> }).options

test('the kubeconfig of HOME, its certificate and key files relative to it: all from the host', async () => {
  const h = host()
  const [c] = await connect(kubeconfigSource(undefined, { HOME: '/home/me' }), [{ cluster: 'venice', context: 'venice' }], { env: {}, host: h })
  assert.ok(c)
  assert.is(c?.server.href, 'https://venice.example:6443/')
  const tls = tlsOf(c?.agent)
  assert.is(String(tls['ca']), CA)
  assert.is(String(tls['cert']), CERT)
  assert.is(String(tls['key']), KEY)
  assert.is(tls['rejectUnauthorized'], undefined)
})

test('KUBECONFIG on the host: missing files skipped, the first file that names an entry wins', () => {
  const kc = readKubeconfigs(kubeconfigSource(undefined, { KUBECONFIG: '/missing.yaml:/home/me/.kube/config:/elsewhere/extra.yaml' }), host())
  assert.equal([...kc.contexts.keys()], ['venice', 'naples', 'extra'])
  assert.is(kc.clusters.get('venice')?.server, 'https://venice.example:6443')
  assert.is(kc.clusters.get('venice')?.caFile, '/home/me/.kube/certs/ca.crt')
  assert.is(kc.currentContext, 'venice')
})

test('a tokenFile is read through the host, and read there again after a 401', async () => {
  const h = host()
  const [c] = await connect('/home/me/.kube/config', [{ cluster: 'naples', context: 'naples' }], { env: {}, host: h })
  assert.equal(await c?.auth?.headers(), { Authorization: 'Bearer first' })
  h.writeFile('/home/me/.kube/token', 'second')
  assert.is(await c?.auth?.refresh('Bearer first'), true)
  assert.equal(await c?.auth?.headers(), { Authorization: 'Bearer second' })
  // And a minute later without a 401.
  let now = 0
  const src = new FileTokenSource('/home/me/.kube/token', () => now, h)
  h.writeFile('/home/me/.kube/token', 'third')
  assert.equal(await src.headers(), { Authorization: 'Bearer second' })
  now = 61_000
  assert.equal(await src.headers(), { Authorization: 'Bearer third' })
})

test('files missing on the host: the same kubeconfig errors', async () => {
  const msg = (p: Promise<unknown>): Promise<string> =>
    p.then(
      () => 'no error',
      (e: Error) => `${e.constructor.name}: ${e.message}`,
    )
  assert.match(
    await msg(connect('/work/absent.yaml', [{ cluster: 'x', context: 'x' }], { host: host() })),
    /^KubeconfigError: cannot read kubeconfig \/work\/absent\.yaml: ENOENT/,
  )
  const noCa = memoryHost({ cwd: '/', files: { '/k.yaml': config } })
  const e = await connect('/k.yaml', [{ cluster: 'venice', context: 'venice' }], { host: noCa }).then(
    () => undefined,
    (x: unknown) => x,
  )
  assert.instance(e, KubeconfigError)
  assert.match((e as Error).message, /^context "venice": ENOENT: .*\/certs\/ca\.crt/)
})

test.run()
