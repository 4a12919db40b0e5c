import * as path from 'node:path'
import { CannotRun } from '../diagnostics/cannot-run.ts'
import { diag, type Diagnostic } from '../diagnostics/diagnostic.ts'
import type { Host, RegularFile } from '../host/host.ts'
import { IGNORE_FILE, isIgnored, type IgnoreRules, parseIgnoreFile } from './ignore-file.ts'
import { MAX_FILE_BYTES } from './limits.ts'
import { decodeText, parseYaml, type ParsedDoc } from './parse-yaml.ts'
import { type Bound, boundOf, outsideRepository, realOf, within } from './repository.ts'
import { append } from '../util/append.ts'

/** Files that cannot be read at all: the command cannot run (exit 2). */
export class InputError extends CannotRun {}

const YAML_FILE = /\.(ya?ml|json)$/i

/** Repo-relative, posix form of a path, as diagnostics print it. */
export function displayPath(host: Pick<Host, 'cwd'>, p: string): string {
  const rel = path.relative(host.cwd, path.resolve(host.cwd, p))
  const shown = rel === '' ? '.' : rel.startsWith('..') || path.isAbsolute(rel) ? path.resolve(host.cwd, p) : rel
  return shown.split(path.sep).join('/')
}

/** kustomize's own file names: a kustomization next to the policies is not a policy. */
const KUSTOMIZATION_FILE = /^kustomization\.ya?ml$/

/** How a walk reads folders: the bound of its reads, and the folders that are a unit of their own (workload folders: a kustomization, a Helm chart). */
export interface WalkOptions {
  /** The folder every read must stay in, links resolved; by default the repository of each path given (`repository.ts`). */
  readonly bound?: Bound
  /**
   * Given a folder's entry names, whether the folder is a package read as a whole (not walked):
   * it is then returned in `packages` instead of its files.
   */
  readonly isPackage?: (names: readonly string[]) => boolean
}

/**
 * The policy files a list of paths stands for, sorted so that input order never matters:
 * files as given; folders read recursively for their `*.yaml|*.yml|*.json` files, skipping
 * hidden files and folders (`.git`, …), what the `.nsoffloadignore` files of the folder and
 * the folders above it (up to the one given) leave out, as git reads nested `.gitignore`
 * files (`ignore-file.ts`), and kustomize's `kustomization.yaml` (an info
 * diagnostic names it). Symbolic links are followed; a folder reached twice (a link loop, or
 * two links to one folder) is read once. Every file and folder, links resolved, must lie in
 * the repository of the path given (`repository.ts`), or in `opts.bound` when given: a link
 * out is an error naming it (not its target), and nothing behind it is read. Workload folders
 * are read the same way (`load/read-workloads.ts`), with `opts.isPackage` naming the folders
 * that are a unit of their own: they are returned, sorted, in `packages`, and neither their
 * files nor their subfolders are read.
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
  /** Whether `abs` (canonically `real`) may be read; a link out is said once, here. */
  const confined = (bound: Bound, abs: string, real: string): boolean => {
    if (within(bound, real)) return true
    diagnostics.push(outsideRepository(displayPath(host, abs), displayPath(host, bound.root)))
    return false
  }
  const walk = (dir: string, real: string, shown: string, ignores: readonly IgnoreRules[], bound: Bound): void => {
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
    // Where an entry leads: below this folder, unless it is a link (then resolved and checked).
    const realOfEntry = (e: { name: string; link?: boolean }): string | undefined => (e.link ? realOf(host, path.join(dir, e.name)) : path.join(real, e.name))
    let here = ignores
    const ignoreEntry = entries.find((e) => e.name === IGNORE_FILE && !e.dir)
    if (ignoreEntry) {
      const file = path.join(dir, IGNORE_FILE)
      const to = realOfEntry(ignoreEntry)
      if (to !== undefined && confined(bound, file, to)) {
        const read = readInput(host, file)
        if ('diagnostic' in read) diagnostics.push(read.diagnostic)
        else {
          const parsed = parseIgnoreFile(displayPath(host, file), dir, Buffer.from(read.bytes).toString('utf8'))
          append(diagnostics, parsed.diagnostics)
          here = [...ignores, parsed.rules]
        }
      }
    }
    for (const e of [...entries].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
      if (e.name.startsWith('.')) continue
      const abs = path.join(dir, e.name)
      const st = e.link ? host.stat(abs) : { dir: e.dir, file: !e.dir }
      if (!st) continue // a dangling link
      if (isIgnored(here, abs, st.dir)) continue
      // Not a folder: a file to read, or something else the reader says is not a regular file.
      if (!st.dir && (!YAML_FILE.test(e.name) || skipKustomization(abs))) continue
      const to = realOfEntry(e)
      if (to === undefined || !confined(bound, abs, to)) continue
      if (st.dir) walk(abs, to, `${shown.replace(/\/$/, '')}/${e.name}`, here, bound)
      else out.add(abs)
    }
  }
  for (const p of paths) {
    const abs = path.resolve(host.cwd, p)
    const st = host.stat(abs)
    if (!st)
      throw new InputError(
        `${p}: no such file or directory (working folder ${host.cwd}): run nsoffload from the folder that holds the policies, or give their path with -p`,
      )
    const bound = opts.bound ?? boundOf(host, st.dir ? abs : path.dirname(abs))
    const real = realOf(host, abs) ?? abs
    if (!st.dir && skipKustomization(abs)) continue
    if (!confined(bound, abs, real)) continue
    if (st.dir) walk(abs, real, p, [], bound)
    else out.add(abs)
  }
  return { files: [...out].sort(), packages: [...packages].sort(), diagnostics }
}

