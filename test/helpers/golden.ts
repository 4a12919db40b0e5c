import * as fs from 'node:fs'
import * as path from 'node:path'
import { createTwoFilesPatch } from 'diff'

/**
 * Compares `actual` with the golden file; with UPDATE_GOLDEN=1 rewrites it instead (then
 * review the diff of the golden files before committing). Returns an error text or undefined.
 */
export function checkGolden(file: string, actual: string): string | undefined {
  if (process.env['UPDATE_GOLDEN']) {
    fs.mkdirSync(path.dirname(file), { recursive: true })
    fs.writeFileSync(file, actual)
    return undefined
  }
  if (!fs.existsSync(file)) return `missing golden file ${file} (run UPDATE_GOLDEN=1 npm test and review it)`
  const expected = fs.readFileSync(file, 'utf8')
  if (expected === actual) return undefined
  return createTwoFilesPatch(`expected/${path.basename(file)}`, `actual/${path.basename(file)}`, expected, actual)
}
