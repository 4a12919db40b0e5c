import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { describeObject, metaOf, namespaceOf, typeOf } from '../../src/util/manifest.ts'
import { list, obj, str } from '../../src/util/plain-data.ts'

const web = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: 'shop' } }

test("describeObject: kubectl's form for diff and sync, words for messages", () => {
  assert.is(describeObject(web), 'deployment/shop/web')
  assert.is(describeObject({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shop' } }), 'namespace/shop')
  assert.is(describeObject(web, 'prose'), 'Deployment/web in namespace shop')
  assert.is(describeObject({ kind: 'ClusterRole', metadata: { name: 'reader' } }, 'prose'), 'ClusterRole/reader')
})

test('metaOf, namespaceOf, typeOf: what is missing reads empty', () => {
  assert.equal(metaOf({ kind: 'Namespace' }), {})
  assert.is(namespaceOf(web), 'shop')
  // A cluster-scoped workload may say `namespace: null`: it has none.
  assert.is(namespaceOf(JSON.parse('{"metadata":{"name":"r","namespace":null}}')), undefined)
  assert.equal(typeOf({ metadata: { name: 'x' } }), { apiVersion: '', kind: '' })
})

test('plain-data readers give the empty value for another shape', () => {
  assert.equal(obj([1]), {})
  assert.equal(obj({ a: 1 }), { a: 1 })
  assert.equal(list({ a: 1 }), [])
  assert.is(str(1), '')
  assert.is(str('x'), 'x')
})

test.run()
