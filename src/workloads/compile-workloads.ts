import { diag, type Diagnostic, type Related } from '../diagnostics/diagnostic.ts'
import { KEY_MARKER } from '../load/parse-yaml.ts'
import type { Manifest } from '../model/k8s.ts'
import type { Location } from '../model/source.ts'
import type { Policy } from '../model/policy.ts'
import type { Workload } from '../model/workload.ts'
import { describeExclusion, exclusionSummary, judgeNodes, type NodeVerdict, schedulerMessage, type SchedulingNode } from '../placement/eligible-nodes.ts'
import { createNodeSelectorFromNamespaceOffloading, mutatePod, patchTemplate, type PodSpec } from '../liqo/pod-webhook.ts'
import { isObj } from '../util/plain-data.ts'
import { getIn, setIn } from './pod-template.ts'

/** A workload as compiled: the manifest to render and, for the pod kinds, where its pods could run. */
export interface CompiledWorkload {
  readonly workload: Workload
  /** The manifest as rendered: the pod template patched when Liqo's webhook would mutate its pods. */
  readonly manifest: Manifest
  /** Whether the pod template was patched (false for Local, `runtimeClassName: liqo`, other kinds). */
  readonly patched: boolean
  /** The placement preview (pod kinds only, and only when nodes are known). */
  readonly placement?: WorkloadPlacement
}

export interface WorkloadPlacement {
  /** Eligible node names, in inventory order (home nodes, then virtual nodes by cluster ID). */
  readonly nodes: readonly string[]
  readonly verdicts: readonly NodeVerdict[]
  /** The kube-scheduler's own summary, e.g. `0/3 nodes are available: …`. */
  readonly message: string
}

export interface PlacementContext {
  readonly nodes: readonly SchedulingNode[]
  /** The inventory lists nodes of the home cluster (otherwise only virtual nodes are judged). */
  readonly homeNodesKnown: boolean
}

/**
 * Patches a policy's workloads as Liqo's pod webhook would patch their pods, and previews where
 * those pods could be scheduled. Pure; cost linear in workloads × nodes.
 */
export function compileWorkloads(
  policy: Policy,
  workloads: readonly Workload[],
  ctx?: PlacementContext,
): { workloads: CompiledWorkload[]; diagnostics: Diagnostic[] } {
  const diagnostics: Diagnostic[] = []
  const offloading = { podOffloadingStrategy: policy.podOffloadingStrategy, clusterSelector: policy.clusterSelector }
  // Sorted by kind and name, so that moving documents between files changes nothing.
  const sorted = [...workloads].sort((a, b) => cmp(a.kind, b.kind) || cmp(a.name, b.name) || cmp(a.apiVersion, b.apiVersion))
  const out = sorted.map((w): CompiledWorkload => {
    if (!w.podSpecPath) return { workload: w, manifest: w.manifest, patched: false }
    const spec = getIn(w.manifest, w.podSpecPath)
    const pod = (isObj(spec) ? spec : {}) as PodSpec
    const m = patchTemplate(offloading, pod)
    const manifest = m.mutated ? setIn(w.manifest, w.podSpecPath, m.pod) : w.manifest
    if (m.affinityLeftToWebhook) diagnostics.push(leftToWebhook(w, policy))
    if (!ctx) return { workload: w, manifest, patched: m.mutated }
    // Liqo's webhook applied to the source: its terms are the ones the reasons quote, and the
    // pods it makes from the rendered template at their creation are eligible on exactly the
    // same nodes (patchTemplate's property, test/workloads/double-admission.test.ts).
    const verdicts = judgeNodes(m.affinityLeftToWebhook ? mutatePod(offloading, pod).pod : m.pod, ctx.nodes)
    const placement: WorkloadPlacement = { nodes: verdicts.filter((v) => !v.excludedBy).map((v) => v.node), verdicts, message: schedulerMessage(verdicts) }
    if (placement.nodes.length === 0) diagnostics.push(unschedulable(w, placement, policy, ctx))
    return { workload: w, manifest, patched: m.mutated, placement }
  })
  return { workloads: out, diagnostics }
}

