import { isAlias, isMap, isScalar, isSeq, Scalar, type Document, type ScalarTag, type Tags, type YAMLMap } from 'yaml'

/**
 * Plain YAML scalars as Kubernetes reads them. sigs.k8s.io/yaml (kubectl, the API server) reads
 * YAML with go-yaml v2, whose `resolve` is neither YAML 1.1 nor YAML 1.2: YAML 1.1's booleans and
 * nulls, Go's integers (`strconv.ParseInt(s, 0, 64)` once every `_` is removed: `0o17`, `0x1F`,
 * `0b101`, `0777`, `_1`), a narrow float syntax, no base-60 numbers, and timestamps kept as the
 * strings written. The `yaml` library's YAML 1.1 schema reads `2024-01-15` as a date and `4:30` as
 * 270; this tag replaces its scalar resolution for plain scalars with go-yaml v2's, so a manifest
 * means to nsoffload what it means to the API server (held to sigs.k8s.io/yaml by
 * test/differential/yaml.test.ts).
 */

/** What Go decodes a plain number into: `int` (int64), `uint` (uint64 beyond int64), or `float` (float64). */
type GoKind = 'int' | 'uint' | 'float'

/** A plain scalar resolved to a number, with its Go type and, for integers, its exact value. */
export interface GoNumber extends Scalar<number> {
  goKind: GoKind
  exact?: bigint
}

const MAP: Record<string, boolean | null | number> = {}
for (const s of ['y', 'Y', 'yes', 'Yes', 'YES', 'on', 'On', 'ON', 'true', 'True', 'TRUE']) MAP[s] = true
for (const s of ['n', 'N', 'no', 'No', 'NO', 'off', 'Off', 'OFF', 'false', 'False', 'FALSE']) MAP[s] = false
for (const s of ['', '~', 'null', 'Null', 'NULL']) MAP[s] = null
for (const s of ['.nan', '.NaN', '.NAN']) MAP[s] = NaN
for (const s of ['.inf', '.Inf', '.INF', '+.inf', '+.Inf', '+.INF']) MAP[s] = Infinity
for (const s of ['-.inf', '-.Inf', '-.INF']) MAP[s] = -Infinity

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER)
const UINT64_MAX = 2n ** 64n - 1n
const INT64_MAX = 2n ** 63n - 1n
const DIGITS: Record<number, RegExp> = { 2: /^[01]+$/, 8: /^[0-7]+$/, 10: /^[0-9]+$/, 16: /^[0-9a-fA-F]+$/ }
const PREFIX: Record<number, string> = { 2: '0b', 8: '0o', 10: '', 16: '0x' }

/** Go's `strconv.ParseUint(s, 0, 64)`: the value, or `undefined` when it fails. */
function parseUint(s: string): bigint | undefined {
  if (s === '') return undefined
  let base = 10
  let digits = s
  if (s[0] === '0') {
    const p = s[1]?.toLowerCase()
    if (s.length >= 3 && (p === 'b' || p === 'o' || p === 'x')) {
      base = p === 'b' ? 2 : p === 'o' ? 8 : 16
      digits = s.slice(2)
    } else {
      base = 8
      digits = s.slice(1)
      if (digits === '') return 0n
    }
  }
  if (!DIGITS[base]?.test(digits)) return undefined
  const n = BigInt(`${PREFIX[base]}${digits}`)
  return n <= UINT64_MAX ? n : undefined
}

/** Go's `strconv.ParseInt(s, 0, 64)`. */
function parseInt64(s: string): bigint | undefined {
  const neg = s[0] === '-'
  const u = parseUint(s[0] === '+' || neg ? s.slice(1) : s)
  if (u === undefined) return undefined
  if (neg) return u <= INT64_MAX + 1n ? -u : undefined
  return u <= INT64_MAX ? u : undefined
}

const GO_YAML_FLOAT = /^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$/
/** Go's ParseFloat on what starts with a dot: decimal digits, an exponent, no underscore. */
const DOT_FLOAT = /^\.[0-9]+([eE][-+]?[0-9]+)?$/

function goNumber(value: number, goKind: GoKind, exact?: bigint): GoNumber {
  return Object.assign(new Scalar(value), { goKind, ...(exact === undefined ? {} : { exact }) })
}

