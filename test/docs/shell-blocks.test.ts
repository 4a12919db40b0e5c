import { spawnSync } from 'node:child_process'
import * as fs from 'node:fs'
import * as path from 'node:path'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { REPO, tempTree } from '../helpers/cli.ts'
import { checkoutCopy, cleanShell } from '../helpers/clean-shell.ts'
import { shimEnv } from '../helpers/shim.ts'
import { tempDir } from '../helpers/temp.ts'

/**
 * Every ```sh, ```bash and ```console block of README.md and docs/*.md runs, as written:
 *
 * - blocks of one page run in order in one folder (a `cd` carries over to the next block):
 *   the quickstart's in an empty folder, the others' in a copy of the bundled example
 *   (policies/, apps/, inventory.yaml), with `nsoffload` on PATH built from the sources;
 * - a block after `<!-- test: in a copy of the checkout … -->` runs in a copy of the checkout as
 *   `npm ci` leaves it, from a clean shell (empty HOME, an npm prefix of its own, no nsoffload
 *   and no node_modules/.bin on PATH): the README's ways of running nsoffload;
 * - a block after `<!-- no-test: REASON -->` does not run; NO_TEST below lists them all, so a
 *   new one is a visible change to this file;
 * - `sh`/`bash` blocks run with `bash -eo pipefail` and must exit 0; in `console` blocks each
 *   `$ ` line runs on its own and must exit 0, or N when it says `# exit N`; where the block
 *   shows output, its first and last lines must appear in what the command printed (spaces
 *   collapsed): key lines, not every byte, since the output's details change with the code.
 *
 * Commands of a tool that is not installed (kubectl, kpt) are skipped, and said so.
 */

