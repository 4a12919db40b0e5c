import type { Diagnostic } from '../diagnostics/diagnostic.ts'
import type { Taint } from '../model/k8s.ts'
import type { Inventory, InventoryNode } from '../model/inventory.ts'
import { virtualNode } from '../liqo/virtual-nodes.ts'
import { list, obj } from '../util/plain-data.ts'
import { checkSchema } from './schemas.ts'
import type { ClassifiedDoc } from './classify.ts'
import { inventoryRules, type InventoryDraft, type InventoryNodeDraft } from './rules/index.ts'

const strMap = (v: unknown): Record<string, string> => ({ ...(obj(v) as Record<string, string>) })
/** A string, or `undefined` (an absent field stays absent in the draft). */
const optString = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined)

/**
 * Turns a ClusterInventory document into the Inventory (remotes sorted by ID): schema first,
 * then the semantic rules (`rules/index.ts`, `inventoryRules`). A document with errors yields
 * no inventory.
 */
export function toInventory(c: ClassifiedDoc): { inventory?: Inventory; diagnostics: Diagnostic[] } {
  const schemaDiags = checkSchema('ClusterInventory', c.value, c.doc.source)
  if (schemaDiags.length > 0) return { diagnostics: schemaDiags }
  const draft = inventoryDraft(c)
  const diagnostics = inventoryRules.flatMap((rule) => rule(draft).diagnostics)
  if (diagnostics.some((d) => d.severity === 'error')) return { diagnostics }
  return { inventory: build(draft), diagnostics }
}

/** The schema-valid document as the rules read it, each part with its YAML path. */
function inventoryDraft(c: ClassifiedDoc): InventoryDraft {
  const spec = obj(c.value['spec'])
  const home = obj(spec['home'])
  const nodes = (v: unknown, path: readonly (string | number)[]): InventoryNodeDraft[] =>
    list(v).map((n, i) => {
      const o = obj(n)
      return {
        name: String(o['name']),
        labels: strMap(o['labels']),
        taints: list(o['taints']).map((t) => ({ ...(obj(t) as unknown as Taint) })),
        path: [...path, i],
      }
    })
  return {
    name: String(obj(c.value['metadata'])['name']),
    home: { clusterID: String(home['clusterID']), context: optString(home['context']), nodes: nodes(home['nodes'], ['spec', 'home', 'nodes']) },
    remotes: list(spec['remotes']).map((r, i) => {
      const o = obj(r)
      const path = ['spec', 'remotes', i]
      return {
        clusterID: String(o['clusterID']),
        context: optString(o['context']),
        labels: strMap(o['labels']),
        namespaces: list(o['namespaces']).map(String),
        virtualNodes: nodes(o['virtualNodes'], [...path, 'virtualNodes']),
        path,
      }
    }),
    source: c.doc.source,
  }
}

/** The Inventory of a draft the rules passed: each remote with its virtual nodes as Liqo makes them. */
function build(d: InventoryDraft): Inventory {
  const node = (n: InventoryNodeDraft): InventoryNode => ({ name: n.name, labels: { ...n.labels }, taints: [...n.taints] })
  return {
    name: d.name,
    home: {
      clusterID: d.home.clusterID,
      ...(d.home.context !== undefined ? { context: d.home.context } : {}),
      nodes: d.home.nodes.map(node),
    },
    remotes: d.remotes
      .map((r) => ({
        clusterID: r.clusterID,
        ...(r.context !== undefined ? { context: r.context } : {}),
        labels: { ...r.labels },
        namespaces: [...r.namespaces],
        virtualNodes:
          r.virtualNodes.length > 0
            ? r.virtualNodes.map((n) => virtualNode(r.clusterID, n.name, { ...r.labels, ...n.labels }, n.taints))
            : [virtualNode(r.clusterID, r.clusterID, r.labels)],
      }))
      .sort((a, b) => (a.clusterID < b.clusterID ? -1 : 1)),
    source: d.source,
  }
}
