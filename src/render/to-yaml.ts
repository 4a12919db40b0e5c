import { Document, isMap, isScalar, isSeq, parseDocument } from 'yaml'
import { YAML_VERSION } from '../load/parse-yaml.ts'
import { isObj, type Obj } from '../util/plain-data.ts'

/**
 * Map keys sorted at every level, lists kept in order: the canonical form kubectl (`-o yaml`)
 * and kustomize write, which also puts apiVersion, kind, metadata, spec, status in that order.
 */
export function canonical(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(canonical)
  if (isObj(v)) {
    const out: Record<string, unknown> = {}
    for (const k of Object.keys(v).sort()) if (v[k] !== undefined) out[k] = canonical(v[k])
    return out
  }
  return v
}

/** The `yaml` library's options: the reference for every byte `toYaml` writes. */
const OPTIONS = { version: YAML_VERSION, lineWidth: 0, indentSeq: false, aliasDuplicateObjects: false } as const

/**
 * A one-line string that YAML 1.1 reads as a string but YAML 1.2 (go-yaml v3, which kustomize
 * and so Flux and Argo CD read with) as a number, a boolean or null: `0o17`. Written plain, it
 * would reach the cluster as 15 through `kubectl kustomize`.
 */
/** What can start a YAML 1.2 core-schema number, boolean or null (the parser decides the rest). */
const MAYBE_NOT_STRING_12 = /^(?:[-+]?[0-9.]|~$|[nN]ull$|NULL$|[tT]rue$|TRUE$|[fF]alse$|FALSE$)/

function otherThanStringIn12(s: string): boolean {
  if (s.includes('\n') || !MAYBE_NOT_STRING_12.test(s)) return false
  const doc = parseDocument(s, { version: '1.2', logLevel: 'silent' })
  return doc.errors.length === 0 && isScalar(doc.contents) && typeof doc.contents.value !== 'string'
}

/**
 * The library's YAML of `v` (canonical order, OPTIONS), with the strings YAML 1.2 would read
 * otherwise double-quoted: what Kubernetes' YAML 1.1 readers and kustomize's YAML 1.2 reader
 * both read as the same data. The reference for every byte `toYaml` writes.
 */
export function libraryYaml(v: unknown): string {
  const doc = new Document(canonical(v), OPTIONS)
  // A walk of its own (keys and values): the library's visit() is several times slower.
  const walk = (n: unknown): void => {
    if (isScalar(n)) {
      if (typeof n.value === 'string' && otherThanStringIn12(n.value)) n.type = 'QUOTE_DOUBLE'
    } else if (isMap(n)) {
      for (const p of n.items) {
        walk(p.key)
        walk(p.value)
      }
    } else if (isSeq(n)) for (const item of n.items) walk(item)
  }
  walk(doc.contents)
  return doc.toString(OPTIONS)
}

/**
 * Serialises one manifest the way kubectl and kustomize write YAML: canonical key order, block
 * style, sequences not indented under their key, no line folding. Written as YAML 1.1 so that
 * strings such as "yes" or "0777" stay quoted for Kubernetes' YAML 1.1 readers, and strings
 * YAML 1.2 reads otherwise (`0o17`) quoted for kustomize's.
 *
 * The output is exactly `libraryYaml(m)`, the `yaml` library's. Manifests are
 * plain data (maps, lists, short strings, integers, booleans), for which a direct writer is
 * some twenty times faster than building the library's document tree; anything else (a
 * multi-line string, a float, a Date, a list in a list…) is left to the library, for the
 * whole document. test/render/to-yaml.test.ts holds the two to the same bytes.
 */
export function toYaml(m: Obj): string {
  return yamlWriter()(m)
}

/**
 * A `toYaml` that remembers how the library quotes the strings it has seen: for writing many
 * manifests (a cluster folder), where the same values come back in every file.
 */
export function yamlWriter(): (m: Obj) => string {
  const quotedCache = new Map<string, string | undefined>()
  const w = new DirectWriter(quotedCache)
  return (m) => (isEmpty(m) ? '{}\n' : w.blockMap(m, '')) ?? libraryYaml(m)
}

const isPlainObject = (v: object): boolean => {
  const proto = Object.getPrototypeOf(v) as unknown
  return proto === Object.prototype || proto === null
}

const isEmpty = (v: Obj): boolean => {
  for (const k in v) if (v[k] !== undefined) return false
  return true
}

