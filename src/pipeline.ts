import * as path from 'node:path'
import { compile, type CompileOptions, type Compiled } from './compile/compile.ts'
import { dedupeDiagnostics, diag, type Diagnostic, sortDiagnostics, strictify } from './diagnostics/diagnostic.ts'
import type { Host } from './host/host.ts'
import type { ParsedDoc } from './load/parse-yaml.ts'
import { confineFile, displayPath, expandPolicyPaths, InputError, readYamlFiles } from './load/read-inputs.ts'
import type { ReadInputs } from './report/validate-report.ts'
import { readWorkloadDocs } from './load/read-workloads.ts'
import type { Policy } from './model/policy.ts'
import type { Workload } from './model/workload.ts'
import type { FileFacts } from './validate/rules/index.ts'
import { workloadPathsValid } from './validate/rules/workload-paths-valid.ts'
import { validate, type Validated } from './validate/validate.ts'
import { toWorkloads } from './workloads/to-workloads.ts'
import { append } from './util/append.ts'

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
  /**
   * No policy at all: `false` makes it an error (NSO1008), `true` (`--allow-empty`, meant) an
   * info; absent (a command without the flag) a warning. See `allowEmptyOption` in `cli/context.ts`.
   */
  readonly allowEmpty?: boolean
  /** Read the policies' workload files (default true; `fn` gets its workloads on stdin). */
  readonly workloads?: boolean
}

export interface Project {
  readonly validated: Validated
  /** Present when the input is valid and an inventory was given. */
  readonly compiled?: Compiled
  /** Every diagnostic, sorted, `--strict` applied. */
  readonly diagnostics: readonly Diagnostic[]
  /** The text of every file read, by the path diagnostics show (for code frames). */
  readonly texts: ReadonlyMap<string, string>
  /** What was read, document by document: for the counts of `validate`'s summary. */
  readonly inputs: ReadInputs
}

/**
 * The pipeline every command runs: load → validate → (workloads) → compile. The Host is used
 * here and only here (by `load/` to read files, and to tell the workload path rule which files
 * exist); validate and compile are pure functions of what was read. Rendering is the
 * commands' business. Unreadable inputs throw InputError (the CLI's
 * exit 2); every mistake in their content is a diagnostic.
 */
export function runPipeline(host: Host, opts: InputOptions, needInventory: boolean, compileOptions: CompileOptions = {}): Project {
  const texts = new Map<string, string>()
  // 1. load: the policy files and the inventory, parsed (I/O).
  const input = loadInputs(host, opts, needInventory, texts)
  const diagnostics: Diagnostic[] = [...input.diagnostics]
  // 2. validate: schema and rules, typed policies and inventory (pure).
  const validated = validate(input.policyDocs, input.inventory)
  append(diagnostics, validated.diagnostics)
  append(diagnostics, inputNotes(host.cwd, opts, input, validated, diagnostics))
  // 3. workloads: their paths checked by a rule, their files read (I/O), typed (pure).
  const w = opts.workloads === false ? { workloads: new Map<string, Workload[]>(), diagnostics: [] } : loadWorkloads(host, validated.policies, texts)
  append(diagnostics, w.diagnostics)
  // 4. compile (pure). The valid policies are compiled even when others have errors, so that an
  // error in one file does not hide the warnings of the others; the result is kept only when
  // all is valid.
  let compiled: Compiled | undefined
  const valid = !diagnostics.some((d) => d.severity === 'error')
  if (validated.inventory) {
    const c = compile(validated.policies, validated.inventory, w.workloads, compileOptions)
    append(diagnostics, c.diagnostics)
    if (valid) compiled = c
  }
  const all = sortDiagnostics(dedupeDiagnostics(opts.strict ? strictify(diagnostics) : diagnostics))
  const inputs: ReadInputs = {
    policyFiles: input.policyFiles.map((f) => displayPath(host, f)),
    policyDocs: input.policyDocs,
    starts: input.starts,
    ...(input.inventory ? { inventoryFile: input.inventory.file } : {}),
  }
  return { validated, ...(compiled ? { compiled } : {}), diagnostics: all, texts, inputs }
}

interface Inputs {
  /** The files `-p` stands for. */
  readonly policyFiles: readonly string[]
  readonly policyDocs: readonly ParsedDoc[]
  /** The line where each document of the policy files starts (for the summary's counts). */
  readonly starts: ReadInputs['starts']
  /** Absent when there is no inventory file to read (or it is among the policy files). */
  readonly inventory: { readonly file: string; readonly docs: readonly ParsedDoc[]; readonly unparsed?: boolean } | undefined
  readonly diagnostics: readonly Diagnostic[]
}