/**
 * The error of a file (the inventory, a workload kustomization) that resolves, links followed,
 * outside `bound` (by default the repository of the folder holding it), or undefined when it
 * may be read.
 */
export function confineFile(host: Host, abs: string, bound: Bound = boundOf(host, path.dirname(abs))): Diagnostic | undefined {
  const real = realOf(host, abs)
  return real === undefined || within(bound, real) ? undefined : outsideRepository(displayPath(host, abs), displayPath(host, bound.root))
}

/** A size in MiB, as the limits are stated. */
const mib = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(1).replace(/\.0$/, '')} MiB`

/**
 * The bytes of an input file (a policy, the inventory, a workload file, a `.nsoffloadignore`),
 * or the diagnostic that says why it is not read: it is not a regular file (a FIFO would block
 * forever, `/dev/zero` never ends), or it is larger than `MAX_FILE_BYTES` (`limits.ts`). A file that cannot be read at all throws InputError.
 */
function readInput(host: Host, abs: string): { bytes: Uint8Array } | { diagnostic: Diagnostic } {
  const shown = displayPath(host, abs)
  let read: RegularFile
  try {
    read = host.readRegularFile(abs, MAX_FILE_BYTES)
  } catch (e) {
    throw new InputError(`${shown}: cannot read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`)
  }
  if ('notRegular' in read)
    return {
      diagnostic: diag(
        'notRegularFile',
        `${read.notRegular}, not a regular file: not read`,
        { file: shown },
        { hint: 'inputs are read from regular files only' },
      ),
    }
  if ('tooLarge' in read)
    return {
      diagnostic: diag(
        'fileTooLarge',
        `${mib(read.tooLarge)}, more than the limit of ${mib(MAX_FILE_BYTES)} per file: not read`,
        { file: shown },
        {
          hint: 'split the file (docs/inputs.md states the limits)',
        },
      ),
    }
  return read
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
    const read = readInput(host, abs)
    if ('diagnostic' in read) {
      diagnostics.push(read.diagnostic)
      continue
    }
    const text = decodeText(shown, read.bytes)
    append(diagnostics, text.diagnostics)
    if (text.text === undefined) continue
    texts.set(shown, text.text)
    const parsed = parseYaml(shown, text.text)
    append(docs, parsed.docs)
    append(diagnostics, parsed.diagnostics)
    starts.set(shown, parsed.starts)
  }
  return { docs, diagnostics, texts, starts }
}
