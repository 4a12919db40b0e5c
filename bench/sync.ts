/**
 * `npm run bench:sync`: `nsoffload sync` on real API servers (the e2e harness: Kubernetes
 * 1.35 or 1.37, NSOFFLOAD_K8S_RELEASE, on loopback, audit logs on), printed as figures, never a timed test:
 *   - first sync of N namespaces (default 200) × 3 clusters (a home, two remotes): wall time
 *     and API requests, against `kubectl apply --server-side -k` of the same build output,
 *     one cluster after the other (as a deploy script does) and the three in parallel, on the
 *     same servers in the same run; --rounds times each (default 3), medians;
 *   - what the client controls (issue 19.4): requests sent and client CPU (user + system, of
 *     the process and its children, from bash's `times`) per object, nsoffload's first sync
 *     against kubectl's applies of the same objects (the API servers' CPU is not counted:
 *     they share the machine's cores with the client);
 *   - a sync with nothing changed: its requests (writes must be 0; reads a handful per
 *     cluster and kind, not one per object), and kubectl's re-apply for comparison; with
 *     `--workloads N` (issue 19.3: N ConfigMaps spread over the namespaces, listed by the
 *     policies, applied on the home cluster), also `kubectl diff --server-side` of the same
 *     manifests, the comparison the issue's target names.
 *
 *   npm run bench:sync -- [--namespaces N] [--workloads N] [--rounds N] [--bin FILE] [--json]
 *
 * Every run gets the same shapes of objects under its own names (`ns…` for nsoffload, `ks…`
 * and `kp…` for kubectl), so that each creates everything from scratch; within a round the
 * order rotates. kubectl applies to three API servers of its own (`k-<cluster>`): what it
 * creates carries nsoffload's ownership marker, and nsoffload would see it as namespaces
 * whose policy is gone. The CRD is installed (and kubectl's discovery cache warmed) before
 * anything is timed. Requests are counted from the API servers' audit logs, by user agent. It runs
 * bin/nsoffload.js over dist/ (compile it first: `npm run build`), or `--bin FILE` (another
 * checkout, to compare). Start-up of the control planes takes some 15 s.
 */
import { spawn, spawnSync } from 'node:child_process'
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import { fileURLToPath } from 'node:url'
import { type AuditEvent, type ControlPlaneEnv, startControlPlanes } from '../test/e2e/harness/control-plane.ts'

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const HOME = 'milan'
const REMOTES = ['edge-a', 'edge-b'] as const
const CLUSTERS = [HOME, ...REMOTES]
/** kubectl's own API server for each cluster. */
const K = (c: string): string => `k-${c}`

function parseArgs(argv: readonly string[]): { namespaces: number; workloads: number; rounds: number; bin: string; json: boolean } {
  const o = { namespaces: 200, workloads: 0, rounds: 3, bin: path.join(REPO, 'bin', 'nsoffload.js'), json: false }
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]
    const int = (): number => {
      const n = Number(argv[++i])
      if (!Number.isInteger(n) || n < 1) throw new Error(`${String(a)} takes a positive integer`)
      return n
    }
    if (a === '--namespaces') o.namespaces = int()
    else if (a === '--rounds') o.rounds = int()
    else if (a === '--workloads') o.workloads = int()
    else if (a === '--json') o.json = true
    else if (a === '--bin') o.bin = path.resolve(argv[++i] ?? '')
    else throw new Error(`unknown option ${String(a)} (see bench/sync.ts)`)
  }
  return o
}

const INVENTORY = `apiVersion: nsoffload.dev/v1alpha1
kind: ClusterInventory
metadata:
  name: bench
spec:
  home:
    clusterID: ${HOME}
    context: ${HOME}
  remotes:
    - clusterID: edge-a
      context: edge-a
      labels: {topology.liqo.io/region: north, provider: aws, tier: gold}
    - clusterID: edge-b
      context: edge-b
      labels: {topology.liqo.io/region: south, provider: gcp, tier: silver}
`

