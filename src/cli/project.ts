import * as path from 'node:path'
import { compile, type Compiled } from '../compile/compile.ts'
import { dedupeDiagnostics, diag, type Diagnostic, sortDiagnostics, strictify } from '../diagnostics/diagnostic.ts'
import type { Host } from '../host/host.ts'
import { displayPath, expandPolicyPaths, InputError, readYamlFiles } from '../load/read-inputs.ts'
import type { Policy } from '../model/policy.ts'
import type { Location } from '../model/source.ts'
import type { Workload } from '../model/workload.ts'
import { readWorkloadDocs } from '../load/read-workloads.ts'
import { toWorkloads } from '../workloads/to-workloads.ts'
import { validate, type Validated } from '../validate/validate.ts'
import type { ReadInputs } from '../report/validate-report.ts'
import { UsageError } from './exit-codes.ts'

/** The inputs every command shares (`-p`, `-i`, `--strict`). */
export interface InputOptions {
  readonly policies: readonly string[]
  readonly inventory: string
  /** `-i` was given explicitly: a missing file is then an error even for `validate`. */
  readonly inventoryExplicit: boolean
  /** `--no-inventory`: check the policies alone, without a word about the inventory. */
  readonly inventoryWaived?: boolean
  /** Without an inventory, say so with a warning (`validate`); other commands need one or do without. */
  readonly warnWithoutInventory?: boolean
  readonly strict: boolean
  /** Read the policies' workload files (default true; `fn` gets its workloads on stdin). */
  readonly workloads?: boolean
}

export interface Project {
  readonly validated: Validated
  /** Present when the input is valid and an inventory was given. */
  readonly compiled?: Compiled
  /** Every diagnostic, sorted, `--strict` applied. */
  readonly diagnostics: readonly Diagnostic[]
  readonly texts: ReadonlyMap<string, string>
  /** What was read, document by document: for the counts of `validate`'s summary. */
  readonly inputs: ReadInputs
}

/**
 * Reads, validates and (with an inventory) compiles the project. The I/O edge of the pipeline:
 * everything after reading is pure. Unreadable inputs throw UsageError (exit 2).
 */
