import { execFileSync } from 'node:child_process'
import * as fs from 'node:fs'
import * as path from 'node:path'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { NSOFF_WEBHOOK } from '../../src/model/liqo.ts'
import type { PlanChange } from '../../src/report/plan-change.ts'
import { runCli, tempTree } from '../helpers/cli.ts'
import { kustomizePath } from '../helpers/tools.ts'
import { inventoryYaml } from '../helpers/inventory.ts'

// `plan --base REF`: the policies and inventory of a Git revision against the working tree.

const INVENTORY = inventoryYaml({
  name: 'fleet',
  remotes: [
    { clusterID: 'milan', labels: { region: 'north' } },
    { clusterID: 'naples', labels: { region: 'south' } },
    { clusterID: 'rome', labels: { region: 'center' } },
  ],
})

function policy(name: string, spec: string): string {
  return `apiVersion: nsoffload.dev/v1alpha1\nkind: OffloadingPolicy\nmetadata: {name: ${name}}\nspec:\n${spec}`
}

const BASE: Record<string, string> = {
  'inventory.yaml': INVENTORY,
  'policies/keep.yaml': policy('keep', '  clusterSelector: [region=north]\n'),
  'policies/move.yaml': policy('move', '  clusterSelector: [region=north]\n'),
  'policies/gone.yaml': policy('gone', '  clusterSelector: ["region in (north,south)"]\n'),
  'policies/rename.yaml': policy('rename', '  namespaceMappingStrategy: SelectedName\n  remoteNamespaceName: old-name\n  clusterSelector: [region=center]\n'),
  'policies/pods.yaml': policy('pods', '  podOffloadingStrategy: LocalAndRemote\n'),
  'policies/mapping.yaml': policy('mapping', '  namespaceMappingStrategy: DefaultName\n  clusterSelector: [region=south]\n'),
}

function git(dir: string, ...args: string[]): string {
  return execFileSync('git', args, {
    cwd: dir,
    env: { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@t', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@t' },
  }).toString()
}

/** A repository whose first commit holds `base`; the working tree then gets `head` (null deletes). */
function repo(base: Record<string, string>, head: Record<string, string | null>): string {
  const dir = tempTree(base)
  git(dir, 'init', '-q', '-b', 'main')
  git(dir, 'add', '-A')
  git(dir, 'commit', '-q', '-m', 'base')
  for (const [rel, content] of Object.entries(head)) {
    const abs = path.join(dir, rel)
    if (content === null) fs.rmSync(abs)
    else {
      fs.mkdirSync(path.dirname(abs), { recursive: true })
      fs.writeFileSync(abs, content)
    }
  }
  return dir
}

const HEAD_CHANGES: Record<string, string | null> = {
  'policies/move.yaml': policy('move', '  clusterSelector: [region=south]\n'),
  'policies/gone.yaml': null,
  'policies/rename.yaml': policy('rename', '  namespaceMappingStrategy: SelectedName\n  remoteNamespaceName: new-name\n  clusterSelector: [region=center]\n'),
  'policies/pods.yaml': policy('pods', '  podOffloadingStrategy: Remote\n'),
  'policies/mapping.yaml': policy('mapping', '  namespaceMappingStrategy: EnforceSameName\n  clusterSelector: [region=south]\n'),
  'policies/fresh.yaml': policy('fresh', '  clusterSelector: [region=center]\n'),
}

