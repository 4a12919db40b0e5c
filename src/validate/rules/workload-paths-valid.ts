import * as path from 'node:path'
import { diag, type Diagnostic } from '../../diagnostics/diagnostic.ts'
import { displayPath } from '../../load/read-inputs.ts'
import { repositoryRoots } from '../../load/repository.ts'
import type { Policy } from '../../model/policy.ts'
import type { Location } from '../../model/source.ts'
import type { FileFacts } from './index.ts'

/**
 * Workload paths are relative to their policy file, must exist, and must stay inside the
 * repository (`load/repository.ts`: the nearest folder with `.git` above the policy, else
 * the working directory); links are resolved when the files are read (`load/read-workloads.ts`).
 * Runs on the valid policies before their workload files are read; what it knows of the file
 * tree comes from `files`.
 */
export function workloadPathsValid(policies: readonly Policy[], files: FileFacts): Diagnostic[] {
  const out: Diagnostic[] = []
  const rootOf = repositoryRoots(files)
  for (const p of policies) {
    if (p.workloads.length === 0) continue
    const policyFile = path.resolve(files.cwd, p.source.file)
    const base = path.dirname(policyFile)
    const root = rootOf(base)
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
