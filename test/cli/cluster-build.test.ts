import { spawn, spawnSync } from 'node:child_process'
import * as fs from 'node:fs'
import * as path from 'node:path'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { parse } from 'yaml'
import { generateFleet, writeFleet } from '../../bench/fleet.ts'
import { GENERATED_HEADER } from '../../src/render/bundle.ts'
import { assertMissesLikeNoCache, FROM_CACHE, tamperCache } from '../helpers/build-cache.ts'
import { type CliResult, REPO, runCli, tempTree } from '../helpers/cli.ts'
import { nsoffloadShim } from '../helpers/shim.ts'
import { kustomizePath } from '../helpers/tools.ts'
import { tempDir } from '../helpers/temp.ts'

/**
 * `build --cluster X` (issue 19 point 1) prints exactly what `build -o` writes in out/X (the
 * files in their kustomization's order, without the generated header), with the same
 * diagnostics and exit code, for every cluster of the golden cases, the public apps and a
 * generated fleet: compiling only that cluster (--no-cache), and through the cache, first
 * filling it, then reading it. And the cache: served when the inputs are the same (in another
 * checkout too), never when any input changed, safe with builds side by side, checked when
 * read, bounded, private.
 */

const GOLDEN = path.join(REPO, 'fixtures', 'golden')
const KUSTOMIZE = kustomizePath()

interface Case {
  readonly name: string
  readonly cwd: string
  readonly env: Readonly<Record<string, string>>
  readonly args: readonly string[]
}

function goldenCases(): Case[] {
  return fs
    .readdirSync(GOLDEN)
    .filter((d) => fs.statSync(path.join(GOLDEN, d)).isDirectory())
    .sort()
    .map((name) => {
      const dir = path.join(GOLDEN, name)
      const cfg = path.join(dir, 'case.json')
      const rel = fs.existsSync(cfg) ? ((JSON.parse(fs.readFileSync(cfg, 'utf8')) as { cwd?: string }).cwd ?? '.') : '.'
      return { name: `golden ${name}`, cwd: path.resolve(dir, rel), env: {}, args: [] }
    })
}

function fleetDir(policies = 160, clusters = 12): string {
  const dir = tempDir('nsoffload-fleet-')
  writeFleet(generateFleet({ policies, clusters }), dir)
  return dir
}

const cacheDir = (): string => tempDir('nsoffload-cache-')
const entries = (dir: string): string[] => (fs.existsSync(dir) ? fs.readdirSync(dir).sort() : [])

/** What `build -o` wrote for a cluster, as the one stream `build --cluster` prints. */
function folderStream(out: string, cluster: string): string {
  const dir = path.join(out, cluster)
  const k = parse(fs.readFileSync(path.join(dir, 'kustomization.yaml'), 'utf8')) as { resources: string[] }
  return k.resources
    .map((f) => {
      const text = fs.readFileSync(path.join(dir, f), 'utf8')
      assert.ok(text.startsWith(GENERATED_HEADER), f)
      return text.slice(GENERATED_HEADER.length)
    })
    .join('---\n')
}

/** `build -o`'s stderr without its `wrote …` lines: the diagnostics. */
const diagnosticsOf = (r: CliResult): string =>
  r.stderr
    .split('\n')
    .filter((l) => !/^wrote \S+\/ \(\d+ objects?\)$/.test(l))
    .join('\n')

