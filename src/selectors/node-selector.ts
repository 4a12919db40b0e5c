import type { CodeId } from '../diagnostics/codes.ts'
import type { NodeSelectorRequirement, NodeSelectorTerm, NodeView } from '../model/k8s.ts'
import { NODE_SELECTOR_OPERATORS } from '../model/k8s.ts'
import { labelValue, qualifiedName } from './label-syntax.ts'

/**
 * Kubernetes node-selector semantics (component-helpers `MatchNodeSelectorTerms`), used for
 * Liqo's cluster selection and for the placement preview. Terms are ORed, requirements in a
 * term ANDed; a term with neither expressions nor fields matches nothing.
 */

export interface RequirementProblem {
  readonly id: CodeId
  readonly message: string
  /** Steps below the requirement (e.g. `['operator']`). */
  readonly at: readonly (string | number)[]
  readonly hint?: string
}

const INT = /^[+-]?\d+$/

/** Checks a NodeSelectorRequirement the way Kubernetes validates and evaluates it. */
export function checkRequirement(r: NodeSelectorRequirement, field: boolean): RequirementProblem[] {
  const values = r.values ?? []
  if (field) {
    const out: RequirementProblem[] = []
    if (r.key !== 'metadata.name') {
      out.push({
        id: 'matchFieldsInvalid',
        message: `"${r.key}" is not a valid field selector key`,
        at: ['key'],
        hint: 'matchFields supports only metadata.name',
      })
    }
    if (r.operator !== 'In' && r.operator !== 'NotIn') {
      out.push({ id: 'matchFieldsInvalid', message: `"${r.operator}" is not a valid node field selector operator`, at: ['operator'], hint: 'use In or NotIn' })
    } else if (values.length !== 1) {
      out.push({
        id: 'matchFieldsInvalid',
        message: `unexpected number of value (${values.length}) for node field selector operator "${r.operator}"`,
        at: ['values'],
        hint: 'give exactly one node name',
      })
    }
    return out
  }
  const out: RequirementProblem[] = []
  const keyErrs = qualifiedName(r.key)
  if (keyErrs.length > 0) out.push({ id: 'requirementKey', message: `key "${r.key}": ${keyErrs.join('; ')}`, at: ['key'] })
  switch (r.operator) {
    case 'In':
    case 'NotIn':
      if (values.length === 0) {
        out.push({
          id: 'requirementValues',
          message: "for 'in', 'notin' operators, values set can't be empty",
          at: ['values'],
          hint: `give at least one value, or use Exists/DoesNotExist`,
        })
      }
      values.forEach((v, i) => {
        const errs = labelValue(v)
        if (errs.length > 0) out.push({ id: 'requirementKey', message: `value "${v}": ${errs.join('; ')}`, at: ['values', i] })
      })
      break
    case 'Exists':
    case 'DoesNotExist':
      if (values.length > 0) {
        out.push({ id: 'requirementValues', message: 'values set must be empty for exists and does not exist', at: ['values'], hint: 'remove values' })
      }
      break
    case 'Gt':
    case 'Lt':
      if (values.length !== 1) {
        out.push({ id: 'requirementValues', message: "for 'Gt', 'Lt' operators, exactly one value is required", at: ['values'] })
      } else if (!INT.test(values[0] ?? '')) {
        out.push({ id: 'requirementValues', message: "for 'Gt', 'Lt' operators, the value must be an integer", at: ['values', 0] })
      }
      break
    default:
      out.push({
        id: 'requirementOperator',
        message: `"${r.operator}" is not a valid node selector operator`,
        at: ['operator'],
        hint: `use one of ${NODE_SELECTOR_OPERATORS.join(', ')}`,
      })
  }
  return out
}

const isEmptyTerm = (t: NodeSelectorTerm): boolean => (t.matchExpressions?.length ?? 0) === 0 && (t.matchFields?.length ?? 0) === 0

/** Whether one requirement holds for a node's labels (absent keys match NotIn/DoesNotExist). */
export function matchRequirement(r: NodeSelectorRequirement, labels: Readonly<Record<string, string>>): boolean {
  const has = Object.prototype.hasOwnProperty.call(labels, r.key)
  const v = has ? labels[r.key] : undefined
  const values = r.values ?? []
  switch (r.operator) {
    case 'In':
      return has && values.includes(v ?? '')
    case 'NotIn':
      return !has || !values.includes(v ?? '')
    case 'Exists':
      return has
    case 'DoesNotExist':
      return !has
    case 'Gt':
    case 'Lt': {
      if (!has || values.length !== 1 || !INT.test(v ?? '') || !INT.test(values[0] ?? '')) return false
      const a = BigInt(v ?? '0')
      const b = BigInt(values[0] ?? '0')
      return r.operator === 'Gt' ? a > b : a < b
    }
    default:
      return false
  }
}

function matchField(r: NodeSelectorRequirement, nodeName: string): boolean {
  if (r.key !== 'metadata.name' || (r.values?.length ?? 0) !== 1) return false
  const v = r.values?.[0]
  if (r.operator === 'In') return v === nodeName
  if (r.operator === 'NotIn') return v !== nodeName
  return false
}

/** One term: every expression and field requirement holds. Empty terms match nothing. */
export function matchTerm(t: NodeSelectorTerm, node: Pick<NodeView, 'name' | 'labels'>): boolean {
  if (isEmptyTerm(t)) return false
  // Loops, not every(): selection runs for every policy × cluster of a fleet.
  for (const r of t.matchExpressions ?? []) if (!matchRequirement(r, node.labels)) return false
  for (const r of t.matchFields ?? []) if (!matchField(r, node.name)) return false
  return true
}

/** `MatchNodeSelectorTerms`: any term matches. */
export function matchTerms(terms: readonly NodeSelectorTerm[], node: Pick<NodeView, 'name' | 'labels'>): boolean {
  for (const t of terms) if (matchTerm(t, node)) return true
  return false
}

/** Renders a requirement as `key In [a,b]`, the way Liqo's docs write them. */
export function showRequirement(r: NodeSelectorRequirement): string {
  const vals = r.values && r.values.length > 0 ? ` [${r.values.join(',')}]` : ''
  return `${r.key} ${r.operator}${vals}`
}

/** Why a node fails a term: the first requirement that does not hold, with the node's value. */
export function explainMiss(t: NodeSelectorTerm, node: Pick<NodeView, 'name' | 'labels'>): string {
  if (isEmptyTerm(t)) return 'empty term matches nothing'
  for (const r of t.matchExpressions ?? []) {
    if (!matchRequirement(r, node.labels)) {
      const v = node.labels[r.key]
      return `${showRequirement(r)} (${v === undefined ? 'label absent' : `label is "${v}"`})`
    }
  }
  for (const r of t.matchFields ?? []) {
    if (!matchField(r, node.name)) return `${showRequirement(r)} (node name is "${node.name}")`
  }
  return 'matches'
}
