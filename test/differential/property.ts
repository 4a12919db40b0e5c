import * as fs from 'node:fs'
import * as path from 'node:path'
import * as assert from 'uvu/assert'
import type { Oracle } from './oracle.ts'
import { baseSeed, Rng } from './random.ts'

/**
 * A differential property: cases generated from a seed, each judged by asking the oracle (Liqo's
 * and Kubernetes' own code) and comparing its answer with what nsoffload's functions, called
 * in-process, say. Every case found to disagree once is kept as a named vector in
 * `vectors/<property>.json` and replayed on every run before the generated ones; the vectors
 * hold inputs only: the oracle judges them again each time.
 */
export interface Property<C> {
  readonly name: string
  /** Generated cases per run (scaled by `NSO_CASES`, a multiplier, default 1). */
  readonly cases: number
  generate(rng: Rng): C
  /** Asks the oracle and compares: `undefined` when nsoffload agrees, else the disagreement in words. */
  check(c: C, oracle: Oracle, tally: Tally): Promise<string | undefined>
}

/** Counts of what the cases reached (printed with the result: the generators are seen to reach their corners). */
export class Tally {
  readonly counts = new Map<string, number>()
  add(what: string, n = 1): void {
    this.counts.set(what, (this.counts.get(what) ?? 0) + n)
  }
  toString(): string {
    return [...this.counts]
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([k, n]) => `${k} ${n}`)
      .join(', ')
  }
}

export interface Vector<C> {
  readonly name: string
  /** What the vector pins: the bug it found, or the corner it reaches. */
  readonly about: string
  readonly case: C
}

const vectorsDir = path.join(import.meta.dirname, 'vectors')

export function vectorsOf<C>(property: string): Vector<C>[] {
  const file = path.join(vectorsDir, `${property}.json`)
  if (!fs.existsSync(file)) return []
  const vs = JSON.parse(fs.readFileSync(file, 'utf8')) as Vector<C>[]
  const names = new Set<string>()
  for (const v of vs) {
    if (names.has(v.name)) throw new Error(`${file}: two vectors are named ${v.name}`)
    names.add(v.name)
  }
  return vs
}

function scale(): number {
  const s = process.env['NSO_CASES']
  if (s === undefined || s === '') return 1
  const n = Number(s)
  if (!Number.isFinite(n) || n <= 0) throw new Error(`NSO_CASES must be a positive number, not ${JSON.stringify(s)}`)
  return n
}

const BATCH = 200
const SHOWN = 8

/** Disagreements of one kind look alike once names and numbers are blurred: one of each is shown. */
const kindOf = (why: string): string =>
  why
    .replace(/"[^"]*"/g, '"…"')
    .replace(/\d+/g, 'N')
    .slice(0, 70)

/** Runs the vectors, then the generated cases; prints the counts; fails listing the first disagreements. */
export async function runProperty<C>(oracle: Oracle, p: Property<C>): Promise<{ vectors: number; cases: number }> {
  const seed = baseSeed()
  const rng = Rng.forProperty(p.name, seed)
  const vectors = vectorsOf<C>(p.name)
  const n = Math.round(p.cases * scale())
  const failures: { kind: string; text: string }[] = []
  const tally = new Tally()
  let count = 0
  const judge = async (label: string, c: C): Promise<void> => {
    let why: string | undefined
    try {
      why = await p.check(c, oracle, tally)
    } catch (e) {
      why = `the check threw: ${(e as Error).stack ?? String(e)}`
    }
    count++
    if (why !== undefined) failures.push({ kind: kindOf(why), text: `${label}: ${why}\n    case: ${JSON.stringify(c)}` })
  }
  for (let i = 0; i < vectors.length; i += BATCH) {
    await Promise.all(vectors.slice(i, i + BATCH).map((v) => judge(`vector ${v.name}`, v.case)))
  }
  for (let i = 0; i < n; i += BATCH) {
    const batch = Array.from({ length: Math.min(BATCH, n - i) }, (_, k) => [i + k, p.generate(rng)] as const)
    await Promise.all(batch.map(([k, c]) => judge(`case ${k}`, c)))
  }
  const summary = `differential ${p.name}: ${vectors.length} vectors + ${n} generated cases (seed ${seed})`
  if (failures.length > 0) {
    const shown = [...new Map(failures.map((f) => [f.kind, f.text])).values()].slice(0, SHOWN)
    assert.unreachable(
      `${summary}: ${failures.length} disagree with the oracle (one of each kind below); keep each new one as a vector in test/differential/vectors/${p.name}.json, then fix nsoffload (or list it in docs/deviations.md)\n  ${shown.join('\n  ')}`,
    )
  }
  console.log(`${summary}: all agree${tally.counts.size > 0 ? ` (${tally})` : ''}`)
  assert.is(count, vectors.length + n)
  return { vectors: vectors.length, cases: n }
}
