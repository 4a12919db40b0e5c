import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { describeFailure, requestInfo, sayRequest } from '../../src/kube/describe-failure.ts'

/**
 * The verb and resource of a request, read from its path with the API server's rules
 * (RequestInfoFactory of k8s.io/apiserver: a namespace's `status` and `finalize` are its
 * subresources, anything else after `namespaces/<ns>/` a resource in it), and the one-line
 * messages of 401, 403 and 5xx answers. The e2e suite holds them to the real API server's answers.
 */

test('verb and resource of the requests nsoffload sends', () => {
  const cases: [string, string, ReturnType<typeof requestInfo>][] = [
    ['GET', '/api/v1/namespaces', { verb: 'list', resource: 'namespaces' }],
    ['GET', '/api/v1/namespaces/shop', { verb: 'get', resource: 'namespaces', name: 'shop' }],
    ['PATCH', '/api/v1/namespaces/shop', { verb: 'patch', resource: 'namespaces', name: 'shop' }],
    ['PUT', '/api/v1/namespaces/shop/finalize', { verb: 'update', resource: 'namespaces/finalize', name: 'shop' }],
    ['GET', '/api/v1/namespaces/shop/configmaps', { verb: 'list', resource: 'configmaps', namespace: 'shop' }],
    ['DELETE', '/api/v1/namespaces/shop/configmaps/web', { verb: 'delete', resource: 'configmaps', namespace: 'shop', name: 'web' }],
    ['DELETE', '/api/v1/namespaces/shop/configmaps', { verb: 'deletecollection', resource: 'configmaps', namespace: 'shop' }],
    ['GET', '/apis/apps/v1/deployments', { verb: 'list', resource: 'deployments.apps' }],
    ['POST', '/apis/apps/v1/namespaces/shop/deployments', { verb: 'create', resource: 'deployments.apps', namespace: 'shop' }],
    [
      'PATCH',
      '/apis/offloading.liqo.io/v1beta1/namespaces/shop/namespaceoffloadings/offloading/status',
      { verb: 'patch', resource: 'namespaceoffloadings.offloading.liqo.io/status', namespace: 'shop', name: 'offloading' },
    ],
    [
      'GET',
      '/apis/apiextensions.k8s.io/v1/customresourcedefinitions/namespaceoffloadings.offloading.liqo.io',
      { verb: 'get', resource: 'customresourcedefinitions.apiextensions.k8s.io', name: 'namespaceoffloadings.offloading.liqo.io' },
    ],
    ['GET', '/apis/apps/v1', { verb: 'get', resource: '' }],
    ['GET', '/api', { verb: 'get', resource: '' }],
  ]
  for (const [method, path, want] of cases) assert.equal(requestInfo(method, path), want, `${method} ${path}`)
  assert.is(sayRequest('GET', '/api/v1/namespaces'), 'list namespaces at the cluster scope')
  assert.is(sayRequest('PATCH', '/apis/apps/v1/namespaces/shop/deployments/web'), 'patch deployments.apps "web" in namespace shop')
  assert.is(sayRequest('GET', '/apis'), 'read the API discovery')
})

test('401, 403 and 5xx in one line naming the cluster; other answers as they are', () => {
  const where = 'cluster "venice" (context venice, https://127.0.0.1:6443)'
  const base = { method: 'GET', path: '/api/v1/namespaces', where, retriedMs: 0 }
  assert.is(
    describeFailure({
      ...base,
      message: 'GET /api/v1/namespaces: 401 Unauthorized: Unauthorized',
      status: 401,
      reason: 'Unauthorized',
      detail: 'Unauthorized',
    }),
    `${where}: unauthorized (401): the API server does not accept the credentials of this context (GET /api/v1/namespaces)`,
  )
  const forbidden = 'namespaces is forbidden: User "nobody" cannot list resource "namespaces" in API group "" at the cluster scope'
  assert.is(
    describeFailure({ ...base, message: `GET /api/v1/namespaces: 403 Forbidden: ${forbidden}`, status: 403, reason: 'Forbidden', detail: forbidden }),
    `${where}: forbidden (403): cannot list namespaces at the cluster scope (GET /api/v1/namespaces): ${forbidden}`,
  )
  assert.is(
    describeFailure({ ...base, message: 'x', status: 500, reason: 'InternalError', detail: 'etcdserver: request timed out', retriedMs: 30_000 }),
    `${where}: server error 500 InternalError while trying to list namespaces at the cluster scope (GET /api/v1/namespaces): etcdserver: request timed out (retried for 30 s)`,
  )
  assert.is(
    describeFailure({ ...base, message: 'GET /api/v1/namespaces: 400 BadRequest: no', status: 400, reason: 'BadRequest', detail: 'no' }),
    `${where}: GET /api/v1/namespaces: 400 BadRequest: no`,
  )
})

test.run()
