import * as fs from 'node:fs'
import * as path from 'node:path'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { parse, parseAllDocuments } from 'yaml'
import { Rng } from '../differential/random.ts'
import { REPO, runCli, tempTree } from '../helpers/cli.ts'
import { type ControlPlaneEnv, e2eSkipReason, poll, startControlPlanes } from './harness/control-plane.ts'
import { type LiqoLoop, startLiqoLoop } from './harness/liqo-loop.ts'

/**
 * nsoffload next to Liqo v1.2.0's own code: Liqo's NamespaceOffloading controller (home),
 * NamespaceMap controllers (remotes) and pod / NamespaceOffloading webhooks run against three
 * real control planes of their own (venice offloading to florence and naples, as in Liqo's
 * tutorial), through the liqo-loop Go program (harness/liqo-loop.ts; what stands in for
 * peering: docs/liqo.md). What `plan` predicts is held to what Liqo writes; the pods of the
 * patched workloads go through Liqo's real webhook and the real kube-scheduler.
 */
const skip = e2eSkipReason('liqo-loop')
const e2e = skip === null ? test : test.skip
const CLUSTERS = ['venice', 'florence', 'naples'] as const
const HOME_NODE = { name: 'venice-control-plane', labels: { 'kubernetes.io/hostname': 'venice-control-plane', 'topology.liqo.io/region': 'north' } }
let env: ControlPlaneEnv
let liqo: LiqoLoop | undefined

test.before(async () => {
  if (skip !== null) return
  env = await startControlPlanes({ clusters: [...CLUSTERS], withScheduler: true, withControllerManager: true })
  await env.createNodes('venice', [HOME_NODE])
  liqo = await startLiqoLoop(env, {
    home: { clusterID: 'venice' },
    remotes: [
      { clusterID: 'florence', labels: { 'topology.liqo.io/region': 'center' } },
      { clusterID: 'naples', labels: { 'topology.liqo.io/region': 'south' } },
    ],
  })
})

test.after(async () => {
  await liqo?.stop()
  if ((env as ControlPlaneEnv | undefined) !== undefined) await env.stop()
})

async function json<T = Record<string, unknown>>(cluster: string, args: string[]): Promise<T> {
  const r = await env.kubectl(cluster, [...args, '-o', 'json'])
  assert.is(r.code, 0, r.stderr)
  return JSON.parse(r.stdout) as T
}

e2e('the peering stand-ins: inventory pull reads back the bundled inventory from the virtual nodes Liqo forged', async () => {
  const work = tempTree({})
  const r = await runCli(
    ['inventory', 'pull', '--context', 'venice', '--cluster-id', 'venice', '-o', 'inventory.yaml', '--kubeconfig', env.kubeconfigPath],
    work,
  )
  assert.is(r.code, 0, r.stderr)
  assert.not.match(r.stderr, /lacks/, 'no virtual node lacks one of Liqo labels')
  const pulled = parse(fs.readFileSync(path.join(work, 'inventory.yaml'), 'utf8')) as { spec: { remotes: unknown[]; home: unknown } }
  const bundled = parse(fs.readFileSync(path.join(REPO, 'inventory.yaml'), 'utf8')) as { spec: { remotes: unknown[] } }
  // Each remote's context is its cluster ID, as in the bundled inventory.
  assert.equal(pulled.spec.remotes, bundled.spec.remotes)
  const vns = await json<{ items: { metadata: { name: string; namespace: string } }[] }>('venice', ['get', 'virtualnodes.offloading.liqo.io', '-A'])
  assert.equal(vns.items.map((v) => `${v.metadata.namespace}/${v.metadata.name}`).sort(), ['liqo-tenant-florence/florence', 'liqo-tenant-naples/naples'])
  await poll('NamespaceMaps copied to the providers', async () => {
    for (const c of ['florence', 'naples']) {
      const nm = await json<{ metadata: { labels: Record<string, string> } }>(c, ['get', 'namespacemaps.offloading.liqo.io', '-n', 'liqo-tenant-venice', c])
      if (nm.metadata.labels['liqo.io/replicated'] !== 'true') return undefined
    }
    return true
  })
})

// ---------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------

