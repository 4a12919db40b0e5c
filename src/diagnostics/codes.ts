/**
 * THE registry of diagnostics. Codes are stable forever and never reused; ranges follow the
 * pipeline stages: 1xxx load/YAML, 2xxx schema, 3xxx semantic rules, 4xxx compile
 * predictions, 5xxx clusters, 9xxx internal. `docs/diagnostics.md` is generated from this
 * table (`npm run docs:diagnostics`) and a test fails when it is stale.
 */
export interface CodeInfo {
  readonly code: string
  readonly severity: 'error' | 'warning' | 'info'
  /** One line for the docs: what the code means. */
  readonly title: string
}

export const codes = {
  // 1xxx: reading files and parsing YAML
  yamlSyntax: { code: 'NSO1001', severity: 'error', title: 'YAML syntax error' },
  duplicateKey: { code: 'NSO1002', severity: 'error', title: 'A mapping has the same key twice' },
  tabIndent: { code: 'NSO1003', severity: 'error', title: 'Tabs are not allowed in YAML indentation' },
  aliasLimit: { code: 'NSO1004', severity: 'error', title: 'Too many YAML aliases (a resource-exhaustion attack, or a document to simplify)' },
  notText: { code: 'NSO1005', severity: 'error', title: 'The file is not UTF-8 text' },
  notMapping: { code: 'NSO1006', severity: 'error', title: 'A document is not a mapping (object)' },
  unknownKind: { code: 'NSO1007', severity: 'error', title: 'A document has an apiVersion/kind nsoffload does not read here' },
  noPolicies: {
    code: 'NSO1008',
    severity: 'error',
    title: 'No policy was found: an error for validate, build, plan and diff unless --allow-empty (then an info; a warning for the other commands)',
  },
  emptyDocument: { code: 'NSO1009', severity: 'info', title: 'An empty YAML document was skipped' },
  yamlWarning: { code: 'NSO1010', severity: 'warning', title: 'YAML warning' },
  resourceListInvalid: { code: 'NSO1011', severity: 'error', title: '`nsoffload fn` input is not a KRM ResourceList' },
  kustomizationSkipped: {
    code: 'NSO1012',
    severity: 'info',
    title: 'A kustomize file (kustomization.yaml, or a Kustomization or Component document) among the policies was skipped',
  },
  ignorePattern: {
    code: 'NSO1013',
    severity: 'warning',
    title: 'A line of a .nsoffloadignore file matches nothing (it ends in a backslash that escapes nothing)',
  },
  notRegularFile: {
    code: 'NSO1014',
    severity: 'error',
    title: 'An input is not a regular file (a FIFO, a device such as /dev/zero, a socket, a folder), or a link to one: it is not read',
  },
  outsideRepository: {
    code: 'NSO1015',
    severity: 'error',
    title: 'An input is a symbolic link (or lies below one) that leads out of its repository: it is not read, and its content is never shown',
  },
  fileTooLarge: { code: 'NSO1016', severity: 'error', title: 'An input file is larger than the limit per file (8 MiB, docs/inputs.md): it is not read' },
  tooManyDocuments: {
    code: 'NSO1017',
    severity: 'error',
    title: 'An input file holds more YAML documents than the limit per file (10,000, docs/inputs.md): none of them is read',
  },
  collectionKey: {
    code: 'NSO1020',
    severity: 'error',
    title: "A mapping key is a list or a mapping (Kubernetes' YAML reader takes only scalar keys; often a template's `{{ … }}`)",
  },
  workloadPathEmpty: {
    code: 'NSO1021',
    severity: 'warning',
    title: 'A workload path holds no manifest (an empty folder, only empty documents, nothing rendered)',
  },
  helmChart: {
    code: 'NSO1022',
    severity: 'error',
    title: 'A workload path is a Helm chart (a Chart.yaml), or holds Helm templates (`{{ … }}`): render the chart first (`helm template`)',
  },
  kustomizeFailed: { code: 'NSO1023', severity: 'error', title: 'kustomize could not build a workload kustomization' },
  yamlValue: {
    code: 'NSO1024',
    severity: 'error',
    title: 'A YAML value or key Kubernetes cannot read (.inf, .nan, a null key), or an integer beyond 2^53 nsoffload cannot keep exactly',
  },
  // 2xxx: JSON Schema
  schemaType: { code: 'NSO2001', severity: 'error', title: 'A field has the wrong type' },
  schemaRequired: { code: 'NSO2002', severity: 'error', title: 'A required field is missing' },
  schemaUnknownField: { code: 'NSO2003', severity: 'error', title: 'A field is not part of the schema (typo?)' },
  schemaEnum: { code: 'NSO2004', severity: 'error', title: 'A value is not one of the allowed values' },
  schemaPattern: { code: 'NSO2005', severity: 'error', title: 'A value does not have the required form' },
  schemaLength: { code: 'NSO2006', severity: 'error', title: 'A value or list is too long or too short' },
  selectorItemMapping: {
    code: 'NSO2007',
    severity: 'error',
    title: 'A clusterSelector item is a YAML mapping (`- region: east`): liqoctl selector strings are written `- region=east`',
  },
  selectorNotList: { code: 'NSO2008', severity: 'error', title: 'clusterSelector is one string: it is a list of liqoctl selector strings (`- region=east`)' },
  selectorForm: {
    code: 'NSO2009',
    severity: 'error',
    title: 'clusterSelector has a form it does not take (matchLabels, a bare term, a mapping of labels): the hint shows the two it takes',
  },
  misplacedField: {
    code: 'NSO2010',
    severity: 'error',
    title: 'A field is at the wrong level (often a line indented too little, or outside spec:): the message says where it landed',
  },
  schemaOther: { code: 'NSO2000', severity: 'error', title: 'A schema constraint is violated' },
  // 3xxx: semantic rules
  selectedNameNeedsRemoteName: { code: 'NSO3001', severity: 'error', title: 'SelectedName needs spec.remoteNamespaceName' },
  remoteNameNeedsSelectedName: {
    code: 'NSO3002',
    severity: 'error',
    title: 'spec.remoteNamespaceName is only allowed with SelectedName (in an OffloadingPolicy; in a NamespaceOffloading it is NSO3029)',
  },
  invalidNamespaceName: { code: 'NSO3003', severity: 'error', title: 'A namespace name is not a DNS-1123 label' },
  invalidClusterID: { code: 'NSO3004', severity: 'error', title: 'A cluster ID is not a DNS-1123 label' },
  selectorSyntax: { code: 'NSO3005', severity: 'error', title: 'A liqoctl selector string does not parse' },
  selectorOperator: { code: 'NSO3006', severity: 'error', title: 'A liqoctl selector uses an operator liqoctl rejects (!=, >, <)' },
  requirementOperator: { code: 'NSO3007', severity: 'error', title: 'A NodeSelectorRequirement has an unknown operator' },
  requirementValues: {
    code: 'NSO3008',
    severity: 'error',
    title: 'A NodeSelectorRequirement has values its operator does not allow, or lacks values it needs',
  },
  requirementKey: { code: 'NSO3009', severity: 'error', title: 'A NodeSelectorRequirement key or value is not a valid label key or value' },
  matchFieldsInvalid: { code: 'NSO3010', severity: 'error', title: 'matchFields supports only metadata.name with In/NotIn and one value' },
  emptySelectorTerm: { code: 'NSO3011', severity: 'warning', title: 'An empty selector term selects no cluster' },
  duplicateNamespace: { code: 'NSO3012', severity: 'error', title: 'A namespace has more than one policy' },
  twinCollision: { code: 'NSO3013', severity: 'error', title: 'Two policies put their twin namespaces on the same remote namespace of the same cluster' },
  offloadingName: { code: 'NSO3014', severity: 'error', title: 'A NamespaceOffloading is not named offloading' },
  duplicateClusterID: { code: 'NSO3015', severity: 'error', title: 'A cluster ID appears twice in the inventory' },
  homeAmongRemotes: { code: 'NSO3016', severity: 'error', title: 'The home cluster is listed among the remotes' },
  inventoryMissing: { code: 'NSO3017', severity: 'error', title: 'No inventory, or more than one' },
  workloadPathMissing: { code: 'NSO3018', severity: 'error', title: 'A workload path does not exist or leaves the repository' },
  reservedLabel: { code: 'NSO3019', severity: 'error', title: 'A label is managed by Liqo or nsoffload and cannot be set by hand' },
  invalidLabel: { code: 'NSO3020', severity: 'error', title: 'A label or annotation key or value is not valid in Kubernetes' },
  duplicateNodeName: { code: 'NSO3021', severity: 'error', title: 'A node name appears twice in the inventory' },
  offloadingNamespaceMissing: { code: 'NSO3022', severity: 'error', title: 'A NamespaceOffloading has no metadata.namespace' },
  workloadNamespace: { code: 'NSO3023', severity: 'error', title: "A workload's metadata.namespace is not the namespace of the policy that lists it" },
  workloadInvalid: {
    code: 'NSO3024',
    severity: 'error',
    title: 'A workload document is not a Kubernetes object nsoffload can pass on (apiVersion, kind, metadata.name)',
  },
  workloadDuplicate: {
    code: 'NSO3025',
    severity: 'error',
    title: 'Two workloads, or a workload and an object nsoffload generates, have the same kind, namespace and name',
  },
  workloadPodSpec: {
    code: 'NSO3026',
    severity: 'error',
    title: "A workload's pod template is missing, or its scheduling fields (affinity, tolerations, nodeSelector, …) are malformed",
  },
  fnConfigInvalid: { code: 'NSO3027', severity: 'error', title: 'The functionConfig given to `nsoffload fn` is not understood' },
  schedulingLabelConflict: {
    code: 'NSO3028',
    severity: 'error',
    title:
      'liqo.io/scheduling-enabled is set by hand to what Liqo\'s controller would change (anything but "true", or "true" with podOffloadingStrategy Local)',
  },
  remoteNameIgnored: {
    code: 'NSO3029',
    severity: 'warning',
    title: 'A NamespaceOffloading has spec.remoteNamespaceName without SelectedName (liqoctl writes it): Liqo ignores it, so does nsoffload',
  },
  inventoryNotChecked: {
    code: 'NSO3046',
    severity: 'warning',
    title: '`validate` ran without an inventory: cluster selection, remote names and placement were not checked (`--no-inventory` waives it)',
  },
  workloadIsNamespace: {
    code: 'NSO3060',
    severity: 'error',
    title: "A workload file holds a Namespace: the policy owns its namespace (labels and annotations go under the policy's spec.namespace)",
  },
  // 4xxx: compile predictions
  remoteNameTooLong: {
    code: 'NSO4001',
    severity: 'warning',
    title: 'The remote namespace name is longer than 63 characters: Liqo would fail (CreationLoopBackOff)',
  },
  remoteNameInvalid: {
    code: 'NSO4002',
    severity: 'warning',
    title: 'The remote namespace name is not a DNS-1123 label: Liqo would fail (CreationLoopBackOff)',
  },
  twinExistsUnmanaged: {
    code: 'NSO4003',
    severity: 'warning',
    title: 'The twin namespace already exists unmanaged on a remote: Liqo would fail there (CreationLoopBackOff)',
  },
  virtualNodesDisagree: {
    code: 'NSO4004',
    severity: 'warning',
    title: "A cluster's virtual nodes disagree on the selector: Liqo's result is not determined (the order its cache lists them in decides)",
  },
  noClusterSelected: { code: 'NSO4005', severity: 'warning', title: 'The selector selects no remote cluster (phase NoClusterSelected)' },
  workloadUnschedulable: {
    code: 'NSO4006',
    severity: 'warning',
    title: "No node of the inventory can take a workload's pods (placement preview): they would stay Pending",
  },
  affinityLeftToWebhook: {
    code: 'NSO4007',
    severity: 'warning',
    title:
      "A pod template is not given the policy's node affinity: its clusterSelector has matchFields, which Liqo's webhook would drop when merging a pre-patched copy again at pod creation; the webhook adds the affinity to the pods",
  },
  // 5xxx: clusters
  clusterUnreachable: { code: 'NSO5001', severity: 'error', title: 'A cluster cannot be reached' },
  objectNotOwned: { code: 'NSO5002', severity: 'warning', title: "An object exists on a cluster without nsoffload's ownership marker: sync leaves it alone" },
  twinNotOwned: {
    code: 'NSO5003',
    severity: 'error',
    title: 'A twin namespace exists on a remote and Liqo does not own it: left alone, CreationLoopBackOff as Liqo would report',
  },
  destructiveRefused: {
    code: 'NSO5004',
    severity: 'error',
    title: 'A new mapping strategy or remote name needs unoffloading: refused without --allow-destructive',
  },
  deletionNeedsPrune: {
    code: 'NSO5005',
    severity: 'warning',
    title: 'An owned object would be deleted (policy removed or cluster deselected): only with --prune',
  },
  applyConflict: { code: 'NSO5006', severity: 'error', title: 'Server-side apply conflict with another field manager: taken over only with --force-conflicts' },
  applyFailed: { code: 'NSO5007', severity: 'error', title: 'The API server refused a change' },
  // 5020-5039: the ApplySet, discovery and the inventory drift guard (docs/sync.md)
  applySetParent: {
    code: 'NSO5020',
    severity: 'error',
    title: "The set's ApplySet parent on a cluster is not this set's (another tool's, another ID, another home cluster's): nothing is written",
  },
  objectInOtherSet: {
    code: 'NSO5021',
    severity: 'warning',
    title: 'An object belongs to another ApplySet (applyset.kubernetes.io/part-of): sync leaves it alone',
  },
  legacyNotPruned: {
    code: 'NSO5022',
    severity: 'warning',
    title: "An object carries nsoffload's old marker and belongs to no ApplySet: never pruned, adopted only when a policy of this set renders it",
  },
  pruneOutsideInputs: {
    code: 'NSO5023',
    severity: 'warning',
    title: 'A namespace of the set has no policy among the files this run read (-p), and its policy file was not read: not pruned',
  },
  kindNotServed: {
    code: 'NSO5024',
    severity: 'error',
    title: "A workload's kind is neither served by the home cluster (API discovery) nor defined by a CRD of the same sync: nothing is written",
  },
  inventoryDrift: {
    code: 'NSO5025',
    severity: 'error',
    title:
      "The live home cluster's Liqo virtual nodes differ from the inventory in a way that changes what a policy selects or where a workload can run: sync writes nothing unless --allow-inventory-drift",
  },
  inventoryDriftHarmless: {
    code: 'NSO5026',
    severity: 'warning',
    title: "The live home cluster's nodes differ from the inventory, changing no selection and no placement",
  },
  nodesUnreadable: {
    code: 'NSO5027',
    severity: 'error',
    title: "The home cluster's nodes cannot be listed, so the inventory cannot be checked against them: sync refuses unless --allow-inventory-drift",
  },
  // 9xxx: internal
  internal: { code: 'NSO9001', severity: 'error', title: 'Internal error: please report it' },
} as const satisfies Record<string, CodeInfo>

export type CodeId = keyof typeof codes

/** Every code of the registry ('NSO1001' | …): what `Diagnostic.code` can be. */
export type Code = (typeof codes)[CodeId]['code']
