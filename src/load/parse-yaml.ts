import { Composer, isCollection, isMap, isPair, isScalar, isSeq, LineCounter, Parser, type Document, type Node, type YAMLError } from 'yaml'
import { MAX_DOCUMENTS } from './limits.ts'
import { diag, type Diagnostic } from '../diagnostics/diagnostic.ts'
import { pointer } from '../diagnostics/json-pointer.ts'
import type { CodeId } from '../diagnostics/codes.ts'
import type { Location, SourceRef } from '../model/source.ts'
import { explainDedentedItem } from './explain-indent.ts'
import { type FastParse, fastYaml } from './fast-yaml.ts'
import { goYamlTags, toKubernetesKeys } from './go-yaml-scalars.ts'

/**
 * Kubernetes tooling reads YAML 1.1 (sigs.k8s.io/yaml, go-yaml v2): `yes` is a boolean there.
 * Reading it the same way means a policy means to us what it means to kubectl.
 */
export const YAML_VERSION = '1.1'
/** Aliases expanded per document before we call it an attack (billion laughs). */
export const MAX_ALIAS_COUNT = 100

/** One YAML document of a source file, with what is needed to point back into it. */
export interface ParsedDoc {
  readonly file: string
  readonly index: number
  /** The document as plain data; `undefined` for an empty document. */
  readonly value: unknown
  readonly source: SourceRef
}

export interface ParseResult {
  readonly docs: readonly ParsedDoc[]
  readonly diagnostics: readonly Diagnostic[]
  /** The 1-based line where each document of the file starts, parsed or not (by index). */
  readonly starts: readonly number[]
}

const yamlCodes: Record<string, CodeId> = {
  DUPLICATE_KEY: 'duplicateKey',
  TAB_AS_INDENT: 'tabIndent',
}

const utf8 = new TextDecoder('utf-8', { fatal: true })
const lenient = new TextDecoder('utf-8')

/** The offset of the first byte that is not part of well-formed UTF-8 (-1 when all are). */
export function firstInvalidUtf8(b: Uint8Array): number {
  for (let i = 0; i < b.length;) {
    const c = b[i] ?? 0
    const cont = (k: number, lo = 0x80, hi = 0xbf): boolean => {
      const x = b[i + k]
      return x !== undefined && x >= (k === 1 ? lo : 0x80) && x <= (k === 1 ? hi : 0xbf)
    }
    if (c < 0x80) i += 1
    else if (c >= 0xc2 && c <= 0xdf && cont(1)) i += 2
    else if (c >= 0xe0 && c <= 0xef && cont(1, c === 0xe0 ? 0xa0 : 0x80, c === 0xed ? 0x9f : 0xbf) && cont(2)) i += 3
    else if (c >= 0xf0 && c <= 0xf4 && cont(1, c === 0xf0 ? 0x90 : 0x80, c === 0xf4 ? 0x8f : 0xbf) && cont(2) && cont(3)) i += 4
    else return i
  }
  return -1
}

/** The 1-based line and column (UTF-16 units, as every other diagnostic) of a byte offset. */
function bytePosition(file: string, bytes: Uint8Array, offset: number): Location {
  let line = 1
  let start = 0
  for (let i = 0; i < offset; i++) {
    if (bytes[i] === 0x0a) {
      line++
      start = i + 1
    }
  }
  return { file, line, column: lenient.decode(bytes.subarray(start, offset)).length + 1, path: '' }
}

/** UTF-16 or UTF-32 text, by its byte-order mark, or by the NUL bytes of ASCII text in it: its name, if so. */
function wideEncoding(b: Uint8Array): string | undefined {
  const [b0, b1, b2, b3] = [b[0], b[1], b[2], b[3]]
  if (b0 === 0xff && b1 === 0xfe) return b2 === 0 && b3 === 0 ? 'UTF-32 LE' : 'UTF-16 LE'
  if (b0 === 0xfe && b1 === 0xff) return 'UTF-16 BE'
  if (b0 === 0 && b1 === 0 && b2 === 0xfe && b3 === 0xff) return 'UTF-32 BE'
  if (b.length >= 4 && b0 !== 0 && b1 === 0 && b2 !== 0 && b3 === 0) return 'UTF-16 LE'
  if (b.length >= 4 && b0 === 0 && b1 !== 0 && b2 === 0 && b3 !== 0) return 'UTF-16 BE'
  return undefined
}

