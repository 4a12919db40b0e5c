import type { NodeSelectorRequirement, NodeSelectorTerm } from '../model/k8s.ts'
import { labelValue, qualifiedName } from './label-syntax.ts'

/**
 * `liqoctl offload namespace --selector` strings, parsed exactly as liqoctl does
 * (apimachinery `ParseToLabelSelector`, then one NodeSelectorTerm per string; liqotech/liqo@v1.2.0 pkg/liqoctl/offload/handler.go):
 * non-equality requirements sorted by key, then one `In [v]` per equality requirement (by key).
 */
export type SelectorParse =
  | { readonly ok: true; readonly term: NodeSelectorTerm }
  | { readonly ok: false; readonly kind: 'syntax' | 'operator'; readonly message: string; readonly hint?: string }

type Tok =
  | { t: 'id'; v: string }
  | { t: 'in' | 'notin' | '=' | '==' | '!=' | '!' | '(' | ')' | ',' | '>' | '<' | 'end' }

const SPECIAL = new Set(['=', '!', '(', ')', ',', '>', '<'])
const WS = new Set([' ', '\t', '\r', '\n'])

function lex(s: string): Tok[] {
  const out: Tok[] = []
  let i = 0
  while (i < s.length) {
    const c = s[i] ?? ''
    if (WS.has(c)) {
      i++
      continue
    }
    if (SPECIAL.has(c)) {
      const two = s.slice(i, i + 2)
      if (two === '==' || two === '!=') {
        out.push({ t: two })
        i += 2
      } else {
        out.push({ t: c as '=' | '!' | '(' | ')' | ',' | '>' | '<' })
        i++
      }
      continue
    }
    let j = i
    while (j < s.length && !WS.has(s[j] ?? '') && !SPECIAL.has(s[j] ?? '')) j++
    const word = s.slice(i, j)
    out.push(word === 'in' || word === 'notin' ? { t: word } : { t: 'id', v: word })
    i = j
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

const show = (t: Tok): string => (t.t === 'id' ? t.v : t.t === 'end' ? '' : t.t)
/** In key and value position apimachinery reads `in`/`notin` as plain identifiers. */
const asId = (t: Tok): Tok => (t.t === 'in' || t.t === 'notin' ? { t: 'id', v: t.t } : t)

function parseRequirements(s: string): Req[] {
  const toks = lex(s)
  let p = 0
  const peek = (): Tok => toks[p] ?? { t: 'end' }
  const next = (): Tok => toks[p++] ?? { t: 'end' }
  const reqs: Req[] = []
  if (peek().t === 'end') return reqs
  for (;;) {
    let negate = false
    if (peek().t === '!') {
      next()
      negate = true
    }
    const keyTok = asId(next())
    if (keyTok.t !== 'id') throw new ParseError(`found '${show(keyTok)}', expected: identifier`)
    const key = keyTok.v
    const keyErrs = qualifiedName(key)
    if (keyErrs.length > 0) throw new ParseError(`key: Invalid value: "${key}": ${keyErrs.join('; ')}`)
    const after = peek().t
    if (after === 'end' || after === ',') {
      reqs.push({ key, op: negate ? 'DoesNotExist' : 'Exists', values: [] })
    } else {
      if (negate) throw new ParseError(`found '${show(peek())}', expected: ',' or 'end'`)
      const opTok = next()
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
          throw new ParseError(`found '${show(opTok)}', expected: in, notin, =, ==, !=, gt, lt`)
      }
      const values = op === 'In' || op === 'NotIn' ? parseValues() : [parseExact()]
      for (const v of values) {
        const errs = labelValue(v)
        if (errs.length > 0) throw new ParseError(`values[0][${key}]: Invalid value: "${v}": ${errs.join('; ')}`)
      }
      if ((op === 'In' || op === 'NotIn') && values.length === 0) {
        throw new ParseError("for 'in', 'notin' operators, values set can't be empty")
      }
      if ((op === 'gt' || op === 'lt') && !/^-?\d+$/.test(values[0] ?? '')) {
        throw new ParseError("for 'Gt', 'Lt' operators, the value must be an integer")
      }
      reqs.push({ key, op, values: [...new Set(values)].sort() })
    }
    const sep = next()
    if (sep.t === 'end') break
    if (sep.t !== ',') throw new ParseError(`found '${show(sep)}', expected: ',' or 'end'`)
    if (peek().t === 'end') throw new ParseError(`found '', expected: !, identifier`)
  }
  return reqs

  function parseExact(): string {
    const t = asId(peek())
    if (t.t === 'end' || t.t === ',') return ''
    next()
    if (t.t === 'id') return t.v
    throw new ParseError(`found '${show(t)}', expected: identifier`)
  }
  function parseValues(): string[] {
    const open = next()
    if (open.t !== '(') throw new ParseError(`found '${show(open)}', expected: '('`)
    const vals: string[] = []
    if (peek().t === ')') {
      next()
      return vals
    }
    for (;;) {
      const t = asId(next())
      if (t.t === 'id') {
        vals.push(t.v)
        const n = next()
        if (n.t === ')') return vals
        if (n.t !== ',') throw new ParseError(`found '${show(n)}', expected: ',' or ')'`)
        if (peek().t === ')') {
          next()
          vals.push('')
          return vals
        }
      } else if (t.t === ',') {
        vals.push('')
      } else {
        throw new ParseError(`found '${show(t)}', expected: ',', ')' or identifier`)
      }
    }
  }
}

/** Parses one `--selector` string into the NodeSelectorTerm liqoctl would emit. */
export function parseLiqoctlSelector(s: string): SelectorParse {
  let reqs: Req[]
  try {
    reqs = parseRequirements(s)
  } catch (e) {
    return { ok: false, kind: 'syntax', message: `couldn't parse the selector string "${s}": unable to parse requirement: ${(e as Error).message}` }
  }
  // apimachinery sorts requirements by key before ParseToLabelSelector converts them.
  reqs.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
  const expressions: NodeSelectorRequirement[] = []
  const equals = new Map<string, string>()
  for (const r of reqs) {
    switch (r.op) {
      case '=':
      case '==':
        equals.set(r.key, r.values[0] ?? '')
        break
      case 'In':
      case 'NotIn':
        expressions.push({ key: r.key, operator: r.op, values: r.values })
        break
      case 'Exists':
      case 'DoesNotExist':
        expressions.push({ key: r.key, operator: r.op })
        break
      case 'gt':
      case 'lt':
        return {
          ok: false,
          kind: 'operator',
          message: `"${r.op}" isn't supported in label selectors`,
          hint: `liqoctl selectors cannot compare numbers; use the NodeSelector form with operator ${r.op === 'gt' ? 'Gt' : 'Lt'}: clusterSelector: {nodeSelectorTerms: [{matchExpressions: [{key: ${r.key}, operator: ${r.op === 'gt' ? 'Gt' : 'Lt'}, values: ["${r.values[0] ?? ''}"]}]}]}`,
        }
      case '!=':
        return {
          ok: false,
          kind: 'operator',
          message: '"!=" is not a valid label selector operator',
          hint: `use "${r.key} notin (${r.values[0] ?? ''})"`,
        }
    }
  }
  // liqoctl iterates a Go map here (random order); we pick key order to stay deterministic.
  for (const k of [...equals.keys()].sort()) expressions.push({ key: k, operator: 'In', values: [equals.get(k) ?? ''] })
  return { ok: true, term: expressions.length > 0 ? { matchExpressions: expressions } : {} }
}
