/**
 * Appends every element of `from` to `to`. `to.push(...from)` passes each element as an
 * argument, and beyond about 120,000 of them (the diagnostics of 150,000 documents) the call
 * overflows the stack.
 */
export function append<T>(to: T[], from: readonly T[]): void {
  for (const x of from) to.push(x)
}
