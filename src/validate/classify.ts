import { diag, type Diagnostic } from '../diagnostics/diagnostic.ts'
import { NSO_API_VERSION, NSO_KIND } from '../model/liqo.ts'
import type { ParsedDoc } from '../load/parse-yaml.ts'
import { IGNORE_FILE } from '../load/ignore-file.ts'
import { closest } from './suggest.ts'
import { isObj } from '../util/plain-data.ts'

export const NSOFFLOAD_API_VERSION = 'nsoffload.dev/v1alpha1'

const KINDS = {
  OffloadingPolicy: NSOFFLOAD_API_VERSION,
  ClusterInventory: NSOFFLOAD_API_VERSION,
  [NSO_KIND]: NSO_API_VERSION,
} as const
export type InputKind = keyof typeof KINDS

export interface ClassifiedDoc {
  readonly kind: InputKind
  readonly doc: ParsedDoc
  readonly value: Readonly<Record<string, unknown>>
}

/**
 * Sorts documents by what they are (apiVersion + kind). Empty documents are skipped; anything
 * that is not a mapping, or not one of the kinds nsoffload reads, is a diagnostic.
 */
export function classify(docs: readonly ParsedDoc[], accept: readonly InputKind[]): { docs: ClassifiedDoc[]; diagnostics: Diagnostic[] } {
  const out: ClassifiedDoc[] = []
  const diagnostics: Diagnostic[] = []
  for (const doc of docs) {
    const v = doc.value
    if (v === undefined || v === null) continue
    if (!isObj(v)) {
      diagnostics.push(
        diag('notMapping', `the document is ${Array.isArray(v) ? 'a list' : `a ${typeof v}`}, not a mapping`, doc.source.locate([]), {
          hint: 'a policy is a mapping with apiVersion, kind, metadata and spec',
        }),
      )
      continue
    }
    const kind = v['kind']
    const apiVersion = v['apiVersion']
    const wanted = accept.map((k) => `${KINDS[k]}/${k}`).join(', ')
    const amongPolicies = accept.includes('OffloadingPolicy')
    if (
      amongPolicies &&
      typeof apiVersion === 'string' &&
      apiVersion.startsWith('kustomize.config.k8s.io/') &&
      (kind === 'Kustomization' || kind === 'Component')
    ) {
      diagnostics.push(diag('kustomizationSkipped', `a kustomize ${kind}, not a policy: skipped`, doc.source.locate(['kind'])))
      continue
    }
    if (typeof kind !== 'string' || !(kind in KINDS) || !accept.includes(kind as InputKind)) {
      const guess = typeof kind === 'string' ? closest(kind, accept) : undefined
      const ignore = amongPolicies ? `; if ${doc.file} is not a policy, list it in a ${IGNORE_FILE} file of its folder` : ''
      // A missing kind, or one YAML read as something else (`kind: ` with nothing, `kind: yes`), is said so.
      const said =
        kind === undefined
          ? `the document has no kind (expected ${wanted})`
          : kind === null || kind === ''
            ? `kind is empty (expected ${wanted})`
            : typeof kind !== 'string'
              ? `kind is ${Array.isArray(kind) ? 'a list' : typeof kind === 'object' ? 'a mapping' : `the ${typeof kind} ${JSON.stringify(kind)}`}, not a name (expected ${wanted})`
              : `kind ${JSON.stringify(kind)} is not read here (expected ${wanted})`
      diagnostics.push(
        diag('unknownKind', said, doc.source.locate(kind === undefined ? [] : ['kind']), {
          hint: (guess ? `did you mean "${guess}"?` : `nsoffload reads ${wanted}`) + ignore,
        }),
      )
      continue
    }
    const k = kind as InputKind
    if (apiVersion !== KINDS[k]) {
      diagnostics.push(
        diag(
          'unknownKind',
          `apiVersion ${JSON.stringify(apiVersion ?? null)} is not served for kind ${k}`,
          doc.source.locate(apiVersion === undefined ? [] : ['apiVersion']),
          {
            hint: `use apiVersion: ${KINDS[k]}`,
          },
        ),
      )
      continue
    }
    out.push({ kind: k, doc, value: v })
  }
  return { docs: out, diagnostics }
}
