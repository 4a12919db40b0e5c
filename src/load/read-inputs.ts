import * as path from 'node:path'
import { diag, type Diagnostic } from '../diagnostics/diagnostic.ts'
import type { Host } from '../host/host.ts'
import { decodeText, parseYaml, type ParsedDoc } from './parse-yaml.ts'

/** Files that cannot be read at all: the command cannot run (exit 2). */
export class InputError extends Error {}

const YAML_FILE = /\.(ya?ml|json)$/i

/** Repo-relative, posix form of a path, as diagnostics print it. */
export function displayPath(host: Pick<Host, 'cwd'>, p: string): string {
  const rel = path.relative(host.cwd, path.resolve(host.cwd, p))
  const shown = rel === '' ? '.' : rel.startsWith('..') || path.isAbsolute(rel) ? path.resolve(host.cwd, p) : rel
  return shown.split(path.sep).join('/')
}

/** The file that lists what a policies folder holds besides policies (`.gitignore`-like). */
export const IGNORE_FILE = '.nsoffloadignore'

/** kustomize's own file names: a kustomization next to the policies is not a policy. */
const KUSTOMIZATION_FILE = /^kustomization\.ya?ml$/

interface IgnorePattern {
  readonly re: RegExp
  readonly dirOnly: boolean
}

/** A glob of a `.nsoffloadignore` line as a regular expression over `/`-separated paths. */
function globToRegExp(glob: string, anchored: boolean): RegExp {
  let re = ''
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i] ?? ''
    if (c === '*' && glob[i + 1] === '*') {
      const slash = glob[i + 2] === '/'
      re += slash ? '(?:.*/)?' : '.*'
      i += slash ? 2 : 1
    } else if (c === '*') re += '[^/]*'
    else if (c === '?') re += '[^/]'
    else re += c.replace(/[.+^${}()|[\]\\]/g, '\\$&')
  }
  return new RegExp(`^${anchored ? '' : '(?:.*/)?'}${re}$`)
}

/**
 * The patterns of one `.nsoffloadignore`: one per line, `#` comments and blank lines skipped;
 * `*`, `?` and `**` as in `.gitignore`; a pattern with a `/` (other than a trailing one) is
 * relative to the file's folder, one without matches a name at any depth; a trailing `/`
 * matches folders only. `!` (negation) is not supported: a warning.
 */