interface Condition {
  type: string
  status: string
  reason: string
  message: string
  lastTransitionTime?: string
}
interface Status {
  observedGeneration?: number
  offloadingPhase: string
  remoteNamespaceName?: string
  remoteNamespacesConditions?: Record<string, Condition[]>
}
interface PlanJson {
  namespaces: {
    namespace: string
    remoteNamespaceName: string
    status: Status
    workloads: { kind: string; name: string; schedulable: boolean; nodes: string[] }[]
  }[]
}
interface Meta {
  name: string
  namespace?: string
  labels?: Record<string, string>
  annotations?: Record<string, string>
  finalizers?: string[]
  generation?: number
  resourceVersion?: string
  deletionTimestamp?: string
}
interface Nso {
  metadata: Meta
  spec: Record<string, unknown>
  status?: Status
}

const nsoffload = (work: string, args: string[]) => runCli([...args, '--kubeconfig', env.kubeconfigPath], work)

/** JSON with every object's keys sorted: the same status whatever order its writer gave its fields. */
const canonical = (v: unknown): string =>
  JSON.stringify(v, (_k, x: unknown) =>
    x !== null && typeof x === 'object' && !Array.isArray(x) ? Object.fromEntries(Object.entries(x).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) : x,
  )

/** Conditions without their times (they are the only thing plan cannot predict). */
const timeless = (s: Status | undefined): Status | undefined =>
  s && {
    ...s,
    remoteNamespacesConditions: Object.fromEntries(
      Object.entries(s.remoteNamespacesConditions ?? {}).map(([k, cs]) => [k, cs.map(({ lastTransitionTime: _t, ...c }) => c)]),
    ),
  }

async function plan(work: string): Promise<PlanJson> {
  const r = await runCli(['plan', '--format', 'json'], work)
  assert.ok(r.code === 0 || r.code === 1, r.stderr)
  return JSON.parse(r.stdout) as PlanJson
}

/** The NamespaceOffloading of `ns` once Liqo's controller has reconciled its generation. */
async function liqoStatus(ns: string, want?: Status): Promise<Nso> {
  let last: Nso | undefined
  try {
    return await poll(
      `${ns}/offloading reconciled by Liqo${want ? ` to ${want.offloadingPhase}` : ''}`,
      async () => {
        const nso = await json<Nso>('venice', ['get', 'namespaceoffloading', 'offloading', '-n', ns])
        last = nso
        if (!nso.metadata.finalizers?.includes('namespaceoffloading-controller.liqo.io/finalizer')) return undefined
        if (nso.status?.observedGeneration !== nso.metadata.generation) return undefined
        if (want && canonical(timeless(nso.status)) !== canonical(timeless(want))) return undefined
        return nso
      },
      { timeoutMs: 120_000, intervalMs: 500 },
    )
  } catch (e) {
    // Say what Liqo wrote instead (the assertion below shows the difference).
    if (last && want) return last
    throw e
  }
}

async function offsets(): Promise<Record<string, number>> {
  const out: Record<string, number> = {}
  for (const c of CLUSTERS) out[c] = await env.auditOffset(c)
  return out
}
/** Writes (not dry runs) sent since `since` by user agents starting with `agent`. */
async function writes(since: Record<string, number>, agent: string): Promise<string[]> {
  const out: string[] = []
  for (const c of CLUSTERS) {
    for (const w of await env.auditWrites(c, since[c])) {
      if (w.userAgent.startsWith(agent) && !w.dryRun)
        out.push(`${c} ${w.verb} ${w.resource}/${w.namespace}/${w.name}${w.subresource ? `/${w.subresource}` : ''}`)
    }
  }
  return out
}

interface Pod {
  metadata: { name: string; labels?: Record<string, string> }
  spec: { nodeName?: string; tolerations?: { key?: string }[]; affinity?: unknown }
}

/**
 * The nodes the real scheduler binds the pods of `app` to: its Deployment has one replica per
 * node of the home cluster and a required pod anti-affinity on the hostname, so every eligible
 * node gets one pod and the rest stay Pending with FailedScheduling.
 */
