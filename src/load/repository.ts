import * as path from 'node:path'
import { diag, type Diagnostic } from '../diagnostics/diagnostic.ts'
import type { Host } from '../host/host.ts'

/** What finding the repository needs to know of the file tree (the rules' `FileFacts`). */
interface Tree {
  readonly cwd: string
  exists(absolutePath: string): boolean
}

/**
 * The repository an input belongs to, the folder every read for it is confined to: the
 * nearest folder at or above `from` holding `.git` (a Git top-level, a worktree or a
 * submodule: what Argo CD's repo-server confines a repository's symbolic links to); without
 * one, the working folder when `from` is below it, else the folder above `from`. Lexical:
 * links are resolved by `boundOf`.
 */
export function repositoryRoot(tree: Tree, from: string): string {
  for (let dir = from; ;) {
    if (tree.exists(path.join(dir, '.git'))) return dir
    const up = path.dirname(dir)
    if (up === dir) break
    dir = up
  }
  const rel = path.relative(tree.cwd, from)
  return rel.startsWith('..') || path.isAbsolute(rel) ? path.dirname(from) : tree.cwd
}

/** A repository as reads see it: its folder, and that folder with symbolic links resolved. */
export interface Bound {
  readonly root: string
  readonly real: string
}

/** The bound of the repository holding `from` (a folder). */
export function boundOf(host: Host, from: string): Bound {
  const root = repositoryRoot({ cwd: host.cwd, exists: (p) => host.stat(p) !== undefined }, from)
  let real = root
  try {
    real = host.realpath(root)
  } catch {
    // A root that does not resolve holds nothing to read.
  }
  return { root, real }
}

/** `f`, computed once for each folder asked. */
function oncePerFolder<T>(f: (from: string) => T): (from: string) => T {
  const seen = new Map<string, T>()
  return (from) => {
    if (!seen.has(from)) seen.set(from, f(from))
    return seen.get(from) as T
  }
}

/** `repositoryRoot` for the folders of many policies: policies side by side share theirs, looked for once. */
export const repositoryRoots = (tree: Tree): ((from: string) => string) => oncePerFolder((from) => repositoryRoot(tree, from))

/** `boundOf` for the folders of many policies, each looked for once. */
export const boundsOf = (host: Host): ((from: string) => Bound) => oncePerFolder((from) => boundOf(host, from))

/** Whether the canonical path `real` is the bound's folder or below it. */
export function within(bound: Bound, real: string): boolean {
  const rel = path.relative(bound.real, real)
  return rel === '' || (!rel.startsWith('..' + path.sep) && rel !== '..' && !path.isAbsolute(rel))
}

/** The canonical path of `abs`, or undefined when it does not resolve (a dangling link). */
export function realOf(host: Host, abs: string): string | undefined {
  try {
    return host.realpath(abs)
  } catch {
    return undefined
  }
}

/**
 * The error of an input reached through a symbolic link that leads out of its repository:
 * it names the link (as `shown`) and the repository, never the target's content, and the
 * target is not read (kustomize's `LoadRestrictionsRootOnly`: "file is not in or below the
 * root").
 */
export function outsideRepository(shown: string, root: string): Diagnostic {
  return diag(
    'outsideRepository',
    `a symbolic link that leads out of the repository (${root === '.' ? 'the working folder' : root}): not read`,
    { file: shown },
    {
      hint: 'inputs are read from inside their repository (the folder holding .git, else the working folder), links resolved: copy the file into the repository, or link to one inside it',
    },
  )
}
