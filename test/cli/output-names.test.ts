import { spawnSync } from 'node:child_process'
import * as fs from 'node:fs'
import * as path from 'node:path'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { manifestPaths } from '../../src/render/bundle.ts'
import type { Manifest } from '../../src/model/k8s.ts'
import { kustomizePath } from '../helpers/tools.ts'
import { listTree, REPO, runCli, tempTree } from '../helpers/cli.ts'

/** The example project with `apps/liqo-demo/extra.yaml` holding `extra`. */
const example = (extra: string): string => {
  const dir = tempTree({ 'inventory.yaml': fs.readFileSync(path.join(REPO, 'inventory.yaml'), 'utf8') })
  fs.cpSync(path.join(REPO, 'policies'), path.join(dir, 'policies'), { recursive: true })
  fs.cpSync(path.join(REPO, 'apps'), path.join(dir, 'apps'), { recursive: true })
  fs.writeFileSync(path.join(dir, 'apps', 'liqo-demo', 'extra.yaml'), extra)
  return dir
}

const configMap = (apiVersion: string, name: string, kind = 'ConfigMap'): string =>
  `---\napiVersion: ${apiVersion}\nkind: ${kind}\nmetadata:\n  name: ${name}\n  namespace: liqo-demo\ndata:\n  from: ${apiVersion}\n`

/** A DNS subdomain name of exactly 253 characters, the longest the API server takes. */
const LONGEST = `${'a'.repeat(63)}.${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(61)}`

/** What `kustomize build` makes of a cluster folder (the test of what a GitOps tool sees). */
function kustomize(dir: string): string {
  const bin = kustomizePath()
  assert.ok(bin, 'kustomize is provisioned by the test set-up (scripts/test-setup.sh)')
  const r = spawnSync(bin, ['build', dir], { encoding: 'utf8' })
  assert.is(r.status, 0, r.stderr)
  return r.stdout
}

test('a 253-character object name: validate passes, build -o writes it within the file name limit, kustomize reads the folder', async () => {
  assert.is(LONGEST.length, 253)
  const cwd = example(configMap('v1', LONGEST))
  const v = await runCli(['validate'], cwd)
  assert.is(v.code, 0, v.stdout + v.stderr)
  const r = await runCli(['build', '-o', 'out'], cwd)
  assert.is(r.code, 0, r.stderr)
  const files = listTree(path.join(cwd, 'out', 'venice'))
  const long = files.filter((f) => f.startsWith('liqo-demo/configmap-'))
  assert.is(long.length, 1, files.join(' '))
  const name = path.basename(long[0] ?? '')
  assert.ok(Buffer.byteLength(name) <= 255, `${Buffer.byteLength(name)} bytes`)
  assert.match(name, /^configmap-a{63}\.b+.*-[0-9a-f]{12}\.yaml$/, 'readable, then a hash of the identity')
  assert.match(fs.readFileSync(path.join(cwd, 'out', 'venice', long[0] ?? ''), 'utf8'), new RegExp(`name: ${LONGEST.replaceAll('.', '\\.')}\\n`))
  assert.match(kustomize(path.join(cwd, 'out', 'venice')), new RegExp(`name: ${LONGEST.replaceAll('.', '\\.')}\\n`))
  // The same name on every run: a GitOps diff shows no renamed files.
  const again = await runCli(['build', '-o', 'out2'], cwd)
  assert.is(again.code, 0, again.stderr)
  assert.equal(listTree(path.join(cwd, 'out2')), listTree(path.join(cwd, 'out')))
})

test('the same kind and name in two API groups are two objects: both built, in files of their own', async () => {
  const cwd = example(configMap('v1', 'settings') + configMap('example.com/v1', 'settings'))
  const v = await runCli(['validate'], cwd)
  assert.is(v.code, 0, v.stdout + v.stderr)
  assert.not.match(v.stdout, /defined twice/)
  const r = await runCli(['build', '-o', 'out'], cwd)
  assert.is(r.code, 0, r.stderr)
  const dir = path.join(cwd, 'out', 'venice')
  const cms = listTree(dir).filter((f) => f.startsWith('liqo-demo/configmap-settings'))
  assert.is(cms.length, 2, cms.join(' '))
  const contents = cms.map((f) => fs.readFileSync(path.join(dir, f), 'utf8'))
  assert.ok(
    contents.some((c) => c.includes('apiVersion: v1\n')),
    'the core ConfigMap',
  )
  assert.ok(
    contents.some((c) => c.includes('apiVersion: example.com/v1\n')),
    'the example.com ConfigMap',
  )
  const built = kustomize(dir)
  assert.match(built, /from: example\.com\/v1\n/)
  assert.match(built, /from: v1\n/)
  // Still one object: the same group, kind, namespace and name twice.
  const twice = example(configMap('example.com/v1', 'settings') + configMap('example.com/v2', 'settings'))
  const t = await runCli(['validate'], twice)
  assert.is(t.code, 1, t.stdout)
  assert.match(t.stdout, /ConfigMap\/settings in namespace liqo-demo is defined twice|defined twice/)
})

test('file names never collide: kinds that differ in case only, and a name made to look like a shortened one', () => {
  const m = (apiVersion: string, kind: string, name: string): Manifest => ({ apiVersion, kind, metadata: { name, namespace: 'ns' } })
  const objects = [m('v1', 'ConfigMap', 'x'), m('example.com/v1', 'Configmap', 'x'), m('v1', 'ConfigMap', LONGEST), m('example.com/v1', 'ConfigMap', LONGEST)]
  const paths = manifestPaths(objects)
  assert.is(new Set(paths.map((p) => p.toLowerCase())).size, objects.length, paths.join('\n'))
  for (const p of paths) assert.ok(Buffer.byteLength(path.basename(p)) <= 255, p)
  // A name chosen to be what another object's shortened name is.
  const [, second] = paths
  const lookalike = path
    .basename(second ?? '')
    .replace(/^configmap-/, '')
    .replace(/\.yaml$/, '')
  const more = [...objects, m('v1', 'ConfigMap', lookalike)]
  const p2 = manifestPaths(more)
  assert.is(new Set(p2.map((p) => p.toLowerCase())).size, more.length, p2.join('\n'))
  assert.equal(manifestPaths(more), p2, 'deterministic')
})

test.run()