async function boundNodes(ns: string, app: string, replicas: number): Promise<{ nodes: string[]; pods: Pod[] }> {
  return poll(
    `${ns}/${app}: every pod bound or FailedScheduling`,
    async () => {
      const pods = (await json<{ items: Pod[] }>('venice', ['get', 'pods', '-n', ns, '-l', `app=${app}`])).items
      if (pods.length < replicas) return undefined
      const nodes: string[] = []
      for (const pod of pods) {
        if (pod.spec.nodeName) {
          nodes.push(pod.spec.nodeName)
          continue
        }
        const ev = await json<{ items: unknown[] }>('venice', [
          'get',
          'events',
          '-n',
          ns,
          '--field-selector',
          `involvedObject.name=${pod.metadata.name},reason=FailedScheduling`,
        ])
        if (ev.items.length === 0) return undefined
      }
      return { nodes: nodes.sort(), pods }
    },
    { timeoutMs: 120_000, intervalMs: 500 },
  )
}

const NODES = 3 // venice-control-plane, florence, naples
const TOLERATION = 'virtual-node.liqo.io/not-allowed'

/** A Deployment spread one pod per node (see boundNodes), with `affinity` as its own node affinity. */
const spread = (app: string, ownTerms: string | undefined): string => `apiVersion: apps/v1
kind: Deployment
metadata: {name: ${app}}
spec:
  replicas: ${NODES}
  selector: {matchLabels: {app: ${app}}}
  template:
    metadata: {labels: {app: ${app}}}
    spec:
      containers: [{name: c, image: nginx}]
      affinity:
${ownTerms ? `        nodeAffinity:\n          requiredDuringSchedulingIgnoredDuringExecution:\n            nodeSelectorTerms:\n${ownTerms}` : ''}        podAntiAffinity:
          requiredDuringSchedulingIgnoredDuringExecution:
          - {topologyKey: kubernetes.io/hostname, labelSelector: {matchLabels: {app: ${app}}}}
`

const bundled = (): Record<string, string> => ({
  'inventory.yaml': fs.readFileSync(path.join(REPO, 'inventory.yaml'), 'utf8'),
  'policies/liqo-demo.yaml': fs.readFileSync(path.join(REPO, 'policies', 'liqo-demo.yaml'), 'utf8'),
  'apps/liqo-demo/deploy.yaml': fs.readFileSync(path.join(REPO, 'apps', 'liqo-demo', 'deploy.yaml'), 'utf8'),
})

/** The rendered twin Namespace of `ns` in `build --cluster <cluster>`. */
async function renderedTwin(work: string, cluster: string, name: string): Promise<Meta | undefined> {
  const r = await runCli(['build', '--cluster', cluster], work)
  assert.is(r.code, 0, r.stderr)
  const docs = parseAllDocuments(r.stdout).map((d) => d.toJS() as { kind: string; metadata: Meta })
  return docs.find((d) => d.kind === 'Namespace' && d.metadata.name === name)?.metadata
}
const liqoKeys = (m: Record<string, string> | undefined): Record<string, string> =>
  Object.fromEntries(Object.entries(m ?? {}).filter(([k]) => k.startsWith('liqo.io/')))

// ---------------------------------------------------------------------------------------
// Liqo's tutorial
// ---------------------------------------------------------------------------------------

let tutorial: string