export function parseIgnoreFile(file: string, text: string): { patterns: IgnorePattern[]; diagnostics: Diagnostic[] } {
  const patterns: IgnorePattern[] = []
  const diagnostics: Diagnostic[] = []
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim()
    if (line === '' || line.startsWith('#')) return
    if (line.startsWith('!')) {
      diagnostics.push(
        diag(
          'ignorePattern',
          `"${line}": negation is not supported; the line is skipped`,
          { file, line: i + 1, column: raw.indexOf('!') + 1, path: '' },
          { hint: 'list only what to ignore' },
        ),
      )
      return
    }
    const dirOnly = line.endsWith('/')
    const body = line.replace(/\/+$/, '')
    const anchored = body.includes('/')
    patterns.push({ re: globToRegExp(body.replace(/^\//, ''), anchored), dirOnly })
  })
  return { patterns, diagnostics }
}

/** How a walk treats folders that are a unit of their own (workload folders: a kustomization, a Helm chart). */
export interface WalkOptions {
  /**
   * Given a folder's entry names, whether the folder is a package read as a whole (not walked):
   * it is then returned in `packages` instead of its files.
   */
  readonly isPackage?: (names: readonly string[]) => boolean
}

/**
 * The policy files a list of paths stands for, sorted so that input order never matters:
 * files as given; folders read recursively for their `*.yaml|*.yml|*.json` files, skipping
 * hidden files and folders (`.git`, …), what a `.nsoffloadignore` in the folder or a folder
 * above it (up to the one given) lists, and kustomize's `kustomization.yaml` (an info
 * diagnostic names it). Symbolic links are followed; a folder reached twice (a link loop, or
 * two links to one folder) is read once. Workload folders are read the same way
 * (`load/read-workloads.ts`), with `opts.isPackage` naming the folders that are a unit of their
 * own: they are returned, sorted, in `packages`, and neither their files nor their subfolders are read.
 */
export function expandPolicyPaths(
  host: Host,
  paths: readonly string[],
  opts: WalkOptions = {},
): { files: string[]; packages: string[]; diagnostics: Diagnostic[] } {
  const out = new Set<string>()
  const packages = new Set<string>()
  const diagnostics: Diagnostic[] = []
  const visited = new Set<string>()
  const skipKustomization = (abs: string): boolean => {
    if (!KUSTOMIZATION_FILE.test(path.basename(abs))) return false
    diagnostics.push(diag('kustomizationSkipped', 'a kustomize file, not a policy: skipped', { file: displayPath(host, abs), line: 1, column: 1, path: '' }))
    return true
  }
  const walk = (dir: string, shown: string, ignores: readonly { base: string; patterns: readonly IgnorePattern[] }[]): void => {
    let real: string
    try {
      real = host.realpath(dir)
    } catch {
      real = dir
    }
    if (visited.has(real)) return
    visited.add(real)
    let entries: { name: string; dir: boolean; link?: boolean }[]
    try {
      entries = host.readDir(dir)
    } catch (e) {
      throw new InputError(`${shown}: cannot read directory (${(e as Error).message})`)
    }
    if (opts.isPackage?.(entries.map((e) => e.name))) {
      packages.add(dir)
      return
    }
    let here = ignores
    if (entries.some((e) => e.name === IGNORE_FILE && !e.dir)) {
      const file = path.join(dir, IGNORE_FILE)
      let text: string
      try {
        text = Buffer.from(host.readFile(file)).toString('utf8')
      } catch (e) {
        throw new InputError(`${displayPath(host, file)}: cannot read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`)
      }
      const parsed = parseIgnoreFile(displayPath(host, file), text)
      diagnostics.push(...parsed.diagnostics)
      here = [...ignores, { base: dir, patterns: parsed.patterns }]
    }
    const ignored = (abs: string, isDir: boolean): boolean =>
      here.some((ig) => {
        const rel = path.relative(ig.base, abs).split(path.sep).join('/')
        return ig.patterns.some((p) => (!p.dirOnly || isDir) && p.re.test(rel))
      })
    for (const e of [...entries].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
      if (e.name.startsWith('.')) continue
      const abs = path.join(dir, e.name)
      const st = e.link ? host.stat(abs) : { dir: e.dir, file: !e.dir }
      if (!st) continue // a dangling link
      if (ignored(abs, st.dir)) continue
      if (st.dir) walk(abs, `${shown.replace(/\/$/, '')}/${e.name}`, here)
      else if (st.file && YAML_FILE.test(e.name) && !skipKustomization(abs)) out.add(abs)
    }
  }
  for (const p of paths) {
    const abs = path.resolve(host.cwd, p)
    const st = host.stat(abs)
    if (!st)
      throw new InputError(
        `${p}: no such file or directory (working folder ${host.cwd}): run nsoffload from the folder that holds the policies, or give their path with -p`,
      )
    if (st.dir) walk(abs, p, [])
    else if (!skipKustomization(abs)) out.add(abs)
  }
  return { files: [...out].sort(), packages: [...packages].sort(), diagnostics }
}

/** Reads and parses YAML files; unreadable files throw InputError, bad content is diagnostics. */
export function readYamlFiles(
  host: Host,
  files: readonly string[],
  texts: Map<string, string> = new Map(),
): { docs: ParsedDoc[]; diagnostics: Diagnostic[]; texts: Map<string, string>; starts: Map<string, readonly number[]> } {
  const docs: ParsedDoc[] = []
  const diagnostics: Diagnostic[] = []
  const starts = new Map<string, readonly number[]>()
  for (const abs of files) {
    const shown = displayPath(host, abs)
    let bytes: Uint8Array
    try {
      bytes = host.readFile(abs)
    } catch (e) {
      throw new InputError(`${shown}: cannot read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`)
    }
    const text = decodeText(shown, bytes)
    diagnostics.push(...text.diagnostics)
    if (text.text === undefined) continue
    texts.set(shown, text.text)
    const parsed = parseYaml(shown, text.text)
    docs.push(...parsed.docs)
    diagnostics.push(...parsed.diagnostics)
    starts.set(shown, parsed.starts)
  }
  return { docs, diagnostics, texts, starts }
}
