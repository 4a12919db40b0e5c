import * as fs from 'node:fs'
import * as path from 'node:path'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { listTree, runCli, runIn, runMemory } from '../helpers/cli.ts'
import { inventoryYaml, region } from '../helpers/inventory.ts'

/**
 * Which files are policies (folders read recursively, hidden entries, `.nsoffloadignore`,
 * kustomize files, link loops), and findings that must never be hidden: an error in one file
 * does not hide the warnings of the others, in any format; a selector that selects nothing is
 * a warning; the wrong working folder is named.
 */

const INVENTORY = inventoryYaml({
  remotes: [
    { clusterID: 'florence', labels: region('center') },
    { clusterID: 'naples', labels: region('south') },
  ],
})

const policy = (name: string, selector = 'topology.liqo.io/region=south'): string =>
  `apiVersion: nsoffload.dev/v1alpha1\nkind: OffloadingPolicy\nmetadata:\n  name: ${name}\nspec:\n  clusterSelector:\n    - ${selector}\n`

interface PlanJson {
  readonly namespaces: { namespace: string; file?: string }[]
  readonly diagnostics: { code: string; severity: string; file?: string; line?: number; column?: number; message: string; hint?: string }[]
}
interface ValidateJson {
  readonly valid: boolean
  readonly policies: { namespace: string; file: string }[]
  readonly diagnostics: PlanJson['diagnostics']
}

test('policies in subfolders are read, in sorted order, and planned and built like the others', async () => {
  const files = {
    'inventory.yaml': INVENTORY,
    'policies/top.yaml': policy('top'),
    'policies/team-b/b.yaml': policy('bee'),
    'policies/team-a/deep/er/a.yaml': policy('ay'),
  }
  const v = await runIn(files, ['validate', '--format', 'json'])
  assert.is(v.code, 0, v.stderr)
  assert.equal((JSON.parse(v.stdout) as ValidateJson).policies, [
    { namespace: 'ay', file: 'policies/team-a/deep/er/a.yaml' },
    { namespace: 'bee', file: 'policies/team-b/b.yaml' },
    { namespace: 'top', file: 'policies/top.yaml' },
  ])
  const b = await runCli(['build', '-o', 'out'], v.cwd)
  assert.is(b.code, 0, b.stderr)
  const out = listTree(path.join(v.cwd, 'out'))
  for (const ns of ['ay', 'bee', 'top']) assert.ok(out.includes(`venice/${ns}/namespace.yaml`) && out.includes(`naples/${ns}-venice/namespace.yaml`), ns)
  // The same policies given as files, in another order: the same plan.
  const p1 = await runCli(['plan', '--format', 'json'], v.cwd)
  const p2 = await runCli(['plan', '--format', 'json', '-p', 'policies/top.yaml', '-p', 'policies/team-b', '-p', 'policies/team-a'], v.cwd)
  assert.is(p1.code, 0, p1.stderr)
  assert.is(p1.stdout, p2.stdout)
})

test('hidden files and folders are skipped; a link loop ends and a folder reached twice is read once', async () => {
  const files = {
    'inventory.yaml': INVENTORY,
    'policies/a.yaml': policy('a'),
    'policies/.hidden/x.yaml': 'not: [a policy\n',
    'policies/.draft.yaml': 'not: [a policy\n',
    'policies/shared/s.yaml': policy('s'),
  }
  const r = await runIn(files, ['validate', '--format', 'json'])
  fs.symlinkSync('..', path.join(r.cwd, 'policies', 'shared', 'loop'))
  fs.symlinkSync('shared', path.join(r.cwd, 'policies', 'zz-link'))
  fs.symlinkSync('nowhere', path.join(r.cwd, 'policies', 'dangling.yaml'))
  const v = await runCli(['validate', '--format', 'json'], r.cwd)
  assert.is(v.code, 0, v.stdout)
  const j = JSON.parse(v.stdout) as ValidateJson
  assert.equal(j.policies, [
    { namespace: 'a', file: 'policies/a.yaml' },
    { namespace: 's', file: 'policies/shared/s.yaml' },
  ])
})