/** Decodes bytes strictly: a NUL byte or invalid UTF-8 is not a YAML file (pointed at by line and column). */
export function decodeText(file: string, bytes: Uint8Array): { text?: string; diagnostics: Diagnostic[] } {
  const wide = wideEncoding(bytes)
  if (wide)
    return {
      diagnostics: [
        diag(
          'notText',
          `the file is ${wide} text: Kubernetes and nsoffload read YAML as UTF-8`,
          { file, line: 1, column: 1, path: '' },
          {
            hint: `save it as UTF-8 (iconv -f ${wide.replace(' ', '')} -t UTF-8 ${file} > ${file}.utf8, or the editor's "save with encoding"; PowerShell's > writes UTF-16: use | Out-File -Encoding utf8)`,
          },
        ),
      ],
    }
  const nul = bytes.indexOf(0)
  const bad = firstInvalidUtf8(nul >= 0 ? bytes.subarray(0, nul) : bytes)
  if (bad >= 0)
    return {
      diagnostics: [
        diag('notText', `not valid UTF-8 text (byte 0x${(bytes[bad] ?? 0).toString(16).padStart(2, '0')} at offset ${bad})`, bytePosition(file, bytes, bad)),
      ],
    }
  if (nul >= 0) return { diagnostics: [diag('notText', `not a text file (NUL byte at offset ${nul})`, bytePosition(file, bytes, nul))] }
  try {
    return { text: utf8.decode(bytes).replace(/^\uFEFF/, ''), diagnostics: [] }
  } catch {
    return { diagnostics: [diag('notText', 'not valid UTF-8 text', { file, line: 1, column: 1, path: '' })] }
  }
}

/**
 * How documents are composed. Keys are checked for uniqueness by `duplicateKeys` (linear):
 * the library's own check compares each key with every earlier one of its mapping.
 */
// Plain scalars resolved as go-yaml v2 does (`go-yaml-scalars.ts`); logLevel 'error': the
// library's own warnings never reach the user, what they would say is a diagnostic.
const OPTIONS = { version: YAML_VERSION, customTags: goYamlTags, uniqueKeys: false, logLevel: 'error' } as const

/**
 * The documents of `text`, at most `max` (and whether there were more): composed one by one,
 * so that a stream of a million documents stops at the limit instead of being built whole.
 */
function composeDocuments(text: string, lineCounter: LineCounter, max = Infinity): { docs: Document.Parsed[]; more: boolean } {
  const parser = new Parser(lineCounter.addNewLine)
  const docs: Document.Parsed[] = []
  for (const doc of new Composer(OPTIONS).compose(parser.parse(text))) {
    if (docs.length === max) return { docs, more: true }
    docs.push(doc)
  }
  return { docs, more: false }
}

/**
 * Parses every document of a YAML stream strictly (unique keys, YAML 1.1, alias limit), up to
 * `MAX_DOCUMENTS` documents (`limits.ts`): a file with more is one error and none of its
 * documents is used. Never throws on bad input: problems come back as diagnostics with
 * positions.
 * A file that `fast-yaml.ts` reads for sure is read by it (the same answer, several times
 * faster); any other file, or every file with `full`, by the `yaml` library.
 */
