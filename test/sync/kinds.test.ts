import { test } from 'uvu'
import * as assert from 'uvu/assert'
import type { ResourceType } from '../../src/kube/resources.ts'
import type { Manifest } from '../../src/model/k8s.ts'
import { crdTypes, inScope, resolveKinds } from '../../src/sync/kinds.ts'
import { PHASES, type Action } from '../../src/sync/plan-sync.ts'

/** Kinds through discovery, and CRDs of the same sync: pure. The e2e suite (test/e2e/kinds.test.ts) asks real API servers. */

const CRD: Manifest = {
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  metadata: { name: 'widgets.example.com' },
  spec: {
    group: 'example.com',
    scope: 'Cluster',
    names: { kind: 'Widget', plural: 'widgets' },
    versions: [
      { name: 'v1', served: true, storage: true },
      { name: 'v0', served: false, storage: false },
    ],
  },
}
const served: Record<string, ResourceType> = {
  'networking.k8s.io/v1/Ingress': { apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', plural: 'ingresses', namespaced: true },
  'apiextensions.k8s.io/v1/CustomResourceDefinition': {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    plural: 'customresourcedefinitions',
    namespaced: false,
  },
}
const lookup = (apiVersion: string, kind: string): ResourceType | undefined => served[`${apiVersion}/${kind}`]
const obj = (apiVersion: string, kind: string, name: string, namespace?: string): Manifest => ({
  apiVersion,
  kind,
  metadata: { name, ...(namespace ? { namespace } : {}) },
})

test("a CRD's served versions are the kinds it defines, with its scope", () => {
  assert.equal(crdTypes(CRD), [{ apiVersion: 'example.com/v1', kind: 'Widget', plural: 'widgets', namespaced: false }])
  assert.equal(crdTypes({ ...CRD, spec: {} }), [])
})

test('served kinds from discovery; a kind a CRD of this sync defines from the CRD; any other is unserved, named once', () => {
  const r = resolveKinds(
    [
      obj('networking.k8s.io/v1', 'Ingress', 'web', 'shop'),
      CRD,
      obj('example.com/v1', 'Widget', 'w1', 'shop'),
      obj('example.com/v0', 'Widget', 'old', 'shop'),
      obj('extensions/v1beta1', 'Ingress', 'legacy', 'shop'),
      obj('extensions/v1beta1', 'Ingress', 'legacy2', 'shop'),
    ],
    lookup,
  )
  assert.equal([...r.types.keys()].sort(), ['apiextensions.k8s.io/v1/CustomResourceDefinition', 'example.com/v1/Widget', 'networking.k8s.io/v1/Ingress'])
  assert.equal([...r.definedBy], [['example.com/v1/Widget', 'widgets.example.com']])
  assert.equal(r.unserved, [
    { apiVersion: 'example.com/v0', kind: 'Widget', object: 'widget/shop/old' },
    { apiVersion: 'extensions/v1beta1', kind: 'Ingress', object: 'ingress/shop/legacy' },
  ])
})

test('the scope the server gives a kind: a cluster-scoped kind loses the namespace the compiler gave it', () => {
  const widget = obj('example.com/v1', 'Widget', 'w1', 'shop')
  assert.equal(inScope(widget, crdTypes(CRD)[0], 'shop'), obj('example.com/v1', 'Widget', 'w1'))
  const ns = { apiVersion: 'x/v1', kind: 'Thing', plural: 'things', namespaced: true }
  assert.equal(inScope(obj('x/v1', 'Thing', 't'), ns, 'shop'), obj('x/v1', 'Thing', 't', 'shop'))
  assert.is(inScope(widget, undefined, 'shop'), widget)
})

test('phases: a CRD before the custom resources it defines, which wait for it; other workloads do not', () => {
  const action = (m: Manifest, definedBy?: string): Action => ({
    op: 'create',
    cluster: 'venice',
    namespace: 'shop',
    step: 'workloads',
    manifest: m,
    ...(definedBy ? { definedBy } : {}),
  })
  const crd = action(CRD)
  const cr = action(obj('example.com/v1', 'Widget', 'w1'), 'widgets.example.com')
  const ing = action(obj('networking.k8s.io/v1', 'Ingress', 'web', 'shop'))
  const phaseOf = (a: Action): number => PHASES.findIndex((p) => p.takes(a))
  assert.ok(phaseOf(crd) < phaseOf(cr))
  assert.ok(PHASES[phaseOf(crd)]?.thenEstablished)
  assert.ok(PHASES[phaseOf(cr)]?.needs(cr).includes('crd:widgets.example.com'))
  assert.not.ok(PHASES[phaseOf(ing)]?.needs(ing).some((g) => g.startsWith('crd:')))
})

test.run()
