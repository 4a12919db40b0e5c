/**
 * JSON with object keys sorted: two values that JSON says are equal give the same text, whatever
 * the order their fields were written in (Go writes struct fields in declaration order).
 */
export function canonical(v: unknown): string {
  return JSON.stringify(v, (_k, x: unknown) =>
    x !== null && typeof x === 'object' && !Array.isArray(x) ? Object.fromEntries(Object.entries(x).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) : x,
  )
}
