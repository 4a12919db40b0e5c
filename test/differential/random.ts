/**
 * Seeded randomness for the differential tests: the same seed gives the same cases on every
 * machine. The seed is fixed unless `NSO_SEED` says otherwise (a decimal integer), and each
 * property draws from its own stream (the seed mixed with the property's name), so adding a
 * property does not change the cases of another.
 */

export const DEFAULT_SEED = 20261203

export function baseSeed(): number {
  const s = process.env['NSO_SEED']
  if (s === undefined || s === '') return DEFAULT_SEED
  if (!/^\d+$/.test(s)) throw new Error(`NSO_SEED must be a decimal integer, not ${JSON.stringify(s)}`)
  return Number(BigInt(s) % 2n ** 32n)
}

/** FNV-1a of a string, mixed into the seed. */
function mix(seed: number, name: string): number {
  let h = (0x811c9dc5 ^ seed) >>> 0
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 0x01000193) >>> 0
  return h
}

export class Rng {
  private s: number
  constructor(seed: number) {
    this.s = seed >>> 0
  }

  static forProperty(name: string, seed = baseSeed()): Rng {
    return new Rng(mix(seed, name))
  }

  /** mulberry32: a float in [0, 1). */
  next(): number {
    this.s = (this.s + 0x6d2b79f5) >>> 0
    let t = this.s
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }

  /** An integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n)
  }

  /** An integer in [lo, hi]. */
  between(lo: number, hi: number): number {
    return lo + this.int(hi - lo + 1)
  }

  chance(p: number): boolean {
    return this.next() < p
  }

  pick<T>(xs: readonly T[]): T {
    if (xs.length === 0) throw new Error('pick from an empty list')
    return xs[this.int(xs.length)] as T
  }

  /** One of the generators, chosen by weight. */
  oneOf<T>(choices: readonly (readonly [number, () => T])[]): T {
    const total = choices.reduce((s, [w]) => s + w, 0)
    let r = this.next() * total
    for (const [w, f] of choices) {
      if ((r -= w) < 0) return f()
    }
    return (choices[choices.length - 1] as readonly [number, () => T])[1]()
  }

  /** `n` values of `f`, n in [lo, hi]. */
  list<T>(lo: number, hi: number, f: (i: number) => T): T[] {
    const n = this.between(lo, hi)
    return Array.from({ length: n }, (_, i) => f(i))
  }

  /** A sub-list of `xs` in random order. */
  subset<T>(xs: readonly T[], max = xs.length): T[] {
    const copy = [...xs]
    for (let i = copy.length - 1; i > 0; i--) {
      const j = this.int(i + 1)
      ;[copy[i], copy[j]] = [copy[j] as T, copy[i] as T]
    }
    return copy.slice(0, this.int(Math.min(max, copy.length) + 1))
  }
}
