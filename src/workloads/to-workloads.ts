import * as path from 'node:path/posix'
import { diag, type Diagnostic } from '../diagnostics/diagnostic.ts'
import type { ParsedDoc } from '../load/parse-yaml.ts'
import type { Policy } from '../model/policy.ts'
import type { Workload } from '../model/workload.ts'
import { dns1123Subdomain } from '../selectors/label-syntax.ts'
import { isObj } from '../util/plain-data.ts'
import { LABEL_PART_OF } from '../model/applyset.ts'
import { KEY_MARKER } from '../load/parse-yaml.ts'
import { checkPodSpec, getIn, podSpecPath, podTemplatePath } from './pod-template.ts'

/**
 * The workloads stage: the documents of a policy's workload files into Workloads. A workload
 * without a namespace takes the policy's; one in another namespace is an error; the pod kinds'
 * scheduling fields are checked so that patching and placement can trust them. Pure.
 */

/** Kinds that live outside namespaces: they pass through without a namespace. */
export const CLUSTER_SCOPED_KINDS: ReadonlySet<string> = new Set([
  'APIService',
  'CSIDriver',
  'CSINode',
  'CertificateSigningRequest',
  'ClusterIssuer',
  'ClusterRole',
  'ClusterRoleBinding',
  'ComponentStatus',
  'CustomResourceDefinition',
  'FlowSchema',
  'IngressClass',
  'MutatingWebhookConfiguration',
  'Namespace',
  'Node',
  'PersistentVolume',
  'PodSecurityPolicy',
  'PriorityClass',
  'PriorityLevelConfiguration',
  'RuntimeClass',
  'StorageClass',
  'ValidatingAdmissionPolicy',
  'ValidatingAdmissionPolicyBinding',
  'ValidatingWebhookConfiguration',
  'VolumeAttachment',
])

const KIND = /^[A-Za-z][A-Za-z0-9]*$/

/** Kubernetes' minimum for any object name (`IsValidPathSegmentName`), which also keeps file names safe. */
function pathSegmentProblem(name: string): string | undefined {
  if (name === '.' || name === '..') return `may not be "${name}"`
  for (const c of ['/', '%', '\\']) if (name.includes(c)) return `may not contain "${c}"`
  if (name.length > 253) return 'must be no more than 253 characters'
  return undefined
}

/** Turns the parsed documents of one policy's workload files into Workloads; Lists become their items. */
export function toWorkloads(policy: Policy, docs: readonly ParsedDoc[]): { workloads: Workload[]; diagnostics: Diagnostic[] } {
  const workloads: Workload[] = []
  const diagnostics: Diagnostic[] = []
  for (const doc of docs.flatMap(listItems)) {
    const r = toWorkload(policy, doc)
    diagnostics.push(...r.diagnostics)
    if (r.workload && !r.diagnostics.some((d) => d.severity === 'error')) workloads.push(r.workload)
  }
  return { workloads, diagnostics }
}

/**
 * A `v1 List`, or any `*List` kind with `items` (`DeploymentList`, …), as kubectl reads it: its
 * items, each an object of its own (nested Lists too), positions pointing inside the list. An
 * item without apiVersion and kind in a typed list (`ConfigMapList`) is of the list's kind.
 */
function listItems(doc: ParsedDoc): ParsedDoc[] {
  const v = doc.value
  if (!isObj(v) || typeof v['kind'] !== 'string' || !v['kind'].endsWith('List') || !Array.isArray(v['items'])) return [doc]
  const kind = v['kind']
  const apiVersion = v['apiVersion']
  return v['items'].flatMap((item, i) => {
    const typed = kind !== 'List' && isObj(item) && item['apiVersion'] === undefined && item['kind'] === undefined && typeof apiVersion === 'string'
    const value = typed ? { apiVersion, kind: kind.slice(0, -'List'.length), ...item } : item
    const locate = (p: readonly (string | number)[]) => doc.source.locate(['items', i, ...p])
    return listItems({ ...doc, value, source: { ...doc.source, locate } })
  })
}

