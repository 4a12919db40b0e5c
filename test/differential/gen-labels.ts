import type { NodeSelector, NodeSelectorRequirement, NodeSelectorTerm } from '../../src/model/k8s.ts'
import type { Rng } from './random.ts'

/**
 * Label keys, label values and node selectors that reach the corners: Liqo's own keys, prefixes,
 * the longest names, integers at and beyond the signed 64-bit range, signs, leading zeros, values
 * that are not label values, empty strings.
 */

/** Keys a cluster or a node may carry (valid label keys). */
export const NODE_KEYS = [
  'topology.liqo.io/region',
  'topology.kubernetes.io/zone',
  'liqo.io/type',
  'liqo.io/remote-cluster-id',
  'kubernetes.io/hostname',
  'kubernetes.io/os',
  'kubernetes.io/arch',
  'kubernetes.io/role',
  'storage.liqo.io/available',
  'node.kubernetes.io/exclude-from-external-load-balancers',
  'type',
  'tier',
  'cpu',
  'n',
  'example.com/gpu-count',
  'Region',
  'a_b.c-d',
  'x.y/Z_9',
  'k'.repeat(63),
] as const

const INTS = [
  '0',
  '1',
  '5',
  '6',
  '42',
  '007',
  '-1',
  '+5',
  '-0',
  '9223372036854775807',
  '9223372036854775808',
  '-9223372036854775808',
  '-9223372036854775809',
  '99999999999999999999',
  '1e3',
  '0x10',
  '1.5',
  '1_000',
  ' 5',
] as const

/** Valid label values that look like numbers, words or Liqo's values. */
const WORDS = ['south', 'center', 'north', 'virtual-node', 'true', 'false', 'amd64', 'linux', 'agent', 'a_b', 'A.B-c', 'x', 'v'.repeat(63)] as const
/** Strings that are not label values. */
const NOT_LABEL_VALUES = ['-a', 'a-', '_a', 'a b', 'é', 'v'.repeat(64), 'a/b', '.x', '+5', '-1', ' 5'] as const
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/

export const isLabelValue = (v: string): boolean => v.length <= 63 && LABEL_VALUE.test(v)

/** A value for a selector requirement: anything, corners favoured. */
export function anyValue(rng: Rng): string {
  return rng.oneOf<string>([
    [4, () => rng.pick(INTS)],
    [4, () => rng.pick(WORDS)],
    [1, () => rng.pick(NOT_LABEL_VALUES)],
    [1, () => ''],
    [1, () => String(rng.between(-20, 20))],
  ])
}

/** A valid label value for a node (the API server accepts no other). */
export function nodeValue(rng: Rng): string {
  for (;;) {
    const v = anyValue(rng)
    if (isLabelValue(v)) return v
  }
}

/** Node labels: a few of the keys above with valid values. */
export function nodeLabels(rng: Rng, max = 4): Record<string, string> {
  const out: Record<string, string> = {}
  for (const k of rng.subset(NODE_KEYS, max)) out[k] = k === 'storage.liqo.io/available' ? rng.pick(['true', 'false']) : nodeValue(rng)
  return out
}

const OPERATORS = ['In', 'NotIn', 'Exists', 'DoesNotExist', 'Gt', 'Lt'] as const

/** A NodeSelectorRequirement, mostly well formed, sometimes not (values with Exists, no values with In, an unknown operator). */
export function requirement(rng: Rng, keys: readonly string[] = NODE_KEYS): NodeSelectorRequirement {
  const key = rng.chance(0.03) ? rng.pick(['-bad', 'a/b/c', 'x/', '', 'k'.repeat(64)]) : rng.pick(keys)
  const operator = rng.chance(0.02) ? rng.pick(['in', 'Equals', '']) : rng.pick(OPERATORS)
  const well = rng.chance(0.9)
  let values: string[] | undefined
  switch (operator) {
    case 'In':
    case 'NotIn':
      values = well ? rng.list(1, 3, () => anyValue(rng)) : []
      break
    case 'Gt':
    case 'Lt':
      values = well
        ? [
            rng.oneOf<string>([
              [3, () => rng.pick(INTS)],
              [1, () => anyValue(rng)],
            ]),
          ]
        : rng.list(0, 2, () => rng.pick(INTS))
      break
    default:
      values = well ? undefined : rng.list(0, 1, () => anyValue(rng))
  }
  return values === undefined ? { key, operator } : { key, operator, values }
}

/** A field requirement: `metadata.name` mostly, with a node name or not. */
export function fieldRequirement(rng: Rng, names: readonly string[]): NodeSelectorRequirement {
  const key = rng.chance(0.85) ? 'metadata.name' : rng.pick(['spec.foo', 'metadata.namespace', 'name'])
  const operator = rng.chance(0.9) ? rng.pick(['In', 'NotIn']) : rng.pick(['Exists', 'Gt'])
  const values = rng.chance(0.9) ? [rng.chance(0.8) && names.length > 0 ? rng.pick(names) : 'nowhere'] : rng.list(0, 2, () => rng.pick([...names, 'x']))
  return { key, operator, values }
}

/** A term: expressions and/or fields, sometimes empty. */
export function term(rng: Rng, names: readonly string[], keys: readonly string[] = NODE_KEYS): NodeSelectorTerm {
  const t: { matchExpressions?: NodeSelectorRequirement[]; matchFields?: NodeSelectorRequirement[] } = {}
  if (rng.chance(0.9)) t.matchExpressions = rng.list(rng.chance(0.05) ? 0 : 1, 3, () => requirement(rng, keys))
  if (rng.chance(0.15)) t.matchFields = rng.list(1, 2, () => fieldRequirement(rng, names))
  return t
}

/** A NodeSelector: zero to three terms. */
export function nodeSelector(rng: Rng, names: readonly string[], keys: readonly string[] = NODE_KEYS): NodeSelector {
  return { nodeSelectorTerms: rng.list(rng.chance(0.9) ? 1 : 0, 3, () => term(rng, names, keys)) }
}
