import * as path from 'node:path'
import ignore, { type Ignore } from 'ignore'
import { diag, type Diagnostic } from '../diagnostics/diagnostic.ts'

/** The file that lists what a policies folder holds besides policies (`.gitignore`-like). */
export const IGNORE_FILE = '.nsoffloadignore'

/** The rules of one `.nsoffloadignore`, and the folder they are relative to. */
export interface IgnoreRules {
  readonly base: string
  readonly rules: Ignore
}

/**
 * The ignore package's own test for a line it skips: a lone backslash at its end escapes
 * nothing (`node_modules/ignore/index.js`, `REGEX_INVALID_TRAILING_BACKSLASH`); git's
 * wildmatch matches nothing with such a pattern either.
 */
const TRAILING_BACKSLASH = /(?:[^\\]|^)\\$/

/**
 * The rules of one `.nsoffloadignore` file in folder `base`: gitignore's own syntax and
 * semantics, matched by the `ignore` package (the matcher of eslint and prettier, which
 * follows `git check-ignore`), in linear time: `*`, `?`, `[a-z]` ranges, `**`, a leading or
 * middle `/` anchoring the pattern to `base`, a trailing `/` for folders only, `!` re-including
 * what an earlier line excluded, `\` escaping, `#` comments. Case-sensitive, as git is by
 * default. A line that matches nothing (a lone trailing backslash) is a warning.
 */
export function parseIgnoreFile(file: string, base: string, text: string): { rules: IgnoreRules; diagnostics: Diagnostic[] } {
  const diagnostics: Diagnostic[] = []
  text.split(/\r?\n/).forEach((line, i) => {
    if (TRAILING_BACKSLASH.test(line.replace(/^\s+/, '')) && !line.trimStart().startsWith('#')) {
      diagnostics.push(
        diag(
          'ignorePattern',
          `"${line}" ends in a backslash that escapes nothing: the line matches nothing`,
          { file, line: i + 1, column: line.length, path: '' },
          { hint: 'remove the backslash, or write \\\\ for a backslash in a name' },
        ),
      )
    }
  })
  return { rules: { base, rules: ignore({ ignorecase: false }).add(text) }, diagnostics }
}

/**
 * Whether an entry is ignored by the `.nsoffloadignore` files of its folder and the folders
 * above it (`layers`, outermost first), as git decides with nested `.gitignore` files: the
 * deepest file with a line that matches the entry decides, and within a file the last line
 * that matches. (A folder left out is not walked, so nothing below it can be re-included, as
 * in git.)
 */
export function isIgnored(layers: readonly IgnoreRules[], abs: string, isDir: boolean): boolean {
  for (let i = layers.length - 1; i >= 0; i--) {
    const layer = layers[i]
    if (!layer) continue
    const rel = path.relative(layer.base, abs).split(path.sep).join('/')
    const r = layer.rules.test(isDir ? `${rel}/` : rel)
    if (r.ignored) return true
    if (r.unignored) return false
  }
  return false
}