e2e("tutorial: the status Liqo writes equals plan's prediction; the twin Liqo owns carries the rendered twin's Liqo metadata", async () => {
  tutorial = tempTree(bundled())
  const predicted = (await plan(tutorial)).namespaces.find((n) => n.namespace === 'liqo-demo')
  assert.ok(predicted)
  const before = await offsets()
  const r = await nsoffload(tutorial, ['sync', '--wait', '--timeout', '2m'])
  assert.is(r.code, 0, r.stderr + r.stdout)
  const nso = await liqoStatus('liqo-demo', predicted.status)
  assert.equal(timeless(nso.status), timeless(predicted.status))
  const ours = await writes(before, 'nsoffload')
  process.stderr.write(`[liqo-loop] first sync of the tutorial, nsoffload's writes: ${ours.join(', ')}\n`)
  // Before Liqo's controller has reacted (its finalizer), nothing says it runs: the sync that creates the
  // NamespaceOffloading writes its status at most once (docs/liqo.md); Liqo's controller owns it from then on.
  assert.ok(ours.filter((w) => w.endsWith('/status')).length <= 1, ours.join(', '))

  // Whether Liqo's controller wrote the status during the sync is a race: it skips the write when
  // what it computes equals what is there (enforceStatus, namespaceoffloading-controller/status.go),
  // and nsoffload's one write may have come first. So clear the status: Liqo's controller
  // reconciles on that update and computes the whole status again from its NamespaceMaps.
  const cleared = await offsets()
  const patched = await env.kubectl('venice', [
    'patch',
    'namespaceoffloading',
    'offloading',
    '-n',
    'liqo-demo',
    '--subresource=status',
    '--type=merge',
    '-p',
    '{"status":null}',
  ])
  assert.is(patched.code, 0, patched.stderr)
  const recomputed = await liqoStatus('liqo-demo', predicted.status)
  assert.equal(timeless(recomputed.status), timeless(predicted.status))
  assert.ok((await writes(cleared, 'liqo-loop')).includes('venice update namespaceoffloadings/liqo-demo/offloading/status'), 'Liqo wrote the status again')

  // The twin: on naples only, owned by Liqo's NamespaceMap (the RoleBinding Liqo adds to its own twins is there).
  const twin = await json<{ metadata: Meta }>('naples', ['get', 'namespace', 'liqo-demo'])
  const rendered = await renderedTwin(tutorial, 'naples', 'liqo-demo')
  assert.ok(rendered, 'build --cluster naples renders the twin')
  assert.equal(liqoKeys(twin.metadata.annotations), liqoKeys(rendered.annotations))
  assert.equal(liqoKeys(twin.metadata.labels), liqoKeys(rendered.labels))
  await poll(
    "Liqo's RoleBinding in the twin",
    async () => (await env.kubectl('naples', ['get', 'rolebinding', '-n', 'liqo-demo', 'liqo-tenant-venice'])).code === 0 || undefined,
  )
  assert.is((await env.kubectl('florence', ['get', 'namespace', 'liqo-demo'])).code, 1, 'no twin on florence')
  const home = await json<{ metadata: Meta }>('venice', ['get', 'namespace', 'liqo-demo'])
  assert.is(home.metadata.labels?.['liqo.io/scheduling-enabled'], 'true')
  // The first write of the twin: Liqo's create, or nsoffload's server-side apply (a PATCH that creates).
  const creator = (await env.auditWrites('naples', before['naples'])).find(
    (w) => (w.verb === 'create' || w.verb === 'patch') && w.resource === 'namespaces' && w.name === 'liqo-demo' && !w.dryRun,
  )
  process.stderr.write(`[liqo-loop] the tutorial's twin on naples was first written by ${creator ? `${creator.userAgent} (${creator.verb})` : '(nobody?)'}\n`)
})

e2e("tutorial: the pods of the patched workloads go through Liqo's webhook and the real scheduler places them where plan said", async () => {
  const predicted = (await plan(tutorial)).namespaces.find((n) => n.namespace === 'liqo-demo')
  const podOf = async (app: string): Promise<Pod | undefined> =>
    (await json<{ items: Pod[] }>('venice', ['get', 'pods', '-n', 'liqo-demo', '-l', `app=${app}`])).items[0]
  const south = await poll('app-south bound', async () => (await podOf('app-south'))?.spec.nodeName, { timeoutMs: 120_000 })
  assert.equal([south], predicted?.workloads.find((w) => w.name === 'app-south')?.nodes)
  await poll(
    'app-center FailedScheduling',
    async () =>
      (
        await json<{ items: { involvedObject: { name: string } }[] }>('venice', [
          'get',
          'events',
          '-n',
          'liqo-demo',
          '--field-selector',
          'reason=FailedScheduling',
        ])
      ).items.some((x) => x.involvedObject.name.startsWith('app-center')) || undefined,
    { timeoutMs: 120_000 },
  )
  assert.is(predicted?.workloads.find((w) => w.name === 'app-center')?.schedulable, false)
  assert.is((await podOf('app-center'))?.spec.nodeName, undefined)
  // Admitted by Liqo's webhook: it appended its toleration once more to the one nsoffload rendered.
  const deploy = await json<{ spec: { template: { spec: { tolerations?: { key?: string }[] } } } }>('venice', [
    'get',
    'deployment',
    '-n',
    'liqo-demo',
    'app-south',
  ])
  const inTemplate = (deploy.spec.template.spec.tolerations ?? []).filter((t) => t.key === TOLERATION).length
  assert.is(inTemplate, 1, 'nsoffload patched the template')
  assert.is(((await podOf('app-south'))?.spec.tolerations ?? []).filter((t) => t.key === TOLERATION).length, 2, "Liqo's webhook mutated the pod")
})

