import { test } from 'uvu'
import * as assert from 'uvu/assert'
import type { NodeSelector, NodeSelectorRequirement, NodeSelectorTerm } from '../../src/model/k8s.ts'
import {
  createNodeSelectorFromNamespaceOffloading,
  createTolerationFromNamespaceOffloading,
  fillPodWithTheNewNodeSelector,
  mergeNodeSelector,
  mutatePod,
  type PodSpec,
  TYPE_IN,
  TYPE_NOT_IN,
  VIRTUAL_NODE_TOLERATION,
} from '../../src/liqo/pod-webhook.ts'

/**
 * Liqo's own unit tests of the pod webhook (`pkg/webhooks/pod/pod_test.go`, fixtures in
 * `pkg/webhooks/pod/testutils/utils.go`; liqotech/liqo@v1.2.0), tables A–E, with
 * the fixtures exactly as Liqo writes them. `"A,B"` is ONE value containing a comma. Results
 * are compared order-exact, which is stricter than Liqo's ConsistOf for mutatePod.
 */

const req = (key: string, operator: string, values?: string[]): NodeSelectorRequirement => (values ? { key, operator, values } : { key, operator })
const term = (...matchExpressions: NodeSelectorRequirement[]): NodeSelectorTerm => ({ matchExpressions })

const regionAB = req('region', 'In', ['A,B'])
const providerExists = req('provider', 'Exists')
const regionCD = req('region', 'In', ['C,D'])
const notProviderExists = req('NotProvider', 'Exists')
const storageExists = req('storage', 'Exists')
const providerAWS = req('provider', 'In', ['AWS'])

/** CS = T1 OR T2 */
const T1 = [regionAB, providerExists]
const T2 = [regionCD, notProviderExists]
const CS = (): NodeSelector => ({ nodeSelectorTerms: [term(...T1), term(...T2)] })
/** PS = P1 OR P2 */
const P1 = [storageExists]
const P2 = [providerAWS]
const PS = (): NodeSelector => ({ nodeSelectorTerms: [term(...P1), term(...P2)] })

const typeIn = TYPE_IN
const typeNotIn = TYPE_NOT_IN
const Tol = { key: 'virtual-node.liqo.io/not-allowed', operator: 'Exists', effect: 'NoExecute' }

/** The NamespaceOffloading fixture: `offloading` in `test`, EnforceSameName, clusterSelector CS. */
const nsoff = (podOffloadingStrategy: string) => ({ podOffloadingStrategy, clusterSelector: CS() })

/** Deep-freezes fixtures so that any mutation of an input throws. */
function frozen<T>(v: T): T {
  if (v && typeof v === 'object') {
    for (const x of Object.values(v)) frozen(x)
    Object.freeze(v)
  }
  return v
}

test("the constants are Liqo's, to the letter", () => {
  assert.equal(VIRTUAL_NODE_TOLERATION, Tol)
  assert.equal(typeIn, { key: 'liqo.io/type', operator: 'In', values: ['virtual-node'] })
  assert.equal(typeNotIn, { key: 'liqo.io/type', operator: 'NotIn', values: ['virtual-node'] })
})

// Table A: createTolerationFromNamespaceOffloading
const tableA: [name: string, strategy: string, toleration: object, error?: string][] = [
  ['"" (Local)', 'Local', {}],
  ['Local', 'Local', {}],
  ['Remote', 'Remote', Tol],
  ['LocalAndRemote', 'LocalAndRemote', Tol],
  ['unknown strategy', 'Elsewhere', {}, 'unknown PodOffloadingStrategyType "Elsewhere"'],
]
for (const [name, strategy, toleration, error] of tableA) {
  test(`Table A: toleration for ${name}`, () => {
    const r = createTolerationFromNamespaceOffloading(strategy)
    assert.equal(r.toleration, toleration)
    assert.is(r.error, error)
  })
}

// Table B: createNodeSelectorFromNamespaceOffloading, clusterSelector = CS
test('Table B: Local imposes nothing', () => {
  assert.equal(createNodeSelectorFromNamespaceOffloading(frozen(nsoff('Local'))), {})
})
test('Table B: Remote = [T1 + typeIn, T2 + typeIn]', () => {
  const r = createNodeSelectorFromNamespaceOffloading(frozen(nsoff('Remote')))
  assert.equal(r.selector, { nodeSelectorTerms: [term(...T1, typeIn), term(...T2, typeIn)] })
})
test('Table B: LocalAndRemote = [T1, T2, {typeNotIn}]', () => {
  const r = createNodeSelectorFromNamespaceOffloading(frozen(nsoff('LocalAndRemote')))
  assert.equal(r.selector, { nodeSelectorTerms: [term(...T1), term(...T2), term(typeNotIn)] })
})
test('Table B: unknown strategy is an error', () => {
  assert.equal(createNodeSelectorFromNamespaceOffloading(nsoff('Elsewhere')), { error: 'unknown PodOffloadingStrategyType "Elsewhere"' })
})

