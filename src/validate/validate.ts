import { diag, type Diagnostic } from '../diagnostics/diagnostic.ts'
import type { Inventory } from '../model/inventory.ts'
import type { Policy } from '../model/policy.ts'
import type { ParsedDoc } from '../load/parse-yaml.ts'
import { classify } from './classify.ts'
import { namespacesUnique } from './rules/namespaces-unique.ts'
import { toInventory } from './to-inventory.ts'
import { toPolicy } from './to-policy.ts'
import { append } from '../util/append.ts'

export interface Validated {
  /** Valid policies, sorted by namespace. */
  readonly policies: readonly Policy[]
  readonly inventory?: Inventory
  readonly diagnostics: readonly Diagnostic[]
}

/**
 * The validate stage: parsed documents in, typed policies and inventory out. Pure.
 * `inventoryDocs` is `undefined` when no inventory was given (validate works without one).
 */
export function validate(
  policyDocs: readonly ParsedDoc[],
  inventoryInput:
    | {
        readonly file: string
        readonly docs: readonly ParsedDoc[]
        /** Some document of the file did not parse: its YAML errors say what is wrong, not a missing inventory. */
        readonly unparsed?: boolean
      }
    | undefined,
): Validated {
  const diagnostics: Diagnostic[] = []
  const cp = classify(policyDocs, ['OffloadingPolicy', 'NamespaceOffloading', 'ClusterInventory'])
  append(diagnostics, cp.diagnostics)
  const found: Policy[] = []
  const inventoryCandidates = cp.docs.filter((d) => d.kind === 'ClusterInventory')
  for (const c of cp.docs) {
    if (c.kind === 'ClusterInventory') continue
    const r = toPolicy(c)
    append(diagnostics, r.diagnostics)
    if (r.policy) found.push(r.policy)
  }
  const unique = namespacesUnique(found)
  append(diagnostics, unique.diagnostics)

  let inventory: Inventory | undefined
  let inventoryClassified = true
  if (inventoryInput !== undefined) {
    const ci = classify(inventoryInput.docs, ['ClusterInventory'])
    inventoryClassified = ci.diagnostics.length === 0
    append(diagnostics, ci.diagnostics)
    append(inventoryCandidates, ci.docs)
  }
  if (inventoryCandidates.length > 1) {
    const [first, ...rest] = inventoryCandidates
    const was = first?.doc.source.locate([])
    for (const c of rest) {
      diagnostics.push(
        diag('inventoryMissing', 'more than one ClusterInventory was given', c.doc.source.locate([]), {
          ...(was ? { related: [{ file: was.file, line: was.line, column: was.column, message: 'first inventory' }] } : {}),
          hint: 'keep exactly one inventory',
        }),
      )
    }
  } else if (inventoryCandidates.length === 1 && inventoryCandidates[0]) {
    const r = toInventory(inventoryCandidates[0])
    append(diagnostics, r.diagnostics)
    inventory = r.inventory
  } else if (inventoryInput !== undefined && inventoryClassified && !inventoryInput.unparsed) {
    diagnostics.push(
      diag(
        'inventoryMissing',
        'the inventory file holds no ClusterInventory',
        { file: inventoryInput.file, line: 1, column: 1, path: '' },
        {
          hint: 'an inventory is a document with apiVersion: nsoffload.dev/v1alpha1 and kind: ClusterInventory',
        },
      ),
    )
  }
  const policies = [...unique.policies].sort((a, b) => (a.namespace < b.namespace ? -1 : 1))
  return { policies, ...(inventory ? { inventory } : {}), diagnostics }
}
