import { test } from 'uvu'
import * as assert from 'uvu/assert'
import type { NodeSelector, Toleration } from '../../src/model/k8s.ts'
import { mutatePod, type OffloadingSpec, patchTemplate, type PodSpec } from '../../src/liqo/pod-webhook.ts'
import { canonical } from './canonical.ts'
import { CASES } from './cases.ts'
import { nodeLabels, nodeSelector } from './gen-labels.ts'
import { type Oracle, startOracle } from './oracle.ts'
import { compileProject, errorsOf, HOME, type InventoryInput, inventoryDocument, oracleNodes, policyDocument, type RemoteInput } from './project.ts'
import { type Property, runProperty } from './property.ts'
import type { Rng } from './random.ts'

// Liqo's pod mutating webhook (pkg/webhooks/pod.New(client, "liqo").Handle, the NamespaceOffloading
// in a fake client) against nsoffload's: (1) the spec Liqo's webhook makes of a pod is the one
// nsoffload's mutatePod makes; (2) what `build`/`fn` write into a pod template (patchTemplate)
// places the pods Liqo's webhook then admits exactly where the untouched template's pods would
// go, judged by the kube-scheduler's filters on generated nodes (NSO4007 included: there the
// webhook, not nsoffload, puts the affinity in); (3) `build` end to end: a policy, an inventory
// and a workload compiled as `build` does, Liqo's webhook run on the pod template and the
// NamespaceOffloading `build` writes, the pods go to exactly the nodes `plan` previews (the
// kube-scheduler's filters on the nodes as Liqo's virtual kubelet makes them).

type WebhookCase = {
  readonly offloading: OffloadingSpec
  readonly pod: PodSpec
  readonly nodes: readonly { name: string; labels: Record<string, string>; taints: unknown[] }[]
}

const NAMES = ['florence', 'naples', 'venice-1', 'venice-2']

function offloading(rng: Rng): OffloadingSpec {
  const strategy = rng.chance(0.03) ? rng.pick(['Bogus', '']) : rng.pick(['Local', 'Remote', 'LocalAndRemote'])
  const clusterSelector: NodeSelector = rng.chance(0.3) ? { nodeSelectorTerms: [] } : nodeSelector(rng, NAMES)
  return { podOffloadingStrategy: strategy, clusterSelector }
}

function pod(rng: Rng, names: readonly string[] = NAMES): PodSpec {
  const spec: Record<string, unknown> = { containers: [{ name: 'c', image: 'nginx' }] }
  if (rng.chance(0.6)) {
    spec['affinity'] = rng.oneOf<unknown>([
      [5, () => ({ nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: nodeSelector(rng, names) } })],
      [1, () => ({ nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [] } } })],
      [1, () => ({ nodeAffinity: {} })],
      [1, () => ({})],
      [1, () => ({ podAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ topologyKey: 'kubernetes.io/hostname' }] } })],
      [
        1,
        () => ({
          nodeAffinity: {
            requiredDuringSchedulingIgnoredDuringExecution: nodeSelector(rng, names),
            preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 1, preference: { matchExpressions: [{ key: 'a', operator: 'Exists' }] } }],
          },
        }),
      ],
    ])
  }
  if (rng.chance(0.4)) {
    spec['tolerations'] = rng.list(0, 2, (): Toleration =>
      rng.pick([{ key: 'virtual-node.liqo.io/not-allowed', operator: 'Exists', effect: 'NoExecute' }, { operator: 'Exists' }, { key: 'x', value: 'y' }]),
    )
  }
  if (rng.chance(0.15)) spec['runtimeClassName'] = rng.pick(['liqo', 'gvisor'])
  if (rng.chance(0.2)) spec['nodeSelector'] = nodeLabels(rng, 1)
  return spec as PodSpec
}

function nodes(rng: Rng): WebhookCase['nodes'] {
  return NAMES.map((name, i) => {
    const virtual = i < 2
    const labels = { ...nodeLabels(rng, 3), 'kubernetes.io/hostname': name, ...(virtual ? { 'liqo.io/type': 'virtual-node' } : {}) }
    return { name, labels, taints: virtual ? [{ key: 'virtual-node.liqo.io/not-allowed', value: 'true', effect: 'NoExecute' }] : [] }
  })
}

type WebhookAnswer = { allowed: boolean; code?: number; message?: string; spec?: Record<string, unknown> }
type PlacementAnswer = { nodes: { name: string; affinity: boolean; untoleratedTaint?: unknown; unschedulable: boolean }[] }

const asPod = (spec: PodSpec): Record<string, unknown> => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'ns' }, spec })

