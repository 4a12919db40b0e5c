import { diag, type Diagnostic } from '../diagnostics/diagnostic.ts'
import type { Inventory } from '../model/inventory.ts'
import type { Manifest } from '../model/k8s.ts'
import type { Location } from '../model/source.ts'
import type { NamespaceOffloadingStatus } from '../model/liqo.ts'
import type { Policy } from '../model/policy.ts'
import type { Workload } from '../model/workload.ts'
import { inventoryNodes } from '../placement/inventory-nodes.ts'
import { type CompiledWorkload, compileWorkloads } from '../workloads/compile-workloads.ts'
import { duplicateObjects, type PlacedObject } from '../workloads/duplicates.ts'
import { DNS1123_LABEL_MAX, dns1123Label } from '../selectors/label-syntax.ts'
import { type ClusterOutcome, mappingPhase, offloadingStatus } from '../liqo/offloading-status.ts'
import { remoteNamespaceName } from '../liqo/remote-name.ts'
import { homeNamespace, namespaceOffloading, twinNamespace } from './render-manifests.ts'
import { type ClusterSelection, selectClusters, virtualNodeMatches } from '../liqo/cluster-selection.ts'

/** Why Liqo would fail to create the twin on a selected cluster. */
export type PredictedFailure = 'nameTooLong' | 'nameInvalid' | 'existsUnmanaged'

export interface ClusterDecision extends ClusterSelection {
  readonly failure?: PredictedFailure
}

export interface CompiledNamespace {
  readonly policy: Policy
  readonly remoteNamespaceName: string
  /** One per remote of the inventory, in its order; the status Liqo would reach is `predictedStatus`. */
  readonly clusters: readonly ClusterDecision[]
  /** Manifests per cluster ID, home included. */
  readonly manifests: ReadonlyMap<string, readonly Manifest[]>
  /** The policy's workloads, patched as Liqo's webhook would, with their placement preview. */
  readonly workloads: readonly CompiledWorkload[]
}

export interface Compiled {
  readonly namespaces: readonly CompiledNamespace[]
  /** Every cluster of the inventory (home first, then remotes by ID) and its manifests. */
  readonly clusters: ReadonlyMap<string, readonly Manifest[]>
  readonly diagnostics: readonly Diagnostic[]
}

export interface CompileOptions {
  /**
   * Make the manifests of this cluster only (`build --cluster`): the other clusters' lists in
   * `clusters` and `manifests` stay empty. Everything else (every selection, every diagnostic)
   * is the same as without it, so the build fails or passes alike.
   */
  readonly only?: string
}

/**
 * The compile stage: validated policies against the inventory, into per-cluster manifests and
 * the predicted NamespaceOffloading status; each policy's workloads (by namespace) are patched
 * into the home cluster's manifests and previewed on the inventory's nodes. Pure; cost is
 * linear in policies × clusters + workloads × nodes (policies with the same cluster selector
 * share one selection).
 */
