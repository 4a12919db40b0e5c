import { isCollection, isMap, isPair, isScalar, isSeq, LineCounter, parseAllDocuments, type Document, type Node, type YAMLError } from 'yaml'
import { diag, type Diagnostic } from '../diagnostics/diagnostic.ts'
import type { CodeId } from '../diagnostics/codes.ts'
import type { Location, SourceRef } from '../model/source.ts'
import { explainDedentedItem } from './explain-indent.ts'

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
 * Parses every document of a YAML stream strictly (unique keys, YAML 1.1, alias limit).
 * Never throws on bad input: problems come back as diagnostics with positions.
 */
export function parseYaml(file: string, text: string): ParseResult {
  const lineCounter = new LineCounter()
  // logLevel 'error': the library's own warnings (printed by Node.js) never reach the user; what
  // they would say is a diagnostic (collectionKeys below).
  const docs = parseAllDocuments(text, { lineCounter, version: YAML_VERSION, prettyErrors: false, uniqueKeys: true, logLevel: 'error' })
  const diagnostics: Diagnostic[] = []
  const out: ParsedDoc[] = []
  const at = (offset: number, path = ''): Location => {
    const { line, col } = lineCounter.linePos(Math.min(offset, text.length))
    return { file, line, column: col, path }
  }
  const list = Array.isArray(docs) ? docs : []
  const starts = list.map((d) => lineCounter.linePos(Math.min(d.range[0], text.length)).line)
  const reparse = lazyReparse(text)
  // Once per file, not per document (a fleet's file holds thousands).
  const mayHaveCollectionKeys = /[[{?]/.test(text)
  list.forEach((doc, index) => {
    const errs = [...doc.errors]
    // A tab in the indentation throws the parser off for the lines after it: the tab is the
    // one thing to say (one error per tab, not the parser's cascade).
    const tabs = errs.filter((e) => e.code === 'TAB_AS_INDENT')
    if (tabs.length > 0) errs.splice(0, errs.length, ...tabs)
    else diagnostics.push(...dedentedItem(errs, text, lineCounter, at))
    for (const e of errs) diagnostics.push(yamlDiag(e, at))
    for (const w of doc.warnings) diagnostics.push(diag('yamlWarning', `${w.message} (${w.code})`, at(w.pos[0])))
    if (doc.errors.length > 0) return
    const keys = collectionKeys(doc, text, at, mayHaveCollectionKeys)
    if (keys.length > 0) {
      diagnostics.push(...keys)
      return
    }
    let value: unknown
    try {
      value = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT })
    } catch (e) {
      const where = doc.contents?.range?.[0] ?? 0
      diagnostics.push(
        diag('aliasLimit', `document expands more than ${MAX_ALIAS_COUNT} aliases (${(e as Error).message})`, at(where), {
          hint: 'write the repeated values out, or use fewer anchors',
        }),
      )
      return
    }
    out.push({ file, index, value, source: { file, docIndex: index, locate: locator(file, index, reparse) } })
  })
  return { docs: out, diagnostics, starts }
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
      const docs = parseAllDocuments(text, { lineCounter, version: YAML_VERSION, prettyErrors: false, uniqueKeys: true, logLevel: 'error' })
      parsed = { docs: Array.isArray(docs) ? docs : [], lineCounter }
    }
    return parsed
  }
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
  const hint = e.code === 'TAB_AS_INDENT' ? 'indent with spaces' : e.code === 'DUPLICATE_KEY' ? 'remove or rename one of the keys' : undefined
  return diag(id, `${msg} (${e.code})`, at(e.pos[0]), hint === undefined ? {} : { hint })
}

/** JSON Pointer escaping (RFC 6901). */
export const pointer = (path: readonly (string | number)[]): string => path.map((p) => '/' + String(p).replace(/~/g, '~0').replace(/\//g, '~1')).join('')

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