const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0)

/** `florence: required node affinity: term 1: …`, one line per excluded node. */
export function placementReasons(p: WorkloadPlacement): string[] {
  return p.verdicts.flatMap((v) => (v.excludedBy ? [`${v.node}: ${describeExclusion(v.excludedBy)}`] : []))
}

function unschedulable(w: Workload, p: WorkloadPlacement, policy: Policy, ctx: PlacementContext): Diagnostic {
  const podPath = w.podSpecPath ?? []
  const hints: string[] = []
  if (!ctx.homeNodesKnown) hints.push('the inventory lists no nodes of the home cluster (spec.home.nodes), so only virtual nodes were judged')
  const byAffinity = p.verdicts.some((v) => v.excludedBy?.kind === 'nodeAffinity')
  const imposed = createNodeSelectorFromNamespaceOffloading(policy).selector
  // The policy alone is the cause when even a pod without constraints of its own fits nowhere.
  const offloading = { podOffloadingStrategy: policy.podOffloadingStrategy, clusterSelector: policy.clusterSelector }
  const policyAlone = byAffinity && imposed !== undefined && judgeNodes(mutatePod(offloading, {}).pod, ctx.nodes).every((v) => v.excludedBy)
  let related: Related[] = []
  if (policyAlone) {
    hints.push(
      `the policy is the cause: the clusterSelector of "${policy.namespace}" selects no remote cluster (NSO4005) and the ${policy.podOffloadingStrategy} strategy leaves its pods no other node: fix the policy's spec.clusterSelector`,
    )
    const at = policy.source.locate(['spec', 'clusterSelector'])
    related = [{ file: at.file, line: at.line, column: at.column, message: `the clusterSelector of "${policy.namespace}"` }]
  } else if (byAffinity && imposed) {
    hints.push(
      `its own required node affinity is ANDed with what the ${policy.podOffloadingStrategy} strategy and the clusterSelector of "${policy.namespace}" impose (Liqo's webhook merges them): make them agree`,
    )
  }
  if (p.verdicts.some((v) => v.excludedBy?.kind === 'taint') && policy.podOffloadingStrategy === 'Local') {
    hints.push('pods of a Local namespace do not get the virtual-node toleration')
  }
  hints.push('`nsoffload plan` shows the reason of every node')
  const message = `${w.kind}/${w.name} would stay Pending (${p.message.replace(/\.$/, '')}): ${exclusionSummary(p.verdicts)}`
  return diag('workloadUnschedulable', message, locateConstraint(w, podPath, byAffinity && !policyAlone), { hint: hints.join('; '), related })
}

function leftToWebhook(w: Workload, policy: Policy): Diagnostic {
  const at = policy.source.locate(['spec', 'clusterSelector'])
  return diag(
    'affinityLeftToWebhook',
    `${w.kind}/${w.name}: its pod template is not given the node affinity of "${policy.namespace}" (its clusterSelector has matchFields): Liqo's webhook adds it to each pod as it is, but would merge a pre-patched copy with it again and drop the matchFields, widening placement`,
    w.source.locate(['metadata', 'name']),
    {
      hint: "placement is right as it is: the pods get the affinity, once, at creation, and only the toleration is written into the template. To have it in the template too, select clusters by label instead of metadata.name: Liqo sets kubernetes.io/hostname to the virtual node's name (the cluster ID)",
      related: [{ file: at.file, line: at.line, column: at.column, message: 'the clusterSelector with matchFields' }],
    },
  )
}

/** The pod's required node affinity in the source when it has one and it matters, else its name. */
function locateConstraint(w: Workload, podPath: readonly string[], byAffinity: boolean): Location {
  if (byAffinity) {
    const want = [...podPath, 'affinity', 'nodeAffinity', 'requiredDuringSchedulingIgnoredDuringExecution']
    if (getIn(w.manifest, want) !== undefined) return w.source.locate([...want, KEY_MARKER])
  }
  return w.source.locate(['metadata', 'name'])
}