export function compile(
  policies: readonly Policy[],
  inv: Inventory,
  workloads: ReadonlyMap<string, readonly Workload[]> = new Map(),
  opts: CompileOptions = {},
): Compiled {
  const diagnostics: Diagnostic[] = []
  const homeID = inv.home.clusterID
  const placement = { nodes: inventoryNodes(inv), homeNodesKnown: inv.home.nodes.length > 0 }
  const homeObjects: PlacedObject[] = []
  const unmanaged = new Map(inv.remotes.filter((r) => r.namespaces.length > 0).map((r) => [r.clusterID, new Set(r.namespaces)]))
  const renders = (id: string): boolean => opts.only === undefined || opts.only === id
  const select = selectionsBySelector(inv)
  const namespaces: CompiledNamespace[] = []
  const selectedOf: (readonly ClusterDecision[])[] = []
  for (const p of policies) {
    const remoteName = remoteNamespaceName(p, homeID)
    // Positions are looked up only for a diagnostic (it parses the file again).
    const nameAt = (): Location => p.source.locate(p.namespaceMappingStrategy === 'SelectedName' ? ['spec', 'remoteNamespaceName'] : ['metadata', 'name'])
    const nameProblem: PredictedFailure | undefined =
      remoteName.length > DNS1123_LABEL_MAX ? 'nameTooLong' : dns1123Label(remoteName).length > 0 ? 'nameInvalid' : undefined
    const sel = select(p)
    // Shared by the policies of the same selector, unless a twin would fail on some cluster.
    const fails = nameProblem !== undefined || sel.selected.some((d) => unmanaged.get(d.clusterID)?.has(remoteName))
    const decisions: readonly ClusterDecision[] = fails
      ? sel.selection.map((s) => {
          if (!s.selected) return s
          const failure = nameProblem ?? (unmanaged.get(s.clusterID)?.has(remoteName) ? 'existsUnmanaged' : undefined)
          return failure ? { ...s, failure } : s
        })
      : sel.selection
    const selected: readonly ClusterDecision[] = fails ? decisions.filter((d) => d.selected) : sel.selected
    selectedOf.push(selected)
    if (nameProblem && selected.length > 0) {
      const detail = nameProblem === 'nameTooLong' ? `is ${remoteName.length} characters long (at most ${DNS1123_LABEL_MAX})` : 'is not a DNS-1123 label'
      diagnostics.push(
        diag(
          nameProblem === 'nameTooLong' ? 'remoteNameTooLong' : 'remoteNameInvalid',
          `remote namespace name "${remoteName}" ${detail}: Liqo would report CreationLoopBackOff on ${selected.map((d) => d.clusterID).join(', ')}`,
          nameAt(),
          {
            hint:
              p.namespaceMappingStrategy === 'DefaultName'
                ? 'use EnforceSameName, or SelectedName with a shorter remoteNamespaceName'
                : 'choose a shorter valid name',
          },
        ),
      )
    }
    // Only a failing twin or virtual nodes that disagree have something to say per cluster.
    for (const d of fails || sel.disagree ? decisions : []) {
      if (d.failure === 'existsUnmanaged') {
        diagnostics.push(
          diag(
            'twinExistsUnmanaged',
            `namespace "${remoteName}" already exists on ${d.clusterID} and is not managed by Liqo: Liqo would report CreationLoopBackOff there`,
            nameAt(),
            {
              hint: `remove ${remoteName} from ${d.clusterID}, or map this namespace to another name (SelectedName)`,
            },
          ),
        )
      }
      // Liqo's controller adds or removes the mapping for each VirtualNode in turn: the last listed wins
      // (`disagree` of liqo/cluster-selection.ts).
      if (d.disagree) {
        diagnostics.push(
          diag(
            'virtualNodesDisagree',
            `the virtual nodes of ${d.clusterID} disagree (${virtualNodeMatches(p.clusterSelector, d.remote)
              .map((n) => `${n.name}: ${n.matched ? 'match' : 'no match'}`)
              .join(
                ', ',
              )}); nsoffload selects the cluster, but Liqo's result is not determined: the VirtualNode its cache lists last decides, in an order neither the inventory nor nsoffload sets`,
            p.source.locate(['spec', 'clusterSelector']),
            { hint: `give every virtual node of ${d.clusterID} the labels the selector reads, or select by a label they share` },
          ),
        )
      }
    }
    if (selected.length === 0) {
      diagnostics.push(
        diag(
          'noClusterSelected',
          `namespace "${p.namespace}" selects no remote cluster: phase NoClusterSelected`,
          p.source.locate(p.clusterSelector.nodeSelectorTerms.length > 0 ? ['spec', 'clusterSelector'] : ['metadata', 'name']),
          {
            hint:
              inv.remotes.length === 0
                ? 'the inventory lists no remote cluster'
                : 'no remote of the inventory has labels the clusterSelector matches: `nsoffload plan` shows why each is not selected',
          },
        ),
      )
    }
    const cw = compileWorkloads(p, workloads.get(p.namespace) ?? [], placement)
    diagnostics.push(...cw.diagnostics)
    // The home's objects are made even for another cluster's build: the duplicate check needs them.
    const generated = [homeNamespace(p), namespaceOffloading(p)]
    const policyAt = (): Location => p.source.locate(['metadata', 'name'])
    homeObjects.push(...generated.map((m) => ({ manifest: m, at: policyAt, generated: true })))
    homeObjects.push(...cw.workloads.map((w) => ({ manifest: w.manifest, at: () => w.workload.source.locate(['metadata', 'name']) })))
    const manifests = new Map<string, Manifest[]>(renders(homeID) ? [[homeID, [...generated, ...cw.workloads.map((w) => w.manifest)]]] : [])
    for (const d of selected) {
      // A twin Liqo could not create is not rendered: it would be invalid or take over someone else's namespace.
      if (!d.failure && renders(d.clusterID)) manifests.set(d.clusterID, [twinNamespace(p, remoteName, homeID, d.clusterID)])
    }
    namespaces.push({
      policy: p,
      remoteNamespaceName: remoteName,
      clusters: decisions,
      manifests,
      workloads: cw.workloads,
    })
  }
  diagnostics.push(...twinCollisions(namespaces, selectedOf))
  diagnostics.push(...duplicateObjects(homeObjects))
  const clusters = new Map<string, Manifest[]>([[homeID, []], ...inv.remotes.map((r): [string, Manifest[]] => [r.clusterID, []])])
  for (const ns of namespaces) for (const [id, ms] of ns.manifests) clusters.get(id)?.push(...ms)
  return { namespaces, clusters, diagnostics }
}

