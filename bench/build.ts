/**
 * `npm run bench`: how fast `nsoffload build` is at fleet scale, printed as figures (never a
 * timed test). From one run:
 *   - `build -o` of a generated fleet (default 5,000 policies × 100 remote clusters, see
 *     fleet.ts): wall time, CPU time and peak memory, median of --runs processes;
 *   - the floor: the same documents parsed and serialised by the same YAML library with
 *     nothing else (floor.mjs), and the ratio build / floor; and what writing the same files
 *     alone costs;
 *   - the parse floor: reading and parsing the same inputs with the same library, nothing
 *     else; the I/O floor: writing the same files, already in memory (floor.mjs);
 *   - per-cluster renders, as Argo CD's plugin runs them: one cold `build --cluster` of a
 *     remote and of the home (an empty cache folder: it compiles, then stores), and with
 *     `--no-cache` (compiling that cluster only); then every cluster's `build --cluster` of
 *     one revision as separate processes, at most --concurrency (4) at once, with a fresh
 *     cache folder: wall time and the CPU time of all of them, against one `build -o`. Twice:
 *     each process in a fresh copy of the fleet, as Argo CD's sidecar gives every request
 *     (no file keeps its stamp, so every input is read; the copies are made before the clock
 *     starts), and all in one checkout, as a CI job or a laptop builds again (the stamps hold);
 *   - start-up: `--version` and `validate` of one policy against bare `node -e 0`;
 *   - growth: the same with twice the policies;
 *   - what two of its tricks are worth (issue 18.6), against copies of dist/ with one line
 *     changed (`variant`): `build -o` with no writer threads (every file written on the main
 *     thread), and `validate` with yargs left to render the command's help after running it.
 *     Only with the bundle of this checkout (not `--bin`, not `--entry src`).
 *
 *   npm run bench -- [--policies N] [--clusters N] [--runs N] [--startup-runs N] [--concurrency N] [--dir DIR] [--bin FILE] [--json]
 *
 * It runs bin/nsoffload.js over dist/, compiling dist/ first when it is older than src/. The
 * builds and the floor run in interleaved rounds (the machine is shared: its speed changes).
 * Fleets and outputs go to a temporary folder under --dir (default: /dev/shm when there is
 * one, so that the disk of the machine does not decide the figures; give --dir /tmp to
 * include it) and are removed at the end. `--entry src` runs the CLI from the TypeScript
 * sources instead (for the test that checks the benchmark itself; its figures mean nothing);
 * `--bin FILE` runs another build of nsoffload (a checkout of an older commit, to compare).
 */
import { spawn, spawnSync } from 'node:child_process'
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { generateFleet, writeFleet } from './fleet.ts'

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')

interface Options {
  policies: number
  clusters: number
  runs: number
  startupRuns: number
  dir: string
  entry: 'dist' | 'src'
  bin?: string
  json: boolean
  concurrency: number
}

function parseArgs(argv: readonly string[]): Options {
  const o: Options = { policies: 5000, clusters: 100, runs: 3, startupRuns: 20, dir: defaultDir(), entry: 'dist', json: false, concurrency: 4 }
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] ?? ''
    const next = (): string => {
      const v = argv[++i]
      if (v === undefined) throw new Error(`${a} needs a value`)
      return v
    }
    const int = (): number => {
      const n = Number(next())
      if (!Number.isInteger(n) || n < 1) throw new Error(`${a} takes a positive integer`)
      return n
    }
    if (a === '--policies') o.policies = int()
    else if (a === '--clusters') o.clusters = int()
    else if (a === '--runs') o.runs = int()
    else if (a === '--startup-runs') o.startupRuns = int()
    else if (a === '--concurrency') o.concurrency = int()
    else if (a === '--dir') o.dir = next()
    else if (a === '--json') o.json = true
    else if (a === '--bin') o.bin = path.resolve(next())
    else if (a === '--entry') {
      const e = next()
      if (e !== 'dist' && e !== 'src') throw new Error('--entry takes dist or src')
      o.entry = e
    } else throw new Error(`unknown option ${a} (see bench/build.ts)`)
  }
  return o
}

function defaultDir(): string {
  try {
    fs.accessSync('/dev/shm', fs.constants.W_OK)
    return '/dev/shm'
  } catch {
    return os.tmpdir()
  }
}

