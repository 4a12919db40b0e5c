import { spawnSync } from 'node:child_process'
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import type { Host, RunOptions, RunResult } from './host.ts'
import { memoryHost } from './memory-host.ts'

/** A failure to read a revision (no Git, not a repository, unknown ref): a usage error. */
export class GitError extends Error {}

export interface GitRevision {
  /** What the user asked for, e.g. `origin/main`. */
  readonly ref: string
  /** The commit it names. */
  readonly commit: string
  /** A host that sees the revision's files where the working tree has its own. */
  readonly host: Host
}

/** The files `plan --base` reads from a revision: YAML and JSON, as `read-inputs.ts` does. */
const WANTED = /\.(ya?ml|json)$/i

function git(cwd: string, args: readonly string[], input?: string): Buffer {
  const r = spawnSync('git', args, { cwd, input, maxBuffer: 1 << 30, env: { ...process.env, GIT_TERMINAL_PROMPT: '0' } })
  if (r.error) throw new GitError(`cannot run git: ${r.error.message}`)
  if (r.status !== 0) {
    const msg = r.stderr.toString('utf8').trim().split('\n')[0] ?? ''
    throw new GitError(msg.replace(/^fatal: /, '') || `git ${args[0] ?? ''} failed`)
  }
  return r.stdout
}

/**
 * Reads the YAML and JSON files of revision `ref` of the repository holding the folder `from`
 * (absolute; the working folder by default) into a memory host with the same working folder, so
 * the same inputs (`-p`, `-i`, workload paths) resolve to the revision's files. Two `git` processes whatever the number of files: `ls-tree`
 * and one `cat-file --batch`. Symbolic links and submodules are not followed.
 */
export function readRevision(host: Host, ref: string, from: string = host.cwd): GitRevision {
  if (ref.startsWith('-')) throw new GitError(`"${ref}" is not a revision`)
  const root = git(from, ['rev-parse', '--show-toplevel']).toString('utf8').trim()
  // Where `from` is inside the repository (`git` resolves symbolic links in `root`).
  const prefix = git(from, ['rev-parse', '--show-prefix']).toString('utf8').trim()
  let commit: string
  try {
    commit = git(from, ['rev-parse', '--verify', '--quiet', '--end-of-options', `${ref}^{commit}`])
      .toString('utf8')
      .trim()
  } catch (e) {
    if (e instanceof GitError) throw new GitError(`unknown revision "${ref}" (a branch, tag or commit of the repository at ${root})`)
    throw e
  }
  const listing = git(root, ['ls-tree', '-r', '-z', '--full-tree', commit]).toString('utf8')
  const blobs: { sha: string; file: string }[] = []
  for (const entry of listing.split('\0')) {
    const tab = entry.indexOf('\t')
    if (tab < 0) continue
    const [mode, type, sha] = entry.slice(0, tab).split(' ')
    const file = entry.slice(tab + 1)
    if (type === 'blob' && mode !== '120000' && sha && WANTED.test(file)) blobs.push({ sha, file })
  }
  const files = new Map<string, Uint8Array>()
  if (blobs.length > 0) {
    const batch = git(root, ['cat-file', '--batch'], blobs.map((b) => b.sha).join('\n') + '\n')
    let at = 0
    for (const b of blobs) {
      const nl = batch.indexOf(10, at)
      const size = Number(batch.toString('latin1', at, nl).split(' ')[2])
      files.set(path.posix.resolve(from, path.posix.relative(prefix, b.file)), batch.subarray(nl + 1, nl + 1 + size))
      at = nl + 1 + size + 1
    }
  }
  // The repository's root keeps a `.git` folder, so that workload paths are checked against
  // the same root as in the working tree. The working folder may not exist in the revision.
  const top = path.posix.resolve(from, path.posix.relative(prefix, '.'))
  const run = revisionRun(host, root, commit, top)
  return { ref, commit, host: memoryHost({ cwd: host.cwd, files, dirs: [path.posix.join(top, '.git')], env: host.env, run }) }
}

/**
 * How the revision's host runs a program (kustomize, for a workload kustomization of the base):
 * in a checkout of the revision's whole tree (every file: a configMapGenerator reads any kind),
 * made on the first run in a temporary folder by `git read-tree` and `checkout-index` with an
 * index of its own, and removed when the process exits. Paths under the repository are
 * translated there and back.
 */
function revisionRun(host: Host, root: string, commit: string, top: string): Host['run'] {
  let tree: string | undefined
  const checkout = (): string => {
    if (tree) return tree
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'nsoffload-base-'))
    process.once('exit', () => fs.rmSync(tmp, { recursive: true, force: true }))
    const dir = path.join(tmp, 'tree')
    fs.mkdirSync(dir)
    const env = { ...process.env, GIT_INDEX_FILE: path.join(tmp, 'index'), GIT_TERMINAL_PROMPT: '0' }
    for (const args of [
      ['read-tree', commit],
      ['--work-tree', dir, 'checkout-index', '--all'],
    ]) {
      const r = spawnSync('git', args, { cwd: root, env, encoding: 'utf8' })
      if (r.status !== 0) throw new GitError(`cannot check out ${commit} for kustomize: ${(r.stderr || '').trim().split('\n')[0] ?? ''}`)
    }
    tree = dir
    return dir
  }
  const inside = (p: string): boolean => p === top || p.startsWith(top + '/')
  return (command: string, args: readonly string[], opts: RunOptions): RunResult => {
    const dir = checkout()
    const there = (p: string): string => (path.isAbsolute(p) && inside(p) ? path.join(dir, path.posix.relative(top, p)) : p)
    const cwd = there(opts.cwd)
    const r = host.run(command, args.map(there), { ...opts, cwd: fs.existsSync(cwd) ? cwd : dir })
    const back = (s: string): string => s.replaceAll(dir, top)
    return { ...r, stdout: r.stdout, stderr: back(r.stderr) }
  }
}
