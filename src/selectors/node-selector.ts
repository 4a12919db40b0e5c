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
const INT64_MIN = -(2n ** 63n)
const INT64_MAX = 2n ** 63n - 1n

/** Go's `strconv.ParseInt(v, 10, 64)`: an optional sign and decimal digits within the signed 64-bit range; `undefined` otherwise. */
export function parseInt64(v: string): bigint | undefined {
  if (!INT.test(v)) return undefined
  const n = BigInt(v)
  return n >= INT64_MIN && n <= INT64_MAX ? n : undefined
}

/**
 * Checks a NodeSelectorRequirement the way Kubernetes does when it matches one: for
 * matchExpressions, apimachinery's `labels.NewRequirement` (a label key; In/NotIn with values,
 * Exists/DoesNotExist without; Gt/Lt with one value that `ParseInt` reads as a signed 64-bit
 * integer; every value a label value), called by component-helpers
 * `nodeSelectorRequirementsAsSelector` for the six operators it knows. For matchFields,
 * `nodeSelectorRequirementsAsFieldSelector` wants In/NotIn and one value, and checks no key:
 * nsoffload also wants the key `metadata.name`, the only field a Node has there (a deviation,
 * docs/deviations.md).
 */
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
  switch (r.operator) {
    case 'In':
    case 'NotIn':
    case 'Exists':
    case 'DoesNotExist':
    case 'Gt':
    case 'Lt':
      break
    default:
      // An unknown operator is reported alone: Kubernetes checks nothing else of the requirement.
      return [
        {
          id: 'requirementOperator',
          message: `"${r.operator}" is not a valid node selector operator`,
          at: ['operator'],
          hint: `use one of ${NODE_SELECTOR_OPERATORS.join(', ')}`,
        },
      ]
  }
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
      break
    case 'Exists':
    case 'DoesNotExist':
      if (values.length > 0) {
        out.push({ id: 'requirementValues', message: 'values set must be empty for exists and does not exist', at: ['values'], hint: 'remove values' })
      }
      break
    default:
      if (values.length !== 1) out.push({ id: 'requirementValues', message: "for 'Gt', 'Lt' operators, exactly one value is required", at: ['values'] })
      values.forEach((v, i) => {
        if (parseInt64(v) === undefined) {
          out.push({
            id: 'requirementValues',
            message: `for 'Gt', 'Lt' operators, the value must be an integer ("${v}" is not a signed 64-bit integer)`,
            at: ['values', i],
          })
        }
      })
  }
  values.forEach((v, i) => {
    const errs = labelValue(v)
    if (errs.length > 0) out.push({ id: 'requirementKey', message: `value "${v}": ${errs.join('; ')}`, at: ['values', i] })
  })
  return out
}

const isEmptyTerm = (t: NodeSelectorTerm): boolean => (t.matchExpressions?.length ?? 0) === 0 && (t.matchFields?.length ?? 0) === 0

/**
 * Whether Kubernetes can parse the term (every requirement passes {@link checkRequirement}, the
 * matchFields key aside, which it does not check). A term it cannot parse matches no node; the
 * answer is kept per term, as the same terms are matched against every node.
 */
const parsable = new WeakMap<NodeSelectorTerm, boolean>()
function termParses(t: NodeSelectorTerm): boolean {
  let ok = parsable.get(t)
  if (ok === undefined) {
    ok =
      (t.matchExpressions ?? []).every((r) => checkRequirement(r, false).length === 0) &&
      (t.matchFields ?? []).every((r) => checkRequirement(r, true).every((p) => p.at[0] === 'key'))
    parsable.set(t, ok)
  }
  return ok
}

/**
 * Whether one requirement holds for a node's labels (apimachinery `Requirement.Matches`): absent
 * keys match NotIn and DoesNotExist; Gt and Lt read both sides with `ParseInt` and match nothing
 * that does not parse. The requirement is taken as valid: see {@link checkRequirement}.
 */
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
      if (!has || values.length !== 1) return false
      const a = parseInt64(v ?? '')
      const b = parseInt64(values[0] ?? '')
      if (a === undefined || b === undefined) return false
      return r.operator === 'Gt' ? a > b : a < b
    }
    default:
      return false
  }
}

/**
 * A field requirement against the fields Kubernetes gives a named Node: `metadata.name` only
 * (`extractNodeFields`); a fields.Set reads any other key as "".
 */
function matchField(r: NodeSelectorRequirement, nodeName: string): boolean {
  const v = r.values?.[0]
  const actual = r.key === 'metadata.name' ? nodeName : ''
  if (r.operator === 'In') return actual === v
  if (r.operator === 'NotIn') return actual !== v
  return false
}

/**
 * One term (component-helpers `nodeSelectorTerm.match`): every expression and field requirement
 * holds. Empty terms, and terms Kubernetes cannot parse, match nothing.
 */
export function matchTerm(t: NodeSelectorTerm, node: Pick<NodeView, 'name' | 'labels'>): boolean {
  if (isEmptyTerm(t) || !termParses(t)) return false
  // Loops, not every(): selection runs for every policy × cluster of a fleet.
  for (const r of t.matchExpressions ?? []) if (!matchRequirement(r, node.labels)) return false
  if (node.name !== '') for (const r of t.matchFields ?? []) if (!matchField(r, node.name)) return false
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
  if (!termParses(t)) return 'Kubernetes cannot parse the term: it matches nothing'
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
