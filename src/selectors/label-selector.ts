import type { NodeSelectorRequirement } from '../model/k8s.ts'
import { labelValue, qualifiedName } from './label-syntax.ts'

/**
 * A label selector string parsed as apimachinery's `metav1.ParseToLabelSelector` does
 * (kubernetes/apimachinery `pkg/apis/meta/v1/helpers.go`, over `labels.Parse`): the requirements
 * sorted by key, the equality ones (`=`, `==`) as `matchLabels`, the others as
 * `matchExpressions`; `>`/`<` and `!=` refused with its words. A `LabelSelectorRequirement` has
 * the shape of a `NodeSelectorRequirement`.
 */
export type LabelSelectorParse =
  | {
      readonly ok: true
      readonly matchLabels: ReadonlyMap<string, string>
      readonly matchExpressions: readonly NodeSelectorRequirement[]
    }
  | {
      readonly ok: false
      readonly kind: 'syntax' | 'operator'
      readonly message: string
      /** The refused requirement (`kind: 'operator'`): its key, operator and first value. */
      readonly refused?: { readonly key: string; readonly op: 'gt' | 'lt' | '!='; readonly value: string }
    }

/**
 * A port of apimachinery's label selector lexer and parser (`pkg/labels/selector.go`: Lexer,
 * Parser.parse, parseRequirement, parseValues, parseIdentifiersList, parseExactValue,
 * NewRequirement), with its quirks and its error texts: `k in ()` and `k in (,)` are `In [""]`
 * (not errors), and so are `k in (a,,)` and `k in (,,)` (`["", a]`, `[""]`), values are a sorted set.
 */
type Tok = { readonly t: 'id'; readonly v: string } | { readonly t: 'in' | 'notin' | '=' | '==' | '!=' | '!' | '(' | ')' | ',' | '>' | '<' | 'end' }

const SPECIAL = new Set(['=', '!', '(', ')', ',', '>', '<'])
const WS = new Set([' ', '\t', '\r', '\n'])
const TOKENS = new Set(['in', 'notin', '=', '==', '!=', '!', '(', ')', ',', '>', '<'])

/**
 * apimachinery's Lexer, step for step. It reads bytes and takes a NUL for the end of the string
 * where a token would start; a NUL inside an identifier or an operator only ends that token (it
 * is consumed, and lexing goes on after it). Characters beyond ASCII are neither blanks nor
 * symbols: reading UTF-16 units instead of bytes changes nothing.
 */
function lex(s: string): Tok[] {
  let pos = 0
  const read = (): string => (pos < s.length ? (s[pos++] ?? '\u0000') : '\u0000')
  const unread = (): void => {
    pos--
  }
  const out: Tok[] = []
  for (;;) {
    let ch = read()
    while (WS.has(ch)) ch = read()
    if (ch === '\u0000') break
    unread()
    if (SPECIAL.has(ch)) {
      // scanSpecialSymbol: the longest run of symbols that is still a token.
      let buffer = ''
      let last = ''
      for (;;) {
        const c = read()
        if (c === '\u0000') break
        if (!SPECIAL.has(c)) {
          unread()
          break
        }
        buffer += c
        if (TOKENS.has(buffer)) last = buffer
        else if (last !== '') {
          unread()
          break
        }
      }
      out.push({ t: last as '=' | '==' | '!=' | '!' | '(' | ')' | ',' | '>' | '<' })
      continue
    }
    // scanIDOrKeyword
    let word = ''
    for (;;) {
      const c = read()
      if (c === '\u0000') break
      if (SPECIAL.has(c) || WS.has(c)) {
        unread()
        break
      }
      word += c
    }
    out.push(word === 'in' || word === 'notin' ? { t: word } : { t: 'id', v: word })
  }
  out.push({ t: 'end' })
  return out
}

type Op = 'In' | 'NotIn' | 'Exists' | 'DoesNotExist' | '=' | '==' | '!=' | 'gt' | 'lt'
interface Req {
  readonly key: string
  readonly op: Op
  readonly values: string[]
}

class ParseError extends Error {}

/** The token's literal, as Go's error messages print it (`''` at the end of the string). */
const lit = (t: Tok): string => (t.t === 'id' ? t.v : t.t === 'end' ? '' : t.t)
/** Go's `Values` parser context: `in` and `notin` are read as identifiers. */
const asValue = (t: Tok): Tok => (t.t === 'in' || t.t === 'notin' ? { t: 'id', v: t.t } : t)
/** Go's field.ErrorList.ToAggregate().Error(): one message as is, several in brackets. */
const aggregate = (errs: readonly string[]): string => (errs.length === 1 ? (errs[0] ?? '') : `[${errs.join(', ')}]`)
const INT64 = /^[+-]?\d+$/
const fitsInt64 = (v: string): boolean => INT64.test(v) && BigInt(v) >= -(2n ** 63n) && BigInt(v) < 2n ** 63n

