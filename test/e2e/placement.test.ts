import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { parseAllDocuments } from 'yaml'
import { runCli, tempTree } from '../helpers/cli.ts'
import { VIRTUAL_NODE_TAINT, virtualNodeLabels } from '../../src/liqo/virtual-nodes.ts'
import { mutatePod, type OffloadingSpec, type PodSpec } from '../../src/liqo/pod-webhook.ts'
import { type ControlPlaneEnv, e2eSkipReason, getSharedEnv, poll } from './harness/control-plane.ts'

/**
 * The placement preview against the real kube-scheduler: Liqo's e2e placement matrix
 * (liqotech/liqo@v1.2.0 test/e2e/cruise/offloadingpolicies) for the three pod strategies, with and without RuntimeClass `liqo`;
 * a Helm chart's `nodeSelector: {kubernetes.io/os: linux}` on two virtual nodes labelled as Liqo
 * labels them (from the compiler's own virtualNodeLabels); and double admission: the rendered
 * templates pass through Liqo's webhook (mutatePod, held to Liqo's tables) once more as their
 * pods are created, as on a real Liqo cluster. The scheduler must agree with `plan`.
 */
const skip = e2eSkipReason('placement')
const e2e = skip === null ? test : test.skip
const CLUSTER = 'naples' // used as a "home" cluster here: its own node and one virtual node
const NODES = ['pl-local', 'pl-remote', 'pl-remote2']
const HOME_LABELS = { 'kubernetes.io/hostname': 'pl-local', 'kubernetes.io/os': 'linux', 'kubernetes.io/arch': 'amd64' }
const STRATEGIES = ['Local', 'Remote', 'LocalAndRemote'] as const
const nsOf = (s: string): string => `pl-${s.toLowerCase()}`
let env: ControlPlaneEnv

// remote = required liqo.io/type Exists; local = DoesNotExist (test/e2e/testutils/util/deployment.go).
const CASES = [
  { name: 'remote', op: 'Exists', rc: false },
  { name: 'local', op: 'DoesNotExist', rc: false },
  { name: 'remote-rc', op: 'Exists', rc: true },
  { name: 'local-rc', op: 'DoesNotExist', rc: true },
] as const

/** Liqo's matrix, true = Running (bound), false = Pending. */
const MATRIX: Record<(typeof STRATEGIES)[number], Record<string, boolean>> = {
  Local: { remote: false, local: true, 'remote-rc': true, 'local-rc': false },
  Remote: { remote: true, local: false, 'remote-rc': true, 'local-rc': false },
  LocalAndRemote: { remote: true, local: true, 'remote-rc': true, 'local-rc': false },
}

const deployment = (ns: string, c: (typeof CASES)[number]): string => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${c.name}
  namespace: ${ns}
spec:
  replicas: 1
  selector: {matchLabels: {app: ${c.name}}}
  template:
    metadata: {labels: {app: ${c.name}}}
    spec:
${c.rc ? '      runtimeClassName: liqo\n' : ''}      containers: [{name: c, image: nginx}]
      affinity:
        nodeAffinity:
          requiredDuringSchedulingIgnoredDuringExecution:
            nodeSelectorTerms:
            - matchExpressions: [{key: liqo.io/type, operator: ${c.op}}]
`

/** Whether the scheduler has said it cannot place the pod (a FailedScheduling event). */
async function failedScheduling(ns: string, pod: string): Promise<boolean> {
  const r = await env.kubectl(CLUSTER, ['get', 'events', '-n', ns, '--field-selector', `involvedObject.name=${pod},reason=FailedScheduling`, '-o', 'json'])
  return (JSON.parse(r.stdout) as { items: unknown[] }).items.length > 0
}

test.before(async () => {
  if (skip !== null) return
  env = await getSharedEnv()
  const vn = (id: string) => ({ name: id, labels: virtualNodeLabels(id, id), taints: [{ ...VIRTUAL_NODE_TAINT, effect: 'NoExecute' as const }] })
  await env.createNodes(CLUSTER, [{ name: 'pl-local', labels: HOME_LABELS }, vn('pl-remote'), vn('pl-remote2')])
  // Liqo's RuntimeClass (liqotech/liqo@v1.2.0 deployments/liqo/templates/runtime-class.yaml), through the real RuntimeClass admission.
  const rc = await env.kubectl(
    CLUSTER,
    ['apply', '-f', '-'],
    `apiVersion: node.k8s.io/v1
