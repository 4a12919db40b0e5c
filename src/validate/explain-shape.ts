import type { ErrorObject } from 'ajv'
import { diag, type Diagnostic } from '../diagnostics/diagnostic.ts'
import { pointer, pointerSteps } from '../diagnostics/json-pointer.ts'
import { KEY_MARKER } from '../load/parse-yaml.ts'
import type { SourceRef } from '../model/source.ts'
import { isObj, type Obj } from '../util/plain-data.ts'
import type { SchemaKind } from './schema-files.ts'

/**
 * Mistakes of shape a person makes writing a policy by hand, recognised before the JSON
 * Schema speaks: a `clusterSelector` written as YAML mappings, as one string, as a
 * LabelSelector; a field at the wrong level (usually one line indented too little). Each gets
 * one diagnostic that says what the YAML became and what to write instead; the schema errors
 * it explains are left out. Pure.
 */
export interface Explained {
  readonly diagnostics: Diagnostic[]
  /** Whether a schema error is one of the explained ones (and so not reported again). */
  readonly covers: (e: ErrorObject) => boolean
}

const isScalar = (v: unknown): v is string | number | boolean => ['string', 'number', 'boolean'].includes(typeof v)

const REQUIREMENT = [
  ['spec', 'clusterSelector', 'nodeSelectorTerms', '*', 'matchExpressions', '*'],
  ['spec', 'clusterSelector', 'nodeSelectorTerms', '*', 'matchFields', '*'],
]

/** Label selection written the LabelSelector or pod way. */
const LABEL_SELECTORS = new Set(['matchLabels', 'nodeSelector'])

/** The key a field belongs under, for the fields of policies (a mis-indented line lands elsewhere). */
const HOME: Readonly<Record<string, readonly (readonly string[])[]>> = {
  apiVersion: [[]],
  kind: [[]],
  metadata: [[]],
  spec: [[]],
  name: [['metadata']],
  namespaceMappingStrategy: [['spec']],
  remoteNamespaceName: [['spec']],
  podOffloadingStrategy: [['spec']],
  clusterSelector: [['spec']],
  workloads: [['spec']],
  nodeSelectorTerms: [['spec', 'clusterSelector']],
  matchExpressions: [['spec', 'clusterSelector', 'nodeSelectorTerms', '*']],
  matchFields: [['spec', 'clusterSelector', 'nodeSelectorTerms', '*']],
  key: REQUIREMENT,
  operator: REQUIREMENT,
  values: REQUIREMENT,
}

/** `spec.clusterSelector.nodeSelectorTerms[0]`, or "the top level of the document". */
export function dotted(path: readonly (string | number)[]): string {
  if (path.length === 0) return 'the top level of the document'
  return path.map((p, i) => (p === '*' || /^\d+$/.test(String(p)) ? `[${p === '*' ? '' : String(p)}]` : `${i === 0 ? '' : '.'}${String(p)}`)).join('')
}

/** A label mapping as liqoctl selector requirements: `{region: east, zone: a}` → `region=east,zone=a`. */
const asLiqoctl = (labels: Obj): string =>
  Object.entries(labels)
    .map(([k, v]) => `${k}=${String(v)}`)
    .join(',')

/** The two forms `clusterSelector` accepts, filled with the user's labels, as a hint. */
function bothForms(labels: Obj | undefined, kind: SchemaKind): string {
  const pairs = Object.entries(labels ?? { 'topology.liqo.io/region': 'south' })
  const nodeSelector = [
    'clusterSelector:',
    '  nodeSelectorTerms:',
    '    - matchExpressions:',
    ...pairs.map(([k, v]) => `        - {key: ${k}, operator: In, values: [${String(v)}]}`),
  ]
  if (kind === 'NamespaceOffloading') return ['a NamespaceOffloading takes a NodeSelector:', ...nodeSelector].join('\n')
  return [
    'write liqoctl selector strings (entries ORed, commas ANDed):',
    'clusterSelector:',
    `  - ${pairs.map(([k, v]) => `${k}=${String(v)}`).join(',')}`,
    'or a NodeSelector:',
    ...nodeSelector,
  ].join('\n')
}

/** A NodeSelector term written where the list of terms should be. */
const TERMS_HINT = [
  'put the term in a list under nodeSelectorTerms:',
  'clusterSelector:',
  '  nodeSelectorTerms:',
  '    - matchExpressions:',
  '        - {key: ..., operator: In, values: [...]}',
].join('\n')

