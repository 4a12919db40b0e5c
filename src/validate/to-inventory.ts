import { diag, type Diagnostic, type Related } from '../diagnostics/diagnostic.ts'
import type { Taint } from '../model/k8s.ts'
import type { Inventory, InventoryNode, RemoteCluster } from '../model/inventory.ts'
import { virtualNode } from '../placement/inventory-nodes.ts'
import { dns1123Label, labelValue, qualifiedName } from '../selectors/label-syntax.ts'
import { KEY_MARKER } from '../load/parse-yaml.ts'
import { checkSchema } from './schemas.ts'
import type { ClassifiedDoc } from './classify.ts'
import { suggestLabel } from './rules/namespace-name-valid.ts'

type Obj = Readonly<Record<string, unknown>>
const obj = (v: unknown): Obj => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Obj) : {})
const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : [])
const strMap = (v: unknown): Record<string, string> => ({ ...(obj(v) as Record<string, string>) })

/** Validates a ClusterInventory document and builds the Inventory (remotes sorted by ID). */
export function toInventory(c: ClassifiedDoc): { inventory?: Inventory; diagnostics: Diagnostic[] } {
  const schemaDiags = checkSchema('ClusterInventory', c.value, c.doc.source)
  if (schemaDiags.length > 0) return { diagnostics: schemaDiags }
  const src = c.doc.source
  const spec = obj(c.value['spec'])
  const home = obj(spec['home'])
  const diagnostics: Diagnostic[] = []
  const seen = new Map<string, Related>()
  const checkID = (id: string, path: (string | number)[]): void => {
    const at = src.locate(path)
    const errs = dns1123Label(id)
    if (errs.length > 0) {
      diagnostics.push(diag('invalidClusterID', `cluster ID "${id}" is not valid: ${errs.join('; ')}`, at, { hint: `Liqo cluster IDs are DNS-1123 labels; ${suggestLabel(id)}` }))
    }
    const first = seen.get(id)
    if (first) {
      const homeID = String(home['clusterID'])
      if (id === homeID) {
        diagnostics.push(diag('homeAmongRemotes', `the home cluster "${id}" is also listed among the remotes`, at, { related: [first], hint: 'a cluster does not peer with itself: remove it from remotes' }))
      } else {
        diagnostics.push(diag('duplicateClusterID', `cluster ID "${id}" is listed twice`, at, { related: [first], hint: 'cluster IDs are unique: merge the two entries' }))
      }
    } else {
      seen.set(id, { file: at.file, line: at.line, column: at.column, message: 'first defined here' })
    }
  }
  const homeID = String(home['clusterID'])
  checkID(homeID, ['spec', 'home', 'clusterID'])
  const nodeNames = new Map<string, Related>()
  const readNodes = (v: unknown, path: (string | number)[]): InventoryNode[] =>
    list(v).map((n, i) => {
      const o = obj(n)
      const name = String(o['name'])
      const at = src.locate([...path, i, 'name'])
      const errs = dns1123Subdomainish(name)
      if (errs) diagnostics.push(diag('invalidLabel', `node name "${name}": ${errs}`, at))
      const first = nodeNames.get(name)
      if (first) diagnostics.push(diag('duplicateNodeName', `node "${name}" is listed twice`, at, { related: [first] }))
      else nodeNames.set(name, { file: at.file, line: at.line, column: at.column, message: 'first defined here' })
      const labels = strMap(o['labels'])
      checkLabels(labels, [...path, i, 'labels'])
      return { name, labels, taints: list(o['taints']).map((t) => ({ ...(obj(t) as unknown as Taint) })) }
    })
  const checkLabels = (labels: Readonly<Record<string, string>>, path: (string | number)[]): void => {
    for (const [k, v] of Object.entries(labels)) {
      const ke = qualifiedName(k)
      if (ke.length > 0) diagnostics.push(diag('invalidLabel', `label key "${k}": ${ke.join('; ')}`, src.locate([...path, k, KEY_MARKER])))
      const ve = labelValue(v)
      if (ve.length > 0) diagnostics.push(diag('invalidLabel', `label ${k} value "${v}": ${ve.join('; ')}`, src.locate([...path, k])))
    }
  }
  const homeNodes = readNodes(home['nodes'], ['spec', 'home', 'nodes'])
  const remotes: RemoteCluster[] = list(spec['remotes']).map((r, i) => {
    const o = obj(r)
    const id = String(o['clusterID'])
    checkID(id, ['spec', 'remotes', i, 'clusterID'])
    const labels = strMap(o['labels'])
    checkLabels(labels, ['spec', 'remotes', i, 'labels'])
    const explicit = readNodes(o['virtualNodes'], ['spec', 'remotes', i, 'virtualNodes'])
    const namespaces = list(o['namespaces']).map(String)
    namespaces.forEach((ns, j) => {
      const errs = dns1123Label(ns)
      if (errs.length > 0) diagnostics.push(diag('invalidNamespaceName', `namespace "${ns}" is not a valid namespace name: ${errs.join('; ')}`, src.locate(['spec', 'remotes', i, 'namespaces', j])))
    })
    const virtualNodes =
      explicit.length > 0
        ? explicit.map((n) => virtualNode(id, n.name, { ...labels, ...n.labels }, n.taints))
        : [virtualNode(id, id, labels)]
    if (explicit.length === 0) {
      const at = src.locate(['spec', 'remotes', i, 'clusterID'])
      const first = nodeNames.get(id)
      if (first) diagnostics.push(diag('duplicateNodeName', `node "${id}" (the virtual node of cluster ${id}) is listed twice`, at, { related: [first] }))
      else nodeNames.set(id, { file: at.file, line: at.line, column: at.column, message: 'first defined here' })
    }
    return {
      clusterID: id,
      ...(typeof o['context'] === 'string' ? { context: o['context'] } : {}),
      labels,
      namespaces,
      virtualNodes,
    }
  })
  if (diagnostics.some((d) => d.severity === 'error')) return { diagnostics }
  const inventory: Inventory = {
    name: String(obj(c.value['metadata'])['name']),
    home: {
      clusterID: homeID,
      ...(typeof home['context'] === 'string' ? { context: home['context'] } : {}),
      nodes: homeNodes,
    },
    remotes: [...remotes].sort((a, b) => (a.clusterID < b.clusterID ? -1 : 1)),
    source: src,
  }
  return { inventory, diagnostics }
}

function dns1123Subdomainish(name: string): string | undefined {
  return /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(name) && name.length <= 253
    ? undefined
    : 'a node name must be a lowercase RFC 1123 subdomain'
}
