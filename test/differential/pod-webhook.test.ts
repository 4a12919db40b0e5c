import { test } from 'uvu'
import * as assert from 'uvu/assert'
import type { NodeSelector, Toleration } from '../../src/model/k8s.ts'
import { mutatePod, type OffloadingSpec, patchTemplate, type PodSpec } from '../../src/liqo/pod-webhook.ts'
import { canonical } from './canonical.ts'
import { CASES } from './cases.ts'
import { nodeLabels, nodeSelector } from './gen-labels.ts'
import { type Oracle, startOracle } from './oracle.ts'
import { type Property, runProperty } from './property.ts'
import type { Rng } from './random.ts'

// Liqo's pod mutating webhook (pkg/webhooks/pod.New(client, "liqo").Handle, the NamespaceOffloading
// in a fake client) against nsoffload's: (1) the spec Liqo's webhook makes of a pod is the one
// nsoffload's mutatePod makes; (2) what `build`/`fn` write into a pod template (patchTemplate)
// places the pods Liqo's webhook then admits exactly where the untouched template's pods would
// go, judged by the kube-scheduler's filters on generated nodes (NSO4007 included: there the
// webhook, not nsoffload, puts the affinity in).

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

function pod(rng: Rng): PodSpec {
  const spec: Record<string, unknown> = { containers: [{ name: 'c', image: 'nginx' }] }
  if (rng.chance(0.6)) {
    spec['affinity'] = rng.oneOf<unknown>([
      [5, () => ({ nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: nodeSelector(rng, NAMES) } })],
      [1, () => ({ nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [] } } })],
      [1, () => ({ nodeAffinity: {} })],
      [1, () => ({})],
      [1, () => ({ podAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ topologyKey: 'kubernetes.io/hostname' }] } })],
      [
        1,
        () => ({
          nodeAffinity: {
            requiredDuringSchedulingIgnoredDuringExecution: nodeSelector(rng, NAMES),
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

let oracle: Oracle
test.before(() => {
  oracle = startOracle()
})
test.after(() => oracle.close())

test("pod webhook: nsoffload mutates pods as Liqo's webhook does, and the templates it writes place pods where Liqo would", async () => {
  assert.ok((await runProperty(oracle, podWebhook)).cases > 0)
})

test.run()
