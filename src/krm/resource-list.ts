import { isDeepStrictEqual } from 'node:util'
import { type Document, isCollection, isMap, isScalar, isSeq, type Node, stringify } from 'yaml'
import { diag, type Diagnostic } from '../diagnostics/diagnostic.ts'
import { MAX_DOCUMENTS } from '../load/limits.ts'
import { decodeText, MAX_ALIAS_COUNT, parseYamlDocument, YAML_VERSION } from '../load/parse-yaml.ts'
import type { Location } from '../model/source.ts'
import { isObj } from '../util/plain-data.ts'

/**
 * The KRM functions wire format (kustomize's `config.kubernetes.io/v1` ResourceList): parsed
 * into a YAML Document that keeps every node as written, so that what nsoffload does not
 * patch leaves exactly as it came in. Pure.
 */

export const RESOURCE_LIST_KIND = 'ResourceList'
export const RESOURCE_LIST_VERSIONS = ['config.kubernetes.io/v1', 'config.kubernetes.io/v1alpha1'] as const
/** What diagnostics about the function's input call the file. */
export const STDIN = '<stdin>'

export interface ResourceListItem {
  readonly index: number
  readonly value: Readonly<Record<string, unknown>>
}

export interface ParsedResourceList {
  readonly text: string
  readonly doc: Document
  readonly items: readonly ResourceListItem[]
  readonly functionConfig?: Readonly<Record<string, unknown>>
  /** The position of a path inside the input (for diagnostics). */
  readonly locate: (path: readonly (string | number)[]) => Location
}

/**
 * Parses a ResourceList as every other input is read (`load/parse-yaml.ts`: YAML 1.1 with
 * go-yaml v2's scalars, unique keys, alias limit, the same diagnostics and positions), then
 * checks the wrapper. Never throws.
 */
export function parseResourceList(text: string): { list?: ParsedResourceList; diagnostics: Diagnostic[] } {
  const decoded = decodeText(STDIN, new TextEncoder().encode(text))
  if (decoded.text === undefined) return { diagnostics: decoded.diagnostics }
  const read = parseYamlDocument(STDIN, text)
  if (read.documents > 1) {
    const count = read.documents > MAX_DOCUMENTS ? `more than ${MAX_DOCUMENTS}` : String(read.documents)
    return {
      diagnostics: [
        diag(
          'resourceListInvalid',
          `the input holds ${count} YAML documents; a KRM function reads one: a ResourceList with the resources in its items`,
          read.starts[1],
          { hint: resourceListExample() },
        ),
      ],
    }
  }
  const document = read.document
  if (!document && read.diagnostics.length > 0) return { diagnostics: [...read.diagnostics] }
  const locate = document?.locate ?? ((): Location => ({ file: STDIN, line: 1, column: 1, path: '' }))
  const value = document?.value
  const bad = (message: string, p: (string | number)[], hint?: string): { diagnostics: Diagnostic[] } => ({
    diagnostics: [diag('resourceListInvalid', message, locate(p), { hint: hint ?? resourceListExample() })],
  })
  if (!isObj(value))
    return bad(
      value === undefined || value === null
        ? 'the input is empty: a KRM function reads one ResourceList on stdin'
        : 'the input is not a mapping: a KRM function reads one ResourceList on stdin',
      [],
    )
  if (value['kind'] !== RESOURCE_LIST_KIND) {
    const kind = value['kind']
    return typeof kind === 'string' && kind !== '' && value['items'] === undefined
      ? bad(
          `the input is a ${kind}, not a ResourceList: a KRM function reads one ResourceList, with the resources in its items`,
          ['kind'],
          resourceListExample(value),
        )
      : bad(`kind ${JSON.stringify(kind ?? null)} is not ResourceList`, kind === undefined ? [] : ['kind'])
  }
  if (!RESOURCE_LIST_VERSIONS.includes(value['apiVersion'] as (typeof RESOURCE_LIST_VERSIONS)[number])) {
    return bad(
      `apiVersion ${JSON.stringify(value['apiVersion'] ?? null)} is not served for ResourceList`,
      value['apiVersion'] === undefined ? [] : ['apiVersion'],
      `use ${RESOURCE_LIST_VERSIONS[0]}`,
    )
  }
  const rawItems = value['items'] ?? []
  if (!Array.isArray(rawItems) || (value['items'] !== undefined && value['items'] !== null && !isSeq(document?.doc.get('items', true))))
    return bad('items must be a list', ['items'])
  const items: ResourceListItem[] = []
  for (const [index, item] of rawItems.entries()) {
    if (!isObj(item)) return bad(`items[${index}] is not a mapping`, ['items', index])
    items.push({ index, value: item })
  }
  const doc = document?.doc
  if (!doc || !isMap(doc.contents)) return bad('the input is not a mapping', [])
  const fc = value['functionConfig']
  return { list: { text, doc, items, ...(isObj(fc) ? { functionConfig: fc } : {}), locate }, diagnostics: [...read.diagnostics] }
}

