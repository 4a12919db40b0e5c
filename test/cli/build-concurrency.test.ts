import { type ChildProcess, spawn, spawnSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { generateFleet, writeFleet } from '../../bench/fleet.ts'
import { listTree, tempTree } from '../helpers/cli.ts'
import { nsoffloadShim } from '../helpers/shim.ts'

/**
 * `build -o` against other builds and signals, as real processes: two builds into one folder
 * (issue 21 point 1), a build that finds the folder locked, and SIGINT/SIGTERM while a fleet's
 * files are being written (point 2). Deadlines are far beyond what a run needs; nothing here
 * depends on how fast the machine is: where a signal may land either before or after the swap,
 * both outcomes are accepted, and each must be whole.
 */

const DEADLINE_MS = 300_000

let shim: string | undefined
const bin = (): string => (shim ??= path.join(nsoffloadShim(), 'nsoffload'))

interface Run {
  readonly child: ChildProcess
  stderr: string
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>
}

function start(args: readonly string[], cwd: string): Run {
  const child = spawn(bin(), args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] })
  const run: Run = {
    child,
    stderr: '',
    exited: new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal }))),
  }
  child.stderr?.setEncoding('utf8').on('data', (d: string) => (run.stderr += d))
  return run
}

/** Every file of a folder with a digest of its content (hidden scratch entries included). */
const snapshot = (dir: string): Record<string, string> =>
  Object.fromEntries(
    listTree(dir).map((f) => [
      f,
      createHash('sha256')
        .update(fs.readFileSync(path.join(dir, f)))
        .digest('hex'),
    ]),
  )

/** Polls `ok` until it holds or the deadline passes (then fails with `what`). */
async function until(ok: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + DEADLINE_MS
  while (!ok()) {
    if (Date.now() > deadline) assert.unreachable(`not within ${DEADLINE_MS / 1000} s: ${what}`)
    await new Promise((r) => setTimeout(r, 10))
  }
}

/** A fleet project of `policies` policies, and what a build of it alone writes. */
function project(policies: number): { dir: string; reference: Record<string, string> } {
  const dir = tempTree()
  writeFleet(generateFleet({ policies, clusters: 10 }), dir)
  const r = spawnSync(bin(), ['build', '-o', 'reference'], { cwd: dir, encoding: 'utf8', timeout: DEADLINE_MS })
  assert.is(r.status, 0, r.stderr)
  return { dir, reference: snapshot(path.join(dir, 'reference')) }
}

const scratch = (out: string): string[] => (fs.existsSync(out) ? fs.readdirSync(out).filter((n) => n.startsWith('.')) : [])

test('two builds into one folder: both succeed, one after the other, and the folder holds one whole build', async () => {
  const a = project(300)
  const b = project(200)
  assert.not.equal(a.reference, b.reference)
  const out = path.join(tempTree(), 'out')
  for (let round = 0; round < 3; round++) {
    const runs = [start(['build', '-o', out], a.dir), start(['build', '-o', out], b.dir)]
    const ends = await Promise.all(runs.map((r) => r.exited))
    ends.forEach((e, i) => assert.equal(e, { code: 0, signal: null }, runs[i]?.stderr))
    const now = snapshot(out)
    assert.ok(JSON.stringify(now) === JSON.stringify(a.reference) || JSON.stringify(now) === JSON.stringify(b.reference), `round ${round}: a mix of two builds`)
    assert.equal(scratch(out), [], 'no lock and no temporary folder left')
  }
})

test('a build waits while another holds the lock, writing nothing; a lock whose process is gone is taken over', async () => {
  const a = project(20)
  const out = path.join(tempTree(), 'out')
  fs.mkdirSync(out)
  // This test's process holds the lock, as a running build would.
  fs.writeFileSync(path.join(out, '.nsoffload.lock'), `${process.pid}@${os.hostname()}\n`)
  const run = start(['build', '-o', out], a.dir)
  await until(() => run.stderr.includes('is writing it; waiting for it to finish'), 'the build says it waits')
  assert.match(run.stderr, new RegExp(`nsoffload: ${out.replaceAll('/', '\\/')}: another nsoffload build \\(process ${process.pid} on .+\\) is writing it`))
  assert.equal(fs.readdirSync(out), ['.nsoffload.lock'], 'nothing written while waiting')
  fs.rmSync(path.join(out, '.nsoffload.lock'))
  assert.equal(await run.exited, { code: 0, signal: null }, run.stderr)
  assert.equal(snapshot(out), a.reference)
  // A lock left by a process that was killed, and what it was writing.
  const gone = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' })
  fs.writeFileSync(path.join(out, '.nsoffload.lock'), `${gone.stdout}@${os.hostname()}\n`)
  fs.mkdirSync(path.join(out, '.naples.0123abcd.nsoffload-tmp', 'x'), { recursive: true })
  fs.writeFileSync(path.join(out, '.naples.0123abcd.nsoffload-tmp', 'x', 'half.yaml'), 'a: 1\n')
  const again = start(['build', '-o', out], a.dir)
  assert.equal(await again.exited, { code: 0, signal: null }, again.stderr)
  assert.not.match(again.stderr, /waiting/)
  assert.equal(snapshot(out), a.reference, 'the stale lock and the half-written folder are gone')
})

for (const [signal, code] of [
  ['SIGINT', 130],
  ['SIGTERM', 143],
] as const) {
  test(`${signal} while a fleet is written: exit ${code}, the previous output whole, no temporary folder behind`, async () => {
    const old = project(1500)
    const next = project(2500)
    const out = path.join(old.dir, 'reference')
    const run = start(['build', '-o', out], next.dir)
    let exited = false
    void run.exited.then(() => (exited = true))
    // Once its temporary folders exist, the build is writing: signal it then.
    await until(() => exited || scratch(out).some((n) => n.endsWith('.nsoffload-tmp')), 'the build starts writing')
    run.child.kill(signal)
    const end = await run.exited
    const now = snapshot(out)
    assert.equal(scratch(out), [], 'no temporary folder and no lock left')
    if (end.code === code) {
      assert.equal(now, old.reference, 'the previous output, whole')
      assert.match(run.stderr, new RegExp(`interrupted \\(${signal}\\): .* is left as it was`))
    } else {
      // The signal came once the new output was in place: then it is whole.
      assert.equal(end, { code: 0, signal: null }, run.stderr)
      assert.equal(now, next.reference, 'the new output, whole')
    }
  })
}

test.run()
