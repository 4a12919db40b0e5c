import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { tracedImports } from '../helpers/trace.ts'
import { tempDir } from '../helpers/temp.ts'

/** `@kubernetes/client-node` is loaded only by the commands that talk to a cluster. */
function importsOf(args: string[], kubeconfig = path.join(os.tmpdir(), 'no-such-kubeconfig')): string[] {
  return tracedImports(args, { KUBECONFIG: kubeconfig })
}

const client = (urls: string[]): boolean => urls.some((u) => u.includes('@kubernetes/client-node'))

for (const args of [['--version'], ['validate'], ['plan'], ['build', '--cluster', 'venice']]) {
  test(`nsoffload ${args.join(' ')} does not load @kubernetes/client-node`, () => {
    const urls = importsOf(args)
    assert.ok(
      urls.some((u) => u.includes('/src/cli/main.ts')),
      'the trace works',
    )
    assert.not.ok(client(urls))
  })
}

test('nsoffload sync loads it for an auth-provider (so the check above can fail), not for a token or an exec plugin', () => {
  const dir = tempDir('nsoffload-kubeconfig-')
  // Connecting fails at once every time: the token file is missing, the plugin is `false`, the token file lacks a context.
  const kubeconfig = (user: string, clusters: string[]): string => {
    const file = path.join(dir, `kubeconfig-${user.length}`)
    fs.writeFileSync(
      file,
      `clusters: [${clusters.map((c) => `{name: ${c}, cluster: {server: "https://127.0.0.1:1"}}`).join(', ')}]\nusers: [{name: u, user: ${user}}]\ncontexts: [${clusters.map((c) => `{name: ${c}, context: {cluster: ${c}, user: u}}`).join(', ')}]\n`,
    )
    return file
  }
  assert.ok(
    client(
      importsOf(['sync'], kubeconfig(`{auth-provider: {name: file, config: {tokenFile: ${path.join(dir, 'missing')}}}}`, ['venice', 'florence', 'naples'])),
    ),
  )
  assert.not.ok(
    client(importsOf(['sync'], kubeconfig('{exec: {apiVersion: client.authentication.k8s.io/v1beta1, command: "false"}}', ['venice', 'florence', 'naples']))),
  )
  assert.not.ok(client(importsOf(['sync'], kubeconfig('{token: t}', ['venice']))))
})

test.run()
