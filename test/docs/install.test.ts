import { spawnSync } from 'node:child_process'
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { parse } from 'yaml'
import { REPO, tempTree } from '../helpers/cli.ts'
import { checkoutCopy, cleanShell, offline } from '../helpers/clean-shell.ts'
import { tempDir } from '../helpers/temp.ts'

/**
 * nsoffload installs the ways the README and the CI recipes say, from a clean shell (empty HOME,
 * an npm prefix of its own, nothing of the checkout on PATH), npm preferring its cache:
 *
 * - `npm install --global <checkout>` on a fresh checkout (no node_modules, no dist/): npm links
 *   the folder, installs its dependencies, and `prepare` (scripts/prepare.mjs) installs the
 *   devDependencies npm leaves out in global mode, then builds dist/ with esbuild;
 * - `npm pack` there gives a tarball holding the built CLI and no sources;
 * - the GitHub workflow's install step (`npm pack "$NSOFFLOAD_PACKAGE"`, then `npm install
 *   --global` of the tarball) installs it once the checkout is gone, and it runs.
 *
 * When npm can reach neither the registry nor a cached copy, the test says so and passes.
 */

const version = (JSON.parse(fs.readFileSync(path.join(REPO, 'package.json'), 'utf8')) as { version: string }).version
const cleanup: string[] = []

function npm(args: readonly string[], cwd: string, env: Record<string, string>): { status: number; out: string; stdout: string } {
  const r = spawnSync('npm', args, { cwd, env, encoding: 'utf8', timeout: 180_000 })
  return { status: r.status ?? -1, out: `${r.stdout}${r.stderr}`, stdout: r.stdout }
}

function example(): string {
  const dir = tempTree({ 'inventory.yaml': fs.readFileSync(path.join(REPO, 'inventory.yaml'), 'utf8') })
  for (const d of ['policies', 'apps']) fs.cpSync(path.join(REPO, d), path.join(dir, d), { recursive: true })
  return dir
}

/** `nsoffload plan` on the example, with the nsoffload of this shell's PATH. */
function plans(env: Record<string, string>): void {
  const bin = spawnSync('sh', ['-c', 'command -v nsoffload'], { env, encoding: 'utf8' })
  assert.is(bin.status, 0, 'nsoffload is on PATH')
  assert.ok(bin.stdout.startsWith(env['npm_config_prefix'] ?? '?'), `nsoffload comes from the shell's npm prefix: ${bin.stdout}`)
  const r = spawnSync('nsoffload', ['plan'], { cwd: example(), env, encoding: 'utf8' })
  assert.is(r.status, 0, r.stderr)
  assert.match(r.stdout, /naples +selected/)
  assert.match(r.stdout, /1 namespace: 1 Ready/)
}

let tarball: string | undefined
let skipped = false

test('npm install --global <a fresh checkout>: prepare installs the devDependencies and builds', () => {
  const checkout = checkoutCopy({ nodeModules: false })
  cleanup.push(path.dirname(checkout))
  assert.not.ok(fs.existsSync(path.join(checkout, 'dist')), 'no dist/ before')
  const shell = cleanShell()
  cleanup.push(path.dirname(shell.home))
  const r = npm(['install', '--global', checkout], os.tmpdir(), shell.env)
  if (r.status !== 0 && offline(r.out)) {
    skipped = true
    console.log(`  npm could not reach the registry, nor find the packages in its cache: not tested\n${r.out}`)
    return
  }
  assert.is(r.status, 0, r.out)
  assert.ok(fs.existsSync(path.join(checkout, 'dist', 'cli', 'entry.js')), 'prepare built dist/')
  plans(shell.env)

  // npm pack in that checkout: the built CLI, the schemas, and nothing else of the repository.
  const p = npm(['pack', '--json'], checkout, shell.env)
  assert.is(p.status, 0, p.out)
  const [info] = JSON.parse(p.stdout.slice(p.stdout.indexOf('['))) as { filename: string; files: { path: string }[] }[]
  assert.ok(info)
  const files = info.files.map((f) => f.path).sort()
  for (const f of [
    'package.json',
    'README.md',
    'bin/nsoffload.js',
    'dist/cli/entry.js',
    'schemas/offloadingpolicy.schema.json',
    'schemas/clusterinventory.schema.json',
  ]) {
    assert.ok(files.includes(f), `the tarball has ${f}`)
  }
  const stray = files.filter((f) => !/^(package\.json|README\.md|LICENSE|bin\/|dist\/|schemas\/)/.test(f))
  assert.equal(stray, [], 'nothing but the CLI, its schemas and the README')
  tarball = path.join(tempDir('nsoffload-tgz-'), info.filename)
  cleanup.push(path.dirname(tarball))
  fs.copyFileSync(path.join(checkout, info.filename), tarball)
})

interface Step {
  name?: string
  run?: string
}

test("the CI recipes' install step installs the tarball (npm pack, then npm install --global), which runs without the checkout", () => {
  const workflow = parse(fs.readFileSync(path.join(REPO, 'deploy', 'ci', 'github-workflow.yaml'), 'utf8')) as {
    env: Record<string, string>
    jobs: Record<string, { steps: Step[] }>
  }
  const steps = Object.values(workflow.jobs)[0]?.steps ?? []
  const install = steps.find((s) => (s.run ?? '').includes('npm install --global'))?.run
  assert.ok(install, 'the workflow has an install step')
  assert.not.match(workflow.env['NSOFFLOAD_PACKAGE'] ?? '', /^nsoffload@/, 'not from the npm registry, where nsoffload is not')
  const gitlab = parse(fs.readFileSync(path.join(REPO, 'deploy', 'ci', 'gitlab-ci.yml'), 'utf8')) as Record<
    string,
    { variables: Record<string, string>; before_script: string[] }
  >
  const job = gitlab['nsoffload']
  assert.ok(job)
  assert.is(job.variables['NSOFFLOAD_PACKAGE'], workflow.env['NSOFFLOAD_PACKAGE'])
  const packAndInstall = /npm install --global "\.\/\$\(npm pack "\$NSOFFLOAD_PACKAGE" \| tail -n 1\)"/
  assert.match(install, packAndInstall)
  assert.ok(
    job.before_script.some((l) => packAndInstall.test(l)),
    'GitLab installs the same way',
  )
  if (skipped || !tarball) return
  for (const d of cleanup.splice(0, 2)) fs.rmSync(d, { recursive: true, force: true }) // the checkout and its shell
  const shell = cleanShell()
  cleanup.push(path.dirname(shell.home))
  const runnerTemp = tempDir('nsoffload-runner-')
  cleanup.push(runnerTemp)
  const env = { ...shell.env, NSOFFLOAD_PACKAGE: tarball, RUNNER_TEMP: runnerTemp }
  const r = spawnSync('bash', ['--noprofile', '--norc', '-eo', 'pipefail', '-c', install], { cwd: example(), env, encoding: 'utf8', timeout: 180_000 })
  if (r.status !== 0 && offline(`${r.stdout}${r.stderr}`)) return
  assert.is(r.status, 0, `${install}\n${r.stdout}${r.stderr}`)
  const v = spawnSync('nsoffload', ['--version'], { env: shell.env, encoding: 'utf8' })
  assert.match(v.stdout, version)
  plans(shell.env)
  for (const d of cleanup) fs.rmSync(d, { recursive: true, force: true })
})

test.run()
