import { test } from 'uvu'
import * as assert from 'uvu/assert'
import type { NodeSelector, Taint } from '../../src/model/k8s.ts'
import { canonical } from './canonical.ts'
import { CASES } from './cases.ts'
import { deviationCodes } from './deviations.ts'
import { nodeLabels, nodeSelector, NODE_KEYS } from './gen-labels.ts'
import { type Oracle, startOracle } from './oracle.ts'
import { compileProject, errorsOf, type InventoryInput, inventoryDocument, policyDocument, type RemoteInput } from './project.ts'
import { type Property, runProperty } from './property.ts'
import type { Rng } from './random.ts'

// Liqo's virtual nodes and its cluster selection: the Node Liqo's virtual kubelet makes of a
// cluster's labels (forge.MutateVirtualNode, liqonodeprovider) against the inventory's virtual
// nodes, and the NamespaceOffloading controller's MatchVirtualNodeSelectorTerms against the
// clusters `build` selects, policies and inventory run through nsoffload's own stages.

const CLUSTER_IDS = ['florence', 'naples', 'milan', 'rome', 'a', 'b-1']
const STORAGE = 'storage.liqo.io/available'

function taints(rng: Rng): Taint[] {
  return rng.list(0, 2, () => {
    const t: { key: string; value?: string; effect: string } = {
      key: rng.pick(['dedicated', 'example.com/gpu', 'virtual-node.liqo.io/not-allowed']),
      effect: rng.pick(['NoSchedule', 'NoExecute', 'PreferNoSchedule']),
    }
    if (rng.chance(0.7)) t.value = rng.pick(['true', 'gpu', ''])
    return t
  })
}

function remote(rng: Rng, clusterID: string): RemoteInput {
  const labels = nodeLabels(rng, 4)
  if (rng.chance(0.6)) return { clusterID, labels }
  return {
    clusterID,
    labels,
    virtualNodes: rng.list(1, 3, (j) => ({
      name: j === 0 && rng.chance(0.5) ? clusterID : `${clusterID}-${j}`,
      labels: nodeLabels(rng, 2),
      ...(rng.chance(0.3) ? { taints: taints(rng) } : {}),
    })),
  }
}

function inventory(rng: Rng): InventoryInput {
  return {
    remotes: rng
      .subset(CLUSTER_IDS, 4)
      .map((id) => remote(rng, id))
      .concat(rng.chance(0.1) ? [] : [remote(rng, 'z-last')]),
  }
}

/** The labels Liqo gets for a virtual node: the cluster's, then the node's (the inventory's meaning of `virtualNodes`). */
const clusterLabelsOf = (r: RemoteInput, n?: { labels: Readonly<Record<string, string>> }): Record<string, string> => ({ ...r.labels, ...(n?.labels ?? {}) })

/** The oracle's virtual node: the cluster's labels, and storage classes unless the labels say `storage.liqo.io/available: "false"`. */
function oracleNodes(r: RemoteInput): { name: string; labels: Record<string, string>; storage: boolean; taints: readonly Taint[] }[] {
  const nodes = r.virtualNodes ?? [{ name: r.clusterID, labels: {} }]
  return nodes.map((n) => {
    const labels = clusterLabelsOf(r, n)
    return { name: n.name, labels, storage: labels[STORAGE] !== 'false', taints: ('taints' in n ? n.taints : undefined) ?? [] }
  })
}

// 1. The virtual nodes themselves.

type VirtualNodeCase = { readonly remote: RemoteInput }

const virtualNodes: Property<VirtualNodeCase> = {
  name: 'virtual-nodes',
  cases: CASES['virtual-nodes'],
  generate: (rng) => ({ remote: remote(rng, rng.pick(CLUSTER_IDS)) }),
  async check(c, oracle) {
    const r = compileProject([], inventoryDocument({ remotes: [c.remote] }))
    const ours = r.inventory?.remotes[0]?.virtualNodes
    if (!ours) return `nsoffload refuses the inventory: ${JSON.stringify(errorsOf(r, 'inventory.yaml').map((d) => `${d.code} ${d.message}`))}`
    const want = oracleNodes(c.remote)
    if (ours.length !== want.length) return `nsoffload makes ${ours.length} virtual nodes, the inventory lists ${want.length}`
    for (const [i, n] of want.entries()) {
      const liqo = await oracle.ask<{ labels: Record<string, string>; taints: Taint[] }>('virtualNode', {
        clusterID: c.remote.clusterID,
        node: n,
      })
      const liqoTaints = liqo.taints
      const mine = ours[i]
      if (!mine) return `no virtual node ${n.name}`
      // Go leaves out an empty value.
      const mineTaints = mine.taints.map((t) => (t.value === '' ? { key: t.key, effect: t.effect } : t))
      if (canonical(mine.labels) !== canonical(liqo.labels))
        return `labels of ${n.name} differ:\n      Liqo:      ${canonical(liqo.labels)}\n      nsoffload: ${canonical(mine.labels)}`
      if (canonical(mineTaints) !== canonical(liqoTaints))
        return `taints of ${n.name} differ:\n      Liqo:      ${canonical(liqoTaints)}\n      nsoffload: ${canonical(mineTaints)}`
    }
    return undefined
  },
}

