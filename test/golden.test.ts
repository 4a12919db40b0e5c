import { spawnSync } from 'node:child_process'
import * as fs from 'node:fs'
import * as path from 'node:path'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { listTree, REPO, runCli } from './helpers/cli.ts'
import { checkGolden } from './helpers/golden.ts'
import { kubectlPath } from './helpers/tools.ts'
import { tempDir } from './helpers/temp.ts'

/**
 * Golden cases under fixtures/golden/<case>/: inputs (policies/, inventory.yaml, or a
 * case.json naming another folder to run in) and expected/ outputs: plan.txt, plan.json,
 * plan.stderr.txt, and build/<cluster>/… (the whole `build -o` tree). Regenerate with
 * `UPDATE_GOLDEN=1 npm test`, then review the diff of expected/ before committing.
 */
const ROOT = path.join(REPO, 'fixtures', 'golden')
const cases = fs
  .readdirSync(ROOT)
  .filter((d) => fs.statSync(path.join(ROOT, d)).isDirectory())
  .sort()

function caseCwd(dir: string): string {
  const cfg = path.join(dir, 'case.json')
  if (!fs.existsSync(cfg)) return dir
  const c = JSON.parse(fs.readFileSync(cfg, 'utf8')) as { cwd?: string }
  return path.resolve(dir, c.cwd ?? '.')
}

/** kubectl of the release under test (test/helpers/tools.ts), the machine's if none is built. */
const kubectl = kubectlPath()
const hasKubectl = kubectl !== undefined

for (const name of cases) {
  const dir = path.join(ROOT, name)
  const cwd = caseCwd(dir)
  const expected = path.join(dir, 'expected')

  test(`${name}: plan`, async () => {
    const r = await runCli(['plan'], cwd)
    assert.is(r.code, 0, r.stderr)
    const problems = [checkGolden(path.join(expected, 'plan.txt'), r.stdout), checkGolden(path.join(expected, 'plan.stderr.txt'), r.stderr)].filter(Boolean)
    assert.ok(problems.length === 0, problems.join('\n'))
  })

  test(`${name}: plan --format json`, async () => {
    const r = await runCli(['plan', '--format', 'json'], cwd)
    assert.is(r.code, 0, r.stderr)
    JSON.parse(r.stdout)
    const problem = checkGolden(path.join(expected, 'plan.json'), r.stdout)
    assert.ok(problem === undefined, problem)
  })

  test(`${name}: build -o, and kubectl kustomize of each folder equals build --cluster`, async () => {
    const out = tempDir('nsoffload-golden-')
    const r = await runCli(['build', '-o', out], cwd)
    assert.is(r.code, 0, r.stderr)
    const files = listTree(out)
    const golden = path.join(expected, 'build')
    if (process.env['UPDATE_GOLDEN']) fs.rmSync(golden, { recursive: true, force: true })
    const problems: string[] = []
    for (const f of files) {
      const p = checkGolden(path.join(golden, f), fs.readFileSync(path.join(out, f), 'utf8'))
      if (p) problems.push(`${f}:\n${p}`)
    }
    assert.equal(files, listTree(golden), 'the same files as expected/build')
    assert.ok(problems.length === 0, problems.join('\n'))
    for (const cluster of fs.readdirSync(out)) {
      const one = await runCli(['build', '--cluster', cluster], cwd)
      assert.is(one.code, 0, one.stderr)
      if (kubectl === undefined) continue
      const k = spawnSync(kubectl, ['kustomize', path.join(out, cluster)], { encoding: 'utf8' })
      assert.is(k.status, 0, k.stderr)
      assert.is(one.stdout, k.stdout, `${kubectl} kustomize ${cluster} differs from build --cluster ${cluster}`)
    }
    fs.rmSync(out, { recursive: true, force: true })
  })
}

test('kubectl (with kustomize) is on this machine', () => {
  if (!hasKubectl && process.env['CI']) assert.unreachable('kubectl is missing: the kustomize equivalence was not checked')
})

test.run()