/** Recognises the shape mistakes of one policy document. */
export function explainShape(kind: SchemaKind, root: unknown, source: SourceRef, errors: readonly ErrorObject[]): Explained {
  const diagnostics: Diagnostic[] = []
  const covered: ((e: ErrorObject) => boolean)[] = []
  if (kind === 'ClusterInventory' || !isObj(root)) return { diagnostics, covers: () => false }
  const spec = root['spec']
  if (isObj(spec)) explainSelector(kind, spec['clusterSelector'], source, diagnostics, covered)
  for (const e of errors) if (!covered.some((c) => c(e))) misplacedField(kind, e, root, source, diagnostics, covered)
  return { diagnostics, covers: (e) => covered.some((c) => c(e)) }
}

const SEL_PATH = ['spec', 'clusterSelector']
const under = (pointer: string) => (e: ErrorObject) => e.instancePath === pointer || e.instancePath.startsWith(`${pointer}/`)

/** `clusterSelector` as one string, as a list of mappings, or as a mapping of another kind of selector. */
function explainSelector(kind: SchemaKind, sel: unknown, source: SourceRef, out: Diagnostic[], covered: ((e: ErrorObject) => boolean)[]): void {
  if (kind === 'OffloadingPolicy' && typeof sel === 'string') {
    out.push(
      diag(
        'selectorNotList',
        `spec.clusterSelector is the single string ${JSON.stringify(sel)}; it must be a list of liqoctl selector strings`,
        source.locate(SEL_PATH),
        {
          hint: `make it a list, one selector per line:\nclusterSelector:\n  - ${sel}`,
        },
      ),
    )
    covered.push(under(pointer(SEL_PATH)))
  } else if (kind === 'OffloadingPolicy' && Array.isArray(sel)) {
    sel.forEach((item: unknown, i) => {
      if (!isObj(item)) return
      out.push(explainItem(kind, item, i, source))
      covered.push(under(pointer([...SEL_PATH, i])))
    })
  } else if (isObj(sel) && !('nodeSelectorTerms' in sel)) {
    const keys = Object.keys(sel)
    const labels = isObj(sel['matchLabels']) ? sel['matchLabels'] : keys.length > 0 && Object.values(sel).every(isScalar) ? sel : undefined
    const what =
      'matchLabels' in sel
        ? 'a LabelSelector (matchLabels)'
        : 'matchExpressions' in sel
          ? 'a NodeSelector term without nodeSelectorTerms'
          : labels
            ? 'a mapping of labels'
            : undefined
    if (what === undefined) return
    out.push(
      diag(
        'selectorForm',
        `spec.clusterSelector is ${what}; it takes ${kind === 'OffloadingPolicy' ? 'liqoctl selector strings or ' : ''}a NodeSelector`,
        source.locate(SEL_PATH),
        {
          hint: 'matchExpressions' in sel && !('matchLabels' in sel) ? TERMS_HINT : bothForms(labels, kind),
        },
      ),
    )
    covered.push(under(pointer(SEL_PATH)))
  }
}

/** One mapping in the list of liqoctl selector strings. */
function explainItem(kind: SchemaKind, item: Obj, i: number, source: SourceRef): Diagnostic {
  const at = source.locate([...SEL_PATH, i])
  if (Object.keys(item).length > 0 && Object.values(item).every(isScalar)) {
    const written = Object.entries(item)
      .map(([k, v]) => `${k}: ${String(v)}`)
      .join(', ')
    return diag('selectorItemMapping', `spec.clusterSelector[${i}] is the YAML mapping {${written}}, not a liqoctl selector string`, at, {
      hint: `write \`- ${asLiqoctl(item)}\` (key=value: "key: value" with a space is a YAML mapping)`,
    })
  }
  if ('matchExpressions' in item || 'matchFields' in item) {
    return diag(
      'selectorForm',
      `spec.clusterSelector[${i}] is a NodeSelector term; a list right under clusterSelector holds liqoctl selector strings, terms go under nodeSelectorTerms`,
      at,
      {
        hint: TERMS_HINT,
      },
    )
  }
  const labels = isObj(item['matchLabels']) ? item['matchLabels'] : undefined
  return diag(
    'selectorForm',
    `spec.clusterSelector[${i}] is a mapping (${Object.keys(item).join(', ') || 'empty'}); a list under clusterSelector holds liqoctl selector strings`,
    at,
    {
      hint: bothForms(labels, kind),
    },
  )
}

