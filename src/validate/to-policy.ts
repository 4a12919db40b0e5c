import { diag, type Diagnostic } from '../diagnostics/diagnostic.ts'
import type { NodeSelectorTerm } from '../model/k8s.ts'
import type { MappingStrategy, PodStrategy } from '../model/liqo.ts'
import type { Policy } from '../model/policy.ts'
import { checkSchema } from './schemas.ts'
import type { ClassifiedDoc } from './classify.ts'
import { policyRules, type PolicyDraft } from './rules/index.ts'
import { obj } from '../util/plain-data.ts'

const strMap = (v: unknown): Record<string, string> => ({ ...(obj(v) as Record<string, string>) })

/**
 * Turns an `OffloadingPolicy` or a `NamespaceOffloading` document into a Policy: schema first,
 * then the semantic rules. A document with schema errors yields no policy (rules would only
 * repeat the problem).
 */
export function toPolicy(c: ClassifiedDoc): { policy?: Policy; diagnostics: Diagnostic[] } {
  const kind = c.kind === 'NamespaceOffloading' ? 'NamespaceOffloading' : 'OffloadingPolicy'
  const schemaDiags = checkSchema(kind, c.value, c.doc.source)
  if (schemaDiags.length > 0) return { diagnostics: schemaDiags }
  const meta = obj(c.value['metadata'])
  const spec = obj(c.value['spec'])
  const diagnostics: Diagnostic[] = []
  const isNso = kind === 'NamespaceOffloading'
  const namespace = String(isNso ? (meta['namespace'] ?? '') : meta['name'])
  if (isNso && meta['namespace'] === undefined) {
    diagnostics.push(
      diag('offloadingNamespaceMissing', 'a NamespaceOffloading needs metadata.namespace: the namespace it offloads', c.doc.source.locate(['metadata']), {
        hint: 'add `namespace: <the namespace to offload>` under metadata',
      }),
    )
    return { diagnostics }
  }
  const draft: PolicyDraft = {
    kind,
    name: String(meta['name']),
    namespace,
    namespacePath: isNso ? ['metadata', 'namespace'] : ['metadata', 'name'],
    namespaceMappingStrategy: (spec['namespaceMappingStrategy'] as MappingStrategy | undefined) ?? 'DefaultName',
    mappingGiven: spec['namespaceMappingStrategy'] !== undefined,
    remoteNamespaceName: spec['remoteNamespaceName'] as string | undefined,
    podOffloadingStrategy: (spec['podOffloadingStrategy'] as PodStrategy | undefined) ?? 'LocalAndRemote',
    selector: spec['clusterSelector'],
    labels: strMap(obj(spec['namespace'])['labels']),
    annotations: strMap(obj(spec['namespace'])['annotations']),
    source: c.doc.source,
  }
  let terms: NodeSelectorTerm[] = []
  for (const rule of policyRules) {
    const r = rule(draft)
    diagnostics.push(...r.diagnostics)
    if (r.terms) terms = r.terms
  }
  if (diagnostics.some((d) => d.severity === 'error')) return { diagnostics }
  const policy: Policy = {
    namespace,
    namespaceMappingStrategy: draft.namespaceMappingStrategy,
    ...(draft.namespaceMappingStrategy === 'SelectedName' && draft.remoteNamespaceName !== undefined ? { remoteNamespaceName: draft.remoteNamespaceName } : {}),
    podOffloadingStrategy: draft.podOffloadingStrategy,
    clusterSelector: { nodeSelectorTerms: terms },
    namespaceLabels: draft.labels,
    namespaceAnnotations: draft.annotations,
    workloads: Array.isArray(spec['workloads']) ? (spec['workloads'] as string[]) : [],
    source: c.doc.source,
  }
  return { policy, diagnostics }
}