export function parseYaml(file: string, text: string, full = false): ParseResult {
  const fast = full ? undefined : fastYaml(text)
  if (fast) return fastResult(file, text, fast)
  const values = jsonStream(text)
  if (values) return parseJsonStream(file, text, values)
  const lineCounter = new LineCounter()
  const { docs: list, more } = composeDocuments(text, lineCounter, MAX_DOCUMENTS)
  const diagnostics: Diagnostic[] = []
  const out: ParsedDoc[] = []
  const at = (offset: number, path = ''): Location => {
    const { line, col } = lineCounter.linePos(Math.min(offset, text.length))
    return { file, line, column: col, path }
  }
  if (more) {
    const next = at(list[list.length - 1]?.range[2] ?? 0)
    diagnostics.push(
      diag('tooManyDocuments', `more than ${MAX_DOCUMENTS} YAML documents in one file: none of them is read`, next, {
        hint: `split the file: at most ${MAX_DOCUMENTS} documents a file (docs/inputs.md)`,
      }),
    )
    return { docs: [], diagnostics, starts: [] }
  }
  const starts = list.map((d) => lineCounter.linePos(Math.min(d.range[0], text.length)).line)
  const reparse = lazyReparse(text)
  // Once per file, not per document (a fleet's file holds thousands).
  const mayHaveCollectionKeys = /[[{?]/.test(text)
  list.forEach((doc, index) => {
    const r = readDocument(doc, text, lineCounter, at, mayHaveCollectionKeys)
    diagnostics.push(...r.diagnostics)
    if (r.read) out.push({ file, index, value: r.value, source: { file, docIndex: index, locate: locator(file, index, reparse) } })
  })
  return { docs: out, diagnostics, starts }
}

/**
 * What every composed document goes through, in order: syntax errors (a tab in the indentation
 * said once, a list item indented too little said as such), the library's warnings, duplicate
 * keys, collection keys, scalars as go-yaml v2 reads them, the alias limit. `read` when the
 * document has a value (warnings may come with it).
 */
function readDocument(
  doc: Document.Parsed,
  text: string,
  lineCounter: LineCounter,
  at: (offset: number, path?: string) => Location,
  mayHaveCollectionKeys: boolean,
): { read: boolean; value?: unknown; diagnostics: Diagnostic[] } {
  const diagnostics: Diagnostic[] = []
  const errs = [...doc.errors]
  // A tab in the indentation throws the parser off for the lines after it: the tab is the
  // one thing to say (one error per tab, not the parser's cascade).
  const tabs = errs.filter((e) => e.code === 'TAB_AS_INDENT')
  if (tabs.length > 0) errs.splice(0, errs.length, ...tabs)
  else diagnostics.push(...dedentedItem(errs, text, lineCounter, at))
  for (const e of errs) diagnostics.push(yamlDiag(e, at))
  for (const w of doc.warnings) diagnostics.push(diag('yamlWarning', `${w.message} (${w.code})`, at(w.pos[0])))
  if (doc.errors.length > 0) return { read: false, diagnostics }
  const dups = duplicateKeys(doc)
  for (const offset of dups)
    diagnostics.push(diag('duplicateKey', 'Map keys must be unique (DUPLICATE_KEY)', at(offset), { hint: 'remove or rename one of the keys' }))
  if (dups.length > 0) return { read: false, diagnostics }
  const keys = collectionKeys(doc, text, at, mayHaveCollectionKeys)
  if (keys.length > 0) return { read: false, diagnostics: [...diagnostics, ...keys] }
  const scalars = toKubernetesKeys(doc)
  if (scalars.length > 0) {
    for (const p of scalars) diagnostics.push(diag(p.code ?? 'yamlValue', p.message, at(p.offset), { hint: p.hint }))
    return { read: false, diagnostics }
  }
  try {
    return { read: true, value: doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT }), diagnostics }
  } catch (e) {
    const where = doc.contents?.range?.[0] ?? 0
    diagnostics.push(
      diag('aliasLimit', `document expands more than ${MAX_ALIAS_COUNT} aliases (${(e as Error).message})`, at(where), {
        hint: 'write the repeated values out, or use fewer anchors',
      }),
    )
    return { read: false, diagnostics }
  }
}

/** A text of one YAML document read as `parseYaml` reads each document of a file, kept as the library's Document. */
export interface YamlDocument {
  /** The document as parsed (keys as Kubernetes reads them): for who edits it and keeps every other node as written. */
  readonly doc: Document.Parsed
  /** The document as plain data. */
  readonly value: unknown
  /** The position of a path (ending in `KEY_MARKER` for the key of its last step). */
  readonly locate: (path: readonly (string | number)[]) => Location
}

/**
 * Reads a text that must hold one YAML document (the KRM function's ResourceList on stdin) by the
 * same rules and with the same diagnostics as `parseYaml` (always the library: the Document is
 * kept). `document` when the text holds one document and it was read. A text of several
 * documents is not read: `documents` says how many it holds (up to `MAX_DOCUMENTS` + 1) and
 * `starts` where each begins, for the caller to say what it expected.
 */