test('kustomize files among the policies are skipped with an info naming them; other YAML is an error whose hint names .nsoffloadignore', async () => {
  const files = {
    'inventory.yaml': INVENTORY,
    'policies/a.yaml': policy('a'),
    'policies/kustomization.yaml': 'resources: [a.yaml]\n',
    'policies/sub/kustomization.yml': 'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\n',
    'policies/sub/component.yaml': 'apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\n---\n' + policy('b'),
    'policies/sub/values.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n',
  }
  const r = await runMemory(files, ['validate', '--format', 'json'])
  assert.is(r.code, 1)
  const j = JSON.parse(r.stdout) as ValidateJson
  assert.equal(
    j.policies.map((p) => p.namespace),
    ['a', 'b'],
  )
  const d = j.diagnostics.map((x) => [x.code, x.severity, x.file, x.line, x.column])
  assert.equal(d, [
    ['NSO1012', 'info', 'policies/kustomization.yaml', 1, 1],
    ['NSO1012', 'info', 'policies/sub/component.yaml', 2, 7],
    ['NSO1012', 'info', 'policies/sub/kustomization.yml', 1, 1],
    ['NSO1007', 'error', 'policies/sub/values.yaml', 2, 7],
  ])
  assert.match(j.diagnostics[3]?.hint ?? '', /if policies\/sub\/values\.yaml is not a policy, list it in a \.nsoffloadignore file of its folder/)
  // Listed in .nsoffloadignore: gone, and the project is valid.
  const ok = await runMemory(new Map<string, string | Uint8Array>([...r.files, ['policies/.nsoffloadignore', '# not policies\nsub/values.yaml\n']]), [
    'validate',
  ])
  assert.is(ok.code, 0, ok.stdout)
  assert.is(ok.stdout, '', 'infos are not printed in text')
})

test('.nsoffloadignore: names at any depth, anchored paths, folders, ** and globs; ! re-includes', async () => {
  const files = {
    'inventory.yaml': INVENTORY,
    'policies/.nsoffloadignore': 'values.yaml\n/top-*.yaml\ncharts/\nnested/**/gen-?.yaml\nkeep*.yaml\n!keep.yaml\n',
    'policies/keep.yaml': policy('keep'),
    'policies/keep-old.yaml': 'junk: [\n',
    'policies/top-x.yaml': 'junk: [\n',
    'policies/a/top-x.yaml': policy('top-kept'),
    'policies/a/values.yaml': 'junk: [\n',
    'policies/a/charts/c.yaml': 'junk: [\n',
    'policies/nested/x/y/gen-1.yaml': 'junk: [\n',
    'policies/nested/gen-2.yaml': 'junk: [\n',
    'policies/nested/x/gen-10.yaml': policy('gen-ten'),
    'policies/b/.nsoffloadignore': 'own.yaml\n',
    'policies/b/own.yaml': 'junk: [\n',
  }
  const r = await runMemory(files, ['validate', '--format', 'json'])
  assert.is(r.code, 0, r.stdout)
  const j = JSON.parse(r.stdout) as ValidateJson
  assert.equal(
    j.policies.map((p) => p.file),
    ['policies/nested/x/gen-10.yaml', 'policies/keep.yaml', 'policies/a/top-x.yaml'],
  )
  assert.equal(j.diagnostics, [])
  // A file named on the command line is read whatever the ignore file says.
  const named = await runMemory(r.files, ['validate', 'policies/top-x.yaml', '--no-inventory'])
  assert.is(named.code, 1)
  assert.match(named.stdout, /policies\/top-x\.yaml:2:1: error NSO1001/)
})