const podWebhook: Property<WebhookCase> = {
  name: 'pod-webhook',
  cases: CASES['pod-webhook'],
  generate: (rng) => ({ offloading: offloading(rng), pod: pod(rng), nodes: nodes(rng) }),
  async check(c, oracle, tally) {
    const ask = (p: PodSpec): Promise<WebhookAnswer> => oracle.ask<WebhookAnswer>('podWebhook', { namespace: 'ns', offloading: c.offloading, pod: asPod(p) })
    const liqo = await ask(c.pod)
    const ours = mutatePod(c.offloading, c.pod)
    if (!liqo.allowed) {
      tally.add('denied')
      return ours.error !== undefined ? undefined : `Liqo's webhook denies the pod (${liqo.message}); nsoffload mutates it`
    }
    if (ours.error !== undefined) return `Liqo's webhook admits the pod; nsoffload says: ${ours.error}`
    const [canon] = (await oracle.ask<{ specs: Record<string, unknown>[] }>('canonPodSpec', { specs: [ours.pod] })).specs
    if (canonical(canon) !== canonical(liqo.spec))
      return `the mutated specs differ:\n      Liqo:      ${canonical(liqo.spec)}\n      nsoffload: ${canonical(canon)}`
    // (2) The template nsoffload writes, admitted by Liqo's webhook, against the original admitted.
    const template = patchTemplate(c.offloading, c.pod)
    tally.add(template.affinityLeftToWebhook ? 'affinity left to the webhook (NSO4007)' : ours.mutated ? 'mutated' : 'unchanged')
    const again = await ask(template.pod)
    if (!again.allowed || !again.spec || !liqo.spec) return `Liqo's webhook denies the template nsoffload writes: ${again.message}`
    const [a, b] = await Promise.all([liqo.spec, again.spec].map((spec) => oracle.ask<PlacementAnswer>('placement', { pod: spec, nodes: c.nodes })))
    const where = (p: PlacementAnswer | undefined): string =>
      (p?.nodes ?? [])
        .filter((n) => n.affinity && !n.untoleratedTaint && !n.unschedulable)
        .map((n) => n.name)
        .join(',')
    return where(a) === where(b)
      ? undefined
      : `pods of the template nsoffload writes go to [${where(b)}]; the user's template's pods to [${where(a)}]\n      template: ${canonical(template.pod)}`
  },
}

// 3. `build` and `plan` end to end.

type BuildCase = {
  readonly kind: keyof typeof POD_SPEC_PATHS
  readonly policy: Record<string, unknown>
  readonly pod: PodSpec
  readonly inventory: InventoryInput
}

/** Where each kind generated here keeps its pod spec (model/workload.ts's kinds). */
const POD_SPEC_PATHS = {
  Deployment: ['spec', 'template', 'spec'],
  Pod: ['spec'],
  CronJob: ['spec', 'jobTemplate', 'spec', 'template', 'spec'],
} as const

const NAMESPACE = 'team-a'
const REMOTE_IDS = ['florence', 'naples', 'milan']

function nest(path: readonly string[], leaf: unknown): unknown {
  return path.reduceRight<unknown>((inner, k) => ({ [k]: inner }), leaf)
}

function dig(v: unknown, path: readonly string[]): unknown {
  return path.reduce<unknown>((o, k) => (o !== null && typeof o === 'object' ? (o as Record<string, unknown>)[k] : undefined), v)
}

function workload(c: BuildCase): Record<string, unknown> {
  const apiVersion = c.kind === 'Pod' ? 'v1' : c.kind === 'CronJob' ? 'batch/v1' : 'apps/v1'
  const extra = c.kind === 'Deployment' ? { selector: { matchLabels: { app: 'w' } } } : c.kind === 'CronJob' ? { schedule: '0 * * * *' } : {}
  const body = nest(POD_SPEC_PATHS[c.kind].slice(1), c.pod) as Record<string, unknown>
  return { apiVersion, kind: c.kind, metadata: { name: 'w', namespace: NAMESPACE }, spec: { ...extra, ...body } }
}

function buildRemote(rng: Rng, clusterID: string): RemoteInput {
  const labels = nodeLabels(rng, 3)
  if (rng.chance(0.7)) return { clusterID, labels }
  return { clusterID, labels, virtualNodes: rng.list(1, 2, (j) => ({ name: `${clusterID}-${j}`, labels: nodeLabels(rng, 2) })) }
}

