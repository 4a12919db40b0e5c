import { spawnSync } from 'node:child_process'
import * as fs from 'node:fs'
import * as path from 'node:path'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { parse } from 'yaml'
import { REPO, tempTree } from '../helpers/cli.ts'
import { gfmProblems } from '../helpers/gfm.ts'
import { shimEnv } from '../helpers/shim.ts'
import { childrenNamed, parseXml } from '../helpers/xml.ts'
import { tempDir } from '../helpers/temp.ts'

/**
 * The pre-merge recipes of deploy/ci/, run the way their CI runs them: every `run:` step of the
 * GitHub workflow with GitHub's bash (`-eo pipefail`), its `if:` conditions and step env, a
 * fake `gh`; the GitLab job's script lines with `set -eo pipefail`. nsoffload comes from the
 * sources (the install step is the only one skipped).
 */

const CI = path.join(REPO, 'deploy', 'ci')

/** The bundled example as a Git repository (policies, inventory, workloads, optionally rendered/). */
function repo(opts: { rendered?: boolean; breakPolicy?: boolean; staleRender?: boolean } = {}): string {
  const dir = tempTree({ 'inventory.yaml': fs.readFileSync(path.join(REPO, 'inventory.yaml'), 'utf8') })
  for (const d of ['policies', 'apps']) fs.cpSync(path.join(REPO, d), path.join(dir, d), { recursive: true })
  const sh = (cmd: string): void => {
    const r = spawnSync('bash', ['-eo', 'pipefail', '-c', cmd], { cwd: dir, env: shimEnv(), encoding: 'utf8' })
    assert.is(r.status, 0, `${cmd}: ${r.stderr}`)
  }
  if (opts.rendered) sh('nsoffload build -o rendered 2>/dev/null')
  sh('git init -q && git add -A && git -c user.email=ci@example.com -c user.name=ci commit -qm init')
  const policy = path.join(dir, 'policies', 'liqo-demo.yaml')
  if (opts.breakPolicy)
    fs.writeFileSync(policy, fs.readFileSync(policy, 'utf8').replace('podOffloadingStrategy: LocalAndRemote', 'podOffloadingStrategy: Remotee'))
  if (opts.staleRender) fs.writeFileSync(policy, fs.readFileSync(policy, 'utf8').replaceAll('region=south', 'region=center'))
  return dir
}

// ---------------------------------------------------------------- GitHub Actions

interface Step {
  name?: string
  uses?: string
  run?: string
  if?: string
  env?: Record<string, string>
  with?: Record<string, string>
}
interface Workflow {
  env?: Record<string, string>
  jobs: Record<string, { permissions?: Record<string, string>; steps: Step[] }>
}
const workflow = parse(fs.readFileSync(path.join(CI, 'github-workflow.yaml'), 'utf8')) as Workflow
const job = Object.values(workflow.jobs)[0]

const CONTEXT: Record<string, string> = { 'github.token': 'fake-token', 'github.event.pull_request.number': '42', 'github.event_name': 'pull_request' }
const expand = (s: string): string =>
  s.replace(/\$\{\{\s*([\w.]+)\s*\}\}/g, (_m, k: string) => {
    const v = CONTEXT[k]
    if (v === undefined) throw new Error(`unknown expression ${k}`)
    return v
  })

/** The `if:` expressions the workflow uses: always(), event_name, hashFiles(...) != '', joined by &&. */
function condition(expr: string | undefined, failed: boolean, cwd: string): boolean {
  if (expr === undefined) return !failed
  const terms = expr.split('&&').map((t) => t.trim())
  if (!terms.includes('always()') && failed) return false
  return terms.every((t) => {
    if (t === 'always()') return true
    const ev = /^github\.event_name == '([\w-]+)'$/.exec(t)
    if (ev) return CONTEXT['github.event_name'] === ev[1]
    const hf = /^hashFiles\('([^']+)'\) != ''$/.exec(t)
    if (hf?.[1]) {
      const p = path.join(cwd, hf[1].replace(/\/\*\*$/, ''))
      return fs.existsSync(p) && (!fs.statSync(p).isDirectory() || fs.readdirSync(p).length > 0)
    }
    throw new Error(`if: ${t} is not understood by this test`)
  })
}

interface StepResult {
  readonly name: string
  readonly ran: boolean
  readonly status: number
  readonly stdout: string
  readonly stderr: string
}