/**
 * The ResourceList contract, as a hint: the wrapper, the resources under `items`, the optional
 * `functionConfig`, and who builds it (kpt, kustomize). `resource` (the object the user piped
 * in) is shown as the item when given.
 */
export function resourceListExample(resource?: Readonly<Record<string, unknown>>): string {
  const meta = resource && isObj(resource['metadata']) ? resource['metadata'] : undefined
  const item = resource
    ? [
        `  - apiVersion: ${String(resource['apiVersion'] ?? 'v1')}`,
        `    kind: ${String(resource['kind'])}`,
        ...(meta?.['name'] !== undefined ? [`    metadata: {name: ${String(meta['name'])}}`] : []),
        '    ...',
      ]
    : ['  - apiVersion: apps/v1', '    kind: Deployment', '    ...', '  - apiVersion: v1', '    kind: Service', '    ...']
  return [
    'wrap the resources in one ResourceList:',
    `apiVersion: ${RESOURCE_LIST_VERSIONS[0]}`,
    `kind: ${RESOURCE_LIST_KIND}`,
    'items:',
    ...item,
    'functionConfig:            # optional: where the policies and the inventory are',
    '  apiVersion: nsoffload.dev/v1alpha1',
    '  kind: OffloadingFunction',
    '  spec: {policies: [policies], inventory: inventory.yaml}',
    'kpt (kpt fn eval DIR --exec "nsoffload fn") and kustomize (an exec transformer) build it for you: see docs/krm-function.md',
  ].join('\n')
}

/** A KRM function result (the functions spec's `results[]` entry). */
export interface KrmResult {
  readonly message: string
  readonly severity: 'error' | 'warning' | 'info'
  readonly resourceRef?: { readonly apiVersion: string; readonly kind: string; readonly name: string; readonly namespace?: string }
  readonly field?: { readonly path: string }
  readonly file?: { readonly path: string; readonly index?: number }
  readonly tags?: Readonly<Record<string, string>>
}

/** One edit of an item: a pod spec field to set (the webhook only ever sets `affinity` and `tolerations`). */
export interface ItemEdit {
  readonly index: number
  readonly path: readonly string[]
  readonly value: unknown
}

/**
 * The output ResourceList. Nothing edited and nothing to report: the input text as it came.
 * Otherwise the edited fields are spliced into the input text (every other byte stays as it
 * came in, comments and indentation included) and the results appended; should a splice not
 * give exactly the intended data, the document is written whole instead, in kyaml's style.
 */
export function writeResourceList(list: ParsedResourceList, edits: readonly ItemEdit[], results: readonly KrmResult[]): string {
  if (edits.length === 0 && results.length === 0) return list.text
  return splice(list, edits, results) ?? withLineEnding(rewrite(list, edits, results), lineEnding(list.text))
}

/** The input's line ending, as its first line break has it: what every line written keeps. */
function lineEnding(text: string): '\n' | '\r\n' {
  const nl = text.indexOf('\n')
  return nl > 0 && text[nl - 1] === '\r' ? '\r\n' : '\n'
}

const withLineEnding = (s: string, eol: string): string => (eol === '\n' ? s : s.replace(/\r?\n/g, eol))

/** The whole document, re-serialised (comments kept, layout normalised). */
function rewrite(list: ParsedResourceList, edits: readonly ItemEdit[], results: readonly KrmResult[]): string {
  const doc = list.doc.clone()
  for (const e of edits) doc.setIn(['items', e.index, ...e.path], doc.createNode(e.value))
  if (results.length > 0) {
    const existing = doc.get('results')
    const previous: unknown[] = isSeq(existing) ? (existing.toJSON() as unknown[]) : []
    doc.set('results', doc.createNode([...previous, ...results]))
  }
  return doc.toString({ indentSeq: false, lineWidth: 0, flowCollectionPadding: false })
}