export function parseYamlDocument(
  file: string,
  text: string,
): { document?: YamlDocument; documents: number; starts: readonly Location[]; diagnostics: readonly Diagnostic[] } {
  const lineCounter = new LineCounter()
  const { docs, more } = composeDocuments(text, lineCounter, MAX_DOCUMENTS + 1)
  const at = (offset: number, path = ''): Location => {
    const { line, col } = lineCounter.linePos(Math.min(offset, text.length))
    return { file, line, column: col, path }
  }
  const starts = docs.map((d) => at(d.range[0]))
  const documents = docs.length + (more ? 1 : 0)
  if (documents > 1) return { documents, starts, diagnostics: [] }
  const doc = docs[0]
  // An empty text (or only comments) holds no document.
  if (!doc) return { documents, starts, diagnostics: [] }
  const r = readDocument(doc, text, lineCounter, at, /[[{?]/.test(text))
  if (!r.read) return { documents, starts, diagnostics: r.diagnostics }
  const locate = locator(file, 0, () => ({ docs, lineCounter }))
  return { document: { doc, value: r.value, locate }, documents, starts, diagnostics: r.diagnostics }
}

/** What `fast-yaml.ts` read, as the library's reading would be: no diagnostics, positions from the library when asked. */
function fastResult(file: string, text: string, fast: FastParse): ParseResult {
  const reparse = lazyReparse(text)
  const docs = fast.values.map((value, index) => ({ file, index, value, source: { file, docIndex: index, locate: locator(file, index, reparse) } }))
  return { docs, diagnostics: [], starts: fast.starts }
}

/**
 * JSON values back to back (`{…}{…}` or one a line): what `liqoctl … --output json` prints for
 * several namespaces (v1.0.1+), and kubectl's JSON streams. Not a YAML stream, but each value is
 * a YAML document: the offsets of each value when the text is two or more JSON objects or lists
 * with only white space between them; `undefined` otherwise (YAML, or one JSON value).
 */
export function jsonStream(text: string): [start: number, end: number][] | undefined {
  const ws = (c: string | undefined): boolean => c === ' ' || c === '\n' || c === '\r' || c === '\t'
  let i = 0
  while (ws(text[i])) i++
  if (text[i] !== '{' && text[i] !== '[') return undefined
  const out: [number, number][] = []
  while (i < text.length) {
    const c = text[i]
    if (c !== '{' && c !== '[') return undefined
    const start = i
    let depth = 0
    let inString = false
    for (; i < text.length; i++) {
      const x = text[i]
      if (inString) {
        if (x === '\\') i++
        else if (x === '"') inString = false
      } else if (x === '"') inString = true
      else if (x === '{' || x === '[') depth++
      else if (x === '}' || x === ']') {
        depth--
        if (depth === 0) break
      }
    }
    if (depth !== 0) return undefined
    out.push([start, ++i])
    while (ws(text[i])) i++
  }
  return out.length >= 2 ? out : undefined
}

/** Each value of a JSON stream parsed as a document of its own, at its place in the file (lines and columns as written). */
function parseJsonStream(file: string, text: string, values: readonly [number, number][]): ParseResult {
  const lc = new LineCounter()
  lc.addNewLine(0)
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) lc.addNewLine(i + 1)
  const docs: ParsedDoc[] = []
  const diagnostics: Diagnostic[] = []
  const starts: number[] = []
  values.forEach(([s, e], index) => {
    const { line, col } = lc.linePos(s)
    starts.push(line)
    const r = parseYaml(file, '\n'.repeat(line - 1) + ' '.repeat(col - 1) + text.slice(s, e))
    diagnostics.push(...r.diagnostics)
    for (const d of r.docs) docs.push({ ...d, index, source: { ...d.source, docIndex: index } })
  })
  return { docs, diagnostics, starts }
}

/**
 * The documents of `text` again, parsed on the first call. Positions are asked for only to
 * report a diagnostic: keeping every parsed document tree of a fleet instead (several times
 * the size of the plain data) costs memory and garbage collection on every build.
 */
function lazyReparse(text: string): () => { docs: readonly Document[]; lineCounter: LineCounter } {
  let parsed: { docs: readonly Document[]; lineCounter: LineCounter } | undefined
  return () => {
    if (!parsed) {
      const lineCounter = new LineCounter()
      parsed = { docs: composeDocuments(text, lineCounter).docs, lineCounter }
    }
    return parsed
  }
}

/**
 * The offsets of the keys that repeat an earlier key of their mapping, as the yaml library's
 * `uniqueKeys` sees them (`compose/util-map-includes.js`: two scalar keys are the same when
 * their values are `===`; other keys are never the same), in one pass over the document and
 * one set per mapping: linear where the library's check is quadratic in the keys of a
 * mapping. Iterative, so a deeply nested document cannot overflow the stack.
 */
export function duplicateKeys(doc: Document.Parsed): number[] {
  const found: number[] = []
  const stack: unknown[] = [doc.contents]
  while (stack.length > 0) {
    const node = stack.pop()
    if (isMap(node)) {
      const seen = new Set<unknown>()
      for (const pair of node.items) {
        const key = pair.key
        if (isScalar(key)) {
          const v = key.value
          // As ===: NaN equals nothing, an object (a date, binary data) nothing but itself.
          if ((typeof v !== 'object' || v === null) && !Number.isNaN(v)) {
            if (seen.has(v)) found.push(key.range?.[0] ?? 0)
            else seen.add(v)
          }
        } else stack.push(key)
        stack.push(pair.value)
      }
    } else if (isSeq(node)) {
      for (const item of node.items) stack.push(item)
    }
  }
  return found.sort((a, b) => a - b)
}

/**
 * Mapping keys that are lists or mappings (`[a]: b`, `{{ .Values.x }}: y`): sigs.k8s.io/yaml
 * refuses them ("unsupported map key"); the library would turn them into strings. Only a text
 * with a flow collection or an explicit key can hold one, so only those are visited.
 */
export function collectionKeys(doc: Document, text: string, at: (offset: number, path?: string) => Location, possible = /[[{?]/.test(text)): Diagnostic[] {
  if (!possible) return []
  const out: Diagnostic[] = []
  const walk = (n: unknown): void => {
    if (isMap(n)) {
      for (const pair of n.items) {
        if (isCollection(pair.key)) {
          const range = pair.key.range ?? [0, 0]
          const template = text.slice(range[0], range[1]).includes('{{')
          out.push(
            diag(
              'collectionKey',
              `a mapping key is ${isMap(pair.key) ? 'a mapping' : 'a list'}: Kubernetes reads only strings, numbers and booleans as keys`,
              at(range[0]),
              {
                hint: template
                  ? "this is a template's {{ … }}, not YAML: render the template first (helm template …)"
                  : 'quote the key, or write it as a string',
              },
            ),
          )
        } else walk(pair.value)
      }
    } else if (isSeq(n)) for (const item of n.items) walk(item)
  }
  walk(doc.contents)
  return out
}

const DEDENT_CODES = new Set(['BLOCK_AS_IMPLICIT_KEY', 'MULTILINE_IMPLICIT_KEY', 'MISSING_CHAR'])

/**
 * A list item indented less than what it belongs to: one diagnostic saying so replaces the
 * parser's errors about it, which are removed from `errs`.
 */
function dedentedItem(errs: YAMLError[], text: string, lc: LineCounter, at: (offset: number) => Location): Diagnostic[] {
  if (!errs.some((e) => e.code === 'BLOCK_AS_IMPLICIT_KEY')) return []
  const met = errs.find((e) => e.code === 'MULTILINE_IMPLICIT_KEY' || e.code === 'MISSING_CHAR')
  if (!met) return []
  const x = explainDedentedItem(text, lc.linePos(met.pos[0]).line)
  if (!x) return []
  const kept = errs.filter((e) => !(DEDENT_CODES.has(e.code) && lc.linePos(e.pos[0]).line <= x.line))
  errs.splice(0, errs.length, ...kept)
  return [diag('yamlSyntax', `${x.message} (BLOCK_AS_IMPLICIT_KEY)`, at(x.offset), { hint: x.hint })]
}

function yamlDiag(e: YAMLError, at: (offset: number) => Location): Diagnostic {
  const id = yamlCodes[e.code] ?? 'yamlSyntax'
  const msg = e.message.split('\n')[0] ?? e.message
  const hint = e.code === 'TAB_AS_INDENT' ? 'indent with spaces' : undefined
  return diag(id, `${msg} (${e.code})`, at(e.pos[0]), hint === undefined ? {} : { hint })
}

/**
 * Locates a path in a document: the deepest node that exists on the path. A path whose last
 * element names a missing key points at the mapping that lacks it; a key marked with
 * `{key: name}` semantics is reached by passing the path of its parent plus the key and
 * `keyOf: true` through `locateKey`.
 */
function locator(file: string, index: number, reparse: () => { docs: readonly Document[]; lineCounter: LineCounter }) {
  return (path: readonly (string | number)[]): Location => {
    const { docs, lineCounter: lc } = reparse()
    let node: Node | null | undefined = docs[index]?.contents
    let offset = node?.range?.[0] ?? 0
    const keyTarget = path.length > 0 && path[path.length - 1] === KEY_MARKER
    const steps = keyTarget ? path.slice(0, -1) : path
    for (let i = 0; i < steps.length; i++) {
      const step = steps[i]
      if (!node) break
      const last = i === steps.length - 1
      if (isMap(node)) {
        const pair = node.items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(step))
        if (!pair) break
        if (last && keyTarget && isScalar(pair.key)) {
          offset = pair.key.range?.[0] ?? offset
          node = undefined
          break
        }
        node = pair.value as Node | null
        offset = node?.range?.[0] ?? (isScalar(pair.key) ? (pair.key.range?.[0] ?? offset) : offset)
      } else if ('items' in node && Array.isArray((node as { items: unknown[] }).items)) {
        const item = (node as { items: unknown[] }).items[Number(step)] as Node | undefined
        if (!item) break
        node = item
        offset = item.range?.[0] ?? offset
      } else break
    }
    const { line, col } = lc.linePos(offset)
    return { file, line, column: col, path: pointer(steps) }
  }
}

/** Append to a path to locate the key of the last step rather than its value. */
export const KEY_MARKER = '\u0000key'