// Table C: Merge(PS, CS), exact order [P1+T1, P1+T2, P2+T1, P2+T2]
const tableC = [
  term(storageExists, regionAB, providerExists),
  term(storageExists, regionCD, notProviderExists),
  term(providerAWS, regionAB, providerExists),
  term(providerAWS, regionCD, notProviderExists),
]
test('Table C: MergeNodeSelector(PS, CS), order-exact', () => {
  assert.equal(mergeNodeSelector(frozen(PS()), frozen(CS())), { nodeSelectorTerms: tableC })
})

// Table D: placing CS into pods
const podAffinity = { requiredDuringSchedulingIgnoredDuringExecution: [{ topologyKey: 'fake-value' }] }
const tableD: [name: string, pod: PodSpec, expectedRequired: NodeSelector, extra?: (p: PodSpec) => void][] = [
  ['0: no affinity', {}, CS()],
  ['1: affinity with all parts nil', { affinity: {} }, CS()],
  ['2: affinity with only podAffinity', { affinity: { podAffinity } }, CS(), (p) => assert.equal(p.affinity?.podAffinity, podAffinity)],
  ['3: nodeAffinity with required nil', { affinity: { nodeAffinity: {} } }, CS()],
  [
    '4: required with nodeSelectorTerms: []',
    { affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [] } } } },
    CS(),
  ],
  ['5: required = PS', { affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: PS() } } }, { nodeSelectorTerms: tableC }],
]
for (const [name, pod, expected, extra] of tableD) {
  test(`Table D: ${name}`, () => {
    const imposed = frozen(CS())
    const out = fillPodWithTheNewNodeSelector(imposed, frozen(structuredClone(pod)))
    assert.equal(out.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution, expected)
    assert.equal(imposed, CS(), 'the imposed selector is not modified')
    extra?.(out)
  })
}
test('Table D: a nil imposed selector leaves the pod alone', () => {
  const pod = frozen({ affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: PS() } } })
  assert.is(fillPodWithTheNewNodeSelector(undefined, pod), pod)
})

// Table E: mutatePod end to end; runtime class configured as my-liqo-runtime
const basePod = (runtimeClassName?: string): PodSpec =>
  frozen({
    tolerations: [{ key: 'test' }],
    affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: PS() } },
    ...(runtimeClassName ? { runtimeClassName } : {}),
  })
const lar6 = [
  term(storageExists, regionAB, providerExists),
  term(storageExists, regionCD, notProviderExists),
  term(storageExists, typeNotIn),
  term(providerAWS, regionAB, providerExists),
  term(providerAWS, regionCD, notProviderExists),
  term(providerAWS, typeNotIn),
]
const remote4 = [
  term(storageExists, regionAB, providerExists, typeIn),
  term(storageExists, regionCD, notProviderExists, typeIn),
  term(providerAWS, regionAB, providerExists, typeIn),
  term(providerAWS, regionCD, notProviderExists, typeIn),
]
const tableE: [name: string, strategy: string, rc: string | undefined, configured: string, tolerations: object[], terms: readonly NodeSelectorTerm[]][] = [
  ['Local', 'Local', undefined, 'my-liqo-runtime', [{ key: 'test' }], PS().nodeSelectorTerms],
  ['Local + RC', 'Local', 'my-liqo-runtime', 'my-liqo-runtime', [{ key: 'test' }], PS().nodeSelectorTerms],
  ['Local&Remote', 'LocalAndRemote', undefined, 'my-liqo-runtime', [{ key: 'test' }, Tol], lar6],
  ['Local&Remote + RC', 'LocalAndRemote', 'my-liqo-runtime', 'my-liqo-runtime', [{ key: 'test' }], PS().nodeSelectorTerms],
  ['Remote', 'Remote', undefined, 'my-liqo-runtime', [{ key: 'test' }, Tol], remote4],
  ['Remote + RC', 'Remote', 'my-liqo-runtime', 'my-liqo-runtime', [{ key: 'test' }], PS().nodeSelectorTerms],
  ['Custom RC (configured liqo)', 'LocalAndRemote', 'my-custom-runtime', 'liqo', [{ key: 'test' }, Tol], lar6],
]
for (const [name, strategy, rc, configured, tolerations, terms] of tableE) {
  test(`Table E: mutatePod ${name}`, () => {
    const r = mutatePod(frozen(nsoff(strategy)), basePod(rc), configured)
    assert.is(r.error, undefined)
    assert.equal(r.pod.tolerations, tolerations)
    assert.equal(r.pod.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms, terms)
    assert.is(r.pod.runtimeClassName, rc)
  })
}
test('Table E: the default runtime class name is liqo', () => {
  const r = mutatePod(nsoff('Remote'), basePod('liqo'))
  assert.is(r.mutated, false)
  assert.equal(r.pod, basePod('liqo'))
})
test("Table E: an unknown strategy leaves the pod alone, with Liqo's error", () => {
  const r = mutatePod(nsoff('Elsewhere'), basePod())
  assert.is(r.error, 'unknown PodOffloadingStrategyType "Elsewhere"')
  assert.equal(r.pod, basePod())
})

