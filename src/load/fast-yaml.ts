/**
 * A reader of the YAML people write for Kubernetes by hand (block mappings and lists, one-line
 * flow collections, plain and quoted one-line strings, integers, comments, `---`), straight to
 * plain data: several times faster than the `yaml` library, which builds a token stream, a
 * syntax tree and a document tree first (most of a fleet's load time, docs/performance.md).
 *
 * It answers only what it is sure of: a file with anything else (anchors, tags, block or
 * multi-line scalars, escapes, tabs, CR, non-ASCII text, a scalar whose YAML 1.1 type it does
 * not know to be a string or an integer, duplicate keys, anything the library would report)
 * gets `undefined`, and `parse-yaml.ts` gives it to the library, as every file was before.
 * What it answers is the library's answer, value for value and key order for key order, with
 * the same document start lines: test/load/fast-yaml.test.ts holds the two equal on every
 * fixture, generated fleets and random documents, and on every scalar form it reads.
 */

/** A parsed file: each document's value (null for an empty one) and the line it starts on. */
export interface FastParse {
  readonly values: readonly unknown[]
  readonly starts: readonly number[]
}

/**
 * Beyond these, a file goes to the library, whatever it holds: nesting deeper than any manifest
 * (no recursion to the end of the stack), more documents than a fleet's file holds (the
 * library's reading applies the limits of the inputs).
 */
const MAX_DEPTH = 64
const MAX_DOCUMENTS = 1000

class Bail extends Error {}
const BAIL = new Bail()
const bail = (): never => {
  throw BAIL
}

/** YAML 1.1 words that are not strings (booleans, nulls), and the exponents its float pattern takes for numbers. */
const NOT_STRING = /^(?:y|Y|yes|Yes|YES|n|N|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF|null|Null|NULL|[eE][-+]?[0-9]+)$/
/** Plain strings in block context: a letter, `/` or `--` and a letter first (a flag), then printable ASCII. */
const PLAIN = /^(?:[A-Za-z/]|--[A-Za-z])[\x20-\x7e]*$/
/** Decimal integers without a sign or leading zero, short enough to be exact. */
const INT = /^(?:0|[1-9][0-9]{0,14})$/
/** Kubernetes quantities (`100m`, `128Mi`): strings to YAML 1.1. */
const QUANTITY = /^[1-9][0-9]{0,14}(?:[KMGTP]i?|[munk])$/
/** Keys: a letter, then letters, digits and `._/-`. */
const KEY = /^[A-Za-z][A-Za-z0-9._/-]*$/
/** Plain strings in flow context (no spaces, no flow indicators). */
const FLOW_PLAIN = /^[A-Za-z/][A-Za-z0-9._/@=+-]*$/

function plainScalar(s: string, flow: boolean): unknown {
  if (INT.test(s)) return Number(s)
  if ((flow ? FLOW_PLAIN : PLAIN).test(s) && !NOT_STRING.test(s)) return s
  if (QUANTITY.test(s)) return s
  return bail()
}

function plainKey(s: string): string {
  if (s.length > 1000 || !KEY.test(s) || NOT_STRING.test(s) || s === '__proto__') bail()
  return s
}

/** A quoted one-line string without escapes, starting at `i`: its text and the index after the closing quote. */
function quoted(line: string, i: number): [string, number] {
  const q = line[i] as string
  const end = line.indexOf(q, i + 1)
  if (end < 0) bail()
  const text = line.slice(i + 1, end)
  if (q === '"' && text.includes('\\')) bail()
  if (q === "'" && line[end + 1] === "'") bail()
  return [text, end + 1]
}

/** Nothing but spaces and a comment from `i` on. */
function restIsComment(line: string, i: number): void {
  let j = i
  while (line.charCodeAt(j) === 32) j++
  if (j < line.length && (line[j] !== '#' || j === i)) bail()
}