/** The file system type of a folder (Linux), for the report. */
function fsType(dir: string): string {
  try {
    const mounts = fs
      .readFileSync('/proc/mounts', 'utf8')
      .split('\n')
      .map((l) => l.split(' '))
    const real = fs.realpathSync(dir)
    let best: string[] | undefined
    for (const m of mounts) {
      const at = m[1] ?? ''
      if ((real === at || real.startsWith(at.endsWith('/') ? at : `${at}/`)) && (!best || at.length > (best[1] ?? '').length)) best = m
    }
    return best?.[2] ?? 'unknown'
  } catch {
    return 'unknown'
  }
}

/** dist/ is what users run: compile it when a source file is newer. */
function ensureDist(log: (s: string) => void): void {
  const main = path.join(REPO, 'dist', 'cli', 'entry.js')
  const built = fs.existsSync(main) ? fs.statSync(main).mtimeMs : 0
  const newest = (dir: string): number =>
    fs
      .readdirSync(dir, { withFileTypes: true })
      .reduce((m, e) => Math.max(m, e.isDirectory() ? newest(path.join(dir, e.name)) : fs.statSync(path.join(dir, e.name)).mtimeMs), 0)
  if (newest(path.join(REPO, 'src')) <= built) return
  log('bundling dist/ (npm run build)…')
  const r = spawnSync('npm', ['run', '--silent', 'build'], { cwd: REPO, stdio: 'inherit' })
  if (r.status !== 0) throw new Error('npm run build failed')
}

function cli(entry: Options['entry'], bin?: string): string[] {
  if (bin) return [bin]
  return entry === 'dist'
    ? [path.join(REPO, 'bin', 'nsoffload.js')]
    : ['--import', pathToFileURL(path.join(REPO, 'node_modules', 'tsx', 'dist', 'loader.mjs')).href, path.join(REPO, 'src', 'cli', 'entry.ts')]
}

/** The changes of the variants: a pattern of the bundle and what replaces it (each must be found once). */
const VARIANTS = {
  noThreads: { file: /^chunk-.*\.js$/, from: /function nodeFileQueue\(threshold = [^,]+,/, to: 'function nodeFileQueue(threshold = Infinity,' },
  helpCache: {
    file: /^(entry|main-[A-Z0-9]+)\.js$/,
    from: /if \((\w+)\?\.cacheHelpMessage\) \1\.cacheHelpMessage = /,
    to: 'if (false) $1.cacheHelpMessage = ',
  },
} as const

/**
 * A copy of the package (bin/, dist/, package.json; schemas and node_modules linked) whose
 * bundle has one change of VARIANTS: the CLI to run. Throws when the bundle no longer has the
 * line (then this benchmark must follow the code).
 */
function variant(work: string, name: keyof typeof VARIANTS): string {
  const v = VARIANTS[name]
  const root = path.join(work, `variant-${name}`)
  fs.cpSync(path.join(REPO, 'bin'), path.join(root, 'bin'), { recursive: true })
  fs.cpSync(path.join(REPO, 'dist'), path.join(root, 'dist'), { recursive: true })
  fs.copyFileSync(path.join(REPO, 'package.json'), path.join(root, 'package.json'))
  for (const l of ['schemas', 'node_modules']) fs.symlinkSync(path.join(REPO, l), path.join(root, l))
  const dir = path.join(root, 'dist', 'cli')
  const hits = fs.readdirSync(dir).filter((f) => v.file.test(f) && v.from.test(fs.readFileSync(path.join(dir, f), 'utf8')))
  if (hits.length !== 1) throw new Error(`variant ${name}: ${hits.length} files of dist/cli match ${String(v.from)} (bench/build.ts must follow the bundle)`)
  const f = path.join(dir, hits[0] ?? '')
  fs.writeFileSync(f, fs.readFileSync(f, 'utf8').replace(v.from, v.to))
  return path.join(root, 'bin', 'nsoffload.js')
}

interface Run {
  readonly wallMs: number
  readonly cpuMs: number
  readonly maxRSSMiB: number
  readonly stderr: string
}

/** One process, timed from spawn to exit, with its CPU time and peak memory. */
function timed(args: readonly string[], cwd: string, env: Readonly<Record<string, string>> = {}): Run {
  const usage = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'nsoffload-rusage-')), 'rusage.json')
  const hook = pathToFileURL(path.join(REPO, 'bench', 'rusage.mjs')).href
  const t = performance.now()
  const r = spawnSync(process.execPath, ['--import', hook, ...args], {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, ...env, NSOFFLOAD_BENCH_RUSAGE: usage },
    maxBuffer: 256 << 20,
  })
  const wallMs = performance.now() - t
  if (r.status !== 0) throw new Error(`nsoffload ${args.slice(-3).join(' ')} exited ${String(r.status)}:\n${r.stderr.slice(0, 2000)}`)
  const u = readUsage(usage)
  return { wallMs, cpuMs: u.cpuMs, maxRSSMiB: u.maxRSSMiB, stderr: r.stderr }
}