const matches = (path: readonly string[], home: readonly string[]): boolean =>
  path.length === home.length && home.every((h, i) => (h === '*' ? /^\d+$/.test(path[i] ?? '') : h === path[i]))

const valueAt = (root: unknown, path: readonly string[]): unknown =>
  path.reduce<unknown>((v, p) => (isObj(v) || Array.isArray(v) ? (v as Record<string, unknown>)[p] : undefined), root)

/**
 * Unknown fields that are known one level up or down: the line is indented too little (it
 * became a sibling of the key it belongs under) or sits outside `spec:`.
 */
function misplacedField(kind: SchemaKind, e: ErrorObject, root: unknown, source: SourceRef, out: Diagnostic[], covered: ((e: ErrorObject) => boolean)[]): void {
  if (e.keyword !== 'additionalProperties') return
  const field = String((e.params as { additionalProperty?: unknown }).additionalProperty)
  const path = pointerSteps(e.instancePath)
  if (LABEL_SELECTORS.has(field) && path[0] === 'spec') {
    // A LabelSelector's or a pod's way of selecting by labels, somewhere in the spec.
    const given = valueAt(root, [...path, field])
    const labels = isObj(given) && Object.values(given).every(isScalar) && Object.keys(given).length > 0 ? given : undefined
    out.push(
      diag(
        'selectorForm',
        `"${field}" is not a field of ${dotted(path)}: clusters are selected by spec.clusterSelector, in one of two forms`,
        source.locate([...path, field, KEY_MARKER]),
        {
          hint: bothForms(labels, kind),
        },
      ),
    )
    covered.push((x) => x === e)
    return
  }
  const homes = HOME[field]
  if (!homes || homes.some((h) => matches(path, h))) return
  const home = homes[0] ?? []
  const value = valueAt(root, path)
  if (!isObj(value)) return
  const keys = Object.keys(value)
  const k = keys.indexOf(field)
  const prev = k > 0 ? keys[k - 1] : undefined
  const prevValue = prev !== undefined ? value[prev] : undefined
  const homeName = home.filter((h) => h !== '*').slice(-1)[0]
  const belongs =
    homeName === undefined
      ? 'it belongs at the top level of the document'
      : home[home.length - 1] === '*'
        ? `it belongs in an item of "${homeName}:"`
        : `it belongs under "${homeName}:"`
  let became = ''
  let hint = homeName === undefined ? 'move it out to the top level' : `indent "${field}:" (and the lines below it) under "${homeName}:"`
  if (prev !== undefined && prevValue === null && prev === homeName) {
    const at = source.locate([...path, prev, KEY_MARKER])
    became = `; "${prev}:" above it (line ${at.line}) is empty, so "${field}" became its sibling`
    hint = `indent "${field}:" and the lines below it two spaces further than "${prev}:" (column ${at.column})`
    const prevPointer = pointer([...path, prev])
    covered.push((x) => x.instancePath === prevPointer && x.keyword === 'type')
  } else if (prev !== undefined && prev === homeName && Array.isArray(prevValue) && isObj(prevValue[prevValue.length - 1])) {
    const item = [...path, prev, prevValue.length - 1]
    const first = Object.keys(prevValue[prevValue.length - 1] as Obj)[0]
    const at = source.locate(first !== undefined ? [...item, first, KEY_MARKER] : item)
    became = `; it became a key of ${dotted(path)} instead of the ${prev} item above it (line ${at.line})`
    hint = `indent "${field}:" to column ${at.column}, under "${first ?? '-'}:"`
  } else if (path.length === 0 && value['spec'] === null && home[0] === 'spec') {
    const at = source.locate(['spec', KEY_MARKER])
    became = `; "spec:" (line ${at.line}) is empty, so "${field}" became a top-level key`
    hint = `indent "${field}:" and the lines below it under "spec:"`
    covered.push((x) => x.instancePath === '/spec' && x.keyword === 'type')
  }
  const where = path.length === 0 ? 'at the top level of the document' : `a key of ${dotted(path)}`
  out.push(diag('misplacedField', `"${field}" is ${where}: ${belongs}${became}`, source.locate([...path, field, KEY_MARKER]), { hint }))
  covered.push((x) => x === e)
  covered.push((x) => x.keyword === 'required' && (x.params as { missingProperty?: string }).missingProperty === field)
}