kind: RuntimeClass
metadata: {name: liqo}
handler: liqo
scheduling:
  nodeSelector: {liqo.io/type: virtual-node}
  tolerations: [{key: virtual-node.liqo.io/not-allowed, operator: Exists, effect: NoExecute}]
`,
  )
  assert.is(rc.code, 0, rc.stderr)
})

test.after(async () => {
  if (skip !== null || (env as ControlPlaneEnv | undefined) === undefined) return
  await Promise.all([...STRATEGIES.map(nsOf), 'pl-os', 'pl-mf'].map((ns) => env.deleteNamespace(CLUSTER, ns, 30_000).catch(() => false)))
  await env.deleteNodes(CLUSTER, NODES).catch(() => undefined)
  await env.kubectl(CLUSTER, ['delete', 'runtimeclass', 'liqo', '--ignore-not-found'])
})

const INVENTORY = `apiVersion: nsoffload.dev/v1alpha1
kind: ClusterInventory
metadata: {name: placement}
spec:
  home:
    clusterID: home
    context: ${CLUSTER}
    nodes: [{name: pl-local, labels: ${JSON.stringify(HOME_LABELS)}}]
  remotes:
    - clusterID: pl-remote
    - clusterID: pl-remote2
`

interface Doc {
  kind: string
  metadata: { namespace?: string }
  spec?: { template?: { spec: PodSpec } }
}

/**
 * Applies the Namespaces and Deployments of a `build --cluster` stream, each Deployment's pod
 * template first passed through Liqo's webhook: on a Liqo cluster every pod is admitted by it
 * at creation (its namespace is labelled `liqo.io/scheduling-enabled`), whatever nsoffload
 * rendered. `admitted` overrides the template for the named Deployments.
 */
async function applyAdmitted(
  stream: string,
  specs: ReadonlyMap<string, OffloadingSpec>,
  admitted: (d: Doc) => PodSpec | undefined = () => undefined,
): Promise<Doc[]> {
  const docs = parseAllDocuments(stream).map((d) => d.toJS() as Doc)
  const apply = docs
    .filter((d) => d.kind === 'Namespace' || d.kind === 'Deployment')
    .map((d) => {
      const spec = specs.get(d.metadata.namespace ?? '')
      if (d.kind !== 'Deployment' || !spec || !d.spec?.template) return d
      return { ...d, spec: { ...d.spec, template: { ...d.spec.template, spec: admitted(d) ?? mutatePod(spec, d.spec.template.spec).pod } } }
    })
  const r = await env.kubectl(CLUSTER, ['apply', '-f', '-'], apply.map((d) => JSON.stringify(d)).join('\n'))
  assert.is(r.code, 0, r.stderr)
  return docs
}

/**
 * The nodes the real kube-scheduler binds the pods of `app` to. The Deployments below have as
 * many replicas as the cluster has nodes and a required pod anti-affinity on
 * `kubernetes.io/hostname`: each node the scheduler deems eligible gets exactly one pod, the
 * rest stay Pending with FailedScheduling. So the bound nodes ARE the eligible set.
 */
async function boundNodes(ns: string, app: string): Promise<string[]> {
  return poll(
    `${ns}/${app}: every pod bound or FailedScheduling`,
    async () => {
      const pods = JSON.parse((await env.kubectl(CLUSTER, ['get', 'pods', '-n', ns, '-l', `app=${app}`, '-o', 'json'])).stdout) as {
        items: { metadata: { name: string }; spec: { nodeName?: string } }[]
      }
      if (pods.items.length < NODES.length) return undefined
      const bound: string[] = []
      for (const pod of pods.items) {
        if (pod.spec.nodeName) {
          bound.push(pod.spec.nodeName)
          continue
        }
        if (!(await failedScheduling(ns, pod.metadata.name))) return undefined
      }
      return bound.sort()
    },
    { timeoutMs: 90_000 },
  )
}

/** A Deployment with one pod per node at most (see boundNodes). */
const spread = (ns: string, app: string, podSpec: string): string => `apiVersion: apps/v1
kind: Deployment
metadata: {name: ${app}, namespace: ${ns}}
spec:
  replicas: ${NODES.length}
  selector: {matchLabels: {app: ${app}}}
  template:
    metadata: {labels: {app: ${app}}}
    spec:
      containers: [{name: c, image: nginx}]
      affinity:
        podAntiAffinity:
          requiredDuringSchedulingIgnoredDuringExecution:
          - {topologyKey: kubernetes.io/hostname, labelSelector: {matchLabels: {app: ${app}}}}
