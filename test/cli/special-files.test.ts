import { spawnSync } from 'node:child_process'
import * as fs from 'node:fs'
import * as path from 'node:path'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { ONE_REMOTE_INVENTORY, tempTree } from '../helpers/cli.ts'
import { nsoffloadShim } from '../helpers/shim.ts'

/**
 * Only regular files are read: a FIFO (which blocks a reader until someone writes) or a link
 * to a device (`/dev/zero` never ends) as a policy, an inventory, a workload or a
 * `.nsoffloadignore` is a diagnostic naming it. Each run is a real process with a deadline
 * far beyond what it needs: before, the FIFOs blocked it forever.
 */

const POLICY = 'apiVersion: nsoffload.dev/v1alpha1\nkind: OffloadingPolicy\nmetadata:\n  name: demo\nspec:\n  workloads: [../apps/demo/]\n'
const DEPLOY =
  'apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec:\n  selector: {matchLabels: {app: web}}\n  template:\n    metadata: {labels: {app: web}}\n    spec: {containers: [{name: c, image: i}]}\n'

let shim: string | undefined
function nsoffload(args: readonly string[], cwd: string): { status: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string } {
  shim ??= path.join(nsoffloadShim(), 'nsoffload')
  const r = spawnSync(shim, args, { cwd, encoding: 'utf8', timeout: 120_000 })
  return { status: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr }
}

const mkfifo = (p: string): void => {
  const r = spawnSync('mkfifo', [p])
  assert.is(r.status, 0, String(r.stderr))
}

interface Json {
  readonly diagnostics: { code: string; file?: string; line?: number; message: string }[]
}

test('a FIFO as a policy, a workload or .nsoffloadignore: NSO1014 naming it; a link to /dev/zero leads out of the repository: NSO1015', () => {
  const cwd = tempTree({ 'inventory.yaml': ONE_REMOTE_INVENTORY, 'policies/demo.yaml': POLICY, 'apps/demo/web.yaml': DEPLOY })
  mkfifo(path.join(cwd, 'policies', 'fifo.yaml'))
  mkfifo(path.join(cwd, 'policies', '.nsoffloadignore'))
  fs.symlinkSync('/dev/zero', path.join(cwd, 'policies', 'zero.yaml'))
  mkfifo(path.join(cwd, 'apps', 'demo', 'fifo.yaml'))
  fs.symlinkSync('/dev/zero', path.join(cwd, 'apps', 'demo', 'zero.yml'))
  const r = nsoffload(['validate', '--format', 'json'], cwd)
  assert.is(r.signal, null, 'finished before the deadline')
  assert.is(r.status, 1, r.stderr)
  const j = JSON.parse(r.stdout) as Json
  assert.equal(
    j.diagnostics.map((d) => [d.code, d.file, d.message]),
    [
      ['NSO1014', 'apps/demo/fifo.yaml', 'a FIFO (named pipe), not a regular file: not read'],
      ['NSO1015', 'apps/demo/zero.yml', 'a symbolic link that leads out of the repository (the working folder): not read'],
      ['NSO1014', 'policies/.nsoffloadignore', 'a FIFO (named pipe), not a regular file: not read'],
      ['NSO1014', 'policies/fifo.yaml', 'a FIFO (named pipe), not a regular file: not read'],
      ['NSO1015', 'policies/zero.yaml', 'a symbolic link that leads out of the repository (the working folder): not read'],
    ],
  )
  // In text: one line each, no stack trace; build writes nothing.
  const b = nsoffload(['build', '-o', 'out'], cwd)
  assert.is(b.status, 1)
  assert.match(b.stderr, /^policies\/fifo\.yaml: error NSO1014: a FIFO \(named pipe\), not a regular file: not read$/m)
  assert.not.match(b.stderr, /\n\s+at |internal error/)
  assert.not.ok(fs.existsSync(path.join(cwd, 'out')))
})

test('a FIFO given as -p, as -i, or as a workload path itself, and /dev/zero given as -p: NSO1014', () => {
  const cwd = tempTree({ 'policies/demo.yaml': POLICY.replace('../apps/demo/', '../apps/pipe.yaml') })
  mkfifo(path.join(cwd, 'inventory.yaml'))
  mkfifo(path.join(cwd, 'apps-pipe.yaml'))
  fs.mkdirSync(path.join(cwd, 'apps'))
  mkfifo(path.join(cwd, 'apps', 'pipe.yaml'))
  const r = nsoffload(['validate', '--format', 'json', '-p', 'policies', '-p', 'apps-pipe.yaml', '-p', '/dev/zero'], cwd)
  assert.is(r.signal, null, 'finished before the deadline')
  assert.is(r.status, 1, r.stderr)
  assert.equal(
    (JSON.parse(r.stdout) as Json).diagnostics.filter((d) => d.code === 'NSO1014').map((d) => d.file),
    ['/dev/zero', 'apps-pipe.yaml', 'apps/pipe.yaml', 'inventory.yaml'],
  )
  assert.match(r.stdout, /"message": "a character device, not a regular file: not read"/)
})

test.run()