async function checkCase(c: Case): Promise<void> {
  const out = tempDir('nsoffload-out-')
  const all = await runCli(['build', '-o', out, ...c.args], c.cwd, '', c.env)
  const clusters = all.code === 0 ? fs.readdirSync(out).sort() : []
  const cache = cacheDir()
  const env = { ...c.env, NSOFFLOAD_CACHE_DIR: cache }
  const ids = clusters.length > 0 ? clusters : ['venice']
  const uncached = new Map<string, CliResult>()
  for (const id of ids) {
    const r = await runCli(['build', '--cluster', id, '--no-cache', ...c.args], c.cwd, '', env)
    assert.is(r.code, all.code, `${c.name} ${id}: ${r.stderr}`)
    assert.is(r.stderr, diagnosticsOf(all), `${c.name} ${id}: the diagnostics of build -o`)
    if (all.code === 0) assert.is(r.stdout, folderStream(out, id), `${c.name}: build --cluster ${id} --no-cache differs from out/${id}`)
    else assert.is(r.stdout, '')
    uncached.set(id, r)
  }
  assert.equal(entries(cache), [], '--no-cache writes nothing')
  for (const pass of ['filling the cache', 'from the cache']) {
    for (const id of ids) {
      const r = await runCli(['build', '--cluster', id, ...c.args], c.cwd, '', env)
      const u = uncached.get(id)
      assert.is(r.code, u?.code, `${c.name} ${id} ${pass}: ${r.stderr}`)
      assert.is(r.stderr, u?.stderr, `${c.name} ${id} ${pass}: stderr`)
      assert.is(r.stdout, u?.stdout, `${c.name} ${id} ${pass}: stdout`)
    }
  }
  assert.is(entries(cache).length, 1, `${c.name}: one entry for one state of the inputs`)
  // A cluster that is not in the inventory: the same refusal, cached or not.
  const unknown = await runCli(['build', '--cluster', 'atlantis', '--no-cache', ...c.args], c.cwd, '', env)
  const cachedUnknown = await runCli(['build', '--cluster', 'atlantis', ...c.args], c.cwd, '', env)
  assert.is(cachedUnknown.code, unknown.code)
  assert.is(cachedUnknown.stderr, unknown.stderr)
  fs.rmSync(out, { recursive: true, force: true })
  fs.rmSync(cache, { recursive: true, force: true })
}

for (const c of goldenCases()) test(`${c.name}: build --cluster X equals out/X for every cluster, without and with the cache`, () => checkCase(c))

test('public apps (kustomize bases, Lists, real-world YAML): build --cluster X equals out/X, without and with the cache', async () => {
  if (!KUSTOMIZE) {
    if (process.env['CI']) assert.unreachable('kustomize is missing')
    return
  }
  await checkCase({
    name: 'public-apps',
    cwd: path.join(REPO, 'fixtures', 'public-apps'),
    env: { NSOFFLOAD_KUSTOMIZE: KUSTOMIZE, PATH: process.env['PATH'] ?? '' },
    args: [],
  })
})

test('a generated fleet (every selector form, workloads): build --cluster X equals out/X, plain, with --sync-waves, and failing with --strict', async () => {
  const cwd = fleetDir()
  await checkCase({ name: 'fleet', cwd, env: {}, args: [] })
  await checkCase({ name: 'fleet --sync-waves', cwd, env: {}, args: ['--sync-waves'] })
  await checkCase({ name: 'fleet --strict', cwd, env: {}, args: ['--strict'] })
})

test('the cache serves the builds of the other clusters, also from another checkout of the same files', async () => {
  const a = fleetDir(40, 5)
  const cache = cacheDir()
  const env = { NSOFFLOAD_CACHE_DIR: cache }
  const first = await runCli(['build', '--cluster', 'edge-001'], a, '', env)
  assert.is(first.code, 0, first.stderr)
  assert.not.match(first.stdout, FROM_CACHE)
  tamperCache(cache)
  for (const id of ['milan', 'edge-001', 'edge-004']) {
    const r = await runCli(['build', '--cluster', id], a, '', env)
    assert.is(r.code, 0, r.stderr)
    assert.is(r.stdout, FROM_CACHE, `${id} is read from the cache`)
    assert.is(r.stderr, first.stderr)
  }
  // The same files in another folder (Argo CD's plugin: a fresh checkout per request).
  const b = fleetDir(40, 5)
  const other = await runCli(['build', '--cluster', 'edge-002'], b, '', env)
  assert.match(other.stdout, FROM_CACHE, 'another checkout of the same files')
  // An inventory given by its path outside the working folder: that entry holds only here.
  const inv = path.join(tempDir('nsoffload-inv-'), 'inventory.yaml')
  fs.copyFileSync(path.join(a, 'inventory.yaml'), inv)
  const outside = await runCli(['build', '--cluster', 'edge-002', '-i', inv], a, '', env)
  assert.not.match(outside.stdout, FROM_CACHE)
  tamperCache(cache)
  const again = await runCli(['build', '--cluster', 'edge-002', '-i', inv], a, '', env)
  assert.match(again.stdout, FROM_CACHE, 'the same folder: served')
  const elsewhere = await runCli(['build', '--cluster', 'edge-002', '-i', inv], b, '', env)
  assert.not.match(elsewhere.stdout, FROM_CACHE, 'another folder: not served what was read there')
})

