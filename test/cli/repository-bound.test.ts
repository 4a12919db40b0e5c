import * as fs from 'node:fs'
import * as path from 'node:path'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { ONE_REMOTE_INVENTORY, runCli, tempTree } from '../helpers/cli.ts'

/**
 * Reads stay inside the repository, symbolic links resolved: a committed link to a file or
 * folder outside it is an error naming the link (NSO1015); what lies behind it is never read,
 * so never built, synced or shown in a code frame.
 */

const policy = (name: string, workloads?: string): string =>
  `apiVersion: nsoffload.dev/v1alpha1\nkind: OffloadingPolicy\nmetadata:\n  name: ${name}\nspec:\n${workloads ? `  workloads: [${workloads}]\n` : '  podOffloadingStrategy: LocalAndRemote\n'}`
const CONFIGMAP = 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: settings}\ndata: {a: b}\n'
const SECRET_VALUE = 'AKIAEXAMPLEOUTSIDE0123'
const SECRET = `apiVersion: v1\nkind: Secret\nmetadata: {name: stolen}\nstringData: {aws_secret_access_key: ${SECRET_VALUE}}\n`
const CREDENTIALS = `aws_secret_access_key: ${SECRET_VALUE}\naws_access_key_id: AKIA0000\n`

/** A repository (with .git) in `repo/` and, beside it, files that are not part of it. */
function layout(): { top: string; repo: string; outside: string } {
  const top = tempTree({
    'repo/.git/HEAD': 'ref: refs/heads/main\n',
    'repo/inventory.yaml': ONE_REMOTE_INVENTORY,
    'repo/policies/demo.yaml': policy('liqo-demo', '../apps/liqo-demo/'),
    'repo/apps/liqo-demo/cm.yaml': CONFIGMAP,
    'outside/secret.yaml': SECRET,
    'outside/credentials.yaml': CREDENTIALS,
    'outside/dir/p.yaml': policy('outsider'),
    'outside/inventory.yaml': ONE_REMOTE_INVENTORY,
    'outside/ignore': '*.yaml\n',
  })
  return { top, repo: path.join(top, 'repo'), outside: path.join(top, 'outside') }
}

interface Json {
  readonly diagnostics: { code: string; severity: string; file?: string; message: string }[]
}

test('a workload linked to a Secret outside the repository is refused: not built, not shown', async () => {
  const { repo, outside } = layout()
  fs.symlinkSync(path.join(outside, 'secret.yaml'), path.join(repo, 'apps', 'liqo-demo', 's.yaml'))
  const b = await runCli(['build', '--cluster', 'venice'], repo)
  assert.is(b.code, 1, b.stderr)
  assert.is(b.stdout, '', 'nothing rendered')
  assert.match(b.stderr, /^apps\/liqo-demo\/s\.yaml: error NSO1015: a symbolic link that leads out of the repository \(the working folder\): not read$/m)
  for (const r of [b, await runCli(['validate', '--format', 'json'], repo), await runCli(['plan'], repo)]) {
    assert.not.ok((r.stdout + r.stderr).includes(SECRET_VALUE), r.stdout + r.stderr)
    assert.not.ok((r.stdout + r.stderr).includes('stolen'))
  }
})

test('a policy linked to a file outside: validate names the link and never prints a line of the file', async () => {
  const { repo, outside } = layout()
  fs.symlinkSync(path.join(outside, 'credentials.yaml'), path.join(repo, 'policies', 'creds.yaml'))
  for (const format of ['text', 'json', 'junit', 'sarif', 'github']) {
    const r = await runCli(['validate', '--format', format], repo)
    assert.is(r.code, 1, format)
    assert.ok((r.stdout + r.stderr).includes('policies/creds.yaml'), format)
    assert.not.ok((r.stdout + r.stderr).includes('aws_secret_access_key'), `${format}: ${r.stdout}`)
    assert.not.ok((r.stdout + r.stderr).includes(SECRET_VALUE), format)
  }
  const j = JSON.parse((await runCli(['validate', '--format', 'json'], repo)).stdout) as Json
  assert.equal(
    j.diagnostics.map((d) => [d.code, d.file]),
    [['NSO1015', 'policies/creds.yaml']],
  )
})