/** A policy's selection: every remote's, in the order of the inventory, and the selected ones. */
interface Selection {
  readonly selection: readonly ClusterSelection[]
  readonly selected: readonly ClusterSelection[]
  /** Some cluster's virtual nodes disagree. */
  readonly disagree: boolean
}

/**
 * `selectClusters` once per distinct cluster selector: at fleet scale thousands of policies
 * share a few selectors ("region=eu"), and selecting costs clusters × virtual nodes each time.
 * Policies with the same selector get the same read-only lists.
 */
function selectionsBySelector(inv: Inventory): (p: Policy) => Selection {
  const memo = new Map<string, Selection>()
  return (p) => {
    const key = JSON.stringify(p.clusterSelector.nodeSelectorTerms)
    let s = memo.get(key)
    if (!s) {
      const selection = selectClusters(p.clusterSelector, inv.remotes)
      s = { selection, selected: selection.filter((c) => c.selected), disagree: selection.some((c) => c.disagree) }
      memo.set(key, s)
    }
    return s
  }
}

/**
 * The `NamespaceOffloading.status` Liqo would reach for a compiled namespace (a prediction,
 * generation 1). Computed by the readers that show it (plan), not by `compile`: build does
 * not need it.
 */
export function predictedStatus(ns: CompiledNamespace): NamespaceOffloadingStatus {
  return offloadingStatus(ns.remoteNamespaceName, ns.clusters.map(outcome), { generation: 1 })
}

/** What Liqo's NamespaceMap would say for a cluster, given the decision. */
const outcome = (d: ClusterDecision): ClusterOutcome => ({
  clusterID: d.clusterID,
  requested: d.selected,
  phase: mappingPhase(
    d.selected,
    d.failure === 'existsUnmanaged' ? 'foreign' : d.failure || !d.selected ? 'none' : 'ours',
    d.failure === 'nameTooLong' || d.failure === 'nameInvalid',
  ),
})

/** Two policies whose twins land on the same namespace of the same cluster: Liqo would merge them silently. `selectedOf[i]`: the clusters namespace i selects. */
function twinCollisions(namespaces: readonly CompiledNamespace[], selectedOf: readonly (readonly ClusterDecision[])[]): Diagnostic[] {
  const out: Diagnostic[] = []
  const owner = new Map<string, CompiledNamespace>()
  for (const [i, ns] of namespaces.entries()) {
    for (const c of selectedOf[i] ?? []) {
      const key = `${c.clusterID}/${ns.remoteNamespaceName}`
      const first = owner.get(key)
      if (!first) {
        owner.set(key, ns)
        continue
      }
      const path = (n: CompiledNamespace): string[] =>
        n.policy.namespaceMappingStrategy === 'SelectedName' ? ['spec', 'remoteNamespaceName'] : ['metadata', 'name']
      const was = first.policy.source.locate(path(first))
      out.push(
        diag(
          'twinCollision',
          `namespaces "${first.policy.namespace}" and "${ns.policy.namespace}" would both use namespace "${ns.remoteNamespaceName}" on cluster ${c.clusterID}`,
          ns.policy.source.locate(path(ns)),
          {
            related: [{ file: was.file, line: was.line, column: was.column, message: `"${first.policy.namespace}" maps there too` }],
            hint: 'give one of them another remote name (SelectedName) or select different clusters',
          },
        ),
      )
    }
  }
  return out
}