function toWorkload(policy: Policy, doc: ParsedDoc): { workload?: Workload; diagnostics: Diagnostic[] } {
  const v = doc.value
  const src = doc.source
  if (v === undefined || v === null) return { diagnostics: [] }
  const isKustomization = /^kustomization\.ya?ml$/i.test(path.basename(doc.file))
  const kustomizeHint = 'a kustomization is not a manifest: list the folder that holds it as kustomization.yaml, and nsoffload renders it with kustomize'
  if (!isObj(v)) {
    return {
      diagnostics: [
        diag('notMapping', `the document is ${Array.isArray(v) ? 'a list' : `a ${typeof v}`}, not a Kubernetes object`, src.locate([]), {
          hint: isKustomization ? kustomizeHint : 'a workload file holds Kubernetes manifests: mappings with apiVersion, kind and metadata.name',
        }),
      ],
    }
  }
  const apiVersion = v['apiVersion']
  const kind = v['kind']
  const invalid = (message: string, at: (string | number)[], hint?: string): { diagnostics: Diagnostic[] } => ({
    diagnostics: [diag('workloadInvalid', message, src.locate(at), hint !== undefined ? { hint } : {})],
  })
  if (typeof apiVersion !== 'string' || apiVersion === '') {
    return invalid(
      `the workload has no apiVersion`,
      apiVersion === undefined ? [] : ['apiVersion'],
      isKustomization || kind === 'Kustomization' || kind === 'Component' ? kustomizeHint : 'every Kubernetes object needs apiVersion and kind',
    )
  }
  if (typeof kind !== 'string' || !KIND.test(kind)) {
    return invalid(
      kind === undefined || kind === null || kind === ''
        ? 'the workload has no kind'
        : typeof kind === 'string'
          ? `kind ${JSON.stringify(kind)} is not a valid kind (a name such as Deployment)`
          : `kind is the ${Array.isArray(kind) ? 'list' : typeof kind} ${JSON.stringify(kind)}, not a name`,
      kind === undefined ? [] : ['kind'],
      'every Kubernetes object needs apiVersion and kind',
    )
  }
  // Flux's Kustomization (kustomize.toolkit.fluxcd.io) is an object like any other.
  if (apiVersion.startsWith('kustomize.config.k8s.io/')) return invalid(`a ${kind} is not a workload`, ['kind'], kustomizeHint)
  if (apiVersion.startsWith('nsoffload.dev/') || apiVersion.startsWith('config.kubernetes.io/')) {
    return invalid(
      `${apiVersion} ${kind} is nsoffload's own input, not a workload`,
      ['kind'],
      'policies go under -p, the inventory under -i; workloads are Kubernetes manifests',
    )
  }
  const meta = v['metadata']
  if (!isObj(meta)) return invalid(`${kind} has no metadata`, meta === undefined ? [] : ['metadata'], 'add metadata.name')
  const name = meta['name']
  if (typeof name !== 'string' || name === '') {
    return invalid(
      `${kind} has no metadata.name`,
      ['metadata'],
      meta['generateName'] !== undefined ? 'generateName is not supported: kustomize and GitOps tools need a fixed name' : 'add metadata.name',
    )
  }
  if (apiVersion === 'v1' && kind === 'Namespace') {
    return {
      diagnostics: [
        diag(
          'workloadIsNamespace',
          `a Namespace (${JSON.stringify(name)}) is not a workload: ${name === policy.namespace ? `the policy of namespace "${policy.namespace}" creates and owns it` : `namespaces are created by their policies, and this file is listed by the policy of "${policy.namespace}"`}`,
          src.locate(['kind']),
          {
            hint:
              name === policy.namespace
                ? "remove it from the workload files; put its labels and annotations under the policy's spec.namespace"
                : `remove it; to offload "${name}", give it a policy of its own`,
            related: [relatedPolicy(policy)],
          },
        ),
      ],
    }
  }
  const labels = isObj(meta['labels']) ? meta['labels'] : {}
  if (labels[LABEL_PART_OF] !== undefined) {
    return {
      diagnostics: [
        diag(
          'reservedLabel',
          `${kind}/${name}: label ${LABEL_PART_OF} cannot be set by hand: sync puts it on every object of its ApplySet`,
          src.locate(['metadata', 'labels', LABEL_PART_OF, KEY_MARKER]),
          {
            hint: 'remove it (kubectl treats a manifest that already carries it as invalid, too)',
          },
        ),
      ],
    }
  }
  const specPath = podTemplatePath(v)
  // The built-in pod kinds' names are DNS-1123 subdomains; a custom resource's are its CRD's business.
  const nameProblem = podSpecPath(apiVersion, kind) ? dns1123Subdomain(name)[0] : pathSegmentProblem(name)
  if (nameProblem !== undefined) return invalid(`${kind} name "${name}" is not valid: ${nameProblem}`, ['metadata', 'name'])
  const ns = meta['namespace']
  if (ns !== undefined && ns !== null && ns !== policy.namespace) {
    return {
      diagnostics: [
        diag(
          'workloadNamespace',
          `${kind}/${name} is in namespace ${JSON.stringify(ns)}, but it is listed by the policy of namespace "${policy.namespace}"`,
          src.locate(['metadata', 'namespace']),
          {
            hint: `remove metadata.namespace (a workload takes its policy's namespace), or list this file in the policy of ${JSON.stringify(ns)}`,
            related: [relatedPolicy(policy)],
          },
        ),
      ],
    }
  }
  const diagnostics: Diagnostic[] = []
  if (specPath) {
    for (const p of checkPodSpec(getIn(v, specPath))) {
      const at = [...specPath, ...p.at]
      diagnostics.push(diag(p.id, `${kind}/${name}: ${p.message}`, src.locate(at), p.hint !== undefined ? { hint: p.hint } : {}))
    }
  }
  const clusterScoped = CLUSTER_SCOPED_KINDS.has(kind)
  const manifest = clusterScoped ? v : { ...v, metadata: { ...meta, namespace: policy.namespace } }
  const workload: Workload = {
    apiVersion,
    kind,
    name,
    ...(clusterScoped ? {} : { namespace: policy.namespace }),
    manifest,
    ...(specPath ? { podSpecPath: specPath } : {}),
    source: src,
  }
  return { workload, diagnostics }
}

function relatedPolicy(policy: Policy): { file: string; line: number; column: number; message: string } {
  const at = policy.source.locate(['spec', 'workloads'])
  return { file: at.file, line: at.line, column: at.column, message: `the policy of "${policy.namespace}" lists it here` }
}
