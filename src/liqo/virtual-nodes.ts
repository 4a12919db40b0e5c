// Follows liqotech/liqo@v1.2.0 pkg/virtualKubelet/liqoNodeProvider/utils.go (the virtual node's labels), pkg/consts/webhook.go
// (its taint), pkg/utils/virtualnode/ and pkg/utils/getters/ (the labels cluster selection matches), and
// deployments/liqo/templates/runtime-class.yaml with deployments/liqo/values.yaml (the RuntimeClass that sends pods to them).
import type { NodeView, Taint, Toleration } from '../model/k8s.ts'
import {
  LABEL_HOSTNAME,
  LABEL_REMOTE_CLUSTER_ID,
  LABEL_STORAGE_AVAILABLE,
  LABEL_TYPE,
  TYPE_VIRTUAL_NODE,
  VIRTUAL_NODE_LABELS,
  VIRTUAL_NODE_TAINT_KEY,
} from '../model/liqo.ts'

/** Liqo's taint on every virtual node (liqotech/liqo@v1.2.0 pkg/consts/webhook.go). */
export const VIRTUAL_NODE_TAINT: Taint = { key: VIRTUAL_NODE_TAINT_KEY, value: 'true', effect: 'NoExecute' }

/**
 * The `scheduling` of the RuntimeClass `liqo` Liqo v1 installs (liqotech/liqo@v1.2.0
 * deployments/liqo/templates/runtime-class.yaml, the chart's defaults in deployments/liqo/values.yaml,
 * `offloading.runtimeClass`): virtual nodes only, their taint tolerated.
 */
export const LIQO_RUNTIME_CLASS_SCHEDULING: { readonly nodeSelector: Readonly<Record<string, string>>; readonly tolerations: readonly Toleration[] } = {
  nodeSelector: { [LABEL_TYPE]: TYPE_VIRTUAL_NODE },
  tolerations: [{ key: VIRTUAL_NODE_TAINT_KEY, operator: 'Exists', effect: 'NoExecute' }],
}

/**
 * The labels of Liqo's virtual Node `name` of cluster `clusterID`, as the virtual kubelet writes
 * them (model/liqo.ts has the sources): Liqo's defaults, `liqo.io/type` and
 * `liqo.io/remote-cluster-id` among them, then the cluster's labels over them, which win, those
 * two included (liqotech/liqo@v1.2.0 pkg/virtualKubelet/liqoNodeProvider/utils.go, `maps.Merge`;
 * held equal to Liqo's code by test/differential/cluster-selection.test.ts). The one function
 * behind cluster selection, the placement preview, `inventory pull` and the end-to-end tests'
 * Node objects.
 */
export function virtualNodeLabels(clusterID: string, name: string, labels: Readonly<Record<string, string>> = {}): Record<string, string> {
  return { [LABEL_HOSTNAME]: name, ...VIRTUAL_NODE_LABELS, [LABEL_TYPE]: TYPE_VIRTUAL_NODE, [LABEL_REMOTE_CLUSTER_ID]: clusterID, ...labels }
}

/**
 * The remote cluster ID of a Liqo virtual node, read from its labels as Liqo's getters find one
 * (`liqo.io/type: virtual-node` and `liqo.io/remote-cluster-id`; liqotech/liqo@v1.2.0
 * pkg/utils/getters): `undefined` when the Node is not one (possibly `''` for a label without a value).
 */
export function virtualNodeClusterID(labels: Readonly<Record<string, string>>): string | undefined {
  return labels[LABEL_TYPE] === TYPE_VIRTUAL_NODE ? labels[LABEL_REMOTE_CLUSTER_ID] : undefined
}

/**
 * The labels Liqo's cluster selection matches for a virtual node. It reads the Node of the
 * VirtualNode, found among the Nodes labelled `liqo.io/remote-cluster-id: <clusterID>`
 * (`virtualnode.GetLabelSelectors`, `getters.GetNodeFromVirtualNode`); when the cluster's labels
 * give that label another value, the Node is not found and Liqo matches the VirtualNode's own
 * labels instead: the cluster's, `liqo.io/remote-cluster-id: <clusterID>`, and
 * `storage.liqo.io/available` as `strconv.FormatBool(len(storageClasses) == 0)` (the opposite of
 * what the Node says), without the virtual kubelet's defaults.
 */
function selectionLabels(
  clusterID: string,
  labels: Readonly<Record<string, string>>,
  nodeLabels: Readonly<Record<string, string>>,
): Readonly<Record<string, string>> {
  if (nodeLabels[LABEL_REMOTE_CLUSTER_ID] === clusterID) return nodeLabels
  const storage = nodeLabels[LABEL_STORAGE_AVAILABLE] !== 'false'
  return { ...labels, [LABEL_REMOTE_CLUSTER_ID]: clusterID, [LABEL_STORAGE_AVAILABLE]: storage ? 'false' : 'true' }
}

const sameTaint = (a: Taint, b: Taint): boolean => a.key === b.key && (a.value ?? '') === (b.value ?? '') && a.effect === b.effect

/**
 * A remote cluster's virtual node: its labels over Liqo's, and Liqo's taint first, then the
 * VirtualNode's own taints less those already there (Liqo's `slice.Merge`).
 */
export function virtualNode(clusterID: string, name: string, labels: Readonly<Record<string, string>>, taints: readonly Taint[] = []): NodeView {
  const all: Taint[] = [VIRTUAL_NODE_TAINT]
  for (const t of taints) if (!all.some((x) => sameTaint(x, t))) all.push(t)
  const nodeLabels = virtualNodeLabels(clusterID, name, labels)
  const selection = selectionLabels(clusterID, labels, nodeLabels)
  return { name, labels: nodeLabels, taints: all, clusterID, virtual: true, ...(selection !== nodeLabels ? { selectionLabels: selection } : {}) }
}

/**
 * The labels of a live virtual node that the inventory has to state: those
 * {@link virtualNodeLabels} would not give back by itself. `virtualNodeLabels(id, name,
 * ownLabels(id, name, live))` equals `live` whenever `live` carries every default (Liqo's nodes
 * do), so nothing selection or scheduling can match on is lost.
 */
export function ownLabels(clusterID: string, name: string, live: Readonly<Record<string, string>>): Record<string, string> {
  const derived = virtualNodeLabels(clusterID, name)
  return Object.fromEntries(Object.entries(live).filter(([k, v]) => derived[k] !== v))
}