/** A one-line flow collection at `i` (`[a, "b"]`, `{k: v, l: [x]}`): its value and the index after it. */
function flow(line: string, i: number, depth = 0): [unknown, number] {
  if (depth > MAX_DEPTH) bail()
  const open = line[i]
  const close = open === '[' ? ']' : '}'
  const out: unknown = open === '[' ? [] : {}
  let j = i + 1
  const ws = (): void => {
    while (line.charCodeAt(j) === 32) j++
  }
  const item = (): unknown => {
    const c = line[j]
    if (c === '[' || c === '{') {
      const [v, k] = flow(line, j, depth + 1)
      j = k
      return v
    }
    if (c === '"' || c === "'") {
      const [v, k] = quoted(line, j)
      j = k
      return v
    }
    let k = j
    while (k < line.length && !',[]{}: '.includes(line[k] as string)) k++
    const s = line.slice(j, k)
    j = k
    return plainScalar(s, true)
  }
  ws()
  if (line[j] === close) return [out, j + 1]
  for (;;) {
    ws()
    if (open === '[') (out as unknown[]).push(item())
    else {
      let key: string
      if (line[j] === '"' || line[j] === "'") {
        const [k, after] = quoted(line, j)
        key = k
        j = after
      } else {
        let k = j
        while (k < line.length && !',[]{}: '.includes(line[k] as string)) k++
        key = plainKey(line.slice(j, k))
        j = k
      }
      if (line[j] !== ':' || line[j + 1] !== ' ' || Object.hasOwn(out as object, key) || key === '__proto__') bail()
      j += 2
      ws()
      ;(out as Record<string, unknown>)[key] = item()
    }
    ws()
    if (line[j] === ',') {
      j++
      ws()
      if (line[j] === close) bail()
      continue
    }
    if (line[j] === close) return [out, j + 1]
    return bail()
  }
}

/** The value after `key: ` or `- `: a scalar or a one-line flow collection, with what may follow it. */
function inlineValue(line: string, i: number): unknown {
  const c = line[i]
  if (c === '[' || c === '{') {
    const [v, j] = flow(line, i)
    restIsComment(line, j)
    return v
  }
  if (c === '"' || c === "'") {
    const [v, j] = quoted(line, i)
    restIsComment(line, j)
    return v
  }
  let s = line.slice(i)
  const hash = s.indexOf(' #')
  if (hash >= 0) s = s.slice(0, hash)
  s = s.trimEnd()
  if (s.includes(': ') || s.endsWith(':') || s.includes('#')) bail()
  return plainScalar(s, false)
}

interface Line {
  readonly indent: number
  readonly text: string
  /** 1-based. */
  readonly no: number
}

/** Where a mapping entry's key ends: the index of its `:` (followed by a space or the end), or -1. */
function keyEnd(text: string, from: number): { key: string; colon: number } | undefined {
  const c = text[from]
  if (c === '"' || c === "'") {
    const [k, j] = quoted(text, from)
    // The library refuses an implicit key whose `:` is more than 1024 characters after its start.
    if (text[j] !== ':' || (j + 1 < text.length && text[j + 1] !== ' ') || j - from > 1000) bail()
    return { key: k === '__proto__' ? bail() : k, colon: j }
  }
  const colon = text.indexOf(':', from)
  if (colon < 0) return undefined
  if (colon + 1 < text.length && text[colon + 1] !== ' ') bail()
  return { key: plainKey(text.slice(from, colon)), colon }
}

/** Whether a list item's text at `j` is a mapping entry (`key: v`, `"key": v`, `key:`) rather than a scalar. */
function isEntry(text: string, j: number): boolean {
  const c = text[j]
  if (c === '[' || c === '{') return false
  if (c === '"' || c === "'") return text[quoted(text, j)[1]] === ':'
  return keyEnd(text, j) !== undefined
}

class Reader {
  i = 0
  depth = 0
  readonly lines: readonly Line[]
  constructor(lines: readonly Line[]) {
    this.lines = lines
  }

  /** A block node whose first line is `this.lines[this.i]`, at that line's indentation. */
  node(): unknown {
    const l = this.lines[this.i] as Line
    return l.text.startsWith('-') && (l.text.length === 1 || l.text[1] === ' ') ? this.seq(l.indent) : this.map(l.indent, l.indent)
  }

  /** The value of an entry whose line ended after `key:` or `-`: the block below it, or null. */
  below(indent: number, seqAtSameIndent: boolean): unknown {
    const next = this.lines[this.i]
    if (!next) return null
    if (next.indent > indent) return this.node()
    if (seqAtSameIndent && next.indent === indent && next.text.startsWith('-') && (next.text.length === 1 || next.text[1] === ' ')) return this.seq(indent)
    return null
  }

  /** Fails when the next line is indented under a line whose value was complete. */
  noMoreUnder(indent: number): void {
    const next = this.lines[this.i]
    if (next && next.indent > indent) bail()
  }

  seq(indent: number): unknown[] {
    if (++this.depth > MAX_DEPTH) bail()
    const out = this.seqItems(indent)
    this.depth--
    return out
  }

