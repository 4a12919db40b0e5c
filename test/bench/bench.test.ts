import { spawnSync } from 'node:child_process'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { generateFleet } from '../../bench/fleet.ts'
import { REPO, runCli, tempTree } from '../helpers/cli.ts'

/**
 * The benchmarks themselves (bench/): the generated fleet is valid input using every selector
 * form and strategy, and `npm run bench` runs and prints its figures. No timing is asserted:
 * speed is measured by `npm run bench`, never in a test.
 */

const fleet = generateFleet({ policies: 160, clusters: 12 })
const files = Object.fromEntries(fleet.files)
const policies = [...fleet.files]
  .filter(([p]) => p.startsWith('policies/'))
  .map(([, t]) => t)
  .join('\n')

test('the fleet is deterministic and valid, and builds', async () => {
  assert.equal([...generateFleet({ policies: 160, clusters: 12 }).files], [...fleet.files])
  const dir = tempTree(files)
  const v = await runCli(['validate'], dir)
  assert.is(v.code, 0, v.stdout + v.stderr)
  assert.match(v.stderr, /^160 policies valid, inventory valid/m)
  const b = await runCli(['build', '-o', 'out'], dir)
  assert.is(b.code, 0, b.stderr)
  assert.is((b.stderr.match(/^wrote out\//gm) ?? []).length, 13, 'home and 12 remotes')
})

test('the fleet uses every selector form, strategy and input kind', async () => {
  for (const form of [
    '=',
    '==',
    ' in (',
    ' notin (',
    '"gpu, ',
    '"!staging, ',
    'operator: In,',
    'operator: NotIn,',
    'operator: Exists',
    'operator: DoesNotExist',
    'operator: Gt,',
    'operator: Lt,',
    'matchFields:',
    'kind: NamespaceOffloading',
    'kind: OffloadingPolicy',
    'spec: {}',
    'workloads:',
  ]) {
    assert.ok(policies.includes(form), form)
  }
  const plan = await runCli(['plan', '--format', 'json'], tempTree(files))
  assert.is(plan.code, 0, plan.stderr)
  const ns = (
    JSON.parse(plan.stdout) as {
      namespaces: {
        namespaceMappingStrategy: string
        podOffloadingStrategy: string
        status: { offloadingPhase: string }
        clusters: { selected: boolean }[]
        workloads: unknown[]
      }[]
    }
  ).namespaces
  assert.equal([...new Set(ns.map((n) => n.namespaceMappingStrategy))].sort(), ['DefaultName', 'EnforceSameName', 'SelectedName'])
  assert.equal([...new Set(ns.map((n) => n.podOffloadingStrategy))].sort(), ['Local', 'LocalAndRemote', 'Remote'])
  assert.ok(
    ns.some((n) => n.status.offloadingPhase === 'NoClusterSelected'),
    'a policy selects nothing',
  )
  assert.ok(
    ns.some((n) => n.clusters.every((c) => c.selected)),
    'a policy selects every cluster',
  )
  assert.ok(
    ns.some((n) => n.workloads.length > 0),
    'a policy has workloads',
  )
})

test('npm run bench runs and prints its figures', () => {
  const r = spawnSync(
    'npm',
    ['run', '--silent', 'bench', '--', '--policies', '50', '--clusters', '5', '--runs', '1', '--startup-runs', '1', '--entry', 'src'],
    { cwd: REPO, encoding: 'utf8', timeout: 300_000 },
  )
  assert.is(r.status, 0, r.stderr)
  for (const line of [
    /^nsoffload build benchmark: 50 policies × 5 remote clusters$/m,
    /^build -o +\d+\.\d\d s wall \(median of 1, best \d+\.\d\d s\), \d+\.\d\d s CPU, peak memory \d+ MiB$/m,
    /^ +\d+ objects in \d+ files$/m,
    /^floor +\d+\.\d\d s: yaml parses 51 documents .* serialises \d+ /m,
    /^build \/ floor +\d+\.\d\d×$/m,
    /^files alone +\d+\.\d\d s/m,
    /^build \/ I\/O floor \d+\.\d\d×$/m,
    /^parse floor +\d+\.\d\d s: reading the inputs \d+\.\d\d s, parsing them \d+\.\d\d s$/m,
    /^--cluster edge-002 cold \d+\.\d\d s wall, \d+\.\d\d s CPU: \d+\.\d\d× the parse floor; --no-cache \d+\.\d\d s wall, \d+\.\d\d s CPU: \d+\.\d\d×$/m,
    /^--cluster milan +cold /m,
    /^renders +6 × build --cluster, 4 at once, one cache, each in a fresh copy \(Argo CD\): \d+\.\d\d s wall, \d+\.\d\d s CPU: \d+\.\d\d× the time of build -o \(\d+\.\d\d× its CPU\)$/m,
    /^ +all in one checkout: \d+\.\d\d s wall, \d+\.\d\d s CPU: \d+\.\d\d× the time of build -o \(\d+\.\d\d× its CPU\)$/m,
    /^start-up +node -e 0 \d+ ms; --version \d+ ms \(\+-?\d+\); validate of one policy \d+ ms \(\+-?\d+\)/m,
    /^growth +100 policies: \d+\.\d\d s wall, .*× the time \(\d+\.\d\d× the CPU\) for 2× the input$/m,
  ]) {
    assert.match(r.stdout, line)
  }
})

test('npm run bench on the shipped bundle measures the variants of issue 18.6 (the bundle still has the lines they change)', () => {
  const r = spawnSync('npm', ['run', '--silent', 'bench', '--', '--policies', '20', '--clusters', '3', '--runs', '1', '--startup-runs', '1'], {
    cwd: REPO,
    encoding: 'utf8',
    timeout: 300_000,
  })
  assert.is(r.status, 0, r.stderr)
  assert.match(r.stdout, /^no writer thread build -o \d+\.\d\d s wall, \d+\.\d\d s CPU, every file written on the main thread: /m)
  assert.match(r.stdout, /^no help skip +validate of one policy, yargs rendering its help after it: \d+ ms, \d+ ms CPU against \d+ ms CPU shipped/m)
})

test.run()