// 2. Cluster selection.

type SelectionCase = { readonly inventory: InventoryInput; readonly selectors: readonly NodeSelector[] }

function selection(rng: Rng): SelectionCase {
  const inv = inventory(rng)
  const names = inv.remotes.flatMap((r) => (r.virtualNodes ?? [{ name: r.clusterID }]).map((n) => n.name))
  // Keys and values of the inventory make matches likely; the generic ones reach the rest.
  const keys = [
    ...new Set([...inv.remotes.flatMap((r) => [...Object.keys(r.labels), ...(r.virtualNodes ?? []).flatMap((n) => Object.keys(n.labels))]), ...NODE_KEYS]),
  ]
  return { inventory: inv, selectors: rng.list(1, 4, () => nodeSelector(rng, names, keys)) }
}

type SelectionAnswer = { remotes: { clusterID: string; nodes: { name: string; matched: boolean; error?: string }[] }[] }

const clusterSelection: Property<SelectionCase> = {
  name: 'cluster-selection',
  cases: CASES['cluster-selection'],
  generate: selection,
  async check(c, oracle, tally) {
    const policies = c.selectors.map((s, i) => policyDocument(`ns-${i}`, { clusterSelector: s }))
    const r = compileProject(policies, inventoryDocument(c.inventory))
    if (!r.inventory || !r.compiled) return `nsoffload refuses the inventory: ${JSON.stringify(errorsOf(r, 'inventory.yaml').map((d) => d.message))}`
    const allowed = new Set([...deviationCodes('unparsable-requirements'), ...deviationCodes('match-fields-keys')])
    const problems: string[] = []
    await Promise.all(
      c.selectors.map(async (selector, i) => {
        const liqo = await oracle.ask<SelectionAnswer>('selectClusters', {
          selector,
          remotes: c.inventory.remotes.map((rm) => ({ clusterID: rm.clusterID, nodes: oracleNodes(rm) })),
        })
        const invalid = liqo.remotes.flatMap((rm) => rm.nodes.filter((n) => n.error !== undefined).map((n) => `${n.name}: ${n.error}`))
        const errors = errorsOf(r, `policies/p${i}.yaml`)
        tally.add(invalid.length > 0 ? 'invalid for Liqo' : errors.length > 0 ? 'refused by nsoffload only' : 'compared')
        if (invalid.length > 0) {
          if (errors.length === 0) problems.push(`selector ${i}: Liqo's controller finds it invalid (${invalid[0]}); nsoffload compiles it`)
          return
        }
        if (errors.length > 0) {
          const kept = errors.filter((d) => !allowed.has(d.code))
          if (kept.length > 0)
            problems.push(`selector ${i}: Liqo selects with it; nsoffload refuses it: ${kept.map((d) => `${d.code} ${d.message}`).join('; ')}`)
          return
        }
        const ns = r.compiled?.namespaces.find((n) => n.policy.namespace === `ns-${i}`)
        if (!ns) return problems.push(`selector ${i}: no compiled namespace`)
        for (const rm of liqo.remotes) {
          const ours = ns.clusters.find((d) => d.clusterID === rm.clusterID)
          if (!ours) {
            problems.push(`selector ${i}: cluster ${rm.clusterID} missing`)
            continue
          }
          const matched = rm.nodes.filter((n) => n.matched).length
          tally.add(matched === 0 ? 'clusters not selected' : matched < rm.nodes.length ? 'clusters whose nodes disagree' : 'clusters selected')
          if (matched > 0 && matched < rm.nodes.length) {
            // Liqo's result then depends on the order it lists virtual nodes in; nsoffload selects and warns.
            if (!ours.selected || !ours.disagree)
              problems.push(`selector ${i}: the virtual nodes of ${rm.clusterID} disagree; nsoffload says selected=${ours.selected}, disagree=${ours.disagree}`)
          } else if (ours.selected !== matched > 0 || ours.disagree) {
            problems.push(
              `selector ${i}: ${rm.clusterID}: Liqo ${matched > 0 ? 'selects' : 'does not select'} it; nsoffload ${ours.selected ? 'does' : 'does not'}`,
            )
          }
        }
        return undefined
      }),
    )
    return problems.length > 0 ? problems.join('\n    ') : undefined
  },
}

let oracle: Oracle
test.before(() => {
  oracle = startOracle()
})
test.after(() => oracle.close())

test("virtual nodes: an inventory's labels and taints make the Node Liqo's virtual kubelet makes", async () => {
  assert.ok((await runProperty(oracle, virtualNodes)).cases > 0)
})

test('cluster selection: the clusters nsoffload selects are those Liqo v1.2.0 selects', async () => {
  assert.ok((await runProperty(oracle, clusterSelection)).cases > 0)
})

test.run()