e2e("tutorial: a second sync sends no write, diff shows nothing, status reads Liqo's status; Liqo writes nothing in reply", async () => {
  const rv = async (): Promise<string[]> => [
    (await json<Nso>('venice', ['get', 'namespaceoffloading', 'offloading', '-n', 'liqo-demo'])).metadata.resourceVersion ?? '',
    (await json<{ metadata: Meta }>('venice', ['get', 'namespace', 'liqo-demo'])).metadata.resourceVersion ?? '',
    (await json<{ metadata: Meta }>('naples', ['get', 'namespace', 'liqo-demo'])).metadata.resourceVersion ?? '',
    (await json<{ metadata: Meta }>('naples', ['get', 'namespacemap', '-n', 'liqo-tenant-venice', 'naples'])).metadata.resourceVersion ?? '',
  ]
  const versions = await rv()
  const before = await offsets()
  const r = await nsoffload(tutorial, ['sync'])
  assert.is(r.code, 0, r.stderr)
  assert.equal(await writes(before, 'nsoffload'), [])
  const d = await nsoffload(tutorial, ['diff'])
  assert.is(d.code, 0, d.stdout + d.stderr)
  const s = await nsoffload(tutorial, ['status', '--format', 'json'])
  assert.is(s.code, 0, s.stderr)
  const rows = (JSON.parse(s.stdout) as { namespaces: { namespace: string; status: Status; source: string }[] }).namespaces
  const live = await json<Nso>('venice', ['get', 'namespaceoffloading', 'offloading', '-n', 'liqo-demo'])
  assert.equal(rows, [{ namespace: 'liqo-demo', remoteNamespaceName: 'liqo-demo', status: live.status, source: 'liqo' }])
  // Nothing changed meanwhile: neither Liqo's controllers nor nsoffload touched the objects the other one wrote.
  assert.equal(await rv(), versions)
  assert.equal(await writes(before, 'liqo-loop'), [])
})

// ---------------------------------------------------------------------------------------
// Generated policies
// ---------------------------------------------------------------------------------------

const SELECTORS: readonly (string | undefined)[] = [
  undefined,
  '["topology.liqo.io/region=south"]',
  '["topology.liqo.io/region in (center,south)"]',
  '["topology.liqo.io/region notin (south)"]',
  '["topology.liqo.io/region=east"]',
  '["liqo.io/remote-cluster-id=florence", "topology.liqo.io/region=south"]',
  '["!topology.liqo.io/zone"]',
  '{nodeSelectorTerms: [{matchExpressions: [{key: topology.liqo.io/region, operator: NotIn, values: [center]}, {key: liqo.io/type, operator: Exists}]}]}',
]
const OWN_TERMS: readonly (string | undefined)[] = [
  undefined,
  '            - matchExpressions: [{key: topology.liqo.io/region, operator: In, values: [south]}]\n',
  '            - matchExpressions: [{key: liqo.io/type, operator: DoesNotExist}]\n',
  '            - matchExpressions: [{key: topology.liqo.io/region, operator: In, values: [center, north]}]\n            - matchExpressions: [{key: liqo.io/type, operator: Exists}]\n',
]

interface Generated {
  namespace: string
  files: Record<string, string>
}

/** Policies drawn from the seed (NSO_SEED): strategies, selectors in both forms, the workload's own node affinity. */
function generatePolicies(n: number): Generated[] {
  const rng = Rng.forProperty('liqo-loop-policies')
  return Array.from({ length: n }, (_, i) => {
    const ns = `gen-${i}`
    const mapping = rng.pick(['DefaultName', 'EnforceSameName', 'SelectedName'] as const)
    const pods = rng.pick(['LocalAndRemote', 'Remote', 'Local'] as const)
    const selector = rng.pick(SELECTORS)
    const lines = [
      'apiVersion: nsoffload.dev/v1alpha1',
      'kind: OffloadingPolicy',
      `metadata: {name: ${ns}}`,
      'spec:',
      `  namespaceMappingStrategy: ${mapping}`,
      ...(mapping === 'SelectedName' ? [`  remoteNamespaceName: ${ns}-remote`] : []),
      `  podOffloadingStrategy: ${pods}`,
      ...(selector !== undefined ? [`  clusterSelector: ${selector}`] : []),
      `  workloads: [../apps/${ns}/]`,
    ]
    return { namespace: ns, files: { [`policies/${ns}.yaml`]: lines.join('\n') + '\n', [`apps/${ns}/deploy.yaml`]: spread('web', rng.pick(OWN_TERMS)) } }
  })
}