const PAGES = [
  'README.md',
  ...fs
    .readdirSync(path.join(REPO, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .sort()
    .map((f) => `docs/${f}`),
]

/** The blocks that do not run, per page, with their reasons. */
const NO_TEST: Readonly<Record<string, readonly string[]>> = {
  'README.md': ['CI runs these itself', "needs the repository's URL and the network"],
  'docs/gitops.md': ['needs a cluster', 'needs a cluster'],
  'docs/krm-function.md': ['needs the standalone kustomize and an overlay of your own'],
  'docs/performance.md': ['takes minutes (a benchmark)'],
  'docs/quickstart.md': ["needs the repository's URL and the network (the README's install blocks are tested)", 'needs a cluster'],
}

interface Block {
  readonly page: string
  readonly line: number
  readonly lang: string
  readonly body: string
  /** The `<!-- no-test: … -->` or `<!-- test: … -->` comment right above the fence. */
  readonly marker?: { readonly kind: 'test' | 'no-test'; readonly text: string }
}

function blocks(page: string): Block[] {
  const lines = fs.readFileSync(path.join(REPO, page), 'utf8').split('\n')
  const out: Block[] = []
  for (let i = 0; i < lines.length; i++) {
    const open = /^```(\w*)\s*$/.exec(lines[i] ?? '')
    if (!open) continue
    let end = i + 1
    while (end < lines.length && lines[end] !== '```') end++
    const lang = open[1] ?? ''
    if (['sh', 'bash', 'console'].includes(lang)) {
      let j = i - 1
      while (j >= 0 && (lines[j] ?? '').trim() === '') j--
      const m = /^<!-- (no-test|test): (.+?) -->$/.exec((lines[j] ?? '').trim())
      const marker = m ? { kind: m[1] as 'test' | 'no-test', text: m[2] ?? '' } : undefined
      out.push({ page, line: i + 1, lang, body: lines.slice(i + 1, end).join('\n') + '\n', ...(marker ? { marker } : {}) })
    }
    i = end
  }
  return out
}

const all = PAGES.flatMap(blocks)
const has = (tool: string): boolean => spawnSync('sh', ['-c', `command -v ${tool}`]).status === 0
const TOOLS = ['kubectl', 'kpt'].filter((t) => !has(t))
const skipped: string[] = []
const needsMissingTool = (cmd: string): string | undefined => TOOLS.find((t) => new RegExp(`(^|[\\s;&|(])${t}\\s`).test(cmd))
const squash = (s: string): string => s.replace(/\s+/g, ' ').trim()

/** One step of a console block: a command, its expected exit code, the output lines shown. */
interface Step {
  readonly command: string
  readonly exit: number
  readonly shown: readonly string[]
}

function consoleSteps(body: string): Step[] {
  const steps: { command: string; shown: string[] }[] = []
  let continued = false
  for (const l of body.split('\n')) {
    const last = steps[steps.length - 1]
    if (continued && last) {
      last.command += '\n' + l
      continued = l.endsWith('\\')
    } else if (l.startsWith('$ ')) {
      steps.push({ command: l.slice(2), shown: [] })
      continued = l.endsWith('\\')
    } else if (last && l.trim() !== '') last.shown.push(l)
  }
  return steps.map((s) => ({ ...s, exit: Number(/#.*\bexit (\d+)\b/.exec(s.command)?.[1] ?? 0) }))
}

/** Runs `script` in `state.cwd` with bash; the folder it ends in becomes the next cwd. */
function run(script: string, state: { cwd: string }, env: Record<string, string>): { status: number; out: string; stdout: string } {
  const marker = path.join(tempDir('nsoffload-cwd-'), 'cwd')
  const r = spawnSync('bash', ['--noprofile', '--norc', '-eo', 'pipefail', '-c', `trap 'pwd > "${marker}"' EXIT\n${script}`], {
    cwd: state.cwd,
    env,
    encoding: 'utf8',
    timeout: 120_000,
  })
  if (fs.existsSync(marker)) state.cwd = fs.readFileSync(marker, 'utf8').trim()
  return { status: r.status ?? -1, out: `${r.stdout}${r.stderr}`, stdout: r.stdout }
}

const where = (b: Block): string => `${b.page}:${b.line}`

function runBlock(b: Block, state: { cwd: string }, env: Record<string, string>): void {
  if (b.lang !== 'console') {
    const tool = needsMissingTool(b.body)
    if (tool) {
      skipped.push(`${where(b)} (${tool} is not installed)`)
      return
    }
    const r = run(b.body, state, env)
    assert.is(r.status, 0, `${where(b)} exited ${r.status}:\n${b.body}\n${r.out}`)
    return
  }
  for (const s of consoleSteps(b.body)) {
    const tool = needsMissingTool(s.command)
    if (tool) {
      skipped.push(`${where(b)}: $ ${s.command} (${tool} is not installed)`)
      continue
    }
    const r = run(s.command, state, env)
    assert.is(r.status, s.exit, `${where(b)}: $ ${s.command} exited ${r.status}, expected ${s.exit}:\n${r.out}`)
    const key = [...new Set([s.shown[0], s.shown[s.shown.length - 1]])].filter((l): l is string => l !== undefined)
    for (const k of key) {
      const want = squash(k.split('…')[0] ?? '')
      assert.ok(squash(r.out).includes(want), `${where(b)}: $ ${s.command} should print a line like\n  ${k}\nbut printed:\n${r.out}`)
    }
  }
}

test('every skipped block is marked with its reason, and the list of them is NO_TEST', () => {
  const marked: Record<string, string[]> = {}
  for (const b of all) if (b.marker?.kind === 'no-test') (marked[b.page] ??= []).push(b.marker.text)
  assert.equal(marked, NO_TEST)
  // The quickstart says how many of its blocks do not run.
  const n = NO_TEST['docs/quickstart.md']?.length ?? 0
  assert.match(fs.readFileSync(path.join(REPO, 'docs', 'quickstart.md'), 'utf8'), `except ${['none', 'one', 'two', 'three', 'four'][n]}:`)
  assert.ok(all.filter((b) => b.marker?.kind !== 'no-test').length >= 12, `${all.length} blocks`)
})

test('the README runs nsoffload as it says after npm ci: npx, npm link, npm install --global, npm pack', () => {
  const mine = all.filter((b) => b.marker?.kind === 'test' && /copy of the checkout/.test(b.marker.text))
  assert.is(mine.length, 4, mine.map(where).join(', '))
  const copy = checkoutCopy()
  const shells: string[] = []
  const version = (JSON.parse(fs.readFileSync(path.join(REPO, 'package.json'), 'utf8')) as { version: string }).version
  for (const b of mine) {
    assert.is(b.page, 'README.md')
    const shell = cleanShell()
    shells.push(path.dirname(shell.home))
    assert.is.not(spawnSync('sh', ['-c', 'command -v nsoffload'], { env: shell.env }).status, 0, 'no nsoffload on the clean PATH')
    const state = { cwd: copy }
    const r = run(b.body, state, shell.env)
    assert.is(r.status, 0, `${where(b)} exited ${r.status}:\n${b.body}\n${r.out}`)
    assert.match(r.stdout, version, `${where(b)} printed the version`)
    if (!b.body.includes('npx')) {
      const bin = path.join(shell.prefix, 'bin', 'nsoffload')
      assert.ok(fs.existsSync(bin), `${where(b)} put nsoffload in the prefix's bin/`)
    }
    if (b.body.includes('npm link')) {
      // It runs from anywhere, e.g. on the example, in a folder outside the checkout.
      const cwd = exampleCopy()
      const plan = spawnSync('nsoffload', ['plan'], { cwd, env: shell.env, encoding: 'utf8' })
      assert.is(plan.status, 0, plan.stderr)
      assert.match(plan.stdout, /1 namespace: 1 Ready/)
    }
  }
  for (const d of [path.dirname(copy), ...shells]) fs.rmSync(d, { recursive: true, force: true })
})

function exampleCopy(): string {
  const dir = tempTree({ 'inventory.yaml': fs.readFileSync(path.join(REPO, 'inventory.yaml'), 'utf8') })
  for (const d of ['policies', 'apps']) fs.cpSync(path.join(REPO, d), path.join(dir, d), { recursive: true })
  return dir
}

const env = shimEnv()
for (const page of PAGES) {
  const mine = all.filter((b) => b.page === page && !b.marker)
  if (mine.length === 0) continue
  test(`${page}: its shell blocks run, in order, ${page === 'docs/quickstart.md' ? 'in an empty folder' : 'in a copy of the example'}`, () => {
    const state = { cwd: page === 'docs/quickstart.md' ? tempTree() : exampleCopy() }
    const start = state.cwd
    for (const b of mine) runBlock(b, state, env)
    if (page === 'docs/quickstart.md') {
      const dir = path.join(start, 'my-offloading')
      assert.ok(fs.existsSync(path.join(dir, 'out', 'venice', 'kustomization.yaml')), 'the quickstart built out/ in its own folder')
      assert.match(fs.readFileSync(path.join(dir, 'nsoffload.bash'), 'utf8'), /complete .* nsoffload/)
    }
    if (page === 'docs/krm-function.md') {
      const patched = fs.readFileSync(path.join(state.cwd, 'patched.yaml'), 'utf8')
      assert.match(patched, /key: virtual-node\.liqo\.io\/not-allowed/)
      assert.match(patched, /topology\.liqo\.io\/region/)
    }
  })
}

test('the kpt recipe gives the same result when run twice, and leaves the sources alone', () => {
  if (!has('kpt')) {
    skipped.push('kpt recipe twice (kpt is not installed)')
    return
  }
  const b = all.find((x) => x.page === 'docs/krm-function.md' && x.body.includes('kpt fn eval'))
  const wrapper = all.find((x) => x.page === 'docs/krm-function.md' && x.body.includes('cat > nsoffload-fn'))
  assert.ok(b && wrapper)
  const state = { cwd: exampleCopy() }
  // The function patches items of a namespace with a policy: the example's Deployments get theirs.
  const source = path.join(state.cwd, 'apps', 'liqo-demo', 'deploy.yaml')
  fs.writeFileSync(source, fs.readFileSync(source, 'utf8').replace(/^metadata:\n/gm, 'metadata:\n  namespace: liqo-demo\n'))
  const before = fs.readFileSync(source, 'utf8')
  runBlock(wrapper, state, env)
  runBlock(b, state, env)
  const once = fs.readFileSync(path.join(state.cwd, 'apps-patched', 'liqo-demo', 'deploy.yaml'), 'utf8')
  runBlock(b, state, env)
  const twice = fs.readFileSync(path.join(state.cwd, 'apps-patched', 'liqo-demo', 'deploy.yaml'), 'utf8')
  assert.is(twice, once)
  assert.is((once.match(/virtual-node\.liqo\.io\/not-allowed/g) ?? []).length, 2, 'one toleration per Deployment')
  assert.is(fs.readFileSync(source, 'utf8'), before)
})

test('(blocks skipped for a missing tool)', () => {
  if (skipped.length > 0) console.log(`  skipped: ${skipped.join('; ')}`)
})

test.run()