/**
 * `Object.keys(o).sort()`, by insertion: manifests' maps are small, and V8's sort allocates
 * a work area on each call (a third of a fleet's build allocations went there).
 */
function sortedKeys(o: object): string[] {
  const keys = Object.keys(o)
  for (let i = 1; i < keys.length; i++) {
    const k = keys[i] as string
    let j = i - 1
    while (j >= 0 && (keys[j] as string) > k) {
      keys[j + 1] = keys[j] as string
      j--
    }
    keys[j + 1] = k
  }
  return keys
}

/**
 * Strings the library writes plain in every block context: a letter, then letters, digits and
 * `-._/`, except what the YAML 1.1 schema would read as something else: its booleans, nulls,
 * and floats such as `e5` (of its tags, the only ones that match a string starting with a
 * letter). Every other string is asked of the library once and remembered.
 */
const SAFE = /^[A-Za-z][A-Za-z0-9._/-]*$/
const WORDS = /^(?:[Yy]|[Yy]es|YES|[Nn]|[Nn]o|NO|[Tt]rue|TRUE|[Ff]alse|FALSE|[Oo]n|ON|[Oo]ff|OFF|[Nn]ull|NULL|[Ee]-?[0-9]+)$/

function key(k: string): string | undefined {
  return k.length <= 1024 && SAFE.test(k) && !WORDS.test(k) ? k : undefined
}

/**
 * The direct writer. Every method returns the YAML text, or `undefined` when the value is not
 * for it (the whole document then goes to the library).
 */
class DirectWriter {
  readonly #quoted: Map<string, string | undefined>

  constructor(quoted: Map<string, string | undefined>) {
    this.#quoted = quoted
  }

  /** A non-empty map, its keys at `indent`; the first line starts with `first` instead (`- ` in a list). */
  blockMap(o: Obj, indent: string, first = indent): string | undefined {
    if (!isPlainObject(o)) return undefined
    let out = ''
    for (const k of sortedKeys(o)) {
      const v = o[k]
      if (v === undefined) continue
      const kt = key(k)
      const vt = kt === undefined ? undefined : this.value(v, indent)
      if (vt === undefined) return undefined
      out += (out === '' ? first : indent) + kt + ':' + vt
    }
    return out
  }

  /** A value after `key:` or `-`: ` scalar\n`, ` []\n`, or a block collection on the next lines. */
  value(v: unknown, indent: string): string | undefined {
    if (Array.isArray(v)) {
      if (v.length === 0) return ' []\n'
      const seq = this.blockSeq(v, indent)
      return seq === undefined ? undefined : `\n${seq}`
    }
    if (isObj(v)) {
      if (isEmpty(v)) return ' {}\n'
      const map = this.blockMap(v, `${indent}  `)
      return map === undefined ? undefined : `\n${map}`
    }
    const s = this.scalar(v)
    return s === undefined ? undefined : ` ${s}\n`
  }

  /** A list under a key, not indented (indentSeq: false); a map item starts on its dash line. */
  blockSeq(a: readonly unknown[], indent: string): string | undefined {
    let out = ''
    for (const v of a) {
      if (Array.isArray(v) && v.length > 0) return undefined
      const item = isObj(v) && !isEmpty(v) ? this.blockMap(v, `${indent}  `, `${indent}- `) : this.dashValue(v, indent)
      if (item === undefined) return undefined
      out += item
    }
    return out
  }

  dashValue(v: unknown, indent: string): string | undefined {
    const t = this.value(v, indent)
    return t === undefined ? undefined : `${indent}-${t}`
  }

  scalar(v: unknown): string | undefined {
    switch (typeof v) {
      case 'string':
        return SAFE.test(v) && !WORDS.test(v) ? v : this.quoted(v)
      case 'number':
        return Number.isSafeInteger(v) && !Object.is(v, -0) ? String(v) : undefined
      case 'boolean':
        return v ? 'true' : 'false'
      default:
        return v === null ? 'null' : undefined
    }
  }

  /** The library's rendering of a string as a nested map value, when it is one line (quoted or plain). */
  quoted(s: string): string | undefined {
    if (this.#quoted.has(s)) return this.#quoted.get(s)
    const text = libraryYaml({ a: { k: s } })
    const prefix = 'a:\n  k: '
    const r = text.startsWith(prefix) && text.indexOf('\n', prefix.length) === text.length - 1 ? text.slice(prefix.length, -1) : undefined
    if (this.#quoted.size < 100_000) this.#quoted.set(s, r)
    return r
  }
}
