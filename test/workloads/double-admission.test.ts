import { test } from 'uvu'
import * as assert from 'uvu/assert'
import type { NodeSelectorRequirement, NodeSelectorTerm } from '../../src/model/k8s.ts'
import { eligibleNodes, type SchedulingNode } from '../../src/placement/eligible-nodes.ts'
import { virtualNode } from '../../src/liqo/virtual-nodes.ts'
import { mutatePod, type OffloadingSpec, patchTemplate, type PodSpec } from '../../src/liqo/pod-webhook.ts'

/**
 * Double admission. nsoffload patches pod templates as Liqo's webhook patches pods, and the
 * webhook still runs on every pod the template makes. What the scheduler sees is therefore
 * W(T), W = Liqo's webhook (mutatePod, held to Liqo's tables in test/liqo/pod-webhook.test.ts) and T the
 * rendered template. The property: for every pod x, W(T(x)) is eligible on exactly the nodes
 * W(x) is (what Liqo would do with the manifest as written), and, unless nsoffload warns
 * (affinityLeftToWebhook), T(x) itself is too, and W(T(x)) ≡ T(x): T is a fixed point.
 */

const W = (spec: OffloadingSpec, pod: PodSpec): PodSpec => mutatePod(spec, pod).pod
const req = (key: string, operator: string, values?: string[]): NodeSelectorRequirement => (values ? { key, operator, values } : { key, operator })
const byName = (operator: 'In' | 'NotIn', name: string): NodeSelectorRequirement => ({ key: 'metadata.name', operator, values: [name] })
const required = (nodeSelectorTerms: NodeSelectorTerm[]): PodSpec => ({
  affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms } } },
})

/** Home nodes and virtual nodes over the keys the fixtures use, names the matchFields use. */
const NODES: SchedulingNode[] = [
  { name: 'h0', labels: { region: 'A,B', storage: 'ssd' }, taints: [] },
  { name: 'h1', labels: { region: 'C,D', provider: 'AWS', NotProvider: 'x' }, taints: [] },
  { name: 'h2', labels: {}, taints: [] },
  virtualNode('v0', 'v0', { region: 'A,B', provider: 'AWS' }),
  virtualNode('v1', 'v1', { region: 'C,D', NotProvider: 'x', storage: 'ssd' }),
  virtualNode('v2', 'v2', { region: 'A,B', provider: 'GCP', storage: 'hdd' }),
  virtualNode('v3', 'v3', {}),
]
const elig = (p: PodSpec): string[] => eligibleNodes(p, NODES)

interface Outcome {
  readonly warned: boolean
  readonly naiveWidens: boolean
}

/** Checks the property on one input; returns whether nsoffload warned and whether W∘W alone would have changed placement. */
function check(spec: OffloadingSpec, x: PodSpec, what: string): Outcome {
  const once = W(spec, x)
  const t = patchTemplate(spec, x)
  assert.equal(elig(W(spec, t.pod)), elig(once), `${what}: the pods of the template are placed as Liqo places x`)
  if (!t.affinityLeftToWebhook) {
    assert.equal(elig(t.pod), elig(once), `${what}: the template reads as W(x)`)
    assert.equal(elig(W(spec, t.pod)), elig(t.pod), `${what}: the template is a fixed point of the webhook`)
  } else {
    assert.is(t.pod.affinity, x.affinity, `${what}: the affinity is left as written`)
    assert.equal(t.pod.tolerations, once.tolerations, `${what}: the toleration is written`)
  }
  return { warned: t.affinityLeftToWebhook === true, naiveWidens: elig(W(spec, once)).join() !== elig(once).join() }
}

// Liqo's own fixtures (liqotech/liqo@v1.2.0 pkg/webhooks/pod/testutils/utils.go).
const T1 = [req('region', 'In', ['A,B']), req('provider', 'Exists')]
const T2 = [req('region', 'In', ['C,D']), req('NotProvider', 'Exists')]
const CS = [{ matchExpressions: T1 }, { matchExpressions: T2 }]
const PS = [{ matchExpressions: [req('storage', 'Exists')] }, { matchExpressions: [req('provider', 'In', ['AWS'])] }]
const STRATEGIES = ['Local', 'Remote', 'LocalAndRemote'] as const
const PODS: [string, PodSpec][] = [
  ['no affinity', {}],
  ['affinity with all parts nil', { affinity: {} }],
  ['only podAffinity', { affinity: { podAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ topologyKey: 'fake-value' }] } } }],
  ['required nil', { affinity: { nodeAffinity: {} } }],
  ['nodeSelectorTerms: []', required([])],
  ['PS', required(PS)],
  ['PS, runtimeClassName liqo', { ...required(PS), runtimeClassName: 'liqo' }],
  ['PS, another runtime class', { ...required(PS), runtimeClassName: 'my-custom-runtime' }],
]

for (const s of STRATEGIES) {
  for (const cs of [[], CS]) {
    for (const [name, pod] of PODS) {
      test(`Liqo's tables: ${s}, clusterSelector ${cs.length === 0 ? 'empty' : 'CS'}, pod ${name}: a fixed point, and Liqo's literal output`, () => {
        const spec = { podOffloadingStrategy: s, clusterSelector: { nodeSelectorTerms: cs } }
        const o = check(spec, pod, `${s}/${name}`)
        assert.not.ok(o.warned)
        // Without matchFields or empty terms the template is exactly what Liqo's webhook writes.
        assert.equal(patchTemplate(spec, pod).pod, W(spec, pod))
      })
    }
  }
}

