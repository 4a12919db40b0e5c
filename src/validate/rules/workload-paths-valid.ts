import * as path from 'node:path'
import { diag, type Diagnostic } from '../../diagnostics/diagnostic.ts'
import { displayPath } from '../../load/read-inputs.ts'
import type { Policy } from '../../model/policy.ts'
import type { Location } from '../../model/source.ts'
import type { FileFacts } from './index.ts'

/**
 * Workload paths are relative to their policy file, must exist, and must stay inside the
 * repository (the nearest folder with `.git` above the policy, else the working directory).
 * Runs on the valid policies before their workload files are read; what it knows of the file
 * tree comes from `files`.
 */
export function workloadPathsValid(policies: readonly Policy[], files: FileFacts): Diagnostic[] {
  const out: Diagnostic[] = []
  for (const p of policies) {
    if (p.workloads.length === 0) continue
    const policyFile = path.resolve(files.cwd, p.source.file)
    const base = path.dirname(policyFile)
    const root = repoRoot(files, base)
    p.workloads.forEach((w, i) => {
      const at = (): Location => p.source.locate(['spec', 'workloads', i])
      const abs = path.resolve(base, w)
      const rel = path.relative(root, abs)
      if (path.isAbsolute(w) || rel.startsWith('..') || path.isAbsolute(rel)) {
        out.push(
          diag('workloadPathMissing', `workload path "${w}" leaves the repository (${displayPath(files, root)})`, at(), {
            hint: 'use a path relative to the policy file, inside the repository',
          }),
        )
      } else if (!files.exists(abs)) {
        out.push(
          diag('workloadPathMissing', `workload path "${w}" does not exist (resolved to ${displayPath(files, abs)})`, at(), {
            hint: 'paths are relative to the policy file',
          }),
        )
      }
    })
  }
  return out
}

function repoRoot(files: FileFacts, from: string): string {
  let dir = from
  for (;;) {
    if (files.exists(path.join(dir, '.git'))) return dir
    const up = path.dirname(dir)
    if (up === dir) break
    dir = up
  }
  // No repository: the working directory when the policies are below it, else the policies' parent.
  const rel = path.relative(files.cwd, from)
  return rel.startsWith('..') || path.isAbsolute(rel) ? path.dirname(from) : files.cwd
}