const block = (v: unknown, col: number): string =>
  stringify(v, { version: YAML_VERSION, indentSeq: false, lineWidth: 0 })
    .trimEnd()
    .split('\n')
    .join('\n' + ' '.repeat(col))
const flow = (v: unknown): string => stringify(v, { version: YAML_VERSION, collectionStyle: 'flow', flowCollectionPadding: false, lineWidth: 0 }).trimEnd()
const columnOf = (text: string, offset: number): number => offset - (text.lastIndexOf('\n', offset - 1) + 1)

interface TextEdit {
  readonly at: number
  readonly end: number
  readonly insert: string
}

/** Splices the edits into the input text; `undefined` when that cannot be done safely. */
function splice(list: ParsedResourceList, edits: readonly ItemEdit[], results: readonly KrmResult[]): string | undefined {
  const text = list.text
  const doc = list.doc
  const eol = lineEnding(text)
  if (results.length > 0 && (doc.has('results') || !isMap(doc.contents) || doc.contents.flow)) return undefined
  const changes: TextEdit[] = []
  for (const e of edits) {
    const field = e.path[e.path.length - 1]
    const parent = doc.getIn(['items', e.index, ...e.path.slice(0, -1)], true)
    if (field === undefined || !isMap(parent) || !parent.range) return undefined
    const pair = parent.items.find((p) => isScalar(p.key) && p.key.value === field)
    const v = pair?.value as (Node & { flow?: boolean }) | null | undefined
    if (pair && v && v.range) {
      const [start, end] = v.range
      if (isCollection(v) && !v.flow) {
        changes.push({ at: start, end: start + text.slice(start, end).trimEnd().length, insert: withLineEnding(block(e.value, columnOf(text, start)), eol) })
      } else changes.push({ at: start, end, insert: flow(e.value) })
    } else if (pair) {
      return undefined
    } else if (parent.flow) {
      const close = text.lastIndexOf('}', parent.range[1] - 1)
      if (close < parent.range[0]) return undefined
      const empty = text.slice(parent.range[0] + 1, close).trim() === ''
      changes.push({ at: close, end: close, insert: `${empty ? '' : ', '}${field}: ${flow(e.value)}` })
    } else {
      const first = parent.items[0]
      const last = parent.items[parent.items.length - 1]
      const lastEnd = (last?.value as Node | null | undefined)?.range ?? (last?.key as Node | null | undefined)?.range
      const keyStart = (first?.key as Node | null | undefined)?.range?.[0]
      if (!lastEnd || keyStart === undefined) return undefined
      const contentEnd = lastEnd[0] + text.slice(lastEnd[0], lastEnd[1]).trimEnd().length
      const nl = text.indexOf('\n', contentEnd)
      // Before the line break, `\r\n` whole: the new lines end as the others do.
      const at = nl < 0 ? text.length : nl > contentEnd && text[nl - 1] === '\r' ? nl - 1 : nl
      const col = columnOf(text, keyStart)
      changes.push({ at, end: at, insert: withLineEnding('\n' + ' '.repeat(col) + block({ [field]: e.value }, col), eol) })
    }
  }
  let out = text
  for (const c of [...changes].sort((a, b) => b.at - a.at)) out = out.slice(0, c.at) + c.insert + out.slice(c.end)
  if (results.length > 0) out = (out.endsWith('\n') ? out : out + eol) + withLineEnding(block({ results }, 0), eol) + eol
  // The splice must give exactly the intended data, or it is not used.
  const expected = structuredClone(list.doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT }) as Record<string, unknown>)
  const items = expected['items'] as Record<string, unknown>[]
  for (const e of edits) setPath(items[e.index], e.path, e.value)
  if (results.length > 0) expected['results'] = structuredClone(results)
  const check = parseYamlDocument(STDIN, out)
  if (!check.document || check.diagnostics.length > 0 || !isDeepStrictEqual(check.document.value, expected)) return undefined
  return out
}

function setPath(target: unknown, path: readonly string[], value: unknown): void {
  let cur = target as Record<string, unknown>
  path.forEach((step, i) => {
    if (i === path.length - 1) cur[step] = structuredClone(value)
    else cur = cur[step] as Record<string, unknown>
  })
}