const GENERATED = generatePolicies(5)
/** A twin name taken on florence by a namespace nobody offloaded (the inventory says so): Liqo's CreationLoopBackOff. */
const CLASH = {
  'policies/clash.yaml':
    'apiVersion: nsoffload.dev/v1alpha1\nkind: OffloadingPolicy\nmetadata: {name: clash}\nspec:\n  namespaceMappingStrategy: EnforceSameName\n  podOffloadingStrategy: Remote\n',
}
let generated: string

e2e("generated policies: the status Liqo writes equals plan's prediction for each (a taken twin name included)", async () => {
  const inventory = fs
    .readFileSync(path.join(REPO, 'inventory.yaml'), 'utf8')
    .replace('      context: florence\n', '      context: florence\n      namespaces: [clash]\n')
  assert.match(inventory, /namespaces: \[clash\]/)
  generated = tempTree({ 'inventory.yaml': inventory, ...CLASH, ...Object.assign({}, ...GENERATED.map((g) => g.files)) })
  assert.is((await env.kubectl('florence', ['create', 'namespace', 'clash'])).code, 0)
  const predicted = await plan(generated)
  const r = await nsoffload(generated, ['sync', '--wait', '--timeout', '2m'])
  assert.is(r.code, 1, 'clash is SomeFailed: ' + r.stderr + r.stdout)
  const failures: string[] = []
  for (const ns of [...GENERATED.map((g) => g.namespace), 'clash']) {
    const want = predicted.namespaces.find((n) => n.namespace === ns)
    assert.ok(want, `plan has ${ns}`)
    const nso = await liqoStatus(ns, want.status)
    if (canonical(timeless(nso.status)) !== canonical(timeless(want.status))) {
      failures.push(
        `${ns} (${fs.readFileSync(path.join(generated, 'policies', `${ns}.yaml`), 'utf8').replace(/\n/g, ' ')}):\n  plan: ${JSON.stringify(timeless(want.status))}\n  Liqo: ${JSON.stringify(timeless(nso.status))}`,
      )
    }
    // Liqo's scheduling label, exactly where nsoffload renders it.
    const label = (await json<{ metadata: Meta }>('venice', ['get', 'namespace', ns])).metadata.labels?.['liqo.io/scheduling-enabled']
    const policy = fs.readFileSync(path.join(generated, 'policies', `${ns}.yaml`), 'utf8')
    assert.is(label, /podOffloadingStrategy: Local\n/.test(policy) ? undefined : 'true', `${ns}: scheduling label`)
  }
  assert.equal(failures, [], failures.join('\n'))
  assert.is(
    (await json<{ metadata: Meta }>('florence', ['get', 'namespace', 'clash'])).metadata.annotations?.['liqo.io/managed-by-namespace-map'],
    undefined,
    'the taken namespace is left alone',
  )
})

e2e("generated policies: every twin Liqo created carries the rendered twin's Liqo metadata; no twin where none is rendered", async () => {
  for (const remote of ['florence', 'naples']) {
    const r = await runCli(['build', '--cluster', remote], generated)
    assert.is(r.code, 0, r.stderr)
    const rendered = parseAllDocuments(r.stdout)
      .map((d) => d.toJS() as { kind: string; metadata: Meta })
      .filter((d) => d.kind === 'Namespace')
    const live = (await json<{ items: { metadata: Meta }[] }>(remote, ['get', 'namespaces'])).items.filter(
      (n) => n.metadata.annotations?.['liqo.io/managed-by-namespace-map'] !== undefined,
    )
    const liveNames = live.map((n) => n.metadata.name).filter((n) => n !== 'liqo-demo')
    assert.equal(liveNames.sort(), rendered.map((d) => d.metadata.name).sort(), `${remote}: Liqo's twins are the rendered ones`)
    for (const twin of live) {
      const want = rendered.find((d) => d.metadata.name === twin.metadata.name)
      if (!want) continue
      assert.equal(liqoKeys(twin.metadata.annotations), liqoKeys(want.metadata.annotations), `${remote}/${twin.metadata.name} annotations`)
      assert.equal(liqoKeys(twin.metadata.labels), liqoKeys(want.metadata.labels), `${remote}/${twin.metadata.name} labels`)
    }
  }
})

