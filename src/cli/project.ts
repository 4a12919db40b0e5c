import type { CompileOptions } from '../compile/compile.ts'
import { InputError } from '../load/read-inputs.ts'
import type { Host } from '../host/host.ts'
import { type InputOptions, type Project, runPipeline } from '../pipeline.ts'
import { UsageError } from './exit-codes.ts'

/**
 * The commands' door to the pipeline (`src/pipeline.ts`): reads, validates and (with an
 * inventory) compiles the project. Unreadable inputs become UsageError (exit 2).
 */
export function loadProject(host: Host, opts: InputOptions, needInventory: boolean, compileOptions: CompileOptions = {}): Project {
  try {
    return runPipeline(host, opts, needInventory, compileOptions)
  } catch (e) {
    if (e instanceof InputError) throw new UsageError(e.message)
    throw e
  }
}