/** Every path below a folder and every file's bytes. */
function snapshot(dir: string): string {
  const out: string[] = []
  const walk = (d: string): void => {
    for (const e of fs.readdirSync(d, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const p = path.join(d, e.name)
      out.push(p)
      if (e.isDirectory()) walk(p)
      else out.push(fs.readFileSync(p, 'utf8'))
    }
  }
  walk(dir)
  return out.join('\0')
}

/** A change to the inputs, and how to make it in a fleet folder. */
const CHANGES: readonly { name: string; change: (dir: string) => void }[] = [
  {
    name: 'one byte of a policy',
    change: (d) => {
      const f = path.join(d, 'policies', 'team-00001.yaml')
      fs.writeFileSync(f, fs.readFileSync(f, 'utf8').replace('region=east', 'region=easT'))
    },
  },
  { name: 'a policy added', change: (d) => fs.copyFileSync(path.join(d, 'policies', 'team-00001.yaml'), path.join(d, 'policies', 'zz-copy.yaml')) },
  { name: 'a policy removed', change: (d) => fs.rmSync(path.join(d, 'policies', 'team-00002.yaml')) },
  { name: 'a policy renamed', change: (d) => fs.renameSync(path.join(d, 'policies', 'team-00003.yaml'), path.join(d, 'policies', 'team-00003b.yaml')) },
  {
    name: 'the inventory',
    change: (d) => {
      const f = path.join(d, 'inventory.yaml')
      fs.writeFileSync(f, fs.readFileSync(f, 'utf8').replace('topology.liqo.io/region: south', 'topology.liqo.io/region: north'))
    },
  },
  {
    name: 'a workload file',
    change: (d) => {
      const f = path.join(d, 'apps', 'team-00051.yaml')
      fs.writeFileSync(f, fs.readFileSync(f, 'utf8').replace(/replicas: \d+/, 'replicas: 7'))
    },
  },
  { name: 'an empty folder among the policies', change: (d) => fs.mkdirSync(path.join(d, 'policies', 'more')) },
]

for (const { name, change } of CHANGES) {
  test(`any input change misses the cache: ${name}`, async () => {
    const dir = fleetDir(120, 4)
    const cache = cacheDir()
    const env = { NSOFFLOAD_CACHE_DIR: cache }
    const warm = await runCli(['build', '--cluster', 'milan'], dir, '', env)
    assert.is(warm.code, 0, warm.stderr)
    tamperCache(cache)
    assert.match((await runCli(['build', '--cluster', 'edge-000'], dir, '', env)).stdout, FROM_CACHE, 'before the change: served')
    const before = snapshot(dir)
    change(dir)
    assert.ok(snapshot(dir) !== before, 'the inputs changed')
    await assertMissesLikeNoCache(dir, env, ['milan', 'edge-000', 'edge-002'])
  })
}

test('any input change misses the cache: an environment variable the build reads (NSOFFLOAD_VERBOSE shows infos)', async () => {
  const dir = tempTree({ 'inventory.yaml': fs.readFileSync(path.join(REPO, 'inventory.yaml'), 'utf8'), 'policies/README.md': 'no policy yet\n' })
  const cache = cacheDir()
  const quiet = await runCli(['build', '--cluster', 'venice', '--allow-empty'], dir, '', { NSOFFLOAD_CACHE_DIR: cache })
  assert.is(quiet.code, 0, quiet.stderr)
  assert.is(quiet.stderr, '')
  const verbose = await runCli(['build', '--cluster', 'venice', '--allow-empty'], dir, '', { NSOFFLOAD_CACHE_DIR: cache, NSOFFLOAD_VERBOSE: '1' })
  assert.match(verbose.stderr, 'info NSO1008')
})

test('any input change misses the cache: a file of a kustomize base (read by kustomize, not by nsoffload)', async () => {
  if (!KUSTOMIZE) {
    if (process.env['CI']) assert.unreachable('kustomize is missing')
    return
  }
  const dir = tempDir('nsoffload-apps-')
  fs.cpSync(path.join(REPO, 'fixtures', 'public-apps'), dir, { recursive: true })
  const cache = cacheDir()
  const env = { NSOFFLOAD_KUSTOMIZE: KUSTOMIZE, PATH: process.env['PATH'] ?? '', NSOFFLOAD_CACHE_DIR: cache }
  const home = (await runCli(['build', '--cluster', 'venice', '--no-cache'], dir, '', env)).stdout
  const warm = await runCli(['build', '--cluster', 'venice'], dir, '', env)
  assert.is(warm.stdout, home)
  tamperCache(cache)
  assert.match((await runCli(['build', '--cluster', 'venice'], dir, '', env)).stdout, FROM_CACHE, 'unchanged: served')
  const base = path.join(dir, 'apps', 'podinfo', 'backend')
  const file = fs.readdirSync(base).find((f) => f !== 'kustomization.yaml' && fs.readFileSync(path.join(base, f), 'utf8').includes('kind: Deployment'))
  assert.ok(file, 'a Deployment in the kustomize base')
  const p = path.join(base, file ?? '')
  fs.writeFileSync(p, fs.readFileSync(p, 'utf8').replace(/image: (\S+)/, 'image: $1-changed'))
  const fresh = await runCli(['build', '--cluster', 'venice', '--no-cache'], dir, '', env)
  assert.match(fresh.stdout, '-changed')
  const cached = await runCli(['build', '--cluster', 'venice'], dir, '', env)
  assert.is(cached.stdout, fresh.stdout)
})

test('an entry cut short or changed on disk is a miss, never an answer', async () => {
  const dir = fleetDir(30, 4)
  const cache = cacheDir()
  const env = { NSOFFLOAD_CACHE_DIR: cache }
  const ref = await runCli(['build', '--cluster', 'edge-001', '--no-cache'], dir, '', env)
  await runCli(['build', '--cluster', 'milan'], dir, '', env)
  const [entry] = entries(cache)
  const e = JSON.parse(fs.readFileSync(path.join(cache, entry ?? '', 'entry.json'), 'utf8')) as { blobs: Record<string, { file: string }> }
  const blob = path.join(cache, entry ?? '', e.blobs['edge-001']?.file ?? '')
  fs.truncateSync(blob, Math.floor(fs.statSync(blob).size / 2))
  const cut = await runCli(['build', '--cluster', 'edge-001'], dir, '', env)
  assert.is(cut.stdout, ref.stdout)
  assert.is(cut.stderr, ref.stderr)
  // A torn entry.json (a crash mid-write, were it not renamed into place whole).
  for (const n of entries(cache)) fs.writeFileSync(path.join(cache, n, 'entry.json'), '{"meta": {"fail')
  const torn = await runCli(['build', '--cluster', 'edge-001'], dir, '', env)
  assert.is(torn.stdout, ref.stdout)
})

test('the cache is bounded: the least recently used entries go beyond NSOFFLOAD_CACHE_MAX_MB', async () => {
  const dir = fleetDir(60, 6)
  const cache = cacheDir()
  const env = { NSOFFLOAD_CACHE_DIR: cache, NSOFFLOAD_CACHE_MAX_MB: '0.1' }
  const sizes: number[] = []
  for (let i = 0; i < 6; i++) {
    const f = path.join(dir, 'policies', 'team-00001.yaml')
    fs.writeFileSync(f, fs.readFileSync(f, 'utf8').replace(/team: t\d+/, `team: t${i + 10}`))
    const r = await runCli(['build', '--cluster', 'milan'], dir, '', env)
    assert.is(r.code, 0, r.stderr)
    const du = entries(cache).reduce((n, e) => n + fs.readdirSync(path.join(cache, e)).reduce((m, f) => m + fs.statSync(path.join(cache, e, f)).size, 0), 0)
    sizes.push(du)
  }
  const one = sizes[0] ?? 0
  assert.ok(one > 20_000, `an entry holds the fleet (${one} bytes)`)
  for (const s of sizes) assert.ok(s <= 0.1 * 1024 * 1024 + 4096, `${s} bytes in the cache, bound 0.1 MiB`)
  assert.ok(entries(cache).length >= 1 && entries(cache).length < 6, entries(cache).join())
})

test('a cache folder others may write to is not used', async () => {
  const dir = fleetDir(10, 2)
  const cache = cacheDir()
  fs.chmodSync(cache, 0o777)
  const r = await runCli(['build', '--cluster', 'milan'], dir, '', { NSOFFLOAD_CACHE_DIR: cache })
  assert.is(r.code, 0, r.stderr)
  assert.equal(entries(cache), [])
  const fresh = path.join(cacheDir(), 'new', 'builds')
  await runCli(['build', '--cluster', 'milan'], dir, '', { NSOFFLOAD_CACHE_DIR: fresh })
  assert.is(fs.statSync(fresh).mode & 0o777, 0o700, 'made private')
  assert.is(entries(fresh).length, 1)
})

/** Runs the CLI as a process (as Argo CD runs the plugin), collecting its output. */
function spawnCli(
  bin: string,
  args: readonly string[],
  cwd: string,
  env: Record<string, string>,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const p = spawn(path.join(bin, 'nsoffload'), args, { cwd, env })
    let stdout = ''
    let stderr = ''
    p.stdout.on('data', (d: Buffer) => (stdout += d.toString()))
    p.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
    p.on('error', reject)
    p.on('close', (code) => resolve({ code, stdout, stderr }))
  })
}