const VIRTUAL = (id: string): Record<string, string> => ({ 'liqo.io/type': 'virtual-node', 'liqo.io/remote-cluster-id': id })
const TAINT = { key: 'virtual-node.liqo.io/not-allowed', value: 'true', effect: 'NoExecute' as const }

/** Selectors that take both remotes, in each form. */
const SELECTORS = [
  [],
  ['  clusterSelector:', '    - "topology.liqo.io/region in (north,south)"'],
  ['  clusterSelector:', '    - "provider=aws"', '    - "provider==gcp"'],
  ['  clusterSelector:', '    - "!staging, tier notin (bronze)"'],
  ['  clusterSelector:', '    nodeSelectorTerms:', '      - matchExpressions:', '          - {key: tier, operator: Exists}'],
  ['  clusterSelector:', '    nodeSelectorTerms:', '      - matchExpressions:', '          - {key: provider, operator: In, values: [aws, gcp]}'],
]
const MAPPING = ['DefaultName', 'EnforceSameName', 'SelectedName'] as const
const POD = ['LocalAndRemote', 'Remote', 'Local'] as const

/** N policies named `<prefix>-NNN`: every strategy, selectors that select both remotes; `workloads` ConfigMaps spread over them. */
function policies(prefix: string, n: number, workloads = 0): Map<string, string> {
  const out = new Map<string, string>()
  for (let i = 0; i < n; i++) {
    const ns = `${prefix}-${String(i).padStart(3, '0')}`
    const mapping = MAPPING[i % MAPPING.length] ?? 'DefaultName'
    const lines = [
      'apiVersion: nsoffload.dev/v1alpha1',
      'kind: OffloadingPolicy',
      'metadata:',
      `  name: ${ns}`,
      'spec:',
      `  namespaceMappingStrategy: ${mapping}`,
    ]
    if (mapping === 'SelectedName') lines.push(`  remoteNamespaceName: ${ns}-remote`)
    lines.push(`  podOffloadingStrategy: ${POD[Math.floor(i / 3) % POD.length] ?? 'LocalAndRemote'}`, ...(SELECTORS[i % SELECTORS.length] ?? []))
    if (i % 4 === 0) lines.push('  namespace:', '    labels:', `      team: t${i % 10}`)
    const mine = Math.floor(((i + 1) * workloads) / n) - Math.floor((i * workloads) / n)
    if (mine > 0) {
      lines.push('  workloads:', `    - ../apps/${ns}.yaml`)
      const docs = Array.from({ length: mine }, (_, k) =>
        ['apiVersion: v1', 'kind: ConfigMap', 'metadata:', `  name: cm-${k}`, 'data:', `  index: "${k}"`, `  owner: ${ns}`].join('\n'),
      )
      out.set(`apps/${ns}.yaml`, docs.join('\n---\n') + '\n')
    }
    out.set(`policies/${ns}.yaml`, lines.join('\n') + '\n')
  }
  return out
}

function writeProject(dir: string, prefix: string, n: number, workloads: number): void {
  fs.mkdirSync(path.join(dir, 'policies'), { recursive: true })
  fs.mkdirSync(path.join(dir, 'apps'), { recursive: true })
  fs.writeFileSync(path.join(dir, 'inventory.yaml'), INVENTORY)
  for (const [rel, text] of policies(prefix, n, workloads)) fs.writeFileSync(path.join(dir, rel), text)
}

interface Exec {
  readonly code: number
  readonly stdout: string
  readonly stderr: string
  readonly ms: number
  /** CPU time (user + system) of the command and every process it waited for. */
  readonly cpuMs: number
}

/** bash's `times`, second line (the children's): `0m1.234s 0m0.056s`. */
function childrenCpuMs(times: string): number {
  const line = times.trim().split('\n')[1] ?? ''
  const ms = [...line.matchAll(/(\d+)m([\d.]+)s/g)].map((m) => (Number(m[1]) * 60 + Number(m[2])) * 1000)
  return ms.length === 2 ? (ms[0] ?? 0) + (ms[1] ?? 0) : NaN
}

