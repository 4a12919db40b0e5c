import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { parseAllDocuments } from 'yaml'
import { runCli, tempTree } from '../helpers/cli.ts'
import { type ControlPlaneEnv, e2eSkipReason, getSharedEnv, poll } from './harness/control-plane.ts'

/**
 * The placement preview against the real kube-scheduler: Liqo's e2e placement matrix
 * (liqotech/liqo@v1.2.0 test/e2e/cruise/offloadingpolicies) for the three pod strategies, with and without RuntimeClass `liqo`.
 * nsoffload patches the pods as Liqo's webhook would; the scheduler must agree with `plan`.
 */
const skip = e2eSkipReason('placement')
const e2e = skip === null ? test : test.skip
const CLUSTER = 'naples' // used as a "home" cluster here: its own node and one virtual node
const NODES = ['pl-local', 'pl-remote']
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

test.before(async () => {
  if (skip !== null) return
  env = await getSharedEnv()
  await env.createNodes(CLUSTER, [
    { name: 'pl-local', labels: { 'kubernetes.io/hostname': 'pl-local' } },
    {
      name: 'pl-remote',
      labels: { 'liqo.io/type': 'virtual-node', 'liqo.io/remote-cluster-id': 'pl-remote' },
      taints: [{ key: 'virtual-node.liqo.io/not-allowed', value: 'true', effect: 'NoExecute' }],
    },
  ])
  // Liqo's RuntimeClass (liqotech/liqo@v1.2.0 deployments/liqo/templates/runtime-class.yaml), through the real RuntimeClass admission.
  const rc = await env.kubectl(CLUSTER, ['apply', '-f', '-'], `apiVersion: node.k8s.io/v1
kind: RuntimeClass
metadata: {name: liqo}
handler: liqo
scheduling:
  nodeSelector: {liqo.io/type: virtual-node}
  tolerations: [{key: virtual-node.liqo.io/not-allowed, operator: Exists, effect: NoExecute}]
`)
  assert.is(rc.code, 0, rc.stderr)
})

test.after(async () => {
  if (skip !== null || (env as ControlPlaneEnv | undefined) === undefined) return
  await Promise.all(STRATEGIES.map((s) => env.deleteNamespace(CLUSTER, nsOf(s), 30_000).catch(() => false)))
  await env.deleteNodes(CLUSTER, NODES).catch(() => undefined)
  await env.kubectl(CLUSTER, ['delete', 'runtimeclass', 'liqo', '--ignore-not-found'])
})

e2e('Liqo\'s placement matrix: the real kube-scheduler, Liqo\'s table and nsoffload plan agree', async () => {
  const files: Record<string, string> = {
    'inventory.yaml': `apiVersion: nsoffload.dev/v1alpha1
kind: ClusterInventory
metadata: {name: placement}
spec:
  home:
    clusterID: home
    context: ${CLUSTER}
    nodes: [{name: pl-local, labels: {kubernetes.io/hostname: pl-local}}]
  remotes:
    - clusterID: pl-remote
`,
  }
  for (const s of STRATEGIES) {
    files[`policies/${nsOf(s)}.yaml`] = `apiVersion: nsoffload.dev/v1alpha1\nkind: OffloadingPolicy\nmetadata: {name: ${nsOf(s)}}\nspec:\n  podOffloadingStrategy: ${s}\n  workloads: [../apps/${nsOf(s)}.yaml]\n`
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
  // The namespaces and the patched Deployments, as the pods' admission would see them.
  const docs = parseAllDocuments(built.stdout).map((d) => d.toJS() as { kind: string })
  const apply = docs.filter((d) => d.kind === 'Namespace' || d.kind === 'Deployment')
  const r = await env.kubectl(CLUSTER, ['apply', '-f', '-'], apply.map((d) => JSON.stringify(d)).join('\n'))
  assert.is(r.code, 0, r.stderr)
  const scheduler = new Map<string, boolean>()
  for (const s of STRATEGIES) {
    for (const c of CASES) {
      const ns = nsOf(s)
      const outcome = await poll(`${ns}/${c.name} bound or FailedScheduling`, async () => {
        const pods = JSON.parse((await env.kubectl(CLUSTER, ['get', 'pods', '-n', ns, '-l', `app=${c.name}`, '-o', 'json'])).stdout) as { items: { metadata: { name: string }; spec: { nodeName?: string } }[] }
        const pod = pods.items[0]
        if (!pod) return undefined
        if (pod.spec.nodeName) return `bound:${pod.spec.nodeName}`
        const ev = JSON.parse((await env.kubectl(CLUSTER, ['get', 'events', '-n', ns, '--field-selector', `involvedObject.name=${pod.metadata.name},reason=FailedScheduling`, '-o', 'json'])).stdout) as { items: unknown[] }
        return ev.items.length > 0 ? 'pending' : undefined
      }, { timeoutMs: 90_000 })
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
