import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { selectClusters, selectionWhy, virtualNodeMatches } from '../../src/liqo/cluster-selection.ts'
import type { RemoteCluster } from '../../src/model/inventory.ts'
import type { NodeSelector } from '../../src/model/k8s.ts'

const node = (name: string, clusterID: string, region: string) => ({ name, clusterID, labels: { region }, taints: [], virtual: true })
const remote = (clusterID: string, ...regions: string[]): RemoteCluster => ({
  clusterID,
  labels: {},
  namespaces: [],
  virtualNodes: regions.map((r, i) => node(`${clusterID}-${i}`, clusterID, r)),
})
const south: NodeSelector = { nodeSelectorTerms: [{ matchExpressions: [{ key: 'region', operator: 'In', values: ['south'] }] }] }
const remotes = [remote('florence', 'center'), remote('naples', 'south'), remote('split', 'south', 'center'), remote('empty')]

test('selections are plain data: no getter, no class, the same after a JSON round trip but for the remote', () => {
  for (const s of selectClusters(south, remotes)) {
    assert.is(Object.getPrototypeOf(s), Object.prototype, s.clusterID)
    for (const [k, d] of Object.entries(Object.getOwnPropertyDescriptors(s))) assert.ok('value' in d, `${s.clusterID}.${k} is a value, not an accessor`)
    assert.equal(Object.keys(s), ['clusterID', 'remote', 'selected', 'disagree'])
  }
  assert.equal(
    selectClusters(south, remotes).map(({ clusterID, selected, disagree }) => [clusterID, selected, disagree]),
    [
      ['florence', false, false],
      ['naples', true, false],
      ['split', true, true],
      ['empty', false, false],
    ],
  )
})

test("selectionWhy: the matching term, each term's first failing requirement, or why there is nothing to match", () => {
  const [florence, naples, split, empty] = remotes as [RemoteCluster, RemoteCluster, RemoteCluster, RemoteCluster]
  assert.is(selectionWhy(south, naples), 'matches term 1: region In [south]')
  assert.is(selectionWhy(south, split), 'matches term 1: region In [south]')
  assert.is(selectionWhy(south, florence), 'term 1: region In [south] (label is "center")')
  assert.is(selectionWhy(south, empty), 'the cluster has no virtual node')
  assert.is(selectionWhy({ nodeSelectorTerms: [] }, empty), 'no clusterSelector: every remote cluster is selected')
})

test("virtualNodeMatches: each virtual node, in the remote's order; zero terms match every node", () => {
  const split = remotes[2] as RemoteCluster
  assert.equal(virtualNodeMatches(south, split), [
    { name: 'split-0', matched: true },
    { name: 'split-1', matched: false },
  ])
  assert.equal(virtualNodeMatches({ nodeSelectorTerms: [] }, split), [
    { name: 'split-0', matched: true },
    { name: 'split-1', matched: true },
  ])
})

test.run()