function exec(cmd: string, args: readonly string[], cwd: string): Promise<Exec> {
  return new Promise((resolve, reject) => {
    const t = performance.now()
    const timesFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'nsoffload-times-')), 'times')
    // Run by bash, which reports its children's CPU time once the command has exited.
    const script = '"$@"; rc=$?; times > "$NSOFFLOAD_BENCH_TIMES"; exit $rc'
    const child = spawn('bash', ['-c', script, 'bash', cmd, ...args], {
      cwd,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, NSOFFLOAD_BENCH_TIMES: timesFile },
    })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (b: Buffer) => (stdout += b.toString()))
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString()))
    child.on('error', reject)
    child.on('close', (code) => {
      let cpuMs = NaN
      try {
        cpuMs = childrenCpuMs(fs.readFileSync(timesFile, 'utf8'))
      } catch {
        // The command did not get to its end: no figure.
      }
      fs.rmSync(path.dirname(timesFile), { recursive: true, force: true })
      resolve({ code: code ?? 128, stdout, stderr, ms: performance.now() - t, cpuMs })
    })
  })
}

function must(r: Exec, what: string): Exec {
  if (r.code !== 0) throw new Error(`${what} exited ${r.code}:\n${r.stderr.slice(0, 3000)}`)
  return r
}

interface Requests {
  reads: number
  writes: number
  /** `verb resource` → count, per cluster. */
  readonly detail: Record<string, Record<string, number>>
}

const WRITE = new Set(['create', 'update', 'patch', 'delete', 'deletecollection'])

/** Requests a tool sent, from the audit logs, since the offsets. */
async function requests(env: ControlPlaneEnv, since: Record<string, number>, agent: string): Promise<Requests> {
  const out: Requests = { reads: 0, writes: 0, detail: {} }
  for (const c of CLUSTERS) {
    const server = agent === 'kubectl' ? K(c) : c
    const events: AuditEvent[] = (await env.auditEvents(server, since[server])).filter((e) => e.userAgent.startsWith(agent))
    const d: Record<string, number> = {}
    for (const e of events) {
      // A dry run (`dryRun=All`, nsoffload's comparison of workloads) writes nothing: a read.
      if (WRITE.has(e.verb) && !e.dryRun) out.writes++
      else out.reads++
      const k = `${e.verb} ${e.resource || e.requestURI.split('?')[0]}${e.subresource ? `/${e.subresource}` : ''}${e.dryRun ? ' (dry run)' : ''}`
      d[k] = (d[k] ?? 0) + 1
    }
    out.detail[c] = d
  }
  return out
}

async function offsets(env: ControlPlaneEnv): Promise<Record<string, number>> {
  const out: Record<string, number> = {}
  for (const c of [...CLUSTERS, ...CLUSTERS.map(K)]) out[c] = await env.auditOffset(c)
  return out
}