test('builds side by side share the cache safely: every output right, one entry, nothing half-written left', async () => {
  const dir = fleetDir(200, 8)
  const cache = cacheDir()
  const bin = nsoffloadShim()
  const env = { PATH: process.env['PATH'] ?? '', NSOFFLOAD_CACHE_DIR: cache }
  const ids = ['milan', ...Array.from({ length: 8 }, (_, i) => `edge-00${i}`)]
  const ref = new Map<string, string>()
  for (const id of ids) ref.set(id, (await runCli(['build', '--cluster', id, '--no-cache'], dir, '', {})).stdout)
  for (let round = 0; round < 2; round++) {
    const runs = await Promise.all(ids.map((id) => spawnCli(bin, ['build', '--cluster', id], dir, env)))
    runs.forEach((r, i) => {
      const id = ids[i] ?? ''
      assert.is(r.code, 0, r.stderr)
      assert.is(r.stdout, ref.get(id), `${id}, round ${round}`)
    })
  }
  assert.is(entries(cache).length, 1, entries(cache).join())
  assert.ok(!entries(cache).some((e) => e.startsWith('.')), 'no temporary folder left')
})

test('a miss is computed once: a build waits for the one holding the lock and serves its entry; a lock whose build died is taken over', async () => {
  const dir = fleetDir(30, 4)
  const bin = nsoffloadShim()
  const first = cacheDir()
  const ref = await spawnCli(bin, ['build', '--cluster', 'edge-001'], dir, { PATH: process.env['PATH'] ?? '', NSOFFLOAD_CACHE_DIR: first })
  assert.is(ref.code, 0, ref.stderr)
  const [entry = ''] = entries(first)
  const key = entry.slice(0, 32)
  assert.match(key, /^[0-9a-f]{32}$/)
  // Held by a live build (this process): the build waits, then serves what the holder stored.
  const cache = cacheDir()
  const lock = path.join(cache, `.lock-${key}`)
  fs.writeFileSync(lock, `${process.pid}\n`)
  const waiting = spawnCli(bin, ['build', '--cluster', 'edge-001'], dir, { PATH: process.env['PATH'] ?? '', NSOFFLOAD_CACHE_DIR: cache })
  let exited = false
  void waiting.then(() => (exited = true))
  await new Promise((r) => setTimeout(r, 1500))
  assert.not.ok(exited, 'it waits while the lock is held')
  fs.cpSync(path.join(first, entry), path.join(cache, entry), { recursive: true })
  const file = path.join(cache, entry, 'entry.json')
  const e = JSON.parse(fs.readFileSync(file, 'utf8')) as { meta: { stderr: string } }
  e.meta.stderr = 'the entry of the build it waited for\n'
  fs.writeFileSync(file, JSON.stringify(e))
  fs.rmSync(lock)
  const w = await waiting
  assert.is(w.code, 0, w.stderr)
  assert.is(w.stdout, ref.stdout)
  assert.is(w.stderr, 'the entry of the build it waited for\n', 'served from the holder, not compiled again')
  // Held by a build that died: taken over, computed, stored, let go.
  const dead = spawnSync('true').pid ?? 0
  const other = cacheDir()
  fs.writeFileSync(path.join(other, `.lock-${key}`), `${dead}\n`)
  const t = await spawnCli(bin, ['build', '--cluster', 'edge-001'], dir, { PATH: process.env['PATH'] ?? '', NSOFFLOAD_CACHE_DIR: other })
  assert.is(t.stdout, ref.stdout)
  assert.equal(entries(other), [entry])
})

