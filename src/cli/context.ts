import type { Argv } from 'yargs'
import { type Diagnostic, hasErrors } from '../diagnostics/diagnostic.ts'
import { formatText, summary } from '../diagnostics/format.ts'
import type { Host } from '../host/host.ts'
import { UsageError } from './exit-codes.ts'
import { inputSummary, type ReadInputs, summaryLine } from '../report/validate-report.ts'
import type { InputOptions } from '../pipeline.ts'

/** What a command handler gets: the host and a way to set the exit code. */
export interface CommandContext {
  readonly host: Host
  exit(code: number): void
}

/** The global flags as yargs hands them over. */
export interface GlobalArgs {
  readonly policies: string[]
  readonly inventory: string
  readonly strict: boolean
  readonly format: string
  /** Present on the commands that take `--allow-empty` (`allowEmptyOption`). */
  readonly 'allow-empty'?: boolean
}

/**
 * `--allow-empty`, the one definition: on the commands that render (validate, build, plan,
 * diff; sync --prune adds it too), no policy at all is an error (NSO1008) unless it is given,
 * since an empty policy set renders nothing and a GitOps tool that prunes to it (an Argo CD
 * plugin running `build --cluster`) would delete every offloaded namespace's objects. A command
 * guards by adding this option: `inputOptions()` then passes its value to the pipeline, which
 * says NSO1008 as an error, or with the flag as an info.
 */
export function allowEmptyOption<T>(y: Argv<T>): Argv<T & { 'allow-empty': boolean }> {
  return y.option('allow-empty', {
    type: 'boolean',
    default: false,
    describe: 'no policy at all is not an error (an empty policy set renders nothing: a GitOps tool pruning to it deletes what it had applied)',
  })
}

export function inputOptions(args: GlobalArgs, rawArgv: readonly string[]): InputOptions {
  // `--no-inventory` is yargs' negation of `--inventory`: it arrives as `false`.
  const inv: unknown = args.inventory
  const waived = inv === false || (Array.isArray(inv) && inv.includes(false))
  const explicit = rawArgv.some((a) => a === '-i' || a === '--inventory' || a.startsWith('--inventory=') || a.startsWith('-i='))
  if (waived && explicit) throw new UsageError('--no-inventory and -i exclude each other')
  return {
    policies: args.policies,
    inventory: waived ? 'inventory.yaml' : args.inventory,
    inventoryExplicit: explicit,
    ...(waived ? { inventoryWaived: true } : {}),
    strict: args.strict,
    ...(typeof args['allow-empty'] === 'boolean' ? { allowEmpty: args['allow-empty'] } : {}),
  }
}

/** Where a command without a JSON listing of its findings sends the reader for all of them. */
export const LISTED_BY_VALIDATE = '`nsoffload validate --format json`'

/**
 * Diagnostics on stderr (commands whose stdout is data): text with code frames and a summary;
 * with errors in the input, the summary counts the invalid policies as `validate` does. Repeats
 * of one code are counted after the first few (`formatText`); `listedBy` says what lists them
 * all (by default `nsoffload validate --format json`).
 */
export function reportToStderr(
  host: Host,
  ds: readonly Diagnostic[],
  texts: ReadonlyMap<string, string>,
  inputs?: ReadInputs,
  listedBy: string = LISTED_BY_VALIDATE,
): void {
  const shown = ds.filter((d) => d.severity !== 'info' || host.env['NSOFFLOAD_VERBOSE'])
  if (shown.length === 0) return
  host.stderr(formatText(shown, texts, { listedBy }))
  const s = inputs && hasErrors(shown) ? summaryLine(inputSummary(inputs, shown)) : summary(shown)
  if (s) host.stderr(`${s}\n`)
}