/** go-yaml v2's `resolve` for an untagged plain scalar, as decoded into an `interface{}`. */
function resolvePlain(s: string): unknown {
  if (Object.prototype.hasOwnProperty.call(MAP, s)) {
    const v = MAP[s]
    return typeof v === 'number' ? goNumber(v, 'float') : v
  }
  const c = s[0] ?? ''
  if (c === '.') return DOT_FLOAT.test(s) ? goNumber(Number(s), 'float') : s
  if (c !== '+' && c !== '-' && !(c >= '0' && c <= '9')) return s
  const plain = s.replace(/_/g, '')
  const i = parseInt64(plain)
  if (i !== undefined) return goNumber(Number(i), 'int', i)
  const u = parseUint(plain)
  if (u !== undefined) return goNumber(Number(u), 'uint', u)
  if (GO_YAML_FLOAT.test(plain)) {
    const f = Number(plain)
    // ParseFloat fails beyond float64's range (1e400): go-yaml then keeps the string.
    if (Number.isFinite(f)) return goNumber(f, 'float')
  }
  return s
}

/** The first characters of every plain scalar go-yaml v2 may read as other than a string (its `resolveTable`), and the empty scalar. */
const MAYBE_NOT_STRING = /^(?:$|[-+0-9.~yYnNtTfFoO])/

const goYamlScalar: ScalarTag = {
  tag: 'tag:nsoffload.dev,2026:go-yaml-v2-plain',
  default: true,
  test: MAYBE_NOT_STRING,
  resolve: resolvePlain,
}

/**
 * The YAML 1.1 schema's tags with go-yaml v2's resolution first: it decides every plain scalar
 * the others would (they stay for explicit tags such as `!!int` and for writing YAML).
 */
export const goYamlTags = (tags: Tags): Tags => [goYamlScalar, ...tags]

/** Go's `strconv.FormatFloat(f, 'g', -1, 32)`: the shortest digits that read back as the same float32. */
function formatFloat32(f: number): string {
  const x = Math.fround(f)
  if (x === 0) return Object.is(x, -0) ? '-0' : '0'
  let p = 1
  while (p < 9 && Math.fround(Number(x.toPrecision(p))) !== x) p++
  const [mant = '', e = '0'] = x.toExponential(p - 1).split('e')
  const exp = Number(e)
  const sign = mant.startsWith('-') ? '-' : ''
  const digits = mant.replace(/^-/, '').replace('.', '').replace(/0+$/, '') || '0'
  if (exp < -4 || exp >= 6) {
    const m = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits
    return `${sign}${m}e${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`
  }
  if (exp < 0) return `${sign}0.${'0'.repeat(-exp - 1)}${digits}`
  const int = digits.slice(0, exp + 1).padEnd(exp + 1, '0')
  const frac = digits.slice(exp + 1)
  return `${sign}${int}${frac ? `.${frac}` : ''}`
}

/**
 * The JSON key sigs.k8s.io/yaml makes of a scalar key (`convertToJSONableObject`): a string as
 * written, `true`/`false`, an int64 in decimal, a float as float32's shortest form (`.inf`,
 * `-.inf`, `.nan` for the special values); `undefined` for what it refuses (null, an integer
 * beyond int64).
 */
function goKey(k: Scalar): string | undefined {
  const v = k.value
  if (typeof v === 'string') return v
  if (typeof v === 'boolean') return v ? 'true' : 'false'
  if (typeof v !== 'number') return undefined
  const n = k as GoNumber
  if (n.goKind === 'int') return String(n.exact ?? v)
  if (n.goKind === 'uint') return undefined
  if (Number.isNaN(v)) return '.nan'
  if (v === Infinity) return '.inf'
  if (v === -Infinity) return '-.inf'
  return formatFloat32(v)
}

/** Where a converted key keeps what Go decoded it into: keys of a type each are distinct in Go's map. */
const GO_ID = Symbol('goId')

function goId(k: Scalar): string {
  const v = k.value
  if (GO_ID in k) return (k as Scalar & { [GO_ID]: string })[GO_ID]
  if (typeof v === 'number') {
    const n = k as GoNumber
    return `${n.goKind}:${n.goKind === 'float' ? String(v) : String(n.exact ?? v)}`
  }
  return `${typeof v}:${String(v)}`
}

export interface ScalarProblem {
  readonly offset: number
  readonly message: string
  readonly hint: string
  /** The diagnostic: `yamlValue` unless said. */
  readonly code?: 'duplicateKey'
}

/**
 * Gives every scalar key of `doc` the string sigs.k8s.io/yaml makes of it (in place), and
 * returns what Kubernetes cannot read or nsoffload cannot keep: a null key, an integer key beyond
 * int64, two keys that become the same string, an infinity or NaN value (JSON has none), an
 * integer value beyond 2^53 (a JavaScript number would change its digits).
 */