async function main(): Promise<void> {
  const o = parseArgs(process.argv.slice(2))
  const log = (s: string): void => {
    process.stderr.write(`${s}\n`)
  }
  const BIN = o.bin
  if (!fs.existsSync(path.join(path.dirname(BIN), '..', 'dist', 'cli', 'entry.js')))
    throw new Error(`${BIN}: its dist/ is missing: run \`npm run build\` first`)
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'nsoffload-bench-sync-'))
  log('starting the control planes…')
  const env = await startControlPlanes({ clusters: [...CLUSTERS, ...CLUSTERS.map(K)] })
  try {
    const kubectl = (cluster: string, args: readonly string[], cwd = work): Promise<Exec> =>
      exec(env.kubectlPath, ['--kubeconfig', env.kubeconfigPath, '--context', cluster, ...args], cwd)
    // Untimed: the CRD, Established; kubectl's discovery cache warm on every cluster.
    for (const home of [HOME, K(HOME)]) {
      must(await kubectl(home, ['apply', '--server-side', '-f', path.join(REPO, 'schemas', 'namespaceoffloading-crd.yaml')]), 'kubectl apply CRD')
      must(await kubectl(home, ['wait', '--for=condition=Established', 'crd/namespaceoffloadings.offloading.liqo.io', '--timeout=60s']), 'kubectl wait CRD')
    }
    for (const c of CLUSTERS) must(await kubectl(K(c), ['api-resources']), 'kubectl api-resources')
    // The remotes' Liqo virtual nodes on the home cluster, labelled as the inventory says (sync's drift guard reads them).
    await env.createNodes(HOME, [
      { name: 'liqo-edge-a', labels: { ...VIRTUAL('edge-a'), 'topology.liqo.io/region': 'north', provider: 'aws', tier: 'gold' }, taints: [TAINT] },
      { name: 'liqo-edge-b', labels: { ...VIRTUAL('edge-b'), 'topology.liqo.io/region': 'south', provider: 'gcp', tier: 'silver' }, taints: [TAINT] },
    ])

    const apply = (c: string, dir: string): Promise<Exec> =>
      kubectl(K(c), ['apply', '--server-side', '--field-manager', 'bench', '-k', path.join('out', c)], dir)
    const sync = (dir: string): Promise<Exec> => exec(process.execPath, [BIN, 'sync', '--kubeconfig', env.kubeconfigPath, '--format', 'json'], dir)
    /** A project of its own for each run: the same shapes under the tool's own names. */
    const project = async (prefix: string, build: boolean): Promise<string> => {
      const dir = path.join(work, prefix)
      writeProject(dir, prefix, o.namespaces, o.workloads)
      if (build) must(await exec(process.execPath, [BIN, 'build', '-o', 'out'], dir), 'nsoffload build')
      return dir
    }
    type Tool = 'nsoffload' | 'sequential' | 'parallel'
    const runs: Record<Tool, { ms: number; cpuMs: number; req: Requests; doc?: SyncDoc }[]> = { nsoffload: [], sequential: [], parallel: [] }
    const dirs: Partial<Record<Tool, string>> = {}
    const tools: Tool[] = ['nsoffload', 'sequential', 'parallel']
    for (let round = 0; round < o.rounds; round++) {
      for (let k = 0; k < tools.length; k++) {
        const tool = tools[(k + round) % tools.length] as Tool
        const dir = await project(`${tool === 'nsoffload' ? 'ns' : tool === 'sequential' ? 'ks' : 'kp'}${round}`, tool !== 'nsoffload')
        dirs[tool] = dir
        log(
          `round ${round + 1}/${o.rounds}: ${tool === 'nsoffload' ? 'nsoffload sync' : `kubectl apply --server-side -k, clusters ${tool === 'sequential' ? 'one after the other' : 'in parallel'}`}…`,
        )
        const since = await offsets(env)
        const t = performance.now()
        let doc: SyncDoc | undefined
        let cpuMs = 0
        if (tool === 'nsoffload') {
          const r = must(await sync(dir), 'nsoffload sync')
          cpuMs = r.cpuMs
          doc = JSON.parse(r.stdout) as SyncDoc
        } else if (tool === 'sequential') for (const c of CLUSTERS) cpuMs += must(await apply(c, dir), 'kubectl apply').cpuMs
        else for (const r of await Promise.all(CLUSTERS.map((c) => apply(c, dir)))) cpuMs += must(r, 'kubectl apply').cpuMs
        const ms = performance.now() - t
        runs[tool].push({ ms, cpuMs, req: await requests(env, since, tool === 'nsoffload' ? 'nsoffload' : 'kubectl'), ...(doc ? { doc } : {}) })
      }
    }
    const objects = CLUSTERS.map((c) => (fs.readFileSync(path.join(dirs.parallel ?? '', 'out', c, 'kustomization.yaml'), 'utf8').match(/^- /gm) ?? []).length)
    log('nsoffload sync, nothing changed…')
    let since = await offsets(env)
    const again = must(await sync(dirs.nsoffload ?? ''), 'nsoffload sync (no-op)')
    const againReq = await requests(env, since, 'nsoffload')
    const againDoc = JSON.parse(again.stdout) as SyncDoc
    log('kubectl re-apply, nothing changed…')
    since = await offsets(env)
    const t = performance.now()
    for (const r of await Promise.all(CLUSTERS.map((c) => apply(c, dirs.parallel ?? '')))) must(r, 'kubectl apply')
    const kcAgain = { ms: performance.now() - t, req: await requests(env, since, 'kubectl') }
    // `kubectl diff --server-side` of the same manifests (exit 1: differences; 0: none).
    log('kubectl diff --server-side, nothing changed…')
    since = await offsets(env)
    const td = performance.now()
    const diffs = await Promise.all(
      CLUSTERS.map((c) => kubectl(K(c), ['diff', '--server-side', '--field-manager', 'bench', '-k', path.join('out', c)], dirs.parallel ?? '')),
    )
    for (const r of diffs) if (r.code > 1) must(r, 'kubectl diff')
    const kcDiff = { ms: performance.now() - td, differs: diffs.filter((r) => r.code === 1).length, req: await requests(env, since, 'kubectl') }

    const median = (xs: readonly number[]): number => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)] ?? 0
    const med = (tool: Tool): { ms: number; all: number[]; cpuMs: number; writes: number; reads: number } => {
      const all = runs[tool].map((r) => r.ms)
      const last = runs[tool][runs[tool].length - 1]
      return { ms: median(all), all, cpuMs: median(runs[tool].map((r) => r.cpuMs)), writes: last?.req.writes ?? 0, reads: last?.req.reads ?? 0 }
    }
    const nso = med('nsoffload')
    const seq = med('sequential')
    const par = med('parallel')
    const firstDoc = runs.nsoffload[runs.nsoffload.length - 1]?.doc
    /** Issue 19.4: what the client spends per object it applies (the same objects for both tools). */
    const perObject = () => {
      const total = objects.reduce((a, b) => a + b, 0)
      const of = (x: { cpuMs: number; writes: number; reads: number }) => ({ requests: (x.writes + x.reads) / total, cpuMs: x.cpuMs / total })
      const n = of(nso)
      const k = of(seq)
      return { objects: total, nsoffload: n, kubectl: k, kubectlParallel: of(par), requestRatio: n.requests / k.requests, cpuRatio: n.cpuMs / k.cpuMs }
    }
    /** Issue 19.3's bound of a no-op sync: clusters × (kinds listed + 2) requests. */
    const listed = new Set(Object.values(againReq.detail).flatMap((d) => Object.keys(d).filter((k) => k.startsWith('list '))))
    const budget = { kindsListed: listed.size, requests: againReq.reads + againReq.writes, bound: CLUSTERS.length * (listed.size + 2) }
    const phases: Record<string, number> = {}
    for (const n of firstDoc?.namespaces ?? []) phases[n.status.offloadingPhase] = (phases[n.status.offloadingPhase] ?? 0) + 1
    const figures = {
      machine: {
        node: process.version,
        cpus: os.cpus().length,
        loadAverage: os.loadavg().map((l) => Number(l.toFixed(2))),
        kubernetes: env.release,
        kubectl: spawnSync(env.kubectlPath, ['version', '--client'], { encoding: 'utf8' }).stdout.split('\n')[0] ?? '',
      },
      namespaces: o.namespaces,
      rounds: o.rounds,
      objects: Object.fromEntries(CLUSTERS.map((c, i) => [c, objects[i]])),
      first: { nsoffload: { ...nso, statusWrites: firstDoc?.statusWrites ?? 0, phases }, kubectlSequential: seq, kubectlParallel: par },
      speedup: { sequential: seq.ms / nso.ms, parallel: par.ms / nso.ms },
      perObject: perObject(),
      workloads: o.workloads,
      noop: {
        nsoffload: { ms: again.ms, changes: againDoc.changes.length, ...againReq },
        budget,
        kubectl: { ms: kcAgain.ms, ...kcAgain.req },
        kubectlDiff: { ms: kcDiff.ms, clustersWithDifferences: kcDiff.differs, ...kcDiff.req },
      },
    }
    if (o.json) {
      process.stdout.write(JSON.stringify(figures, null, 2) + '\n')
      return
    }
    const s = (ms: number): string => `${(ms / 1000).toFixed(2)} s`
    const all = (x: { all: number[] }): string => (x.all.length > 1 ? ` (${x.all.map((m) => (m / 1000).toFixed(2)).join(', ')})` : '')
    const perKind = (r: Requests): string =>
      CLUSTERS.map(
        (c) =>
          `    ${c}: ${
            Object.entries(r.detail[c] ?? {})
              .sort(([a], [b]) => (a < b ? -1 : 1))
              .map(([k, v]) => `${v} ${k}`)
              .join(', ') || 'none'
          }`,
      ).join('\n')
    const total = objects.reduce((a, b) => a + b, 0)
    process.stdout.write(
      [
        `nsoffload sync benchmark: ${o.namespaces} namespaces${o.workloads ? ` with ${o.workloads} workloads` : ''} × ${CLUSTERS.length} clusters (${CLUSTERS.map((c, i) => `${c} ${objects[i]}`).join(', ')}: ${total} objects)`,
        `  node ${process.version}, ${os.cpus().length} CPUs, load average ${figures.machine.loadAverage.join(' ')}; kube-apiserver ${figures.machine.kubernetes} on loopback, audit log on; ${figures.machine.kubectl}`,
        '',
        `first sync        nsoffload sync ${s(nso.ms)}${all(nso)}: ${nso.writes} writes (${total} objects + ${firstDoc?.statusWrites ?? 0} status), ${nso.reads} reads; phases ${Object.entries(
          phases,
        )
          .map(([p, c]) => `${c} ${p}`)
          .join(', ')}`,
        `                  kubectl apply --server-side -k, one cluster after the other: ${s(seq.ms)}${all(seq)}: ${seq.writes} writes, ${seq.reads} reads`,
        `                  kubectl apply --server-side -k, clusters in parallel: ${s(par.ms)}${all(par)}: ${par.writes} writes, ${par.reads} reads`,
        `                  nsoffload is ${figures.speedup.sequential.toFixed(2)}× as fast as kubectl one cluster after the other, ${figures.speedup.parallel.toFixed(2)}× as fast as kubectl in parallel (medians of ${o.rounds})`,
        `per object        nsoffload ${figures.perObject.nsoffload.requests.toFixed(3)} requests, ${figures.perObject.nsoffload.cpuMs.toFixed(2)} ms client CPU (${s(nso.cpuMs)} in all); kubectl ${figures.perObject.kubectl.requests.toFixed(3)} requests, ${figures.perObject.kubectl.cpuMs.toFixed(2)} ms (${s(seq.cpuMs)}; in parallel ${figures.perObject.kubectlParallel.cpuMs.toFixed(2)} ms)`,
        `                  nsoffload / kubectl: ${figures.perObject.requestRatio.toFixed(2)}× the requests, ${figures.perObject.cpuRatio.toFixed(2)}× the client CPU per object (medians of ${o.rounds}; the API servers' CPU not counted)`,
        `no-op sync        nsoffload ${s(again.ms)}: ${againReq.writes} writes, ${againReq.reads} reads, ${againDoc.changes.length} changes`,
        perKind(againReq),
        `                  ${budget.requests} requests; the bound of issue 19.3: clusters × (kinds listed + 2) = ${CLUSTERS.length} × (${budget.kindsListed} + 2) = ${budget.bound}`,
        `                  kubectl re-apply (parallel): ${s(kcAgain.ms)}: ${kcAgain.req.writes} writes, ${kcAgain.req.reads} reads`,
        `                  kubectl diff --server-side (parallel): ${s(kcDiff.ms)}: ${kcDiff.req.writes} writes, ${kcDiff.req.reads} reads (dry runs included), differences on ${kcDiff.differs} clusters; nsoffload's no-op sync takes ${(again.ms / kcDiff.ms).toFixed(2)}× its time`,
      ].join('\n') + '\n',
    )
  } finally {
    await env.stop()
    fs.rmSync(work, { recursive: true, force: true })
  }
}

interface SyncDoc {
  readonly namespaces: readonly { readonly status: { readonly offloadingPhase: string } }[]
  readonly changes: readonly unknown[]
  readonly statusWrites: number
}

await main()
