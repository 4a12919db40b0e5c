import { spawnSync } from 'node:child_process'
import * as fs from 'node:fs'
import * as path from 'node:path'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { listTree, REPO, tempTree } from '../helpers/cli.ts'
import { nsoffloadShim } from '../helpers/shim.ts'

/**
 * A read-only file system is said as such (issue 21 point 16, the file half): Node's recursive
 * mkdir called it ENOENT. The read-only file system is a tmpfs mounted read-only in a mount
 * namespace of the test's own (`unshare -m`, as root: CI runs as root), so nothing of the
 * machine is touched.
 */

const quote = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`

function example(): string {
  const dir = tempTree({ 'inventory.yaml': fs.readFileSync(path.join(REPO, 'inventory.yaml'), 'utf8') })
  fs.cpSync(path.join(REPO, 'policies'), path.join(dir, 'policies'), { recursive: true })
  fs.cpSync(path.join(REPO, 'apps'), path.join(dir, 'apps'), { recursive: true })
  return dir
}

/** Runs `script` (sh) in a mount namespace of its own, in `cwd`. */
function inNamespace(script: string, cwd: string): { status: number | null; stdout: string; stderr: string } | undefined {
  const probe = spawnSync('unshare', ['-m', 'true'])
  if (probe.status !== 0) {
    assert.not.ok(process.env['CI'], `unshare -m cannot run here (${String(probe.stderr).trim()}): CI must run as root`)
    return undefined
  }
  const r = spawnSync('unshare', ['-m', 'sh', '-c', script], { cwd, encoding: 'utf8', timeout: 120_000 })
  return { status: r.status, stdout: r.stdout, stderr: r.stderr }
}

test('build -o on a read-only file system says so, names the folder, and leaves the previous output whole', () => {
  const cwd = example()
  const bin = quote(path.join(nsoffloadShim(), 'nsoffload'))
  fs.mkdirSync(path.join(cwd, 'ro'))
  fs.mkdirSync(path.join(cwd, 'rw'))
  const script = [
    `mount -t tmpfs -o ro tmpfs ${quote(path.join(cwd, 'ro'))}`,
    `${bin} build -o ro/out/deep; echo "exit $?"`,
    `mount -t tmpfs tmpfs ${quote(path.join(cwd, 'rw'))}`,
    `${bin} build -o rw/out >/dev/null 2>&1 || echo "first build failed"`,
    `ls -R rw/out > before.txt`,
    `mount -o remount,ro ${quote(path.join(cwd, 'rw'))}`,
    `${bin} build -o rw/out; echo "exit $?"`,
    `ls -R rw/out > after.txt`,
  ].join('\n')
  const r = inNamespace(script, cwd)
  if (!r) return
  assert.is(r.status, 0, r.stderr)
  assert.equal(
    r.stdout.split('\n').filter((l) => l.startsWith('exit') || l.includes('failed')),
    ['exit 2', 'exit 2'],
    r.stdout,
  )
  const errors = r.stderr.split('\n').filter((l) => l.startsWith('nsoffload: '))
  assert.equal(errors, ['nsoffload: cannot write ro/out/deep: read-only file system', 'nsoffload: cannot write rw/out/.nsoffload.lock: read-only file system'])
  assert.not.match(r.stderr, /ENOENT/)
  const before = fs.readFileSync(path.join(cwd, 'before.txt'), 'utf8')
  assert.match(before, /venice/)
  assert.is(fs.readFileSync(path.join(cwd, 'after.txt'), 'utf8'), before, 'the previous output as it was')
  assert.equal(listTree(path.join(cwd, 'rw')), [], 'the mount was the namespace’s own')
})

test.run()