test('json: offloaded, unoffloaded, selected, deselected, renamed, and what Liqo says of each update', async () => {
  const dir = repo(BASE, HEAD_CHANGES)
  const r = await runCli(['plan', '--base', 'main', '--format', 'json'], dir)
  assert.is(r.code, 0, r.stderr)
  const doc = JSON.parse(r.stdout) as PlanChange
  assert.is(doc.kind, 'OffloadingPlanChange')
  assert.is(doc.base.ref, 'main')
  assert.is(doc.base.commit, git(dir, 'rev-parse', 'main').trim())
  assert.ok(doc.base.valid)
  assert.equal(doc.unchanged, ['keep'])
  const by = new Map(doc.namespaces.map((n) => [n.namespace, n]))
  assert.equal([...by.keys()], ['fresh', 'gone', 'mapping', 'move', 'pods', 'rename'])

  assert.is(by.get('fresh')?.change, 'offloaded')
  assert.equal(by.get('fresh')?.clusters, [{ clusterID: 'rome', change: 'selected', remoteNamespaceName: 'fresh-venice' }])

  assert.is(by.get('gone')?.change, 'unoffloaded')
  assert.equal(
    by.get('gone')?.clusters.map((c) => [c.clusterID, c.change, c.remoteNamespaceName]),
    [
      ['milan', 'deselected', 'gone-venice'],
      ['naples', 'deselected', 'gone-venice'],
    ],
  )

  assert.equal(
    by.get('move')?.clusters.map((c) => [c.clusterID, c.change]),
    [
      ['milan', 'deselected'],
      ['naples', 'selected'],
    ],
  )
  assert.is(by.get('move')?.denied, undefined)

  const rename = by.get('rename')
  assert.equal(rename?.clusters, [{ clusterID: 'rome', change: 'renamed', remoteNamespaceName: 'new-name', previousRemoteNamespaceName: 'old-name' }])
  assert.is(rename?.denied, NSOFF_WEBHOOK.remoteNameImmutable)

  const mapping = by.get('mapping')
  assert.is(mapping?.denied, NSOFF_WEBHOOK.mappingStrategyImmutable)
  assert.ok(mapping?.fields.some((f) => f.field === 'namespaceMappingStrategy' && f.before === 'DefaultName' && f.after === 'EnforceSameName'))

  const pods = by.get('pods')
  assert.equal(
    pods?.fields.filter((f) => f.field === 'podOffloadingStrategy'),
    [{ field: 'podOffloadingStrategy', before: 'LocalAndRemote', after: 'Remote' }],
  )
  assert.is(pods?.warning, NSOFF_WEBHOOK.podStrategyRestricted)
  assert.is(pods?.denied, undefined)
})

test('text and markdown say the same, one line per cluster, with the webhook denial', async () => {
  const dir = repo(BASE, HEAD_CHANGES)
  const t = await runCli(['plan', '--base', 'main'], dir)
  assert.is(t.code, 0, t.stderr)
  assert.match(t.stdout, /^changes against main \([0-9a-f]{12}\)\n/)
  assert.match(
    t.stdout,
    /namespace move: changed {2}\(policies\/move\.yaml\)\n {2}- {2}milan {3}deselected: Liqo deletes twin move-venice and the pods in it\n {2}\+ {2}naples {2}selected: Liqo creates twin move-venice\n/,
  )
  assert.match(t.stdout, /namespace gone: unoffloaded/)
  assert.match(t.stdout, /renamed: twin old-name -> new-name/)
  assert.ok(t.stdout.includes(`Liqo's webhook denies this update: "${NSOFF_WEBHOOK.remoteNameImmutable}"`))
  assert.match(t.stdout, /\n6 of 7 namespaces change: 1 offloaded, 1 unoffloaded, 4 changed, 1 unchanged\n$/)

  const m = await runCli(['plan', '--base', 'main', '--format', 'markdown'], dir)
  assert.is(m.code, 0, m.stderr)
  assert.ok(m.stdout.startsWith('<!-- nsoffload:plan -->\n### nsoffload plan: changes against `main`'))
  assert.ok(m.stdout.includes('| ➖ | `milan` | deselected: Liqo deletes twin move-venice and the pods in it |'))
  assert.ok(m.stdout.includes('#### `gone`: 🗑️ unoffloaded'))
  assert.ok(m.stdout.includes(`❌ Liqo's webhook denies this update: _${NSOFF_WEBHOOK.mappingStrategyImmutable}_.`))
})

test('no change: every namespace unchanged, from a subfolder with -p and -i', async () => {
  const dir = repo(BASE, {})
  const r = await runCli(['plan', '--base', 'HEAD', '-p', '.', '-i', '../inventory.yaml'], path.join(dir, 'policies'))
  assert.is(r.code, 0, r.stderr)
  assert.match(r.stdout, /\n0 of 6 namespaces change: 6 unchanged\n$/)
})

test('a base that does not validate is said so, and its namespaces count as new', async () => {
  const dir = repo(
    { ...BASE, 'policies/keep.yaml': policy('keep', '  clusterSelector: [region!=north]\n') },
    { 'policies/keep.yaml': BASE['policies/keep.yaml'] ?? '' },
  )
  const r = await runCli(['plan', '--base', 'main', '--format', 'json'], dir)
  assert.is(r.code, 0, r.stderr)
  const doc = JSON.parse(r.stdout) as PlanChange
  assert.not.ok(doc.base.valid)
  assert.match(doc.base.note ?? '', /^main does not validate \(1 error\)/)
  assert.ok(doc.namespaces.every((n) => n.change === 'offloaded'))
})