/** Stage 1, load: expands `-p`, reads and parses the policy files and the inventory. */
function loadInputs(host: Host, opts: InputOptions, needInventory: boolean, texts: Map<string, string>): Inputs {
  const expanded = expandPolicyPaths(host, opts.policies)
  const read = readYamlFiles(host, expanded.files, texts)
  const diagnostics: Diagnostic[] = [...expanded.diagnostics, ...read.diagnostics]
  if (opts.inventoryWaived && needInventory)
    throw new InputError('--no-inventory: this command needs the cluster inventory (only validate checks policies without one)')
  const invAbs = path.resolve(host.cwd, opts.inventory)
  const alreadyRead = expanded.files.includes(invAbs)
  let inventory: Inputs['inventory']
  if (!opts.inventoryWaived && !alreadyRead && (host.stat(invAbs) !== undefined || opts.inventoryExplicit || needInventory)) {
    if (!host.stat(invAbs)) {
      throw new InputError(
        opts.inventoryExplicit
          ? `${opts.inventory}: no such file (the cluster inventory given with -i)`
          : `${opts.inventory}: no such file in ${host.cwd} (the cluster inventory): run nsoffload from the folder that holds it, or give -i FILE`,
      )
    }
    const outside = confineFile(host, invAbs)
    const inv = outside ? { docs: [], diagnostics: [outside] } : readYamlFiles(host, [invAbs], texts)
    append(diagnostics, inv.diagnostics)
    const unparsed = inv.diagnostics.some((d) => d.severity === 'error')
    inventory = { file: displayPath(host, invAbs), docs: inv.docs, ...(unparsed ? { unparsed } : {}) }
  }
  return { policyFiles: expanded.files, policyDocs: read.docs, starts: new Map(read.starts), inventory, diagnostics }
}

/** What the input as a whole lacks: an inventory (`validate` only), any policy at all. */
function inputNotes(cwd: string, opts: InputOptions, input: Inputs, validated: Validated, sofar: readonly Diagnostic[]): Diagnostic[] {
  const notes: Diagnostic[] = []
  const inventoryAmongPolicies = input.policyDocs.some(
    (d) => typeof d.value === 'object' && d.value !== null && (d.value as { kind?: unknown }).kind === 'ClusterInventory',
  )
  if (opts.warnWithoutInventory && !opts.inventoryWaived && !input.inventory && !inventoryAmongPolicies) {
    notes.push(
      diag(
        'inventoryNotChecked',
        `no inventory (${opts.inventory} does not exist in ${cwd}): cluster selection, remote namespace names and workload placement were not checked`,
        undefined,
        {
          hint: 'give the inventory with -i FILE, or --no-inventory to check the policies alone',
        },
      ),
    )
  }
  if (input.policyFiles.length === 0 || (validated.policies.length === 0 && ![...sofar, ...notes].some((d) => d.severity === 'error'))) {
    const refused = opts.allowEmpty === false
    notes.push(
      diag('noPolicies', `no policy found in ${opts.policies.join(', ')} (working folder ${cwd})`, undefined, {
        hint:
          'policies are *.yaml files of kind OffloadingPolicy or NamespaceOffloading: run nsoffload from the repository root, or give their folder with -p DIR' +
          (refused ? '; if no policy is meant, give --allow-empty (rendering nothing makes a GitOps tool that prunes delete what it had applied)' : ''),
        severity: refused ? 'error' : opts.allowEmpty ? 'info' : 'warning',
      }),
    )
  }
  return notes
}

/**
 * Stage 3, the policies' workloads: paths checked (`rules/workload-paths-valid.ts`), then the
 * files read and typed. One policy's bad workload path does not hide the workloads (and
 * findings) of the others.
 */
function loadWorkloads(host: Host, policies: readonly Policy[], texts: Map<string, string>): { workloads: Map<string, Workload[]>; diagnostics: Diagnostic[] } {
  const files: FileFacts = { cwd: host.cwd, exists: (p) => host.stat(p) !== undefined }
  const diagnostics = workloadPathsValid(policies, files)
  const badPaths = new Set(diagnostics.filter((d) => d.severity === 'error').map((d) => d.file))
  const readable = policies.filter((p) => !badPaths.has(p.source.file))
  const read = readWorkloadDocs(host, readable, texts)
  append(diagnostics, read.diagnostics)
  const workloads = new Map<string, Workload[]>()
  for (const p of readable) {
    const w = toWorkloads(p, read.docs.get(p.namespace) ?? [])
    append(diagnostics, w.diagnostics)
    workloads.set(p.namespace, w.workloads)
  }
  return { workloads, diagnostics }
}