/** Runs the job in `cwd`; returns each step's outcome, the job summary and what `gh` was asked. */
function runWorkflow(cwd: string): { steps: StepResult[]; summary: string; gh: string[]; comments: string[] } {
  const tmp = tempDir('nsoffload-gha-')
  const summary = path.join(tmp, 'summary.md')
  fs.writeFileSync(summary, '')
  // A fake gh: --edit-last fails while there is no comment yet, as the real one does.
  const bin = path.join(tmp, 'bin')
  fs.mkdirSync(bin)
  fs.writeFileSync(
    path.join(bin, 'gh'),
    `#!/bin/sh\necho "$*" >> "${tmp}/gh.log"\ncase "$*" in *--edit-last*) [ -f "${tmp}/commented" ] || exit 1 ;; esac\nwhile [ $# -gt 0 ]; do if [ "$1" = --body-file ]; then cat "$2" > "${tmp}/comment-$(ls ${tmp} | grep -c comment-)"; touch "${tmp}/commented"; fi; shift; done\n`,
    { mode: 0o755 },
  )
  const base = shimEnv({ GITHUB_STEP_SUMMARY: summary, ...(workflow.env ?? {}) })
  base['PATH'] = `${bin}${path.delimiter}${base['PATH'] ?? ''}`
  const steps: StepResult[] = []
  let failed = false
  for (const s of job?.steps ?? []) {
    const name = s.name ?? s.uses ?? '?'
    if (!condition(s.if, failed, cwd)) {
      steps.push({ name, ran: false, status: 0, stdout: '', stderr: '' })
      continue
    }
    if (s.uses || (s.run ?? '').includes('npm install --global')) {
      steps.push({ name, ran: true, status: 0, stdout: '', stderr: '' })
      continue
    }
    const env = { ...base, ...Object.fromEntries(Object.entries(s.env ?? {}).map(([k, v]) => [k, expand(v)])) }
    const r = spawnSync('bash', ['--noprofile', '--norc', '-eo', 'pipefail', '-c', expand(s.run ?? '')], { cwd, env, encoding: 'utf8' })
    steps.push({ name, ran: true, status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr })
    if (r.status !== 0) failed = true
  }
  const comments = fs
    .readdirSync(tmp)
    .filter((f) => f.startsWith('comment-'))
    .sort()
    .map((f) => fs.readFileSync(path.join(tmp, f), 'utf8'))
  const gh = fs.existsSync(path.join(tmp, 'gh.log')) ? fs.readFileSync(path.join(tmp, 'gh.log'), 'utf8').trim().split('\n') : []
  return { steps, summary: fs.readFileSync(summary, 'utf8'), gh, comments }
}

const step = (steps: StepResult[], name: string): StepResult => {
  const s = steps.find((x) => x.name === name)
  assert.ok(s, `step "${name}"`)
  return s
}

test('github workflow: permissions for code scanning and comments; the steps it needs', () => {
  assert.is(job?.permissions?.['security-events'], 'write')
  assert.is(job?.permissions?.['pull-requests'], 'write')
  const uses = (job?.steps ?? []).map((s) => s.uses).filter(Boolean)
  assert.ok(uses.includes('github/codeql-action/upload-sarif@v3'))
  const upload = (job?.steps ?? []).find((s) => s.uses?.startsWith('github/codeql-action/upload-sarif'))
  assert.is(upload?.with?.['sarif_file'], 'nsoffload.sarif')
})