export function loadProject(host: Host, opts: InputOptions, needInventory: boolean): Project {
  try {
    const expanded = expandPolicyPaths(host, opts.policies)
    const policyFiles = expanded.files
    const texts = new Map<string, string>()
    const read = readYamlFiles(host, policyFiles, texts)
    const diagnostics: Diagnostic[] = [...expanded.diagnostics, ...read.diagnostics]
    const starts = new Map(read.starts)
    let inventoryInput: { file: string; docs: typeof read.docs } | undefined
    if (opts.inventoryWaived && needInventory) throw new InputError('--no-inventory: this command needs the cluster inventory (only validate checks policies without one)')
    const invAbs = path.resolve(host.cwd, opts.inventory)
    const alreadyRead = policyFiles.includes(invAbs)
    if (!opts.inventoryWaived && !alreadyRead && (host.stat(invAbs)?.file || opts.inventoryExplicit || needInventory)) {
      if (!host.stat(invAbs)) {
        throw new InputError(
          opts.inventoryExplicit
            ? `${opts.inventory}: no such file (the cluster inventory given with -i)`
            : `${opts.inventory}: no such file in ${host.cwd} (the cluster inventory): run nsoffload from the folder that holds it, or give -i FILE`,
        )
      }
      const inv = readYamlFiles(host, [invAbs], texts)
      diagnostics.push(...inv.diagnostics)
      inventoryInput = { file: displayPath(host, invAbs), docs: inv.docs }
    }
    const validated = validate(read.docs, inventoryInput)
    diagnostics.push(...validated.diagnostics)
    const inventoryAmongPolicies = read.docs.some((d) => typeof d.value === 'object' && d.value !== null && (d.value as { kind?: unknown }).kind === 'ClusterInventory')
    if (opts.warnWithoutInventory && !opts.inventoryWaived && !inventoryInput && !inventoryAmongPolicies) {
      diagnostics.push(
        diag('inventoryNotChecked', `no inventory (${opts.inventory} does not exist in ${host.cwd}): cluster selection, remote namespace names and workload placement were not checked`, undefined, {
          hint: 'give the inventory with -i FILE, or --no-inventory to check the policies alone',
        }),
      )
    }
    if (policyFiles.length === 0 || (validated.policies.length === 0 && !diagnostics.some((d) => d.severity === 'error'))) {
      diagnostics.push(
        diag('noPolicies', `no policy found in ${opts.policies.join(', ')} (working folder ${host.cwd})`, undefined, {
          hint: 'policies are *.yaml files of kind OffloadingPolicy or NamespaceOffloading: run nsoffload from the repository root, or give their folder with -p DIR',
        }),
      )
    }
    const workloads = new Map<string, Workload[]>()
    if (opts.workloads !== false) {
      // One policy's bad workload path does not hide the workloads (and findings) of the others.
      const pathDiags = checkWorkloadPaths(host, validated.policies)
      diagnostics.push(...pathDiags)
      const badPaths = new Set(pathDiags.filter((d) => d.severity === 'error').map((d) => d.file))
      const readable = validated.policies.filter((p) => !badPaths.has(p.source.file))
      const read = readWorkloadDocs(host, readable, texts)
      diagnostics.push(...read.diagnostics)
      for (const p of readable) {
        const w = toWorkloads(p, read.docs.get(p.namespace) ?? [])
        diagnostics.push(...w.diagnostics)
        workloads.set(p.namespace, w.workloads)
      }
    }
    // The valid policies are compiled even when others have errors, so that an error in one
    // file does not hide the warnings of the others; output is produced only when all is valid.
    let compiled: Compiled | undefined
    const valid = !diagnostics.some((d) => d.severity === 'error')
    if (validated.inventory) {
      const c = compile(validated.policies, validated.inventory, workloads)
      diagnostics.push(...c.diagnostics)
      if (valid) compiled = c
    }
    const all = sortDiagnostics(dedupeDiagnostics(opts.strict ? strictify(diagnostics) : diagnostics))
    const inputs: ReadInputs = {
      policyFiles: policyFiles.map((f) => displayPath(host, f)),
      policyDocs: read.docs,
      starts,
      ...(inventoryInput ? { inventoryFile: inventoryInput.file } : {}),
    }
    return { validated, ...(compiled ? { compiled } : {}), diagnostics: all, texts, inputs }
  } catch (e) {
    if (e instanceof InputError) throw new UsageError(e.message)
    throw e
  }
}

/**
 * Workload paths are relative to their policy file, must exist, and must stay inside the
 * repository (the nearest folder with `.git` above the policy, else the working directory).
 */
function checkWorkloadPaths(host: Host, policies: readonly Policy[]): Diagnostic[] {
  const out: Diagnostic[] = []
  for (const p of policies) {
    if (p.workloads.length === 0) continue
    const policyFile = path.resolve(host.cwd, p.source.file)
    const base = path.dirname(policyFile)
    const root = repoRoot(host, base)
    p.workloads.forEach((w, i) => {
      const at = (): Location => p.source.locate(['spec', 'workloads', i])
      const abs = path.resolve(base, w)
      const rel = path.relative(root, abs)
      if (path.isAbsolute(w) || rel.startsWith('..') || path.isAbsolute(rel)) {
        out.push(diag('workloadPathMissing', `workload path "${w}" leaves the repository (${displayPath(host, root)})`, at(), { hint: 'use a path relative to the policy file, inside the repository' }))
      } else if (!host.stat(abs)) {
        out.push(diag('workloadPathMissing', `workload path "${w}" does not exist (resolved to ${displayPath(host, abs)})`, at(), { hint: 'paths are relative to the policy file' }))
      }
    })
  }
  return out
}

function repoRoot(host: Host, from: string): string {
  let dir = from
  for (;;) {
    if (host.stat(path.join(dir, '.git'))) return dir
    const up = path.dirname(dir)
    if (up === dir) break
    dir = up
  }
  // No repository: the working directory when the policies are below it, else the policies' parent.
  const rel = path.relative(host.cwd, from)
  return rel.startsWith('..') || path.isAbsolute(rel) ? path.dirname(from) : host.cwd
}