test('a folder in the cache that is not an entry is removed, and does not count against the entries', async () => {
  const dir = fleetDir(20, 3)
  const cache = cacheDir()
  const env = { NSOFFLOAD_CACHE_DIR: cache }
  await runCli(['build', '--cluster', 'milan'], dir, '', env)
  fs.mkdirSync(path.join(cache, 'not-an-entry'))
  const f = path.join(dir, 'policies', 'team-00001.yaml')
  fs.appendFileSync(f, '# changed\n')
  await runCli(['build', '--cluster', 'milan'], dir, '', env)
  const left = entries(cache)
  assert.is(left.length, 2, left.join())
  assert.not.ok(left.includes('not-an-entry'))
})

/**
 * A bundle of `src` as `npm run build` makes it, in a copy of the package (`change` edits the
 * copy's sources first): the `node` arguments that run it.
 */
function bundleOf(change?: (src: string) => void): string {
  const root = tempDir('nsoffload-bundle-')
  fs.cpSync(path.join(REPO, 'src'), path.join(root, 'src'), { recursive: true })
  fs.cpSync(path.join(REPO, 'scripts'), path.join(root, 'scripts'), { recursive: true })
  for (const f of ['package.json', 'package-lock.json', 'tsconfig.json']) fs.copyFileSync(path.join(REPO, f), path.join(root, f))
  fs.symlinkSync(path.join(REPO, 'node_modules'), path.join(root, 'node_modules'))
  fs.symlinkSync(path.join(REPO, 'schemas'), path.join(root, 'schemas'))
  change?.(path.join(root, 'src'))
  const r = spawnSync(process.execPath, [path.join(root, 'scripts', 'bundle.mjs')], { cwd: root, encoding: 'utf8' })
  assert.is(r.status, 0, r.stderr)
  return path.join(root, 'dist', 'cli', 'entry.js')
}