test('github workflow on a valid repository: every step passes; annotations, SARIF, summary and comment are produced', () => {
  const cwd = repo({ rendered: true })
  const r = runWorkflow(cwd)
  for (const s of r.steps) assert.is(s.status, 0, `${s.name}: ${s.stderr}`)
  assert.ok(
    r.steps.every((s) => s.ran),
    'every step ran',
  )
  // The example's findings (warnings only: the tutorial's app-center cannot be scheduled).
  const json = spawnSync('nsoffload', ['validate', '--format', 'json'], { cwd, env: shimEnv(), encoding: 'utf8' })
  const findings = (JSON.parse(json.stdout) as { diagnostics: { severity: string; code: string }[] }).diagnostics.filter((d) => d.severity !== 'info')
  assert.ok(findings.length > 0 && findings.every((d) => d.severity === 'warning'), 'the example has warnings and no error')
  const annotations = step(r.steps, 'Validate').stdout.trim().split('\n')
  assert.is(annotations.length, findings.length)
  for (const [i, a] of annotations.entries()) assert.match(a, new RegExp(`^::warning file=[^,]+,line=\\d+,col=\\d+,title=nsoffload ${findings[i]?.code}::`))
  const sarif = JSON.parse(fs.readFileSync(path.join(cwd, 'nsoffload.sarif'), 'utf8')) as { version: string; runs: { results: unknown[] }[] }
  assert.is(sarif.version, '2.1.0')
  assert.is(sarif.runs[0]?.results.length, findings.length)
  assert.match(r.summary, /^<!-- nsoffload:plan -->\n### nsoffload plan/)
  assert.equal(gfmProblems(r.summary), [])
  assert.is(r.comments.length, 1, 'one comment created after --edit-last found none')
  assert.is(r.comments[0], fs.readFileSync(path.join(cwd, 'plan.md'), 'utf8'))
  assert.match(r.gh.join('\n'), /^pr comment 42 --body-file plan\.md --edit-last\npr comment 42 --body-file plan\.md$/)
})

test('github workflow on an invalid policy: the job fails at Validate with an ::error annotation; SARIF, summary and comment still say why', () => {
  const cwd = repo({ rendered: true, breakPolicy: true })
  const r = runWorkflow(cwd)
  const v = step(r.steps, 'Validate')
  assert.is(v.status, 1)
  assert.match(v.stdout, /^::error file=policies\/liqo-demo\.yaml,line=11,col=26,title=nsoffload NSO2004::/m)
  assert.is(step(r.steps, 'Validate (SARIF)').status, 0, 'findings (exit 1) do not fail the SARIF step')
  const sarif = JSON.parse(fs.readFileSync(path.join(cwd, 'nsoffload.sarif'), 'utf8')) as { runs: { results: { ruleId: string; level: string }[] }[] }
  assert.ok(sarif.runs[0]?.results.some((x) => x.ruleId === 'NSO2004' && x.level === 'error'))
  assert.ok(step(r.steps, 'Upload SARIF to code scanning').ran)
  assert.is(step(r.steps, 'Plan').status, 1)
  assert.match(r.summary, /No plan: the input is invalid/)
  assert.is(r.comments.length, 1)
  assert.not.ok(step(r.steps, 'Rendered manifests are up to date').ran, 'skipped after a failure')
})

test('github workflow: committed rendered/ that no longer matches the policies fails with an ::error', () => {
  const cwd = repo({ rendered: true, staleRender: true })
  const r = runWorkflow(cwd)
  const s = step(r.steps, 'Rendered manifests are up to date')
  assert.is(s.status, 1, JSON.stringify(r.steps.map((x) => [x.name, x.ran, x.status, x.stderr.slice(0, 300)])))
  assert.match(s.stdout, /rendered\/naples\/|rendered\/florence\//)
  assert.match(s.stdout, /^::error title=nsoffload::rendered\/ is out of date/m)
})

test('github workflow without rendered/ (Argo CD renders itself): the check is skipped', () => {
  const r = runWorkflow(repo())
  assert.not.ok(step(r.steps, 'Rendered manifests are up to date').ran)
  assert.ok(r.steps.filter((s) => s.ran).every((s) => s.status === 0))
})

// ---------------------------------------------------------------- GitLab CI

interface GitlabJob {
  image: string
  before_script: string[]
  script: string[]
  artifacts: { when: string; reports: { junit: string }; paths: string[] }
}
const gitlab = (parse(fs.readFileSync(path.join(CI, 'gitlab-ci.yml'), 'utf8')) as Record<string, GitlabJob>)['nsoffload']

function runGitlab(cwd: string): { status: number; stdout: string; stderr: string } {
  assert.ok(gitlab)
  const lines = [...gitlab.before_script.filter((l) => !l.includes('npm install --global')), ...gitlab.script]
  const r = spawnSync('bash', ['-eo', 'pipefail', '-c', lines.join('\n')], { cwd, env: shimEnv(), encoding: 'utf8' })
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr }
}

test('gitlab job on a valid repository: passes; the JUnit report GitLab reads has only passing tests', () => {
  assert.is(gitlab?.artifacts.when, 'always', 'reports are kept when the job fails')
  const cwd = repo()
  const r = runGitlab(cwd)
  assert.is(r.status, 0, r.stderr)
  const xml = parseXml(fs.readFileSync(path.join(cwd, gitlab?.artifacts.reports.junit ?? ''), 'utf8'))
  assert.is(xml.name, 'testsuites')
  assert.is(xml.attrs['failures'], '0')
  for (const p of gitlab?.artifacts.paths ?? []) assert.ok(fs.existsSync(path.join(cwd, p)), p)
})

test('gitlab job on an invalid policy: fails; the JUnit report has the failure; the log has file:line:col', () => {
  const cwd = repo({ breakPolicy: true })
  const r = runGitlab(cwd)
  assert.is(r.status, 1)
  assert.match(r.stdout, /policies\/liqo-demo\.yaml:11:26: error NSO2004/)
  const xml = parseXml(fs.readFileSync(path.join(cwd, 'nsoffload-junit.xml'), 'utf8'))
  const failures = childrenNamed(xml, 'testsuite')
    .flatMap((s) => childrenNamed(s, 'testcase'))
    .flatMap((c) => childrenNamed(c, 'failure'))
  assert.equal(
    failures.map((f) => f.attrs['type']),
    ['NSO2004'],
  )
})

test.run()