function buildCase(rng: Rng): BuildCase {
  const homeNodes = rng.list(1, 2, (i) => {
    const name = `${HOME}-${i}`
    const taints = rng.chance(0.2) ? [{ key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule' }] : []
    return { name, labels: { ...nodeLabels(rng, 3), 'kubernetes.io/hostname': name }, taints }
  })
  const remotes = rng.subset(REMOTE_IDS, 3).map((id) => buildRemote(rng, id))
  const names = [...homeNodes.map((n) => n.name), ...remotes.flatMap((r) => (r.virtualNodes ?? [{ name: r.clusterID }]).map((n) => n.name))]
  const spec: Record<string, unknown> = { podOffloadingStrategy: rng.pick(['Local', 'Remote', 'LocalAndRemote']) }
  if (rng.chance(0.8)) spec['clusterSelector'] = nodeSelector(rng, names)
  // No `runtimeClassName: liqo`: the placement of those pods is the API server's RuntimeClass
  // admission plugin (k8s.io/kubernetes, not linked by the oracle), judged on real API servers by
  // test/e2e/placement.test.ts; Liqo's webhook leaving them alone is property (1) above.
  const { runtimeClassName, ...rest } = pod(rng, names)
  const p = runtimeClassName === 'liqo' ? rest : { ...rest, ...(runtimeClassName !== undefined ? { runtimeClassName } : {}) }
  return { kind: rng.pick(['Deployment', 'Deployment', 'Pod', 'CronJob'] as const), policy: spec, pod: p as PodSpec, inventory: { homeNodes, remotes } }
}

type VirtualNodeAnswer = { labels: Record<string, string>; taints: unknown[] }

const podWebhookBuild: Property<BuildCase> = {
  name: 'pod-webhook-build',
  cases: CASES['pod-webhook-build'],
  generate: buildCase,
  async check(c, oracle, tally) {
    const r = compileProject([policyDocument(NAMESPACE, c.policy)], inventoryDocument(c.inventory), new Map([[NAMESPACE, [workload(c)]]]))
    if (errorsOf(r, 'policies/p0.yaml').length > 0) return void tally.add('policy refused by nsoffload (cluster-selection judges it)')
    if (errorsOf(r, `workloads/${NAMESPACE}/w0.yaml`).length > 0) return void tally.add('workload refused by nsoffload')
    const ns = r.compiled?.namespaces[0]
    const cw = ns?.workloads[0]
    const nsoff = ns?.manifests.get(HOME)?.find((m) => m['kind'] === 'NamespaceOffloading')
    if (!cw?.placement || !nsoff) return `build makes no ${cw ? 'placement preview' : 'workload'}${nsoff ? '' : ' and no NamespaceOffloading'}`
    const template = dig(cw.manifest, POD_SPEC_PATHS[c.kind]) as PodSpec
    const liqo = await oracle.ask<WebhookAnswer>('podWebhook', { namespace: NAMESPACE, offloading: nsoff['spec'], pod: asPod(template) })
    if (!liqo.allowed || !liqo.spec)
      return `Liqo's webhook denies a pod of the template build writes (${liqo.message}); plan previews [${cw.placement.nodes.join(',')}]`
    const left = r.compiled?.diagnostics.some((d) => d.code === 'NSO4007') ?? false
    tally.add(left ? 'affinity left to the webhook (NSO4007)' : cw.patched ? 'template patched' : 'template unchanged')
    const virtual = await Promise.all(
      c.inventory.remotes.flatMap((rm) =>
        oracleNodes(rm).map(async (n) => {
          const v = await oracle.ask<VirtualNodeAnswer>('virtualNode', { clusterID: rm.clusterID, node: n })
          return { name: n.name, labels: v.labels, taints: v.taints }
        }),
      ),
    )
    const nodes = [...(c.inventory.homeNodes ?? []).map((n) => ({ name: n.name, labels: n.labels, taints: n.taints ?? [] })), ...virtual]
    const placed = await oracle.ask<PlacementAnswer>('placement', { pod: liqo.spec, nodes })
    const scheduler = placed.nodes
      .filter((n) => n.affinity && !n.untoleratedTaint && !n.unschedulable)
      .map((n) => n.name)
      .sort()
    const preview = [...cw.placement.nodes].sort()
    tally.add(scheduler.length === 0 ? 'Pending' : scheduler.some((n) => !n.startsWith(HOME)) ? 'offloaded' : 'home only')
    return scheduler.join(',') === preview.join(',')
      ? undefined
      : `plan previews [${preview.join(',')}]; the pods Liqo's webhook makes of the template build writes go to [${scheduler.join(',')}]\n      template: ${canonical(template)}\n      Liqo's pod: ${canonical(liqo.spec)}`
  },
}

let oracle: Oracle
test.before(() => {
  oracle = startOracle()
})
test.after(() => oracle.close())

test("pod webhook: nsoffload mutates pods as Liqo's webhook does, and the templates it writes place pods where Liqo would", async () => {
  assert.ok((await runProperty(oracle, podWebhook)).cases > 0)
})

test("pod webhook and build: the pods Liqo's webhook makes of what build writes go where plan says", async () => {
  assert.ok((await runProperty(oracle, podWebhookBuild)).cases > 0)
})

test.run()