const runBundle = (entry: string, args: readonly string[], cwd: string, env: Record<string, string>) =>
  spawnSync(process.execPath, [entry, ...args], { cwd, env: { PATH: process.env['PATH'] ?? '', ...env }, encoding: 'utf8' })

test('a new build of the code never reuses the cache of another (code-id.txt of the bundle); a bundle without it caches nothing', async () => {
  const dir = fleetDir(40, 4)
  const cache = cacheDir()
  const env = { NSOFFLOAD_CACHE_DIR: cache }
  const a = bundleOf()
  const idA = fs.readFileSync(path.join(path.dirname(a), 'code-id.txt'), 'utf8')
  assert.match(idA, /^[0-9a-f]{64}\n$/)
  const first = runBundle(a, ['build', '--cluster', 'edge-001'], dir, env)
  assert.is(first.status, 0, first.stderr)
  assert.is(entries(cache).length, 1)
  tamperCache(cache)
  assert.match(runBundle(a, ['build', '--cluster', 'edge-002'], dir, env).stdout, FROM_CACHE, 'the same build: served')
  // The same sources bundled again: the same identity (a rebuilt image keeps its cache).
  const again = bundleOf()
  assert.is(fs.readFileSync(path.join(path.dirname(again), 'code-id.txt'), 'utf8'), idA)
  assert.match(runBundle(again, ['build', '--cluster', 'edge-002'], dir, env).stdout, FROM_CACHE, 'the same code bundled again: served')
  // One string of the code changed (nothing the build prints): another identity, a miss.
  const b = bundleOf((src) => {
    const f = path.join(src, 'cli', 'version.ts')
    const text = fs.readFileSync(f, 'utf8')
    assert.ok(text.includes("'not a code identity'"))
    fs.writeFileSync(f, text.replace("'not a code identity'", "'not a code identity (another build)'"))
  })
  assert.is.not(fs.readFileSync(path.join(path.dirname(b), 'code-id.txt'), 'utf8'), idA)
  const other = runBundle(b, ['build', '--cluster', 'edge-002'], dir, env)
  assert.is(other.status, 0, other.stderr)
  assert.not.match(other.stdout, FROM_CACHE, "another build of the code is not served the first one's answer")
  assert.is(entries(cache).length, 2)
  // Run from the sources: not the bundle's entries either.
  const fromSources = await runCli(['build', '--cluster', 'edge-002'], dir, '', env)
  assert.is(fromSources.code, 0, fromSources.stderr)
  assert.not.match(fromSources.stdout, FROM_CACHE)
  assert.is(fromSources.stdout, other.stdout)
  // A bundle whose code-id.txt is missing or damaged: builds, caches nothing, serves nothing.
  for (const damage of [(f: string) => fs.rmSync(f), (f: string) => fs.writeFileSync(f, 'x\n')]) {
    damage(path.join(path.dirname(b), 'code-id.txt'))
    const fresh = cacheDir()
    const r = runBundle(b, ['build', '--cluster', 'edge-002'], dir, { NSOFFLOAD_CACHE_DIR: fresh })
    assert.is(r.status, 0, r.stderr)
    assert.is(r.stdout, other.stdout)
    assert.equal(entries(fresh), [])
  }
})

test.run()
