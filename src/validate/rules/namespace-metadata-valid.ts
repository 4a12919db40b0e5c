import { diag, type Diagnostic } from '../../diagnostics/diagnostic.ts'
import { LABEL_MANAGED_BY, LABEL_SCHEDULING_ENABLED, SCHEDULING_ENABLED_VALUE } from '../../model/liqo.ts'
import { LABEL_PART_OF } from '../../model/applyset.ts'
import { labelValue, qualifiedName } from '../../selectors/label-syntax.ts'
import { KEY_MARKER } from '../../load/parse-yaml.ts'
import { schedulingLabelAfter } from '../../liqo/scheduling-label.ts'
import type { PolicyDraft, RuleResult } from './index.ts'

/** Labels that nsoffload sets on the local Namespace itself. */
const RESERVED: Readonly<Record<string, string>> = {
  [LABEL_MANAGED_BY]: 'nsoffload marks the objects it owns with it',
  [LABEL_PART_OF]: 'sync puts it on every object of its ApplySet',
}

/**
 * Extra Namespace labels and annotations are valid Kubernetes metadata and not nsoffload's own.
 * `liqo.io/scheduling-enabled: "true"` may be written by hand (Liqo's docs recommend
 * pre-labelling the namespace) as long as Liqo's controller would keep it
 * (`liqo/scheduling-label.ts`: it sets the label to "true" whatever its value for LocalAndRemote
 * and Remote, and removes a "true" for Local).
 */
export function namespaceMetadataValid(p: PolicyDraft): RuleResult {
  const diagnostics: Diagnostic[] = []
  const base = ['spec', 'namespace']
  for (const [k, v] of Object.entries(p.labels)) {
    const why = RESERVED[k]
    if (why) {
      diagnostics.push(
        diag('reservedLabel', `label ${k} cannot be set by hand: ${why}`, p.source.locate([...base, 'labels', k, KEY_MARKER]), { hint: 'remove it' }),
      )
      continue
    }
    if (k === LABEL_SCHEDULING_ENABLED) {
      const d = schedulingLabel(p, v)
      if (d) diagnostics.push(d)
      continue
    }
    const ke = qualifiedName(k)
    if (ke.length > 0) diagnostics.push(diag('invalidLabel', `label key "${k}": ${ke.join('; ')}`, p.source.locate([...base, 'labels', k, KEY_MARKER])))
    const ve = labelValue(v)
    if (ve.length > 0) diagnostics.push(diag('invalidLabel', `label ${k} value "${v}": ${ve.join('; ')}`, p.source.locate([...base, 'labels', k])))
  }
  for (const k of Object.keys(p.annotations)) {
    const ke = qualifiedName(k)
    if (ke.length > 0)
      diagnostics.push(diag('invalidLabel', `annotation key "${k}": ${ke.join('; ')}`, p.source.locate([...base, 'annotations', k, KEY_MARKER])))
  }
  return { diagnostics }
}

/** The scheduling label by hand: fine when it is "true" and what Liqo's controller would leave there. */
function schedulingLabel(p: PolicyDraft, value: string): Diagnostic | undefined {
  const after = schedulingLabelAfter(p.podOffloadingStrategy, value)
  if (after === value && value === SCHEDULING_ENABLED_VALUE) return undefined
  const at = p.source.locate(['spec', 'namespace', 'labels', LABEL_SCHEDULING_ENABLED])
  const strategy = `podOffloadingStrategy ${p.podOffloadingStrategy}`
  if (after !== undefined && after !== value) {
    return diag(
      'schedulingLabelConflict',
      `label ${LABEL_SCHEDULING_ENABLED}: "${value}" would be overwritten: with ${strategy} Liqo's controller sets it to "${SCHEDULING_ENABLED_VALUE}"`,
      at,
      {
        hint: `write "${SCHEDULING_ENABLED_VALUE}", or leave the label out: nsoffload adds it`,
      },
    )
  }
  if (after === undefined) {
    return diag(
      'schedulingLabelConflict',
      `label ${LABEL_SCHEDULING_ENABLED}: "${value}" would be removed: with ${strategy} Liqo's controller removes it (pods are not offloaded)`,
      at,
      {
        hint: 'remove the label, or choose podOffloadingStrategy LocalAndRemote or Remote',
      },
    )
  }
  return diag(
    'schedulingLabelConflict',
    `label ${LABEL_SCHEDULING_ENABLED}: "${value}" means nothing to Liqo, whose pod webhook only acts on "${SCHEDULING_ENABLED_VALUE}"; with ${strategy} its controller removes the label only when it is "${SCHEDULING_ENABLED_VALUE}", so this one stays`,
    at,
    {
      hint: 'remove the label',
    },
  )
}