function readUsage(file: string): { cpuMs: number; maxRSSMiB: number } {
  const u = JSON.parse(fs.readFileSync(file, 'utf8')) as { maxRSSKiB: number; userMs: number; systemMs: number }
  fs.rmSync(path.dirname(file), { recursive: true, force: true })
  return { cpuMs: u.userMs + u.systemMs, maxRSSMiB: u.maxRSSKiB / 1024 }
}

/**
 * `build --cluster ID` for every cluster, as Argo CD renders the Applications of one revision:
 * a process each, at most `concurrency` at once, the i-th in `cwds[i]`. The wall time of all,
 * and their CPU time summed.
 */
async function renders(
  o: Options,
  ids: readonly string[],
  cwds: readonly string[],
  env: Readonly<Record<string, string>>,
): Promise<{ wallMs: number; cpuMs: number }> {
  const hook = pathToFileURL(path.join(REPO, 'bench', 'rusage.mjs')).href
  let next = 0
  let cpuMs = 0
  const one = (i: number): Promise<void> =>
    new Promise((resolve, reject) => {
      const id = ids[i] ?? ''
      const usage = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'nsoffload-rusage-')), 'rusage.json')
      const p = spawn(process.execPath, ['--import', hook, ...cli(o.entry, o.bin), 'build', '--cluster', id], {
        cwd: cwds[i] ?? cwds[0],
        env: { ...process.env, ...env, NSOFFLOAD_BENCH_RUSAGE: usage },
        stdio: ['ignore', 'ignore', 'ignore'],
      })
      p.on('error', reject)
      p.on('close', (code) => {
        if (code !== 0) reject(new Error(`build --cluster ${id} exited ${String(code)}`))
        else {
          cpuMs += readUsage(usage).cpuMs
          resolve()
        }
      })
    })
  const t = performance.now()
  await Promise.all(
    Array.from({ length: Math.min(o.concurrency, ids.length) }, async () => {
      while (next < ids.length) await one(next++)
    }),
  )
  return { wallMs: performance.now() - t, cpuMs }
}

const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b)
  const m = Math.floor(s.length / 2)
  return s.length % 2 === 1 ? (s[m] ?? 0) : ((s[m - 1] ?? 0) + (s[m] ?? 0)) / 2
}

interface BuildFigures {
  readonly policies: number
  readonly clusters: number
  readonly wallMs: number
  readonly minWallMs: number
  readonly cpuMs: number
  readonly maxRSSMiB: number
}

interface FloorFigures {
  readonly ms: number
  readonly readMs: number
  readonly parseMs: number
  readonly serialiseMs: number
  readonly writeMs: number
  readonly docsIn: number
  readonly docsOut: number
  readonly bytesIn: number
  readonly bytesOut: number
}

/** One cluster's build, cold: with an empty cache folder (compile all, store), and with --no-cache (compile that cluster). */
interface ClusterFigures {
  readonly cluster: string
  readonly cold: { readonly wallMs: number; readonly cpuMs: number }
  readonly noCache?: { readonly wallMs: number; readonly cpuMs: number }
}

interface RenderFigures {
  readonly processes: number
  readonly concurrency: number
  readonly wallMs: number
  readonly cpuMs: number
}

type FloorRun = Omit<FloorFigures, 'ms'>

function countFiles(d: string): number {
  let files = 0
  for (const e of fs.readdirSync(d, { withFileTypes: true })) files += e.isDirectory() ? countFiles(path.join(d, e.name)) : 1
  return files
}

/** Whether the CLI under test knows `--no-cache` (older builds have no cache). */
function knowsNoCache(o: Options): boolean {
  const r = spawnSync(process.execPath, [...cli(o.entry, o.bin), 'build', '--help'], { encoding: 'utf8' })
  return r.stdout.includes('--no-cache') || r.stdout.includes('--cache')
}

