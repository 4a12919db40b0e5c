import * as fs from 'node:fs'
import * as path from 'node:path'

/**
 * The deviations nsoffload keeps on purpose: the one table of `docs/deviations.md`. A
 * differential test tolerates a disagreement only through a row of it, by the row's ID, and only
 * with the diagnostic codes the row lists; `deviations.test.ts` checks that every row names a
 * test that exists and mentions its ID.
 */
export interface Deviation {
  readonly id: string
  readonly codes: readonly string[]
  readonly tests: readonly string[]
}

const repo = path.resolve(import.meta.dirname, '../..')
export const DEVIATIONS_DOC = path.join(repo, 'docs/deviations.md')

export function deviations(): Deviation[] {
  const rows = fs
    .readFileSync(DEVIATIONS_DOC, 'utf8')
    .split('\n')
    .filter((l) => /^\|\s*`[a-z0-9-]+`\s*\|/.test(l))
  return rows.map((l) => {
    const cells = l.split('|').map((c) => c.trim())
    const id = (cells[1] ?? '').replace(/`/g, '')
    const codes = [...(cells[5] ?? '').matchAll(/NSO\d{4}/g)].map((m) => m[0])
    const tests = [...(cells[6] ?? '').matchAll(/`(test\/[^`]+)`/g)].map((m) => m[1] ?? '')
    return { id, codes, tests }
  })
}

/** The codes a deviation allows; throws when the table has no such row. */
export function deviationCodes(id: string): ReadonlySet<string> {
  const d = deviations().find((x) => x.id === id)
  if (!d) throw new Error(`docs/deviations.md has no deviation \`${id}\``)
  return new Set(d.codes)
}