e2e("generated policies: through Liqo's webhook, the real scheduler binds each workload's pods to exactly the nodes plan lists", async () => {
  const predicted = await plan(generated)
  const wrong: string[] = []
  for (const g of GENERATED) {
    const want = predicted.namespaces.find((n) => n.namespace === g.namespace)?.workloads.find((w) => w.name === 'web')
    assert.ok(want)
    const { nodes, pods } = await boundNodes(g.namespace, 'web', NODES)
    if (JSON.stringify(nodes) !== JSON.stringify([...want.nodes].sort()))
      wrong.push(`${g.namespace}: plan ${JSON.stringify(want.nodes)}, scheduler ${JSON.stringify(nodes)}`)
    const policy = g.files[`policies/${g.namespace}.yaml`] ?? ''
    const tolerations = (pods[0]?.spec.tolerations ?? []).filter((t) => t.key === TOLERATION).length
    // Liqo's webhook appends its toleration to pods of non-Local namespaces (nsoffload rendered one already).
    assert.is(tolerations, /podOffloadingStrategy: Local\n/.test(policy) ? 0 : 2, `${g.namespace}: tolerations`)
  }
  assert.equal(wrong, [], wrong.join('\n'))
})

e2e('sync --prune with Liqo managing the namespace: the policy removed, Liqo unoffloads it; nsoffload removes only its own objects', async () => {
  const gone = GENERATED[0]
  assert.ok(gone)
  const twinName = (await json<Nso>('venice', ['get', 'namespaceoffloading', 'offloading', '-n', gone.namespace])).status?.remoteNamespaceName ?? ''
  const selected = Object.entries(
    (await json<Nso>('venice', ['get', 'namespaceoffloading', 'offloading', '-n', gone.namespace])).status?.remoteNamespacesConditions ?? {},
  )
    .filter(([, cs]) => cs.some((c) => c.type === 'OffloadingRequired' && c.status === 'True'))
    .map(([k]) => k)
  fs.rmSync(path.join(generated, 'policies', `${gone.namespace}.yaml`))
  const listed = await nsoffload(generated, ['sync'])
  assert.match(listed.stderr, new RegExp(`NSO5005.*${gone.namespace}`))
  assert.ok((await env.kubectl('venice', ['get', 'namespaceoffloading', 'offloading', '-n', gone.namespace])).code === 0, 'without --prune nothing is deleted')
  const before = await offsets()
  const r = await nsoffload(generated, ['sync', '--prune', '--wait', '--timeout', '2m', '--format', 'json'])
  process.stderr.write(`[liqo-loop] sync --prune: exit ${r.code}; nsoffload's writes: ${(await writes(before, 'nsoffload')).join(', ')}\n${r.stderr}\n`)
  await poll(
    `${gone.namespace}/offloading gone (Liqo's finalizer removed once the twins are)`,
    async () => (await env.kubectl('venice', ['get', 'namespaceoffloading', 'offloading', '-n', gone.namespace])).code === 1 || undefined,
    { timeoutMs: 120_000 },
  )
  for (const c of selected) {
    await poll(`twin ${c}/${twinName} gone`, async () => (await env.kubectl(c, ['get', 'namespace', twinName])).code === 1 || undefined, { timeoutMs: 120_000 })
  }
  const home = await json<{ metadata: Meta }>('venice', ['get', 'namespace', gone.namespace])
  assert.is(home.metadata.labels?.['liqo.io/scheduling-enabled'], undefined, 'the scheduling label is gone')
  assert.is((await env.kubectl('venice', ['get', 'deployment', '-n', gone.namespace, 'web'])).code, 0, 'the workloads stay')
  const deleters = (await writes(before, '')).filter((w) => / delete /.test(w))
  process.stderr.write(`[liqo-loop] deletions during the prune: ${deleters.join(', ')}\n`)
  // The generated tree is the same set as the tutorial's (one inventory, one ApplySet) without
  // liqo-demo's policy: --prune unoffloads liqo-demo too. nsoffload deletes the two
  // NamespaceOffloadings and at most the twins it applied; on the home cluster nobody deletes
  // anything else (the namespaces and workloads stay).
  assert.is(r.code, 1, 'clash stays SomeFailed: ' + r.stdout)
  const offloadings = [`venice delete namespaceoffloadings/${gone.namespace}/offloading`, 'venice delete namespaceoffloadings/liqo-demo/offloading']
  const twins = [...selected.map((c) => `${c} delete namespaces/${twinName}/${twinName}`), 'naples delete namespaces/liqo-demo/liqo-demo']
  const ours = (await writes(before, 'nsoffload')).filter((w) => / delete /.test(w))
  for (const o of offloadings) assert.ok(ours.includes(o), `nsoffload: ${o}`)
  assert.equal(
    ours.filter((w) => !offloadings.includes(w) && !twins.includes(w)),
    [],
    'nsoffload deletes nothing else',
  )
  assert.equal(
    deleters.filter((w) => w.startsWith('venice ') && !offloadings.includes(w)),
    [],
    'nothing else deleted on the home cluster',
  )
})

