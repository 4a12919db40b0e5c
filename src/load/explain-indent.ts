/**
 * A list item indented less than the key or the items it belongs to (`- region=east` left of
 * `clusterSelector:`) is a YAML error the parser reports as three puzzles
 * (BLOCK_AS_IMPLICIT_KEY, MULTILINE_IMPLICIT_KEY, MISSING_CHAR). This reads the lines around
 * it and says what the YAML became and where the item should go. Pure.
 */
export interface IndentExplanation {
  /** 0-based offset of the item's `-`. */
  readonly offset: number
  readonly message: string
  readonly hint: string
  /** The line (1-based) of the last parser error this explanation replaces. */
  readonly line: number
}

const KEY_LINE = /^(\s*)(?:- +)?((?:"[^"]*"|'[^']*'|[^\s#'"-][^:#]*?)):(?:\s+(?:#.*)?)?$/
const indentOf = (l: string): number => l.length - l.trimStart().length
const isContent = (l: string): boolean => l.trim() !== '' && !l.trimStart().startsWith('#')

/**
 * @param text the file
 * @param dashLine 1-based line where the parser met the misplaced item
 */
export function explainDedentedItem(text: string, dashLine: number): IndentExplanation | undefined {
  const lines = text.split(/\r?\n/)
  const line = lines[dashLine - 1]
  if (line === undefined || !/^\s*- /.test(line + ' ')) return undefined
  const col = indentOf(line)
  let p = dashLine - 2
  while (p >= 0 && !isContent(lines[p] ?? '')) p--
  const prev = lines[p]
  if (prev === undefined || indentOf(prev) <= col) return undefined
  const item = line.trim()
  const prevIsItem = /^\s*- /.test(prev)
  const prevKey = KEY_LINE.exec(prev)
  // What the item landed next to: the nearest key line above at its indentation or less, and that key's parent.
  let s = p
  while (s >= 0 && !(isContent(lines[s] ?? '') && indentOf(lines[s] ?? '') <= col)) s--
  const sibling = s >= 0 ? KEY_LINE.exec(lines[s] ?? '') : null
  let parentName = 'the top level of the document'
  if (sibling) {
    const at = indentOf(lines[s] ?? '')
    let q = s - 1
    while (q >= 0 && !(isContent(lines[q] ?? '') && indentOf(lines[q] ?? '') < at)) q--
    const parent = q >= 0 ? KEY_LINE.exec(lines[q] ?? '') : null
    if (parent?.[2]) parentName = `"${parent[2]}:"`
    else if (q >= 0) return undefined
  } else return undefined
  const became = `YAML reads it as an entry of ${parentName}, next to "${sibling[2] ?? ''}:" (line ${s + 1}), where a list item cannot stand`
  const offset = lines.slice(0, dashLine - 1).reduce((n, l) => n + l.length + 1, 0) + col
  if (prevIsItem) {
    const want = indentOf(prev)
    return {
      offset,
      line: dashLine,
      message: `the list item "${item}" is indented less than the list item above it (line ${p + 1}, column ${want + 1}): ${became}`,
      hint: `indent it to column ${want + 1}, like the item on line ${p + 1}`,
    }
  }
  if (prevKey?.[2] !== undefined && prevKey[1] !== undefined) {
    const keyCol = indentOf(prev) + (/^\s*- /.test(prev) ? (/^\s*- +/.exec(prev)?.[0].length ?? 0) - indentOf(prev) : 0)
    return {
      offset,
      line: dashLine,
      message: `the list item "${item}" is left of "${prevKey[2]}:" (line ${p + 1}, column ${keyCol + 1}), so it is not that key's value: ${became}`,
      hint: `indent it to column ${keyCol + 3}, two spaces further than "${prevKey[2]}:"`,
    }
  }
  return undefined
}
