import * as path from 'node:path'
import type { Diagnostic } from '../diagnostics/diagnostic.ts'
import type { Host } from '../host/host.ts'
import type { Policy } from '../model/policy.ts'
import type { ParsedDoc } from './parse-yaml.ts'
import { expandPaths, readYamlFiles } from './read-inputs.ts'
import { boundOf } from './repository.ts'
import { append } from '../util/append.ts'

/**
 * Reads the workload files of every policy (the I/O edge): each `spec.workloads` entry,
 * relative to its policy file, is a file or a folder whose `*.yaml|*.yml|*.json` files are read
 * (not recursively, like `kubectl apply -f DIR`), in sorted order, with the same strict parser
 * as policies; every file, links resolved, inside the policy's repository (`repository.ts`). Paths must have been checked to exist; unreadable files throw InputError.
 */
export function readWorkloadDocs(
  host: Host,
  policies: readonly Policy[],
  texts: Map<string, string>,
): { docs: Map<string, ParsedDoc[]>; diagnostics: Diagnostic[] } {
  const docs = new Map<string, ParsedDoc[]>()
  const diagnostics: Diagnostic[] = []
  for (const p of policies) {
    if (p.workloads.length === 0) continue
    const base = path.dirname(path.resolve(host.cwd, p.source.file))
    const expanded = expandPaths(
      host,
      p.workloads.map((w) => path.resolve(base, w)),
      boundOf(host, base),
    )
    const read = readYamlFiles(host, expanded.files, texts)
    docs.set(p.namespace, read.docs)
    append(diagnostics, expanded.diagnostics)
    append(diagnostics, read.diagnostics)
  }
  return { docs, diagnostics }
}