export function toKubernetesKeys(doc: Document): ScalarProblem[] {
  const out: ScalarProblem[] = []
  const at = (n: { range?: readonly number[] | null }): number => n.range?.[0] ?? 0
  const target = (x: unknown): unknown => (isAlias(x) ? x.resolve(doc) : x)
  /** go-yaml v2's merge: the mappings a `<<` value merges (a mapping, an alias of one, or a list of those); `undefined` when it refuses it. */
  const mergeSources = (v: unknown): YAMLMap[] | undefined => {
    const t = target(v)
    if (isMap(t)) return [t]
    if (!isSeq(v)) return undefined
    const maps = v.items.map(target)
    return maps.every((m) => isMap(m)) ? (maps as YAMLMap[]) : undefined
  }
  /** The keys a mapping sets, merged ones included (go-yaml v2 merges into the same map). */
  const keysOf = (m: YAMLMap, depth: number, merged: boolean): { id: string; json: string; offset: number; merged: boolean }[] => {
    const keys: { id: string; json: string; offset: number; merged: boolean }[] = []
    for (const pair of m.items) {
      const k = pair.key
      if (!isScalar(k)) continue
      if (typeof k.value === 'symbol') {
        if (depth < 20) for (const src of mergeSources(pair.value) ?? []) keys.push(...keysOf(src, depth + 1, true))
      } else if (typeof k.value === 'string' || GO_ID in k) {
        keys.push({ id: goId(k), json: String(k.value), offset: at(k), merged })
      }
    }
    return keys
  }
  /**
   * Keys Go's strict decoding refuses (one set twice, by a merge), and keys of distinct Go types
   * that become the same JSON key, of which sigs.k8s.io/yaml keeps one at random.
   */
  const sameKeys = (m: YAMLMap): ScalarProblem[] => {
    const problems: ScalarProblem[] = []
    const byId = new Map<string, boolean>()
    const byJson = new Map<string, string>()
    for (const k of keysOf(m, 0, false)) {
      const was = byId.get(k.id)
      if (was !== undefined && (was || k.merged)) {
        problems.push({
          offset: at(m),
          message: `the key "${k.json}" is set twice in this mapping, once by a merge (<<): Kubernetes refuses it`,
          hint: 'remove the key from one of the two',
          code: 'duplicateKey',
        })
      } else if (was === undefined && byJson.has(k.json) && byJson.get(k.json) !== k.id) {
        problems.push({
          offset: k.offset,
          message: `two keys of this mapping are the key "${k.json}" to Kubernetes, which keeps one of the two at random`,
          hint: 'remove or rename one of the keys',
        })
      }
      byId.set(k.id, was === true || k.merged)
      byJson.set(k.json, k.id)
    }
    return problems.slice(0, 1)
  }
  const value = (n: unknown): void => {
    if (isScalar(n)) {
      const v = n.value
      if (typeof v !== 'number') return
      if (!Number.isFinite(v)) {
        out.push({
          offset: at(n),
          message: `${n.source ?? String(v)} is ${Number.isNaN(v) ? 'NaN' : 'an infinity'}: JSON has none, and Kubernetes cannot read the manifest`,
          hint: 'quote it to make it a string',
        })
      } else {
        const exact = (n as GoNumber).exact
        if (exact !== undefined && (exact > MAX_SAFE || exact < -MAX_SAFE)) {
          out.push({
            offset: at(n),
            message: `the integer ${exact} is beyond 2^53: nsoffload cannot keep its digits exactly`,
            hint: 'quote it if it is a string; no Kubernetes field takes such a number',
          })
        }
      }
    } else if (isMap(n)) {
      let check = false
      for (const pair of n.items) {
        const k = pair.key
        if (isScalar(k) && typeof k.value === 'symbol') {
          if (mergeSources(pair.value) === undefined) {
            out.push({
              offset: at(k),
              message: 'a merge key (<<) whose value is not a mapping, an alias of a mapping, or a list of those: Kubernetes cannot read the manifest',
              hint: 'merge a mapping (<<: *anchor of a mapping)',
            })
          }
          check = true
        } else if (isScalar(k) && typeof k.value !== 'string' && !(GO_ID in k)) {
          const s = goKey(k)
          if (s === undefined) {
            out.push({
              offset: at(k),
              message: `a mapping key is ${k.value === null ? 'null' : `the integer ${String((k as GoNumber).exact ?? k.value)}, beyond int64`}: Kubernetes reads only strings, numbers and booleans as keys`,
              hint: 'quote the key, or write it as a string',
            })
          } else {
            pair.key = Object.assign(new Scalar(s), { range: k.range, source: k.source, [GO_ID]: goId(k) })
          }
          check = true
        }
        value(pair.value)
      }
      if (check) out.push(...sameKeys(n))
    } else if (isSeq(n)) for (const item of n.items) value(item)
  }
  value(doc.contents)
  return out
}