interface Rounds {
  build: BuildFigures
  floor: FloorFigures
  doubled: BuildFigures
  files: number
  objects: number
  clusters: ClusterFigures[]
  /** Each render in a fresh copy of the fleet (Argo CD's sidecar). */
  renders: RenderFigures
  /** Every render in the same checkout. */
  rendersOneCheckout: RenderFigures
  /** `build -o` with every file written on the main thread (VARIANTS.noThreads), when measured. */
  noThreads?: BuildFigures
}

/**
 * `--runs` rounds of: `build -o` of the fleet, the floors on what it wrote, a cold `build
 * --cluster` of a remote and of the home (and with --no-cache), every cluster's `build
 * --cluster` side by side, `build -o` of the fleet with twice the policies. Interleaved, so
 * that a change in the speed of the machine (it is shared) weighs on all the figures alike;
 * each build writes into a fresh folder, each round's renders start from an empty cache.
 */
async function benchRounds(o: Options, work: string, log: (s: string) => void): Promise<Rounds> {
  const fleet = (policies: number): string => {
    const dir = path.join(work, `fleet-${policies}x${o.clusters}`)
    writeFleet(generateFleet({ policies, clusters: o.clusters }), dir)
    return dir
  }
  const single = fleet(o.policies)
  const double = fleet(o.policies * 2)
  const noCache = knowsNoCache(o)
  const unthreaded = o.entry === 'dist' && !o.bin ? variant(work, 'noThreads') : undefined
  const unthreadedRuns: Run[] = []
  const runs: Run[] = []
  const doubledRuns: Run[] = []
  const floors: FloorRun[] = []
  const remote = `edge-${String(Math.floor(o.clusters / 2)).padStart(3, '0')}`
  const one = new Map<string, { cold: Run[]; noCache: Run[] }>([remote, 'milan'].map((id) => [id, { cold: [], noCache: [] }]))
  const renderRuns: { wallMs: number; cpuMs: number }[] = []
  const oneCheckoutRuns: { wallMs: number; cpuMs: number }[] = []
  let ids: string[] = []
  let files = 0
  let objects = 0
  for (let i = 0; i < o.runs; i++) {
    log(`  round ${i + 1}: build -o, floors, build --cluster, ${o.clusters + 1} renders, build -o of ${o.policies * 2}…`)
    const out = path.join(work, `out-${i}`)
    const r = timed([...cli(o.entry, o.bin), 'build', '-o', out], single)
    runs.push(r)
    if (i === 0) {
      files = countFiles(out)
      objects = [...r.stderr.matchAll(/^wrote .* \((\d+) objects?\)$/gm)].reduce((n, m) => n + Number(m[1]), 0)
      ids = fs.readdirSync(out).sort()
    }
    const writeDir = path.join(work, `floor-${i}`)
    const f = spawnSync(process.execPath, [path.join(REPO, 'bench', 'floor.mjs'), single, out, writeDir], { cwd: REPO, encoding: 'utf8', maxBuffer: 16 << 20 })
    if (f.status !== 0) throw new Error(`floor.mjs failed:\n${f.stderr}`)
    floors.push(JSON.parse(f.stdout) as FloorRun)
    fs.rmSync(writeDir, { recursive: true, force: true })
    fs.rmSync(out, { recursive: true, force: true })
    if (unthreaded) {
      const out1 = path.join(work, `out1-${i}`)
      unthreadedRuns.push(timed([unthreaded, 'build', '-o', out1], single))
      fs.rmSync(out1, { recursive: true, force: true })
    }
    for (const [id, figs] of one) {
      const cache = fs.mkdtempSync(path.join(work, 'cache-'))
      figs.cold.push(timed([...cli(o.entry, o.bin), 'build', '--cluster', id], single, { NSOFFLOAD_CACHE_DIR: cache }))
      fs.rmSync(cache, { recursive: true, force: true })
      if (noCache) figs.noCache.push(timed([...cli(o.entry, o.bin), 'build', '--cluster', id, '--no-cache'], single))
    }
    // Fresh copies at the fleet's depth (the cache key holds the working folder's depth).
    const copies = ids.map((_, j) => {
      const c = path.join(work, `checkout-${j}`)
      fs.cpSync(single, c, { recursive: true })
      return c
    })
    const cache = fs.mkdtempSync(path.join(work, 'cache-'))
    renderRuns.push(await renders(o, ids, copies, { NSOFFLOAD_CACHE_DIR: cache }))
    fs.rmSync(cache, { recursive: true, force: true })
    for (const c of copies) fs.rmSync(c, { recursive: true, force: true })
    const cache1 = fs.mkdtempSync(path.join(work, 'cache-'))
    oneCheckoutRuns.push(await renders(o, ids, [single], { NSOFFLOAD_CACHE_DIR: cache1 }))
    fs.rmSync(cache1, { recursive: true, force: true })
    const out2 = path.join(work, `out2-${i}`)
    doubledRuns.push(timed([...cli(o.entry, o.bin), 'build', '-o', out2], double))
    fs.rmSync(out2, { recursive: true, force: true })
  }
  const figures = (policies: number, rs: readonly Run[]): BuildFigures => ({
    policies,
    clusters: o.clusters,
    wallMs: median(rs.map((r) => r.wallMs)),
    minWallMs: Math.min(...rs.map((r) => r.wallMs)),
    cpuMs: median(rs.map((r) => r.cpuMs)),
    maxRSSMiB: Math.max(...rs.map((r) => r.maxRSSMiB)),
  })
  const readMs = median(floors.map((r) => r.readMs))
  const parseMs = median(floors.map((r) => r.parseMs))
  const serialiseMs = median(floors.map((r) => r.serialiseMs))
  const first = floors[0] as FloorRun
  const med = (rs: readonly { wallMs: number; cpuMs: number }[]): { wallMs: number; cpuMs: number } => ({
    wallMs: median(rs.map((r) => r.wallMs)),
    cpuMs: median(rs.map((r) => r.cpuMs)),
  })
  return {
    build: figures(o.policies, runs),
    floor: { ...first, readMs, parseMs, serialiseMs, writeMs: median(floors.map((r) => r.writeMs)), ms: parseMs + serialiseMs },
    doubled: figures(o.policies * 2, doubledRuns),
    files,
    objects,
    clusters: [...one].map(([cluster, f]) => ({ cluster, cold: med(f.cold), ...(f.noCache.length > 0 ? { noCache: med(f.noCache) } : {}) })),
    renders: { processes: ids.length, concurrency: o.concurrency, ...med(renderRuns) },
    rendersOneCheckout: { processes: ids.length, concurrency: o.concurrency, ...med(oneCheckoutRuns) },
    ...(unthreadedRuns.length > 0 ? { noThreads: figures(o.policies, unthreadedRuns) } : {}),
  }
}