function parseRequirements(s: string): Req[] {
  const toks = lex(s)
  let p = 0
  const lookahead = (): Tok => asValue(toks[p] ?? { t: 'end' })
  const consume = (): Tok => asValue(toks[p++] ?? { t: 'end' })
  const consumeOperator = (): Tok => toks[p++] ?? { t: 'end' }
  const reqs: Req[] = []
  for (;;) {
    const t = lookahead()
    if (t.t === 'end') return reqs
    if (t.t !== 'id' && t.t !== '!') throw new ParseError(`found '${lit(t)}', expected: !, identifier, or 'end of string'`)
    try {
      reqs.push(parseRequirement())
    } catch (e) {
      throw new ParseError(`unable to parse requirement: ${(e as Error).message}`)
    }
    const sep = consume()
    if (sep.t === 'end') return reqs
    if (sep.t !== ',') throw new ParseError(`found '${lit(sep)}', expected: ',' or 'end of string'`)
    const after = lookahead()
    if (after.t !== 'id' && after.t !== '!') throw new ParseError(`found '${lit(after)}', expected: identifier after ','`)
  }

  function parseRequirement(): Req {
    let negate = false
    let keyTok = consume()
    if (keyTok.t === '!') {
      negate = true
      keyTok = consume()
    }
    if (keyTok.t !== 'id') throw new ParseError(`found '${lit(keyTok)}', expected: identifier`)
    const key = keyTok.v
    const keyErrs = qualifiedName(key)
    if (keyErrs.length > 0) throw new ParseError(`<nil>: Invalid value: ${JSON.stringify(key)}: ${keyErrs.join('; ')}`)
    if (negate) return { key, op: 'DoesNotExist', values: [] }
    const next = lookahead().t
    if (next === 'end' || next === ',') return { key, op: 'Exists', values: [] }
    const opTok = consumeOperator()
    let op: Op
    switch (opTok.t) {
      case 'in':
        op = 'In'
        break
      case 'notin':
        op = 'NotIn'
        break
      case '=':
      case '==':
      case '!=':
        op = opTok.t
        break
      case '>':
        op = 'gt'
        break
      case '<':
        op = 'lt'
        break
      default:
        throw new ParseError(`found '${lit(opTok)}', expected: in, notin, =, ==, !=, gt, lt`)
    }
    // A Go sets.String, listed sorted.
    const values = [...new Set(op === 'In' || op === 'NotIn' ? parseValues() : [parseExactValue()])].sort()
    const errs: string[] = []
    if (op === 'gt' || op === 'lt') {
      values.forEach((v, i) => {
        if (!fitsInt64(v)) errs.push(`values[${i}]: Invalid value: ${JSON.stringify(v)}: for 'Gt', 'Lt' operators, the value must be an integer`)
      })
    }
    values.forEach((v, i) => {
      const ve = labelValue(v)
      if (ve.length > 0) errs.push(`values[${i}][${key}]: Invalid value: ${JSON.stringify(v)}: ${ve.join('; ')}`)
    })
    if (errs.length > 0) throw new ParseError(aggregate(errs))
    return { key, op, values }
  }

  /** `(x,y,z)`; `()` is `[""]`, and empty items between commas are `""`, as in Go. */
  function parseValues(): string[] {
    const open = consume()
    if (open.t !== '(') throw new ParseError(`found '${lit(open)}' expected: '('`)
    const first = lookahead()
    if (first.t === ')') {
      consume()
      return ['']
    }
    if (first.t !== 'id' && first.t !== ',') throw new ParseError(`found '${lit(first)}', expected: ',', ')' or identifier`)
    const vals = parseIdentifiersList()
    if (consume().t !== ')') throw new ParseError(`found '${lit(first)}', expected: ')'`)
    return vals
  }

  function parseIdentifiersList(): string[] {
    const vals: string[] = []
    for (;;) {
      const t = consume()
      if (t.t === 'id') {
        vals.push(t.v)
        const n = lookahead()
        if (n.t === ',') continue
        if (n.t === ')') return vals
        throw new ParseError(`found '${lit(n)}', expected: ',' or ')'`)
      } else if (t.t === ',') {
        if (vals.length === 0) vals.push('') // "(,"
        const n = lookahead()
        if (n.t === ')') {
          vals.push('') // ",)"
          return vals
        }
        if (n.t === ',') vals.push('') // ",,": the second comma is read on the next turn
      } else {
        throw new ParseError(`found '${lit(t)}', expected: ',', or identifier`)
      }
    }
  }

  function parseExactValue(): string {
    const t = lookahead()
    if (t.t === 'end' || t.t === ',') return ''
    const v = consume()
    if (v.t === 'id') return v.v
    throw new ParseError(`found '${lit(v)}', expected: identifier`)
  }
}

/** Parses one label selector string as `metav1.ParseToLabelSelector` does. */
export function parseLabelSelector(s: string): LabelSelectorParse {
  let reqs: Req[]
  try {
    reqs = parseRequirements(s)
  } catch (e) {
    return { ok: false, kind: 'syntax', message: `couldn't parse the selector string "${s}": ${(e as Error).message}` }
  }
  // labels.Parse sorts requirements by key (a stable sort is fine: Go's sort.Sort is not, but
  // requirements with the same key only differ in order within a term, which ANDs them).
  reqs.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
  const matchExpressions: NodeSelectorRequirement[] = []
  const matchLabels = new Map<string, string>()
  for (const r of reqs) {
    switch (r.op) {
      case '=':
      case '==':
        matchLabels.set(r.key, r.values[0] ?? '')
        break
      case 'In':
      case 'NotIn':
        matchExpressions.push({ key: r.key, operator: r.op, values: r.values })
        break
      case 'Exists':
      case 'DoesNotExist':
        matchExpressions.push({ key: r.key, operator: r.op })
        break
      case 'gt':
      case 'lt':
        return {
          ok: false,
          kind: 'operator',
          message: `"${r.op}" isn't supported in label selectors`,
          refused: { key: r.key, op: r.op, value: r.values[0] ?? '' },
        }
      case '!=':
        return {
          ok: false,
          kind: 'operator',
          message: '"!=" is not a valid label selector operator',
          refused: { key: r.key, op: r.op, value: r.values[0] ?? '' },
        }
    }
  }
  return { ok: true, matchLabels, matchExpressions }
}
