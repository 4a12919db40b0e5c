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
  }
}

/**
 * Diagnostics on stderr (commands whose stdout is data): text with code frames and a summary;
 * with errors in the input, the summary counts the invalid policies as `validate` does.
 */
export function reportToStderr(host: Host, ds: readonly Diagnostic[], texts: ReadonlyMap<string, string>, inputs?: ReadInputs): void {
  const shown = ds.filter((d) => d.severity !== 'info' || host.env['NSOFFLOAD_VERBOSE'])
  if (shown.length === 0) return
  host.stderr(formatText(shown, texts))
  const s = inputs && hasErrors(shown) ? summaryLine(inputSummary(inputs, shown)) : summary(shown)
  if (s) host.stderr(`${s}\n`)
}
