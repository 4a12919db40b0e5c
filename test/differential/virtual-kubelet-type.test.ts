import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { ownLabels, virtualNodeLabels } from '../../src/liqo/virtual-nodes.ts'
import { compileProject, errorsOf, inventoryDocument } from './project.ts'

// Issue 15: Liqo's unreleased master labels virtual nodes `type: virtual-kubelet` (Liqo v1.2.0
// does not). An inventory pulled from such a node (the labels `inventory pull` keeps: ownLabels)
// gives back, read again, the node's labels exactly: the label is kept, nothing else added.

test('a virtual node labelled type: virtual-kubelet round-trips through the inventory', () => {
  const live = { ...virtualNodeLabels('naples', 'naples'), type: 'virtual-kubelet', 'topology.liqo.io/region': 'south' }
  const own = ownLabels('naples', 'naples', live)
  assert.equal(own, { type: 'virtual-kubelet', 'topology.liqo.io/region': 'south' })
  const r = compileProject([], inventoryDocument({ remotes: [{ clusterID: 'naples', labels: own }] }))
  assert.equal(errorsOf(r, 'inventory.yaml'), [])
  assert.equal(r.inventory?.remotes[0]?.virtualNodes[0]?.labels, live)
})

test.run()