interface StartupFigures {
  readonly nodeMs: number
  readonly versionMs: number
  readonly validateMs: number
  /** `validate` with yargs rendering the command's help after it (VARIANTS.helpCache): wall and CPU, and the CPU of the shipped one. */
  readonly helpCache?: { readonly validateMs: number; readonly validateCpuMs: number; readonly shippedCpuMs: number }
}

function benchStartup(o: Options, work: string): StartupFigures {
  const dir = path.join(work, 'one-policy')
  writeFleet(generateFleet({ policies: 1, clusters: 3 }), dir)
  const policy = path.join('policies', fs.readdirSync(path.join(dir, 'policies'))[0] ?? '')
  const helpCache = o.entry === 'dist' && !o.bin ? variant(work, 'helpCache') : undefined
  const commands: Record<string, string[]> = {
    node: ['-e', '0'],
    version: [...cli(o.entry, o.bin), '--version'],
    validate: [...cli(o.entry, o.bin), 'validate', policy],
    ...(helpCache ? { helpCache: [helpCache, 'validate', policy] } : {}),
  }
  const times: Record<string, number[]> = { node: [], version: [], validate: [], helpCache: [] }
  // CPU time (user + system, of the child): steadier than wall time on a shared machine; for the variant and what it is compared with.
  const cpu: Record<string, number[]> = { validate: [], helpCache: [] }
  const hook = pathToFileURL(path.join(REPO, 'bench', 'rusage.mjs')).href
  // Interleaved, after one warm-up round, so that a change of load or of caches affects all alike.
  for (let i = -1; i < o.startupRuns; i++) {
    for (const [k, args] of Object.entries(commands)) {
      const t = performance.now()
      const r = spawnSync(process.execPath, args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] })
      if (i >= 0) times[k]?.push(performance.now() - t)
      if (r.status !== 0) throw new Error(`${args.join(' ')} exited ${String(r.status)}: ${String(r.stderr)}`)
      if (helpCache && k in cpu) {
        const usage = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'nsoffload-rusage-')), 'rusage.json')
        spawnSync(process.execPath, ['--import', hook, ...args], { cwd: dir, stdio: 'ignore', env: { ...process.env, NSOFFLOAD_BENCH_RUSAGE: usage } })
        if (i >= 0) cpu[k]?.push(readUsage(usage).cpuMs)
      }
    }
  }
  return {
    nodeMs: median(times['node'] ?? []),
    versionMs: median(times['version'] ?? []),
    validateMs: median(times['validate'] ?? []),
    ...(helpCache
      ? {
          helpCache: {
            validateMs: median(times['helpCache'] ?? []),
            validateCpuMs: median(cpu['helpCache'] ?? []),
            shippedCpuMs: median(cpu['validate'] ?? []),
          },
        }
      : {}),
  }
}