test('a folder, the inventory, a .nsoffloadignore or a workload folder linked outside: NSO1015 naming each link', async () => {
  const { repo, outside } = layout()
  fs.symlinkSync(path.join(outside, 'dir'), path.join(repo, 'policies', 'shared'))
  fs.rmSync(path.join(repo, 'inventory.yaml'))
  fs.symlinkSync(path.join(outside, 'inventory.yaml'), path.join(repo, 'inventory.yaml'))
  fs.symlinkSync(path.join(outside, 'ignore'), path.join(repo, 'policies', '.nsoffloadignore'))
  fs.writeFileSync(path.join(repo, 'policies', 'other.yaml'), policy('other', '../apps/other/'))
  fs.mkdirSync(path.join(outside, 'apps'))
  fs.writeFileSync(path.join(outside, 'apps', 'cm.yaml'), CONFIGMAP)
  fs.symlinkSync(path.join(outside, 'apps'), path.join(repo, 'apps', 'other'))
  const r = await runCli(['validate', '--format', 'json'], repo)
  assert.is(r.code, 1, r.stderr)
  const j = JSON.parse(r.stdout) as Json
  assert.equal(
    j.diagnostics.filter((d) => d.code === 'NSO1015').map((d) => d.file),
    ['apps/other', 'inventory.yaml', 'policies/.nsoffloadignore', 'policies/shared'],
  )
  assert.not.ok(r.stdout.includes('outsider'), 'the policy behind the folder link was not read')
})

test('links inside the repository are followed; without .git the working folder is the repository', async () => {
  const { repo, outside } = layout()
  fs.mkdirSync(path.join(repo, 'shared'))
  fs.writeFileSync(path.join(repo, 'shared', 'cm2.yaml'), CONFIGMAP.replace('settings', 'more'))
  fs.symlinkSync('../../shared/cm2.yaml', path.join(repo, 'apps', 'liqo-demo', 'cm2.yaml'))
  fs.mkdirSync(path.join(repo, 'team'))
  fs.writeFileSync(path.join(repo, 'team', 'p.yaml'), policy('linked-in'))
  fs.symlinkSync('../team', path.join(repo, 'policies', 'linked'))
  const ok = await runCli(['build', '--cluster', 'venice'], repo)
  assert.is(ok.code, 0, ok.stderr)
  assert.match(ok.stdout, /name: more\n/)
  assert.match(ok.stdout, /name: linked-in\n/)
  // No .git: the working folder bounds the reads, and a link above it is refused.
  fs.rmSync(path.join(repo, '.git'), { recursive: true })
  fs.symlinkSync(path.join(outside, 'secret.yaml'), path.join(repo, 'apps', 'liqo-demo', 's.yaml'))
  const r = await runCli(['validate', '--format', 'json'], repo)
  assert.is(r.code, 1)
  assert.equal(
    (JSON.parse(r.stdout) as Json).diagnostics.map((d) => [d.code, d.file]),
    [['NSO1015', 'apps/liqo-demo/s.yaml']],
  )
})

test("workload folders, read recursively, stay inside the policy's repository: a link deep inside, a kustomize app or a kustomization linked out", async () => {
  const { repo, outside } = layout()
  fs.mkdirSync(path.join(repo, 'apps', 'liqo-demo', 'deep', 'er'), { recursive: true })
  fs.symlinkSync(path.join(outside, 'secret.yaml'), path.join(repo, 'apps', 'liqo-demo', 'deep', 'er', 's.yaml'))
  fs.mkdirSync(path.join(outside, 'kapp'))
  fs.writeFileSync(path.join(outside, 'kapp', 'kustomization.yaml'), 'resources: [secret.yaml]\n')
  fs.writeFileSync(path.join(outside, 'kapp', 'secret.yaml'), SECRET)
  fs.symlinkSync(path.join(outside, 'kapp'), path.join(repo, 'apps', 'liqo-demo', 'deep', 'kapp'))
  fs.mkdirSync(path.join(repo, 'apps', 'direct'))
  fs.symlinkSync(path.join(outside, 'kapp', 'kustomization.yaml'), path.join(repo, 'apps', 'direct', 'kustomization.yaml'))
  fs.writeFileSync(path.join(repo, 'policies', 'direct.yaml'), policy('direct', '../apps/direct/kustomization.yaml'))
  const r = await runCli(['validate', '--format', 'json'], repo)
  assert.is(r.code, 1, r.stderr)
  assert.equal(
    (JSON.parse(r.stdout) as Json).diagnostics.filter((d) => d.code === 'NSO1015').map((d) => d.file),
    ['apps/direct/kustomization.yaml', 'apps/liqo-demo/deep/er/s.yaml', 'apps/liqo-demo/deep/kapp'],
  )
  for (const out of [r, await runCli(['build', '--cluster', 'venice'], repo)]) {
    assert.not.ok((out.stdout + out.stderr).includes(SECRET_VALUE), out.stdout + out.stderr)
    assert.not.ok((out.stdout + out.stderr).includes('stolen'))
  }
})

test.run()
