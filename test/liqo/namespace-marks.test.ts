import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { liveRemoteName } from '../../src/liqo/remote-name.ts'
import { schedulingEnabled, schedulingLabelAfter } from '../../src/liqo/scheduling-label.ts'
import { namespaceMapKey, ownedByNamespaceMap, twinMarks, twinOriginalName } from '../../src/liqo/twin-namespace.ts'
import type { NamespaceOffloadingObject } from '../../src/model/liqo.ts'

// liqotech/liqo@v1.2.0 pkg/liqo-controller-manager/offloading/namespacemap-controller/enforcement.go, createNamespace.
test('twinMarks: the NamespaceMap annotation, the original name, the origin cluster label', () => {
  assert.equal(twinMarks('home', 'r1', 'shop'), {
    labels: { 'liqo.io/remote-cluster-id': 'home' },
    annotations: { 'liqo.io/managed-by-namespace-map': 'liqo-tenant-home/r1', 'liqo.io/original-name': 'shop' },
  })
  assert.is(namespaceMapKey('home', 'r1'), 'liqo-tenant-home/r1')
  assert.is(twinOriginalName(twinMarks('home', 'r1', 'shop')), 'shop')
  assert.is(twinOriginalName({}), undefined)
})

test('ownedByNamespaceMap: only the NamespaceMap of this home on this remote', () => {
  const marks = twinMarks('home', 'r1', 'shop')
  assert.ok(ownedByNamespaceMap(marks, 'home', 'r1'))
  assert.not.ok(ownedByNamespaceMap(marks, 'other-home', 'r1'))
  assert.not.ok(ownedByNamespaceMap(marks, 'home', 'r2'))
  assert.not.ok(ownedByNamespaceMap({}, 'home', 'r1'))
  assert.not.ok(ownedByNamespaceMap({ annotations: { 'liqo.io/managed-by-namespace-map': '' } }, 'home', 'r1'))
})

// namespaceoffloading-controller/labels.go and namespaceoffloading_controller.go.
test('scheduling label: set to "true" for LocalAndRemote and Remote, a "true" removed for Local, other values left', () => {
  const cases: [Parameters<typeof schedulingLabelAfter>[0], string | undefined, string | undefined][] = [
    ['LocalAndRemote', undefined, 'true'],
    ['LocalAndRemote', 'true', 'true'],
    ['LocalAndRemote', 'false', 'true'],
    ['Remote', '', 'true'],
    ['Local', 'true', undefined],
    ['Local', 'false', 'false'],
    ['Local', '', ''],
    ['Local', undefined, undefined],
  ]
  for (const [strategy, written, after] of cases) assert.is(schedulingLabelAfter(strategy, written), after, `${strategy} ${String(written)}`)
  assert.equal(
    (['LocalAndRemote', 'Remote', 'Local'] as const).map((s) => schedulingEnabled(s)),
    [true, true, false],
  )
})

// namespaceoffloading-controller/status.go, remoteNamespaceName.
test('liveRemoteName: the name a live NamespaceOffloading gives, DefaultName for a strategy Liqo does not know', () => {
  const nso = (spec: Record<string, unknown>): NamespaceOffloadingObject => ({ apiVersion: 'offloading.liqo.io/v1beta1', kind: 'NamespaceOffloading', spec })
  assert.is(liveRemoteName('shop', undefined, 'home'), undefined)
  assert.is(liveRemoteName('shop', nso({ namespaceMappingStrategy: 'EnforceSameName' }), 'home'), 'shop')
  assert.is(liveRemoteName('shop', nso({ namespaceMappingStrategy: 'DefaultName' }), 'home'), 'shop-home')
  assert.is(liveRemoteName('shop', nso({ namespaceMappingStrategy: 'SelectedName', remoteNamespaceName: 'away' }), 'home'), 'away')
  assert.is(liveRemoteName('shop', nso({ namespaceMappingStrategy: 'SelectedName' }), 'home'), '')
  assert.is(liveRemoteName('shop', nso({ namespaceMappingStrategy: 'Sideways' }), 'home'), 'shop-home')
  assert.is(liveRemoteName('shop', nso({}), 'home'), 'shop-home')
})

test.run()
