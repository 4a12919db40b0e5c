import type { CompileOptions } from '../compile/compile.ts'
import type { Host } from '../host/host.ts'
import { type InputOptions, type Project, runPipeline } from '../pipeline.ts'

/**
 * The commands' door to the pipeline (`src/pipeline.ts`): reads, validates and (with an
 * inventory) compiles the project. Unreadable inputs throw `InputError`, a `CannotRun` that
 * the CLI edge (`main.ts`) tells as exit 2.
 */
export function loadProject(host: Host, opts: InputOptions, needInventory: boolean, compileOptions: CompileOptions = {}): Project {
  return runPipeline(host, opts, needInventory, compileOptions)
}
