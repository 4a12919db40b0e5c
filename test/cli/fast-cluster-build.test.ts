import * as fs from 'node:fs'
import * as path from 'node:path'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { generateFleet, writeFleet } from '../../bench/fleet.ts'
import { fastClusterBuild } from '../../src/cli/fast-cluster-build.ts'
import { nodeHost } from '../../src/host/node-host.ts'
import { runCli } from '../helpers/cli.ts'
import { tempDir } from '../helpers/temp.ts'

/**
 * The cache-hit fast path of `build --cluster` (issue 19 point 1, `cli/fast-cluster-build.ts`):
 * for the plain command lines it prints the entry's bytes without loading the CLI, exactly what
 * the CLI printed when it compiled (and what `--no-cache` prints), on stdout and stderr; for any
 * other command line, a miss, a failed build or a cluster not in the inventory it does nothing
 * and leaves the run to the CLI. Its reading of the command line is the CLI's: an entry stored
 * by the CLI for a line is found by the fast path for the same line (the key holds the options).
 */

function fleetDir(policies: number, clusters: number): string {
  const dir = tempDir('nsoffload-fleet-')
  writeFleet(generateFleet({ policies, clusters }), dir)
  return dir
}

/** `fastClusterBuild` on the real file system, what it printed kept. */
function fast(args: readonly string[], cwd: string, env: Record<string, string>): { code: number | undefined; stdout: string; stderr: string } {
  let stdout = ''
  let stderr = ''
  const host = { ...nodeHost(cwd, env), stdout: (s: string) => void (stdout += s), stderr: (s: string) => void (stderr += s) }
  return { code: fastClusterBuild(args, host), stdout, stderr }
}

const FORMS: readonly (readonly string[])[] = [
  [],
  ['--sync-waves'],
  ['-i', 'inventory.yaml', '-p', 'policies', '--sync-waves'],
  ['--policies', 'policies', 'policies/team-00001.yaml', '--inventory', 'inventory.yaml'],
  ['-p', './policies'],
]

test('a hit prints the bytes the CLI printed when it compiled, for every plain command line and several clusters', async () => {
  const dir = fleetDir(160, 12)
  for (const form of FORMS) {
    const env = { NSOFFLOAD_CACHE_DIR: tempDir('nsoffload-cache-') }
    const ids = ['milan', 'edge-000', 'edge-005', 'edge-011']
    const line = (id: string, i: number): string[] => (i % 2 === 0 ? ['build', '--cluster', id, ...form] : ['build', ...form, `--cluster=${id}`])
    assert.is(fast(line('edge-005', 0), dir, env).code, undefined, `${form.join(' ')}: nothing stored yet`)
    const misses = await Promise.all(ids.map(async (id, i) => ({ id, r: await runCli(line(id, i), dir, '', env) })))
    for (const [i, { id, r }] of misses.entries()) {
      assert.is(r.code, 0, r.stderr)
      const hit = fast(line(id, i + 1), dir, env)
      assert.is(hit.code, 0, `${form.join(' ')} ${id}: served`)
      assert.is(hit.stdout, r.stdout, `${form.join(' ')} ${id}: the same bytes`)
      assert.is(hit.stderr, r.stderr, `${form.join(' ')} ${id}: the same diagnostics`)
      const plain = await runCli(['build', '--cluster', id, ...form, '--no-cache'], dir, '', env)
      assert.is(hit.stdout, plain.stdout, `${form.join(' ')} ${id}: what --no-cache prints`)
    }
  }
})

test('anything but a plain line, a miss, a failed build or an unknown cluster is left to the CLI, which says the same as without the cache', async () => {
  const dir = fleetDir(60, 4)
  const env = { NSOFFLOAD_CACHE_DIR: tempDir('nsoffload-cache-') }
  assert.is((await runCli(['build', '--cluster', 'milan'], dir, '', env)).code, 0)
  assert.is(fast(['build', '--cluster', 'milan'], dir, env).code, 0, 'the plain line is served')
  const others = [
    ['build', '--cluster', 'milan', '--no-cache'],
    ['build', '--cluster', 'milan', '--allow-empty'],
    ['build', '--cluster', 'milan', '--format', 'json'],
    ['build', '--cluster', 'milan', '--cluster', 'edge-001'],
    ['build', '--cluster', 'milan', 'extra'],
    ['build', '--cluster', 'milan', '-p', 'policies', '-p', 'policies'],
    ['build', '--cluster', 'milan', '-p', 'build'],
    ['build', '--cluster', 'milan', '-i', 'false'],
    ['build', '--cluster', 'milan', '--sync-waves', '--sync-waves'],
    ['build', '--cluster', 'milan', '--help'],
    ['build', '--cluster', '-x'],
    ['build', '--cluster', ' '],
    ['build', '-o', 'out'],
    ['--cluster', 'milan', 'build'],
    ['validate'],
    ['build', '--cluster', 'nowhere'],
    ['build', '--cluster', 'milan', '--strict'],
  ]
  for (const args of others) {
    const r = fast(args, dir, env)
    assert.is(r.code, undefined, args.join(' '))
    assert.is(r.stdout + r.stderr, '', `${args.join(' ')}: nothing printed`)
  }
  // --strict fails on the fleet's warnings: stored as failed, and the CLI says so again from the entry.
  const strict = await runCli(['build', '--cluster', 'milan', '--strict'], dir, '', env)
  assert.is(strict.code, 1)
  assert.is(fast(['build', '--cluster', 'milan', '--strict'], dir, env).code, undefined)
  const again = await runCli(['build', '--cluster', 'milan', '--strict'], dir, '', env)
  assert.equal(again, strict)
  const noCache = await runCli(['build', '--cluster', 'nowhere', '--no-cache'], dir, '', env)
  const unknown = await runCli(['build', '--cluster', 'nowhere'], dir, '', env)
  assert.is(unknown.code, noCache.code)
  assert.is(unknown.stderr, noCache.stderr)
})

test('without a cache folder the fast path does nothing', () => {
  const dir = fleetDir(10, 2)
  const r = fast(['build', '--cluster', 'milan'], dir, {})
  assert.is(r.code, undefined)
  assert.ok(!fs.existsSync(path.join(dir, '.cache')))
})

test.run()