test("a kustomize app in the base is rendered from the base's own files (a checkout of the revision): the change is its placement, the working tree's edits do not leak in", async () => {
  const kustomize = kustomizePath()
  if (!kustomize) {
    if (process.env['CI']) throw new Error('no standalone kustomize (NSOFFLOAD_KUSTOMIZE, or kustomize on PATH)')
    return
  }
  const deploy = (name: string) =>
    `apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: ${name}}\nspec:\n  selector: {matchLabels: {app: ${name}}}\n  template:\n    metadata: {labels: {app: ${name}}}\n    spec: {containers: [{name: c, image: nginx}]}\n`
  const app = {
    'apps/web/kustomization.yaml': 'resources: [web.yaml]\nconfigMapGenerator:\n- name: settings\n  files: [settings.conf]\n',
    'apps/web/web.yaml': deploy('web'),
    'apps/web/settings.conf': 'color=blue\n',
  }
  const dir = repo(
    {
      'inventory.yaml': INVENTORY,
      'policies/web.yaml': policy('web', '  podOffloadingStrategy: Remote\n  clusterSelector: [region=north]\n  workloads: [../apps/web/]\n'),
      ...app,
    },
    {
      'policies/web.yaml': policy('web', '  podOffloadingStrategy: Remote\n  clusterSelector: [region=south]\n  workloads: [../apps/web/]\n'),
      // A Deployment added in the working tree only: new in the change, absent from the base.
      'apps/web/kustomization.yaml': 'resources: [web.yaml, api.yaml]\nconfigMapGenerator:\n- name: settings\n  files: [settings.conf]\n',
      'apps/web/api.yaml': deploy('api'),
    },
  )
  const r = await runCli(['plan', '--base', 'main', '--format', 'json'], dir, '', { NSOFFLOAD_KUSTOMIZE: kustomize, PATH: process.env['PATH'] ?? '' })
  assert.is(r.code, 0, r.stderr)
  const doc = JSON.parse(r.stdout) as PlanChange
  assert.is(doc.base.note, undefined, 'the base has a plan')
  const web = doc.namespaces.find((n) => n.namespace === 'web')
  assert.equal(
    web?.workloads.map((w) => [w.kind, w.name, w.change]),
    [
      ['Deployment', 'api', 'added'],
      ['Deployment', 'web', 'placement'],
    ],
  )
})

test('a base without an inventory has no plan: a note, not a failure', async () => {
  const { 'inventory.yaml': inv, ...rest } = BASE
  const dir = repo(rest, { 'inventory.yaml': inv ?? '' })
  const r = await runCli(['plan', '--base', 'main'], dir)
  assert.is(r.code, 0, r.stderr)
  assert.match(r.stdout, /note: main has no plan \(inventory\.yaml: no such file/)
})

test('an unknown revision, or no repository, is a usage error before anything else is printed', async () => {
  const dir = repo(BASE, {})
  const r = await runCli(['plan', '--base', 'no-such-branch'], dir)
  assert.is(r.code, 2)
  assert.is(r.stdout, '')
  assert.match(r.stderr, /--base no-such-branch: unknown revision "no-such-branch"/)
  const opt = await runCli(['plan', '--base', '--upload-pack=x'], dir)
  assert.is(opt.code, 2)

  const plain = tempTree(BASE)
  const n = await runCli(['plan', '--base', 'main'], plain)
  assert.is(n.code, 2)
  assert.match(n.stderr, /--base main: not a git repository/)
})

test('the base is read from Git objects, not from the working tree: uncommitted files do not leak into it', async () => {
  const dir = repo(BASE, { 'policies/untracked.yaml': policy('untracked', '  clusterSelector: [region=north]\n') })
  fs.writeFileSync(path.join(dir, 'policies/keep.yaml'), policy('keep', '  clusterSelector: [region=center]\n'))
  const r = await runCli(['plan', '--base', 'HEAD', '--format', 'json'], dir)
  const doc = JSON.parse(r.stdout) as PlanChange
  const by = new Map(doc.namespaces.map((n) => [n.namespace, n.change]))
  assert.is(by.get('untracked'), 'offloaded')
  assert.is(by.get('keep'), 'changed')
})

test.run()