${podSpec}`

interface PlanJson {
  namespaces: { namespace: string; workloads: { name: string; schedulable: boolean; nodes: string[] }[] }[]
  diagnostics: { code: string; message: string }[]
}
const planNodes = (plan: PlanJson, ns: string, name: string): string[] | undefined =>
  plan.namespaces.find((n) => n.namespace === ns)?.workloads.find((w) => w.name === name)?.nodes

e2e(
  'nodeSelector {kubernetes.io/os: linux} offloaded to two remotes: plan lists both virtual nodes, no NSO4006 with --strict, and the real kube-scheduler agrees',
  async () => {
    const work = tempTree({
      'inventory.yaml': INVENTORY,
      'policies/pl-os.yaml':
        'apiVersion: nsoffload.dev/v1alpha1\nkind: OffloadingPolicy\nmetadata: {name: pl-os}\nspec:\n  podOffloadingStrategy: Remote\n  workloads: [../apps/web.yaml]\n',
      'apps/web.yaml': spread('pl-os', 'web', '      nodeSelector: {kubernetes.io/os: linux}\n'),
    })
    const plan = await runCli(['plan', '--format', 'json', '--strict'], work)
    assert.is(plan.code, 0, plan.stdout + plan.stderr)
    const preview = JSON.parse(plan.stdout) as PlanJson
    assert.equal(planNodes(preview, 'pl-os', 'web'), ['pl-remote', 'pl-remote2'])
    assert.equal(preview.diagnostics, [])
    const built = await runCli(['build', '--cluster', 'home'], work)
    assert.is(built.code, 0, built.stderr)
    await applyAdmitted(built.stdout, new Map([['pl-os', { podOffloadingStrategy: 'Remote', clusterSelector: { nodeSelectorTerms: [] } }]]))
    assert.equal(await boundNodes('pl-os', 'web'), ['pl-remote', 'pl-remote2'], 'the real scheduler binds one pod on each virtual node, none on pl-local')
  },
)

e2e(
  'double admission with a matchFields clusterSelector: the pods of the rendered template go where plan says; a pre-patched template would have widened placement',
  async () => {
    const byName = { key: 'metadata.name', operator: 'In', values: ['pl-remote'] }
    const spec: OffloadingSpec = { podOffloadingStrategy: 'Remote', clusterSelector: { nodeSelectorTerms: [{ matchFields: [byName] }] } }
    const work = tempTree({
      'inventory.yaml': INVENTORY,
      'policies/pl-mf.yaml': `apiVersion: nsoffload.dev/v1alpha1\nkind: OffloadingPolicy\nmetadata: {name: pl-mf}\nspec:\n  podOffloadingStrategy: Remote\n  clusterSelector:\n    nodeSelectorTerms: [{matchFields: [${JSON.stringify(byName)}]}]\n  workloads: [../apps/mf.yaml]\n`,
      'apps/mf.yaml': `${spread('pl-mf', 'mf', '')}---\n${spread('pl-mf', 'mf-prepatched', '')}`,
    })
    const plan = JSON.parse((await runCli(['plan', '--format', 'json'], work)).stdout) as PlanJson
    assert.equal(planNodes(plan, 'pl-mf', 'mf'), ['pl-remote'])
    assert.equal(
      plan.diagnostics.map((d) => d.code),
      ['NSO4007', 'NSO4007'],
    )
    const built = await runCli(['build', '--cluster', 'home'], work)
    assert.is(built.code, 0, built.stderr)
    // mf: as rendered, then the webhook. mf-prepatched: what rendering Liqo's output would have given, then the webhook.
    const docs = await applyAdmitted(built.stdout, new Map([['pl-mf', spec]]), (d) => {
      if ((d as { metadata: { name?: string } }).metadata.name !== 'mf-prepatched' || !d.spec?.template) return undefined
      const source = { ...d.spec.template.spec, tolerations: [] }
      return mutatePod(spec, mutatePod(spec, source).pod).pod
    })
    const mf = docs.find((d) => d.kind === 'Deployment' && (d as { metadata: { name?: string } }).metadata.name === 'mf')
    assert.is(mf?.spec?.template?.spec.affinity?.nodeAffinity, undefined, 'the rendered template carries no node affinity')
    assert.equal(await boundNodes('pl-mf', 'mf'), ['pl-remote'], 'the real scheduler: only the node the clusterSelector names')
    assert.equal(
      await boundNodes('pl-mf', 'mf-prepatched'),
      ['pl-remote', 'pl-remote2'],
      'the second merge drops matchFields: pods reach pl-remote2, where the namespace is not offloaded',
    )
  },
)

e2e("Liqo's placement matrix: the real kube-scheduler, Liqo's table and nsoffload plan agree", async () => {
  const files: Record<string, string> = { 'inventory.yaml': INVENTORY }
  for (const s of STRATEGIES) {
    files[`policies/${nsOf(s)}.yaml`] =
      `apiVersion: nsoffload.dev/v1alpha1\nkind: OffloadingPolicy\nmetadata: {name: ${nsOf(s)}}\nspec:\n  podOffloadingStrategy: ${s}\n  workloads: [../apps/${nsOf(s)}.yaml]\n`
    files[`apps/${nsOf(s)}.yaml`] = CASES.map((c) => deployment(nsOf(s), c)).join('---\n')
  }
  const work = tempTree(files)
  const plan = await runCli(['plan', '--format', 'json'], work)
  assert.ok(plan.code === 0, plan.stderr)
  const preview = new Map<string, boolean>()
  for (const n of (JSON.parse(plan.stdout) as { namespaces: { namespace: string; workloads: { name: string; schedulable: boolean }[] }[] }).namespaces) {
    for (const w of n.workloads) preview.set(`${n.namespace}/${w.name}`, w.schedulable)
  }
  const built = await runCli(['build', '--cluster', 'home'], work)
  assert.is(built.code, 0, built.stderr)
  // The namespaces and the patched Deployments, their pods admitted by Liqo's webhook once more.
  const strategyOf = new Map<string, OffloadingSpec>(STRATEGIES.map((s) => [nsOf(s), { podOffloadingStrategy: s, clusterSelector: { nodeSelectorTerms: [] } }]))
  await applyAdmitted(built.stdout, strategyOf)
  const scheduler = new Map<string, boolean>()
  for (const s of STRATEGIES) {
    for (const c of CASES) {
      const ns = nsOf(s)
      const outcome = await poll(
        `${ns}/${c.name} bound or FailedScheduling`,
        async () => {
          const pods = JSON.parse((await env.kubectl(CLUSTER, ['get', 'pods', '-n', ns, '-l', `app=${c.name}`, '-o', 'json'])).stdout) as {
            items: { metadata: { name: string }; spec: { nodeName?: string } }[]
          }
          const pod = pods.items[0]
          if (!pod) return undefined
          if (pod.spec.nodeName) return `bound:${pod.spec.nodeName}`
          return (await failedScheduling(ns, pod.metadata.name)) ? 'pending' : undefined
        },
        { timeoutMs: 90_000 },
      )
      scheduler.set(`${ns}/${c.name}`, outcome.startsWith('bound'))
    }
  }
  for (const s of STRATEGIES) {
    for (const c of CASES) {
      const k = `${nsOf(s)}/${c.name}`
      assert.is(scheduler.get(k), MATRIX[s][c.name], `real scheduler vs Liqo's table for ${s} ${c.name}`)
      assert.is(preview.get(k), MATRIX[s][c.name], `nsoffload plan vs Liqo's table for ${s} ${c.name}`)
    }
  }
})

test.run()
