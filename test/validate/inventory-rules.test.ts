import { test } from 'uvu'
import * as assert from 'uvu/assert'
import type { Diagnostic } from '../../src/diagnostics/diagnostic.ts'
import { parseYaml } from '../../src/load/parse-yaml.ts'
import type { Policy } from '../../src/model/policy.ts'
import { classify, type ClassifiedDoc } from '../../src/validate/classify.ts'
import { clusterIDsUnique } from '../../src/validate/rules/cluster-ids-unique.ts'
import { type FileFacts, inventoryRules } from '../../src/validate/rules/index.ts'
import { nodeNamesUnique } from '../../src/validate/rules/node-names-unique.ts'
import { workloadPathsValid } from '../../src/validate/rules/workload-paths-valid.ts'
import { toInventory } from '../../src/validate/to-inventory.ts'
import { toPolicy } from '../../src/validate/to-policy.ts'

/**
 * The inventory rules and the workload path rule are pure functions of their input: they run
 * here on parsed text, with no file read, and each is registered under its own name.
 */

function doc(file: string, text: string): ClassifiedDoc {
  const c = classify(parseYaml(file, text).docs, ['ClusterInventory', 'OffloadingPolicy'])
  assert.equal(c.diagnostics, [])
  const d = c.docs[0]
  if (!d) throw new Error('no document')
  return d
}

const brief = (ds: readonly Diagnostic[]): string[] => ds.map((d) => `${d.code} ${d.line}:${d.column} ${d.message}`)

const INVENTORY = `apiVersion: nsoffload.dev/v1alpha1
kind: ClusterInventory
metadata: {name: italy}
spec:
  home:
    clusterID: venice
    nodes:
      - {name: naples}
  remotes:
    - clusterID: naples
    - clusterID: venice
    - clusterID: rome
      virtualNodes:
        - {name: rome-1}
        - {name: rome-1}
    - clusterID: rome
`

test('inventoryRules holds each inventory rule once, the uniqueness rules among them', () => {
  assert.is(new Set(inventoryRules).size, inventoryRules.length)
  assert.ok(inventoryRules.includes(clusterIDsUnique))
  assert.ok(inventoryRules.includes(nodeNamesUnique))
})

test('cluster IDs and node names are unique: each later one points at the first', () => {
  const d = doc('inventory.yaml', INVENTORY)
  const r = toInventory(d)
  assert.is(r.inventory, undefined, 'an inventory with errors yields none')
  assert.equal(brief(r.diagnostics), [
    'NSO3016 11:18 the home cluster "venice" is also listed among the remotes',
    'NSO3015 16:18 cluster ID "rome" is listed twice',
    'NSO3021 10:18 node "naples" (the virtual node of cluster naples) is listed twice',
    'NSO3021 15:18 node "rome-1" is listed twice',
  ])
  assert.equal(
    r.diagnostics.map((x) => x.related?.map((rel) => `${rel.line}:${rel.column} ${rel.message}`)),
    [['6:16 first defined here'], ['12:18 first defined here'], ['8:16 first defined here'], ['14:18 first defined here']],
  )
})

test('a valid inventory: remotes sorted by cluster ID, virtual nodes as Liqo makes them', () => {
  const valid = `apiVersion: nsoffload.dev/v1alpha1
kind: ClusterInventory
metadata: {name: italy}
spec:
  home:
    clusterID: venice
  remotes:
    - clusterID: rome
      virtualNodes:
        - {name: rome-1}
        - {name: rome-2}
    - clusterID: naples
`
  const r = toInventory(doc('inventory.yaml', valid))
  assert.equal(r.diagnostics, [])
  assert.equal(
    r.inventory?.remotes.map((c) => [c.clusterID, c.virtualNodes.map((n) => n.name)]),
    [
      ['naples', ['naples']],
      ['rome', ['rome-1', 'rome-2']],
    ],
  )
})

const POLICY = `apiVersion: nsoffload.dev/v1alpha1
kind: OffloadingPolicy
metadata: {name: demo}
spec:
  workloads: [../apps/demo, ../apps/gone.yaml, ../../elsewhere, /etc]
`

test('workload paths: checked against the files it is told exist, nothing read', () => {
  const p = toPolicy(doc('policies/demo.yaml', POLICY)).policy as Policy
  const asked: string[] = []
  const files: FileFacts = {
    cwd: '/repo',
    exists: (abs) => {
      asked.push(abs)
      return abs === '/repo/.git' || abs === '/repo/apps/demo'
    },
  }
  assert.equal(brief(workloadPathsValid([p], files)), [
    'NSO3018 5:29 workload path "../apps/gone.yaml" does not exist (resolved to apps/gone.yaml)',
    'NSO3018 5:48 workload path "../../elsewhere" leaves the repository (.)',
    'NSO3018 5:65 workload path "/etc" leaves the repository (.)',
  ])
  assert.ok(
    asked.every((a) => a.startsWith('/')),
    'only absolute paths are asked about',
  )
})

test.run()
