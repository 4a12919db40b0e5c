import { diag, type Diagnostic } from '../../diagnostics/diagnostic.ts'
import type { NodeSelectorRequirement, NodeSelectorTerm } from '../../model/k8s.ts'
import type { Location } from '../../model/source.ts'
import { parseLiqoctlSelector } from '../../liqo/liqoctl-offload.ts'
import { checkRequirement } from '../../selectors/node-selector.ts'
import type { PolicyDraft, RuleResult } from './index.ts'

/**
 * The cluster selector parses (liqoctl strings, with liqoctl's own errors) and every
 * NodeSelectorRequirement obeys Kubernetes' rules; yields the normalised NodeSelector terms.
 */
export function clusterSelectorValid(p: PolicyDraft): RuleResult {
  const diagnostics: Diagnostic[] = []
  const terms: NodeSelectorTerm[] = []
  const sel = p.selector
  if (sel === undefined) return { diagnostics, terms }
  if (Array.isArray(sel)) {
    sel.forEach((s: unknown, i) => {
      const at = (): Location => p.source.locate(['spec', 'clusterSelector', i])
      const r = parseLiqoctlSelector(String(s))
      if (!r.ok) {
        diagnostics.push(diag(r.kind === 'operator' ? 'selectorOperator' : 'selectorSyntax', r.message, at(), r.hint ? { hint: r.hint } : {}))
        return
      }
      if (!r.term.matchExpressions) {
        diagnostics.push(
          diag('emptySelectorTerm', 'an empty selector string becomes an empty term, which selects no cluster', at(), {
            hint: 'remove it; no clusterSelector at all selects every cluster',
          }),
        )
      }
      terms.push(r.term)
    })
    return { diagnostics, terms }
  }
  const given = (sel as { nodeSelectorTerms: NodeSelectorTerm[] }).nodeSelectorTerms
  given.forEach((t, i) => {
    const base = ['spec', 'clusterSelector', 'nodeSelectorTerms', i]
    if ((t.matchExpressions?.length ?? 0) === 0 && (t.matchFields?.length ?? 0) === 0) {
      diagnostics.push(
        diag('emptySelectorTerm', 'an empty term selects no cluster (Kubernetes skips it)', p.source.locate(base), {
          hint: 'remove it, or give it matchExpressions',
        }),
      )
    }
    const check = (list: readonly NodeSelectorRequirement[] | undefined, field: boolean): void => {
      list?.forEach((r, j) => {
        for (const prob of checkRequirement(r, field)) {
          const at = p.source.locate([...base, field ? 'matchFields' : 'matchExpressions', j, ...prob.at])
          diagnostics.push(diag(prob.id, prob.message, at, prob.hint ? { hint: prob.hint } : {}))
        }
      })
    }
    check(t.matchExpressions, false)
    check(t.matchFields, true)
    terms.push(normaliseTerm(t))
  })
  return { diagnostics, terms }
}

/** Keeps the fields Kubernetes keeps, in its order; `values` only when there are some. */
function normaliseTerm(t: NodeSelectorTerm): NodeSelectorTerm {
  const req = (r: NodeSelectorRequirement): NodeSelectorRequirement =>
    r.values && r.values.length > 0 ? { key: r.key, operator: r.operator, values: [...r.values] } : { key: r.key, operator: r.operator }
  return {
    ...(t.matchExpressions && t.matchExpressions.length > 0 ? { matchExpressions: t.matchExpressions.map(req) } : {}),
    ...(t.matchFields && t.matchFields.length > 0 ? { matchFields: t.matchFields.map(req) } : {}),
  }
}