// ---------------------------------------------------------------------------------------
// Order: pods created before their NamespaceOffloading (issue 17 point 11)
// ---------------------------------------------------------------------------------------

e2e("Liqo's real webhook rejects a pod in a namespace labelled liqo.io/scheduling-enabled that has no NamespaceOffloading yet", async () => {
  const ns = 'early'
  assert.is((await env.kubectl('venice', ['create', 'namespace', ns])).code, 0)
  assert.is((await env.kubectl('venice', ['label', 'namespace', ns, 'liqo.io/scheduling-enabled=true'])).code, 0)
  const pod = `apiVersion: v1\nkind: Pod\nmetadata: {name: early, namespace: ${ns}}\nspec:\n  containers: [{name: c, image: nginx}]\n`
  const r = await env.kubectl('venice', ['apply', '-f', '-'], pod)
  assert.is(r.code, 1)
  assert.match(r.stderr, /admission webhook "pod\.mutate\.liqo\.io" denied the request: failed retrieving NamespaceOffloading/)
  process.stderr.write(`[liqo-loop] pod before its NamespaceOffloading: ${r.stderr.trim()}\n`)
})

e2e("build -o then kubectl apply -k: the NamespaceOffloading goes before the workloads, so a bare Pod is admitted and mutated by Liqo's webhook", async () => {
  const work = tempTree({
    'inventory.yaml': fs.readFileSync(path.join(REPO, 'inventory.yaml'), 'utf8'),
    'policies/ordered.yaml':
      'apiVersion: nsoffload.dev/v1alpha1\nkind: OffloadingPolicy\nmetadata: {name: ordered}\nspec:\n  podOffloadingStrategy: Remote\n  clusterSelector: ["topology.liqo.io/region=south"]\n  workloads: [../apps/ordered/]\n',
    'apps/ordered/pod.yaml': 'apiVersion: v1\nkind: Pod\nmetadata: {name: bare}\nspec:\n  containers: [{name: c, image: nginx}]\n',
  })
  const b = await runCli(['build', '-o', 'out'], work)
  assert.is(b.code, 0, b.stderr)
  const r = await env.kubectl('venice', ['apply', '--server-side', '--field-manager', 'argocd', '-k', path.join(work, 'out', 'venice')])
  process.stderr.write(`[liqo-loop] kubectl apply -k out/venice: exit ${r.code}\n${r.stdout}${r.stderr}\n`)
  assert.is(r.code, 0, r.stderr)
  const pod = await json<Pod>('venice', ['get', 'pod', '-n', 'ordered', 'bare'])
  assert.is((pod.spec.tolerations ?? []).filter((t) => t.key === TOLERATION).length, 2, "mutated by Liqo's webhook at creation")
  const node = await poll('bare bound', async () => (await json<Pod>('venice', ['get', 'pod', '-n', 'ordered', 'bare'])).spec.nodeName, { timeoutMs: 120_000 })
  assert.is(node, 'naples')
})

test.run()