test('an error in one file does not hide the warnings of the others, in every format', async () => {
  const files = {
    'inventory.yaml': INVENTORY,
    'policies/a-broken.yaml': policy('broken').replace('spec:', 'spec:\n  podOffloadingStrategy: Remot'),
    'policies/b-nowhere.yaml': policy('nowhere', 'topology.liqo.io/region=east'),
  }
  const t = await runMemory(files, ['validate'])
  assert.is(t.code, 1)
  assert.match(t.stdout, /policies\/a-broken\.yaml:6:26: error NSO2004/)
  assert.match(t.stdout, /policies\/b-nowhere\.yaml:7:5: warning NSO4005: namespace "nowhere" selects no remote cluster/)
  const j = JSON.parse((await runMemory(files, ['validate', '--format', 'json'])).stdout) as ValidateJson
  assert.equal(
    j.diagnostics.map((d) => [d.code, d.file]),
    [
      ['NSO2004', 'policies/a-broken.yaml'],
      ['NSO4005', 'policies/b-nowhere.yaml'],
    ],
  )
  const junit = (await runMemory(files, ['validate', '--format', 'junit'])).stdout
  assert.match(junit, /<testsuite name="policies\/b-nowhere\.yaml" tests="1" failures="0"[^>]*>\n    <testcase name="NSO4005 \/spec\/clusterSelector at 7:5"/)
  assert.not.match(junit, /<testcase name="valid" classname="policies\/b-nowhere\.yaml"/)
  const sarif = JSON.parse((await runMemory(files, ['validate', '--format', 'sarif'])).stdout) as { runs: { results: { ruleId: string; level: string }[] }[] }
  assert.equal(
    sarif.runs[0]?.results.map((x) => [x.ruleId, x.level]),
    [
      ['NSO2004', 'error'],
      ['NSO4005', 'warning'],
    ],
  )
  const gh = (await runMemory(files, ['validate', '--format', 'github'])).stdout
  assert.match(gh, /^::warning file=policies\/b-nowhere\.yaml,line=7,col=5,title=nsoffload NSO4005::/m)
  // plan and build report it too, and write nothing.
  const b = await runMemory(files, ['build', '-o', 'out'])
  assert.is(b.code, 1)
  assert.match(b.stderr, /warning NSO4005/)
  assert.equal(b.tree, Object.keys(files).sort(), 'no out folder')
})

test('a bad workload path of one policy does not hide the workload findings of another', async () => {
  const deploy =
    'apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec:\n  selector: {matchLabels: {app: web}}\n  template:\n    metadata: {labels: {app: web}}\n    spec: {containers: [{name: c, image: i}]}\n'
  const files = {
    'inventory.yaml': INVENTORY,
    'policies/a.yaml': policy('a') + '  workloads: [../missing/]\n',
    'policies/b.yaml': policy('b', 'topology.liqo.io/region=east').replace('spec:', 'spec:\n  podOffloadingStrategy: Remote') + '  workloads: [../apps/b/]\n',
    'apps/b/d.yaml': deploy,
  }
  const r = await runMemory(files, ['validate', '--format', 'json'])
  assert.is(r.code, 1)
  const j = JSON.parse(r.stdout) as ValidateJson
  assert.equal(
    j.diagnostics.map((d) => d.code),
    ['NSO4006', 'NSO3018', 'NSO4005'],
  )
  const w = j.diagnostics[0]
  assert.is(w?.file, 'apps/b/d.yaml')
  assert.match(
    w?.hint ?? '',
    /the policy is the cause: the clusterSelector of "b" selects no remote cluster \(NSO4005\) and the Remote strategy leaves its pods no other node: fix the policy's spec\.clusterSelector/,
  )
  assert.not.match(w?.hint ?? '', /its own required node affinity/)
})

test('a selector that selects no cluster is a warning by default, with or without workloads', async () => {
  const r = await runMemory({ 'inventory.yaml': INVENTORY, 'policies/p.yaml': policy('p', 'topology.liqo.io/region=east') }, ['plan'])
  assert.is(r.code, 0)
  assert.match(r.stderr, /^policies\/p\.yaml:7:5: warning NSO4005: namespace "p" selects no remote cluster: phase NoClusterSelected$/m)
  assert.match(r.stderr, /hint: no remote of the inventory has labels the clusterSelector matches/)
  const strict = await runMemory(r.files, ['validate', '--strict'])
  assert.is(strict.code, 1)
})

test('run from the wrong folder: the messages name the working folder and -p', async () => {
  const r = await runMemory({ 'inventory.yaml': INVENTORY, 'elsewhere/p.yaml': policy('p') }, ['validate'])
  assert.is(r.code, 2)
  assert.is(
    r.stderr,
    `nsoffload: policies: no such file or directory (working folder ${r.cwd}): run nsoffload from the folder that holds the policies, or give their path with -p\n`,
  )
  const empty = await runMemory(new Map<string, string | Uint8Array>([...r.files, ['policies/README.md', 'not yaml\n']]), ['validate'])
  assert.is(empty.code, 1, 'no policy is an error unless --allow-empty (test/cli/allow-empty.test.ts)')
  assert.match(
    empty.stdout,
    new RegExp(
      `^nsoffload: error NSO1008: no policy found in policies \\(working folder ${r.cwd.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\)\n  hint: .*run nsoffload from the repository root, or give their folder with -p DIR; if no policy is meant, give --allow-empty`,
    ),
  )
})

test.run()
