import { compile, type Compiled } from '../../src/compile/compile.ts'
import type { Diagnostic } from '../../src/diagnostics/diagnostic.ts'
import { parseYaml } from '../../src/load/parse-yaml.ts'
import type { Inventory } from '../../src/model/inventory.ts'
import type { Taint } from '../../src/model/k8s.ts'
import { validate } from '../../src/validate/validate.ts'

/**
 * Inventories and policies as a user writes them (JSON is YAML), run through nsoffload's own
 * stages in-process: parse, validate, compile. What the differential tests compare with Liqo.
 */

export interface NodeInput {
  readonly name: string
  readonly labels: Readonly<Record<string, string>>
  readonly taints?: readonly Taint[]
}

export interface RemoteInput {
  readonly clusterID: string
  readonly labels: Readonly<Record<string, string>>
  /** Absent: one virtual node named after the cluster. */
  readonly virtualNodes?: readonly NodeInput[]
}

export interface InventoryInput {
  readonly homeNodes?: readonly NodeInput[]
  readonly remotes: readonly RemoteInput[]
}

export const HOME = 'venice'

export function inventoryDocument(inv: InventoryInput): Record<string, unknown> {
  const node = (n: NodeInput): Record<string, unknown> => ({ name: n.name, labels: n.labels, ...(n.taints && n.taints.length > 0 ? { taints: n.taints } : {}) })
  return {
    apiVersion: 'nsoffload.dev/v1alpha1',
    kind: 'ClusterInventory',
    metadata: { name: 'differential' },
    spec: {
      home: { clusterID: HOME, ...(inv.homeNodes ? { nodes: inv.homeNodes.map(node) } : {}) },
      remotes: inv.remotes.map((r) => ({ clusterID: r.clusterID, labels: r.labels, ...(r.virtualNodes ? { virtualNodes: r.virtualNodes.map(node) } : {}) })),
    },
  }
}

export interface ProjectResult {
  readonly inventory?: Inventory
  readonly compiled?: Compiled
  /** Every diagnostic, by the file it is about (`inventory.yaml`, `policies/<n>.yaml`). */
  readonly diagnostics: ReadonlyMap<string, readonly Diagnostic[]>
}

/** Policies (documents, one file each) against an inventory, compiled as `nsoffload build` does. */
export function compileProject(policies: readonly Record<string, unknown>[], inventory: Record<string, unknown>): ProjectResult {
  const policyDocs = policies.flatMap((p, i) => parseYaml(`policies/p${i}.yaml`, JSON.stringify(p)).docs)
  const inv = parseYaml('inventory.yaml', JSON.stringify(inventory))
  const validated = validate(policyDocs, { file: 'inventory.yaml', docs: inv.docs })
  const all: Diagnostic[] = [...validated.diagnostics]
  let compiled: Compiled | undefined
  if (validated.inventory) {
    compiled = compile(validated.policies, validated.inventory)
    all.push(...compiled.diagnostics)
  }
  const diagnostics = new Map<string, Diagnostic[]>()
  for (const d of all) {
    const f = d.file ?? ''
    diagnostics.set(f, [...(diagnostics.get(f) ?? []), d])
  }
  return { ...(validated.inventory ? { inventory: validated.inventory } : {}), ...(compiled ? { compiled } : {}), diagnostics }
}

export const errorsOf = (r: ProjectResult, file: string): Diagnostic[] => (r.diagnostics.get(file) ?? []).filter((d) => d.severity === 'error')

export const policyDocument = (namespace: string, spec: Record<string, unknown>): Record<string, unknown> => ({
  apiVersion: 'nsoffload.dev/v1alpha1',
  kind: 'OffloadingPolicy',
  metadata: { name: namespace },
  spec,
})
