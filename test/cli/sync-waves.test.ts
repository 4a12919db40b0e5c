import { spawnSync } from 'node:child_process'
import * as fs from 'node:fs'
import * as path from 'node:path'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { parseAllDocuments } from 'yaml'
import { SYNC_WAVE_ANNOTATION, withSyncWaves } from '../../src/render/sync-waves.ts'
import { exampleFiles, REPO, runCli, runMemory, tempTree } from '../helpers/cli.ts'
import { kubectlPath } from '../helpers/tools.ts'

/** A copy of the bundled example (policies, inventory, the tutorial's workloads) on the disk, for kubectl. */
function example(): string {
  const dir = tempTree({ 'inventory.yaml': fs.readFileSync(path.join(REPO, 'inventory.yaml'), 'utf8') })
  for (const d of ['policies', 'apps']) fs.cpSync(path.join(REPO, d), path.join(dir, d), { recursive: true })
  return dir
}

interface Obj {
  kind: string
  metadata: { name: string; annotations?: Record<string, string> }
}
const docs = (yaml: string): Obj[] => parseAllDocuments(yaml).map((d) => d.toJS() as Obj)
const wave = (o: Obj): number => Number(o.metadata.annotations?.[SYNC_WAVE_ANNOTATION] ?? '0')

test('build --sync-waves: Namespace in wave -2, NamespaceOffloading in -1, workloads in the default wave 0', async () => {
  const r = await runMemory(exampleFiles(), ['build', '--cluster', 'venice', '--sync-waves'])
  assert.is(r.code, 0, r.stderr)
  const objs = docs(r.stdout)
  const byKind = (k: string): Obj[] => objs.filter((o) => o.kind === k)
  assert.equal(
    byKind('Namespace').map((o) => o.metadata.annotations?.[SYNC_WAVE_ANNOTATION]),
    ['-2'],
  )
  assert.equal(
    byKind('NamespaceOffloading').map((o) => o.metadata.annotations?.[SYNC_WAVE_ANNOTATION]),
    ['-1'],
  )
  const workloads = objs.filter((o) => o.kind !== 'Namespace' && o.kind !== 'NamespaceOffloading')
  assert.ok(workloads.length > 0, 'the example has workloads')
  for (const w of workloads) assert.is(w.metadata.annotations?.[SYNC_WAVE_ANNOTATION], undefined, `${w.kind}/${w.metadata.name} stays in wave 0`)
  // Argo CD applies lower waves first: namespace, then the NamespaceOffloading, then workloads.
  const ns = byKind('Namespace')[0]
  const nso = byKind('NamespaceOffloading')[0]
  assert.ok(ns && nso && wave(ns) < wave(nso) && workloads.every((w) => wave(nso) < wave(w)))
  assert.match(r.stdout, /argocd\.argoproj\.io\/sync-wave: "-2"/, 'the value is a quoted string, as annotations must be')
})

test('build --sync-waves: the twin namespaces on the remotes get wave -2 too', async () => {
  const r = await runMemory(exampleFiles(), ['build', '--cluster', 'naples', '--sync-waves'])
  assert.is(r.code, 0, r.stderr)
  assert.equal(
    docs(r.stdout).map((o) => [o.kind, o.metadata.annotations?.[SYNC_WAVE_ANNOTATION]]),
    [['Namespace', '-2']],
  )
})

test('without --sync-waves nothing changes: no wave annotation anywhere', async () => {
  const r = await runMemory(exampleFiles(), ['build', '--cluster', 'venice'])
  assert.is(r.code, 0, r.stderr)
  assert.not.match(r.stdout, /sync-wave/)
})

test('a wave the user set on the namespace is kept', async () => {
  const files = exampleFiles()
  files.set(
    'policies/liqo-demo.yaml',
    fs
      .readFileSync(path.join(REPO, 'policies', 'liqo-demo.yaml'), 'utf8')
      .replace('spec:\n', `spec:\n  namespace:\n    annotations:\n      ${SYNC_WAVE_ANNOTATION}: "-7"\n`),
  )
  const r = await runMemory(files, ['build', '--cluster', 'venice', '--sync-waves'])
  assert.is(r.code, 0, r.stderr)
  assert.equal(docs(r.stdout).find((o) => o.kind === 'Namespace')?.metadata.annotations?.[SYNC_WAVE_ANNOTATION], '-7')
})

test('withSyncWaves is pure: the input manifests are not modified', () => {
  const input = [{ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'a' } }]
  const before = JSON.stringify(input)
  const out = withSyncWaves(input)
  assert.is(JSON.stringify(input), before)
  assert.equal(out[0], { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'a', annotations: { [SYNC_WAVE_ANNOTATION]: '-2' } } })
})

/** kubectl of the release under test (test/helpers/tools.ts), the machine's if none is built. */
const kubectl = kubectlPath()

test('build -o --sync-waves: kubectl kustomize of each folder is byte-identical to build --cluster --sync-waves', async () => {
  if (kubectl === undefined) {
    if (process.env['CI']) assert.unreachable('kubectl is missing')
    return
  }
  const cwd = example()
  const b = await runCli(['build', '-o', 'out', '--sync-waves'], cwd)
  assert.is(b.code, 0, b.stderr)
  for (const cluster of ['venice', 'florence', 'naples']) {
    const one = await runCli(['build', '--cluster', cluster, '--sync-waves'], cwd)
    const k = spawnSync(kubectl, ['kustomize', path.join(cwd, 'out', cluster)], { encoding: 'utf8' })
    assert.is(k.status, 0, k.stderr)
    assert.is(one.stdout, k.stdout, `${kubectl} kustomize ${cluster}`)
  }
})

test.run()
