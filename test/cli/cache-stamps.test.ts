import { spawnSync } from 'node:child_process'
import * as fs from 'node:fs'
import * as path from 'node:path'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { generateFleet, writeFleet } from '../../bench/fleet.ts'
import { RACY_MS } from '../../src/host/trace.ts'
import { assertMissesLikeNoCache, FROM_CACHE, tamperCache } from '../helpers/build-cache.ts'
import { runCli } from '../helpers/cli.ts'
import { tempDir } from '../helpers/temp.ts'

/**
 * `build --cluster`'s cache on the real file system, once inputs are old enough for their
 * stamps to stand for their content (issue 19 point 2, `host/trace.ts`): a hit reads no input
 * whose stamp is unchanged, and still never serves a stale answer. A change of one byte with the
 * size and the modification time put back (`utimes`), an added, a removed and a renamed file
 * miss; a file written just before the build is hashed on every lookup.
 */

interface Entry {
  meta: { calls: [string, ...unknown[]][]; stamps: (string | null)[] }
  blobs: Record<string, { file: string; bytes: number; sha256: string }>
}

const entries = (dir: string): string[] => (fs.existsSync(dir) ? fs.readdirSync(dir).filter((n) => !n.startsWith('.')) : [])
const entryOf = (cache: string, name: string): Entry => JSON.parse(fs.readFileSync(path.join(cache, name, 'entry.json'), 'utf8')) as Entry

/** The stamps an entry kept for the files it read, by path. */
function stampsByPath(cache: string): Map<string, string | null> {
  const [name] = entries(cache)
  const e = entryOf(cache, name ?? '')
  const m = new Map<string, string | null>()
  e.meta.calls.forEach(([method, p], i) => {
    if (method === 'readRegularFile' || method === 'readFile' || method === 'readDir') m.set(String(p).slice(1), e.meta.stamps[i] ?? null)
  })
  return m
}

/** One byte changed for another, the size and the modification time (to the nanosecond, by `touch -r`) put back as they were. */
function sameSizeSameMtime(f: string, edit: (text: string) => string): void {
  const st = fs.statSync(f, { bigint: true })
  const ref = path.join(tempDir('nsoffload-times-'), 'ref')
  const r = spawnSync('touch', ['-r', f, ref])
  assert.is(r.status, 0, String(r.stderr))
  const text = fs.readFileSync(f, 'utf8')
  const changed = edit(text)
  assert.ok(changed !== text && changed.length === text.length, f)
  fs.writeFileSync(f, changed)
  assert.is(spawnSync('touch', ['-m', '-r', ref, f]).status, 0)
  fs.rmSync(ref)
  const now = fs.statSync(f, { bigint: true })
  assert.is(now.size, st.size)
  assert.is(now.mtimeNs, st.mtimeNs, 'the modification time put back')
  assert.is(now.ino, st.ino)
  assert.ok(now.ctimeNs !== st.ctimeNs, 'the change time moved: what the stamp sees')
}

const CHANGES: readonly { name: string; change: (dir: string) => void }[] = [
  {
    name: 'one byte of a policy, size and mtime restored',
    change: (d) => sameSizeSameMtime(path.join(d, 'policies', 'team-00001.yaml'), (t) => t.replace('region=east', 'region=easT')),
  },
  {
    name: 'one byte of the inventory, size and mtime restored',
    change: (d) => sameSizeSameMtime(path.join(d, 'inventory.yaml'), (t) => t.replace('topology.liqo.io/region: south', 'topology.liqo.io/region: north')),
  },
  {
    name: 'one byte of a workload, size and mtime restored',
    change: (d) =>
      sameSizeSameMtime(path.join(d, 'apps', 'team-00051.yaml'), (t) =>
        t.replace(/replicas: (\d)\n/, (_m, n: string) => `replicas: ${n === '7' ? '8' : '7'}\n`),
      ),
  },
  { name: 'a policy added', change: (d) => fs.copyFileSync(path.join(d, 'policies', 'team-00001.yaml'), path.join(d, 'policies', 'zz-copy.yaml')) },
  { name: 'a policy removed', change: (d) => fs.rmSync(path.join(d, 'policies', 'team-00002.yaml')) },
  { name: 'a policy renamed', change: (d) => fs.renameSync(path.join(d, 'policies', 'team-00003.yaml'), path.join(d, 'policies', 'team-00003b.yaml')) },
]

// The fleets are written first, then left alone for longer than RACY_MS, once for all the cases.
const fleets = CHANGES.map(() => {
  const dir = tempDir('nsoffload-fleet-')
  writeFleet(generateFleet({ policies: 120, clusters: 4 }), dir)
  return dir
})
const racyFleet = tempDir('nsoffload-fleet-')
writeFleet(generateFleet({ policies: 60, clusters: 3 }), racyFleet)
Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, RACY_MS + 500)

CHANGES.forEach(({ name, change }, i) => {
  test(`old inputs are trusted by their stamps, and a change still misses: ${name}`, async () => {
    const dir = fleets[i] ?? ''
    const cache = tempDir('nsoffload-cache-')
    const env = { NSOFFLOAD_CACHE_DIR: cache }
    const warm = await runCli(['build', '--cluster', 'milan'], dir, '', env)
    assert.is(warm.code, 0, warm.stderr)
    const stamps = stampsByPath(cache)
    assert.ok(stamps.size > 100)
    assert.equal(
      [...stamps].filter(([, s]) => s === null),
      [],
      'every input old enough: every stamp kept',
    )
    tamperCache(cache)
    assert.is((await runCli(['build', '--cluster', 'edge-000'], dir, '', env)).stdout, FROM_CACHE, 'before the change: served')
    change(dir)
    await assertMissesLikeNoCache(dir, env, ['milan', 'edge-000', 'edge-002'])
  })
})

test('a file written just before the build (racy) keeps no stamp: it is hashed on every lookup', async () => {
  const cache = tempDir('nsoffload-cache-')
  const env = { NSOFFLOAD_CACHE_DIR: cache }
  const f = path.join(racyFleet, 'policies', 'team-00004.yaml')
  fs.writeFileSync(f, fs.readFileSync(f))
  const warm = await runCli(['build', '--cluster', 'milan'], racyFleet, '', env)
  assert.is(warm.code, 0, warm.stderr)
  const stamps = stampsByPath(cache)
  assert.is(stamps.get('policies/team-00004.yaml'), null, 'the racy file')
  assert.is(typeof stamps.get('policies/team-00005.yaml'), 'string', 'an old file of the same folder')
  assert.is(typeof stamps.get('policies'), 'string', 'the folder: a file rewritten in place leaves its listing as it was')
  tamperCache(cache)
  assert.is((await runCli(['build', '--cluster', 'edge-001'], racyFleet, '', env)).stdout, FROM_CACHE, 'the racy file hashed, the same: served')
  fs.writeFileSync(f, fs.readFileSync(f, 'utf8').replace('team-00004', 'team-0000X'))
  const fresh = await runCli(['build', '--cluster', 'edge-001', '--no-cache'], racyFleet, '', env)
  const cached = await runCli(['build', '--cluster', 'edge-001'], racyFleet, '', env)
  assert.is(cached.stdout, fresh.stdout)
  assert.is(cached.stderr, fresh.stderr)
})

test.run()