test("the issue's case: Remote to one cluster by metadata.name, a pod without affinity. A second merge would widen placement; nsoffload leaves the affinity to the webhook and warns", () => {
  const spec = { podOffloadingStrategy: 'Remote', clusterSelector: { nodeSelectorTerms: [{ matchFields: [byName('In', 'v0')] }] } }
  const once = W(spec, {})
  assert.equal(elig(once), ['v0'])
  assert.equal(elig(W(spec, once)), ['v0', 'v1', 'v2', 'v3'], 'W(W(x)): the matchFields are gone, every virtual node takes the pods')
  const o = check(spec, {}, 'issue')
  assert.ok(o.warned)
  assert.ok(o.naiveWidens)
})

test('LocalAndRemote, a clusterSelector term with only matchFields and a pod term with only matchFields: Liqo writes {} terms, and its output is still stable', () => {
  const spec = {
    podOffloadingStrategy: 'LocalAndRemote',
    clusterSelector: { nodeSelectorTerms: [{ matchFields: [byName('In', 'v1')] }, { matchExpressions: [req('provider', 'In', ['AWS'])] }] },
  }
  const x = required([{ matchFields: [byName('In', 'h2')] }])
  const once = W(spec, x)
  assert.equal(once.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms, [
    {},
    { matchExpressions: [req('provider', 'In', ['AWS'])] },
    { matchExpressions: [req('liqo.io/type', 'NotIn', ['virtual-node'])] },
  ])
  assert.equal(patchTemplate(spec, x).pod, once, "the template is Liqo's output")
  const o = check(spec, x, 'empty term')
  assert.not.ok(o.warned)
  assert.not.ok(o.naiveWidens, 'the {} term becomes, on the second merge, terms the first already wrote')
})

// Generated cases: a seeded generator (mulberry32), so a failure names a case that can be replayed.
function rng(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}
const KEYS = ['region', 'provider', 'storage', 'liqo.io/type', 'kubernetes.io/os']
const VALUES: Record<string, string[]> = {
  region: ['A,B', 'C,D'],
  provider: ['AWS', 'GCP'],
  storage: ['ssd', 'hdd'],
  'liqo.io/type': ['virtual-node'],
  'kubernetes.io/os': ['linux', 'windows'],
}

function generated(seed: number): { spec: OffloadingSpec; pod: PodSpec } {
  const r = rng(seed)
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)] as T
  const expr = (): NodeSelectorRequirement => {
    const key = pick(KEYS)
    const op = pick(['In', 'NotIn', 'Exists', 'DoesNotExist'])
    return op === 'In' || op === 'NotIn' ? req(key, op, [pick(VALUES[key] ?? ['x'])]) : req(key, op)
  }
  const term = (): NodeSelectorTerm => {
    const exprs = Array.from({ length: Math.floor(r() * 3) }, expr)
    const fields = r() < 0.3 ? [byName(pick(['In', 'NotIn']), pick(NODES).name)] : []
    return { ...(exprs.length > 0 ? { matchExpressions: exprs } : {}), ...(fields.length > 0 ? { matchFields: fields } : {}) }
  }
  const terms = (max: number): NodeSelectorTerm[] => Array.from({ length: Math.floor(r() * (max + 1)) }, term)
  const spec = { podOffloadingStrategy: pick(STRATEGIES), clusterSelector: { nodeSelectorTerms: terms(3) } }
  const shape = r()
  const pod: PodSpec = shape < 0.3 ? {} : shape < 0.4 ? required([]) : required(terms(3).length === 0 ? [term()] : terms(3))
  return { spec, pod: { ...pod, ...(r() < 0.15 ? { runtimeClassName: 'liqo' } : {}), ...(r() < 0.2 ? { nodeSelector: { 'kubernetes.io/os': 'linux' } } : {}) } }
}

test('5,000 generated pods and NamespaceOffloadings: the property holds; W∘W alone changes placement in many of them, nsoffload warns in each of those and only where matchFields leave it no stable form', () => {
  let widened = 0
  let warned = 0
  for (let seed = 1; seed <= 5000; seed++) {
    const { spec, pod } = generated(seed)
    const o = check(spec, pod, `seed ${seed}`)
    const noRequired = (pod.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms ?? []).length === 0
    const fieldsImposed =
      spec.podOffloadingStrategy !== 'Local' &&
      pod.runtimeClassName !== 'liqo' &&
      spec.clusterSelector.nodeSelectorTerms.some((t) => (t.matchFields ?? []).length > 0)
    assert.is(
      o.warned,
      noRequired && fieldsImposed,
      `seed ${seed}: a warning exactly for a pod without required terms under a clusterSelector with matchFields`,
    )
    if (o.naiveWidens) {
      widened++
      assert.ok(o.warned, `seed ${seed}: every case W∘W would widen is one nsoffload does not pre-patch`)
    }
    if (o.warned) warned++
    else assert.equal(patchTemplate(spec, pod).pod, W(spec, pod), `seed ${seed}: otherwise the template is Liqo's literal output`)
  }
  assert.ok(widened > 100, `the generator reaches the double-admission bug (${widened} cases)`)
  assert.ok(warned >= widened, `warned ${warned}, widened ${widened}`)
})

test.run()
