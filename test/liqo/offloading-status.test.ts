import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { clusterConditions, type ClusterOutcome, offloadingPhase, offloadingStatus } from '../../src/liqo/offloading-status.ts'
import { remoteNamespaceName } from '../../src/liqo/remote-name.ts'

const o = (clusterID: string, requested: boolean, phase: ClusterOutcome['phase']): ClusterOutcome => ({ clusterID, requested, phase })

// Liqo's phase aggregation, first matching rule wins (liqotech/liqo@v1.2.0 …/namespaceoffloading-controller/status.go).
const phases: [string, ClusterOutcome[], boolean, string][] = [
  ['no peerings at all', [], false, 'NoClusterSelected'],
  ['nothing selected', [o('a', false, ''), o('b', false, '')], false, 'NoClusterSelected'],
  ['all selected ready', [o('a', true, 'Accepted'), o('b', false, '')], false, 'Ready'],
  ['all selected failed', [o('a', true, 'CreationLoopBackOff'), o('b', true, 'CreationLoopBackOff')], false, 'AllFailed'],
  ['one of two failed', [o('a', true, 'CreationLoopBackOff'), o('b', true, 'Accepted')], false, 'SomeFailed'],
  ['one failed, one still creating', [o('a', true, 'CreationLoopBackOff'), o('b', true, '')], false, 'SomeFailed'],
  ['still creating', [o('a', true, ''), o('b', true, 'Accepted')], false, 'InProgress'],
  ['deselected but terminating', [o('a', false, 'Terminating'), o('b', true, 'Accepted')], false, 'Ready'],
  ['selected, twin terminating', [o('a', true, 'Terminating')], false, 'InProgress'],
  ['deleting wins over everything', [o('a', true, 'Accepted')], true, 'Terminating'],
]
for (const [name, outcomes, deleting, phase] of phases) {
  test(`phase: ${name} → ${phase}`, () => assert.is(offloadingPhase(outcomes, deleting), phase))
}

test("conditions: OffloadingRequired first, then Ready, with Liqo's reasons and messages", () => {
  assert.equal(clusterConditions(o('n', true, 'Accepted')), [
    {
      type: 'OffloadingRequired',
      status: 'True',
      reason: 'ClusterSelected',
      message: 'The remote cluster has been selected through the ClusterSelector field',
    },
    { type: 'Ready', status: 'True', reason: 'NamespaceCreated', message: 'Namespace correctly offloaded to the remote cluster' },
  ])
  assert.equal(clusterConditions(o('n', false, '')), [
    {
      type: 'OffloadingRequired',
      status: 'False',
      reason: 'ClusterNotSelected',
      message: 'The remote cluster has not been selected through the ClusterSelector field',
    },
  ])
  assert.equal(clusterConditions(o('n', true, 'CreationLoopBackOff'))[1], {
    type: 'Ready',
    status: 'False',
    reason: 'CreationLoopBackOff',
    message: 'Some problems occurred during remote namespace creation',
  })
  assert.equal(clusterConditions(o('n', true, ''))[1], { type: 'Ready', status: 'False', reason: 'Creating', message: 'The remote namespace is being created' })
  assert.equal(clusterConditions(o('n', false, 'Terminating')), [
    {
      type: 'OffloadingRequired',
      status: 'False',
      reason: 'ClusterNotSelected',
      message: 'The remote cluster has not been selected through the ClusterSelector field',
    },
    { type: 'Ready', status: 'False', reason: 'Terminating', message: 'The remote namespace is being deleted' },
  ])
})

test('status: keys sorted, deleted clusters without mapping dropped while terminating', () => {
  const s = offloadingStatus('x', [o('naples', true, 'Accepted'), o('florence', false, '')], { generation: 3 })
  assert.equal(Object.keys(s.remoteNamespacesConditions ?? {}), ['florence', 'naples'])
  assert.is(s.observedGeneration, 3)
  assert.is(s.remoteNamespaceName, 'x')
  const d = offloadingStatus('x', [o('naples', false, 'Terminating'), o('florence', false, '')], { deleting: true })
  assert.is(d.offloadingPhase, 'Terminating')
  assert.equal(Object.keys(d.remoteNamespacesConditions ?? {}), ['naples'])
})

test('remote names per strategy (Liqo v1: DefaultName appends the home cluster ID)', () => {
  assert.is(remoteNamespaceName({ namespace: 'foo', namespaceMappingStrategy: 'DefaultName' }, 'venice'), 'foo-venice')
  assert.is(remoteNamespaceName({ namespace: 'foo', namespaceMappingStrategy: 'EnforceSameName' }, 'venice'), 'foo')
  assert.is(remoteNamespaceName({ namespace: 'foo', namespaceMappingStrategy: 'SelectedName', remoteNamespaceName: 'bar' }, 'venice'), 'bar')
})

test.run()