const s = (ms: number): string => `${(ms / 1000).toFixed(2)} s`
const n = (x: number): string => x.toLocaleString('en-US')

async function main(): Promise<void> {
  const o = parseArgs(process.argv.slice(2))
  const log = (line: string): void => {
    process.stderr.write(`${line}\n`)
  }
  if (o.entry === 'dist' && !o.bin) ensureDist(log)
  const work = fs.mkdtempSync(path.join(o.dir, 'nsoffload-bench-'))
  try {
    const where = `${o.dir} (${fsType(o.dir)})`
    const loadBefore = os.loadavg().map((l) => Number(l.toFixed(2)))
    log(`fleet: ${n(o.policies)} policies × ${n(o.clusters)} remote clusters, in ${where}`)
    log(`${o.runs} round${o.runs === 1 ? '' : 's'}:`)
    const { build, floor, doubled, files, objects, clusters, renders, rendersOneCheckout, noThreads } = await benchRounds(o, work, log)
    log(`start-up ×${o.startupRuns}…`)
    const startup = benchStartup(o, work)
    const parseFloorMs = floor.readMs + floor.parseMs
    // A figure with its wall and CPU time as multiples of one `build -o`'s.
    const againstBuild = <F extends { wallMs: number; cpuMs: number }>(f: F): F & { ratio: number; cpuRatio: number } => ({
      ...f,
      ratio: f.wallMs / build.wallMs,
      cpuRatio: f.cpuMs / build.cpuMs,
    })
    const figures = {
      machine: {
        node: process.version,
        cpus: os.cpus().length,
        loadAverage: loadBefore,
        loadAverageAfter: os.loadavg().map((l) => Number(l.toFixed(2))),
        dir: o.dir,
        fs: fsType(o.dir),
        entry: o.bin ?? o.entry,
      },
      build: { ...build, files, objects },
      floor: { ...floor, parseFloorMs },
      ratio: build.wallMs / floor.ms,
      ioRatio: build.wallMs / floor.writeMs,
      clusters: clusters.map((c) => ({
        ...c,
        coldRatio: c.cold.wallMs / parseFloorMs,
        ...(c.noCache ? { noCacheRatio: c.noCache.wallMs / parseFloorMs } : {}),
      })),
      renders: againstBuild(renders),
      rendersOneCheckout: againstBuild(rendersOneCheckout),
      startup: { ...startup, versionOverNodeMs: startup.versionMs - startup.nodeMs, validateOverNodeMs: startup.validateMs - startup.nodeMs },
      ...(noThreads ? { noThreads: againstBuild(noThreads) } : {}),
      growth: {
        policies: doubled.policies,
        wallMs: doubled.wallMs,
        cpuMs: doubled.cpuMs,
        maxRSSMiB: doubled.maxRSSMiB,
        ratio: doubled.wallMs / build.wallMs,
        cpuRatio: doubled.cpuMs / build.cpuMs,
      },
    }
    if (o.json) {
      process.stdout.write(JSON.stringify(figures, null, 2) + '\n')
      return
    }
    const lines = [
      `nsoffload build benchmark: ${n(o.policies)} policies × ${n(o.clusters)} remote clusters`,
      `  node ${process.version}, ${os.cpus().length} CPUs, load average ${loadBefore.join(' ')} (after: ${figures.machine.loadAverageAfter.join(' ')}), output in ${where}${o.bin ? `, CLI ${o.bin}` : o.entry === 'src' ? ', CLI from src/ (tsx)' : ''}`,
      '',
      `build -o          ${s(build.wallMs)} wall (median of ${o.runs}, best ${s(build.minWallMs)}), ${s(build.cpuMs)} CPU, peak memory ${build.maxRSSMiB.toFixed(0)} MiB`,
      `                  ${n(objects)} objects in ${n(files)} files`,
      `floor             ${s(floor.ms)}: yaml parses ${n(floor.docsIn)} documents (${(floor.bytesIn / 1e6).toFixed(1)} MB) in ${s(floor.parseMs)}, serialises ${n(floor.docsOut)} (${(floor.bytesOut / 1e6).toFixed(1)} MB) in ${s(floor.serialiseMs)}`,
      `build / floor     ${figures.ratio.toFixed(2)}×`,
      `files alone       ${s(floor.writeMs)} to write the same ${n(files)} files (mkdir + writeFile)`,
      `build / I/O floor ${figures.ioRatio.toFixed(2)}×`,
      `parse floor       ${s(parseFloorMs)}: reading the inputs ${s(floor.readMs)}, parsing them ${s(floor.parseMs)}`,
      ...figures.clusters.map(
        (c) =>
          `--cluster ${`${c.cluster} `.padEnd(9)}cold ${s(c.cold.wallMs)} wall, ${s(c.cold.cpuMs)} CPU: ${c.coldRatio.toFixed(2)}× the parse floor` +
          (c.noCache && c.noCacheRatio !== undefined
            ? `; --no-cache ${s(c.noCache.wallMs)} wall, ${s(c.noCache.cpuMs)} CPU: ${c.noCacheRatio.toFixed(2)}×`
            : ''),
      ),
      `renders           ${renders.processes} × build --cluster, ${renders.concurrency} at once, one cache, each in a fresh copy (Argo CD): ${s(renders.wallMs)} wall, ${s(renders.cpuMs)} CPU: ${figures.renders.ratio.toFixed(2)}× the time of build -o (${figures.renders.cpuRatio.toFixed(2)}× its CPU)`,
      `                  all in one checkout: ${s(rendersOneCheckout.wallMs)} wall, ${s(rendersOneCheckout.cpuMs)} CPU: ${figures.rendersOneCheckout.ratio.toFixed(2)}× the time of build -o (${figures.rendersOneCheckout.cpuRatio.toFixed(2)}× its CPU)`,
      `start-up          node -e 0 ${startup.nodeMs.toFixed(0)} ms; --version ${startup.versionMs.toFixed(0)} ms (+${figures.startup.versionOverNodeMs.toFixed(0)}); validate of one policy ${startup.validateMs.toFixed(0)} ms (+${figures.startup.validateOverNodeMs.toFixed(0)}) (medians of ${o.startupRuns})`,
      ...(figures.noThreads
        ? [
            `no writer thread build -o ${s(figures.noThreads.wallMs)} wall, ${s(figures.noThreads.cpuMs)} CPU, every file written on the main thread: ${figures.noThreads.ratio.toFixed(2)}× the time of build -o (${figures.noThreads.cpuRatio.toFixed(2)}× its CPU)`,
          ]
        : []),
      ...(startup.helpCache
        ? [
            `no help skip      validate of one policy, yargs rendering its help after it: ${startup.helpCache.validateMs.toFixed(0)} ms, ${startup.helpCache.validateCpuMs.toFixed(0)} ms CPU against ${startup.helpCache.shippedCpuMs.toFixed(0)} ms CPU shipped (medians of ${o.startupRuns})`,
          ]
        : []),
      `growth            ${n(doubled.policies)} policies: ${s(doubled.wallMs)} wall, ${s(doubled.cpuMs)} CPU, peak ${doubled.maxRSSMiB.toFixed(0)} MiB: ${figures.growth.ratio.toFixed(2)}× the time (${figures.growth.cpuRatio.toFixed(2)}× the CPU) for 2× the input`,
    ]
    process.stdout.write(lines.join('\n') + '\n')
  } finally {
    fs.rmSync(work, { recursive: true, force: true })
  }
}

await main()