  private seqItems(indent: number): unknown[] {
    const out: unknown[] = []
    for (;;) {
      const l = this.lines[this.i]
      if (!l || l.indent < indent) return out
      if (l.indent > indent || !(l.text.startsWith('-') && (l.text.length === 1 || l.text[1] === ' '))) bail()
      let j = 1
      while (l.text.charCodeAt(j) === 32) j++
      if (j >= l.text.length || l.text[j] === '#') {
        this.i++
        out.push(this.below(indent, false))
        continue
      }
      const c = l.text[j]
      if (
        (c === '-' && l.text[j + 1] !== '-') ||
        c === '?' ||
        c === '&' ||
        c === '*' ||
        c === '!' ||
        c === '|' ||
        c === '>' ||
        c === '%' ||
        c === '@' ||
        c === '`'
      )
        bail()
      if (isEntry(l.text, j)) {
        // A mapping that starts on the dash's line: its keys at the column of the first one.
        out.push(this.map(indent + j, indent, j))
        continue
      }
      this.i++
      out.push(inlineValue(l.text, j))
      this.noMoreUnder(indent)
    }
  }

  /**
   * A mapping with its keys at column `indent`. Its first line may be a list item's (`- key: v`):
   * then it is at `lineIndent` with the key at `first` in its text.
   */
  map(indent: number, lineIndent = indent, first = 0): Record<string, unknown> {
    if (++this.depth > MAX_DEPTH) bail()
    const out = this.mapEntries(indent, lineIndent, first)
    this.depth--
    return out
  }

  private mapEntries(indent: number, lineIndent: number, first: number): Record<string, unknown> {
    const out: Record<string, unknown> = {}
    let firstLine = true
    for (;;) {
      const l = this.lines[this.i]
      if (!l) return out
      let from = 0
      if (firstLine && first > 0) {
        if (l.indent !== lineIndent) bail()
        from = first
      } else {
        if (l.indent < indent) return out
        if (l.indent > indent || l.text.startsWith('- ') || l.text === '-') {
          if (l.indent === indent) return out
          bail()
        }
      }
      firstLine = false
      const c = l.text[from]
      if (c === '?' || c === '&' || c === '*' || c === '!' || c === '|' || c === '>' || c === '%' || c === '@' || c === '`' || c === '[' || c === '{') bail()
      const k = keyEnd(l.text, from)
      if (!k || Object.hasOwn(out, k.key)) return bail()
      let j = k.colon + 1
      while (l.text.charCodeAt(j) === 32) j++
      this.i++
      if (j >= l.text.length || l.text[j] === '#') {
        if (j < l.text.length && j === k.colon + 1) bail()
        out[k.key] = this.below(indent, true)
      } else {
        const v = l.text[j]
        if (
          v === '&' ||
          v === '*' ||
          v === '!' ||
          v === '|' ||
          v === '>' ||
          v === '%' ||
          v === '@' ||
          v === '`' ||
          v === '?' ||
          (v === '-' && l.text[j + 1] !== '-')
        )
          bail()
        out[k.key] = inlineValue(l.text, j)
        this.noMoreUnder(indent)
      }
    }
  }
}

/** The documents of `text`, or undefined when it holds anything this reader does not know for sure. */
export function fastYaml(text: string): FastParse | undefined {
  // Printable ASCII and newlines only: no tabs, CR, BOM, control or non-ASCII characters.
  if (/[^\n\x20-\x7e]/.test(text)) return undefined
  const values: unknown[] = []
  const starts: number[] = []
  try {
    const raw = text.split('\n')
    let doc: Line[] = []
    let start = 0
    const end = (): void => {
      if (start === 0 && doc.length === 0) return
      if (values.length >= MAX_DOCUMENTS) bail()
      if (doc.length === 0) values.push(null)
      else {
        const r = new Reader(doc)
        const v = r.node()
        if (r.i !== doc.length) bail()
        values.push(v)
      }
      starts.push(start === 0 ? (doc[0] as Line).no : start)
    }
    for (let n = 0; n < raw.length; n++) {
      const line = raw[n] as string
      let indent = 0
      while (line.charCodeAt(indent) === 32) indent++
      if (indent === line.length || line[indent] === '#') continue
      if (indent === 0 && (line.startsWith('---') || line.startsWith('...') || line.startsWith('%'))) {
        if (line !== '---') bail()
        end()
        doc = []
        start = n + 1
        continue
      }
      doc.push({ indent, text: line.slice(indent), no: n + 1 })
    }
    end()
  } catch {
    // Not sure (BAIL), or anything unforeseen: the library reads the file.
    return undefined
  }
  return { values, starts }
}