// The empty-selector cases and the other facts of mutations.go and nodeUtils.go MergeNodeSelector.
const empty = (podOffloadingStrategy: string) => ({ podOffloadingStrategy, clusterSelector: { nodeSelectorTerms: [] } })
test('empty clusterSelector, Remote: the pod gets [liqo.io/type In virtual-node] and the toleration', () => {
  const r = mutatePod(empty('Remote'), {})
  assert.equal(r.pod, {
    tolerations: [Tol],
    affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [term(typeIn)] } } },
  })
})
test('empty clusterSelector, Remote, with pod terms: each pod term + typeIn', () => {
  const r = mutatePod(empty('Remote'), { affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: PS() } } })
  assert.equal(r.pod.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution, {
    nodeSelectorTerms: [term(storageExists, typeIn), term(providerAWS, typeIn)],
  })
})
test('empty clusterSelector, LocalAndRemote: only the toleration, affinity untouched', () => {
  const pod = frozen({ affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: PS() } } })
  const r = mutatePod(empty('LocalAndRemote'), pod)
  assert.equal(r.pod, { ...pod, tolerations: [Tol] })
  assert.equal(mutatePod(empty('LocalAndRemote'), {}).pod, { tolerations: [Tol] })
})
test('the selector "" (one empty term): Remote gives [typeIn], LocalAndRemote gives [{}, typeNotIn]', () => {
  const cs = { nodeSelectorTerms: [{}] }
  assert.equal(createNodeSelectorFromNamespaceOffloading({ podOffloadingStrategy: 'Remote', clusterSelector: cs }).selector, {
    nodeSelectorTerms: [term(typeIn)],
  })
  assert.equal(createNodeSelectorFromNamespaceOffloading({ podOffloadingStrategy: 'LocalAndRemote', clusterSelector: cs }).selector, {
    nodeSelectorTerms: [{}, term(typeNotIn)],
  })
})
test('Local: untouched, even the tolerations', () => {
  const pod = basePod()
  assert.is(mutatePod(empty('Local'), pod).pod, pod)
})
test('the toleration is appended even when an identical one is there (no de-duplication)', () => {
  const r = mutatePod(empty('LocalAndRemote'), { tolerations: [Tol] })
  assert.equal(r.pod.tolerations, [Tol, Tol])
})
test('merge: matchFields of both sides are dropped; an empty pod term takes the imposed expressions', () => {
  const byName = { key: 'metadata.name', operator: 'In', values: ['n1'] }
  const pod = { nodeSelectorTerms: [{ matchFields: [byName] }, { matchExpressions: [storageExists], matchFields: [byName] }] }
  const imposed = { nodeSelectorTerms: [{ matchExpressions: [regionAB], matchFields: [byName] }, {}] }
  assert.equal(mergeNodeSelector(pod, imposed), { nodeSelectorTerms: [term(regionAB), {}, term(storageExists, regionAB), term(storageExists)] })
})
test('Remote keeps the matchFields of the cluster selector when there are no pod terms', () => {
  const byName = { key: 'metadata.name', operator: 'In', values: ['naples'] }
  const r = mutatePod({ podOffloadingStrategy: 'Remote', clusterSelector: { nodeSelectorTerms: [{ matchFields: [byName] }] } }, {} as PodSpec)
  assert.equal(r.pod.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution, {
    nodeSelectorTerms: [{ matchFields: [byName], matchExpressions: [typeIn] }],
  })
})
test("duplicates and contradictions are emitted verbatim (the tutorial's app-south and app-center)", () => {
  const south = req('topology.liqo.io/region', 'In', ['south'])
  const center = req('topology.liqo.io/region', 'In', ['center'])
  const cs = { nodeSelectorTerms: [term(south)] }
  const pod = (r: NodeSelectorRequirement): PodSpec => ({
    affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [term(r)] } } },
  })
  const terms = (p: PodSpec) =>
    mutatePod({ podOffloadingStrategy: 'LocalAndRemote', clusterSelector: cs }, p).pod.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution
      ?.nodeSelectorTerms
  assert.equal(terms(pod(south)), [term(south, south), term(south, typeNotIn)])
  assert.equal(terms(pod(center)), [term(center, south), term(center, typeNotIn)])
})
test('unknown fields of the pod spec and of the affinity are carried along', () => {
  const r = mutatePod(nsoff('Remote'), {
    containers: [{ name: 'x' }],
    affinity: { podAntiAffinity: { a: 1 }, nodeAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 1 }] } },
  })
  assert.equal(r.pod['containers'], [{ name: 'x' }])
  assert.equal(r.pod.affinity?.podAntiAffinity, { a: 1 })
  assert.equal(r.pod.affinity?.nodeAffinity?.preferredDuringSchedulingIgnoredDuringExecution, [{ weight: 1 }])
})

test.run()
