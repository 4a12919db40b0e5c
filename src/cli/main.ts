import yargs from 'yargs'
import type { Host } from '../host/host.ts'
import { buildCommand } from './commands/build.ts'
import { COMPLETION_HOOK, completionCommand } from './commands/completion.ts'
import { diffCommand } from './commands/diff.ts'
import { fnCommand } from './commands/fn.ts'
import { inventoryCommand } from './commands/inventory.ts'
import { planCommand } from './commands/plan.ts'
import { statusCommand } from './commands/status.ts'
import { syncCommand } from './commands/sync.ts'
import { validateCommand } from './commands/validate.ts'
import type { CommandContext, GlobalArgs } from './context.ts'
import { ExitCode, UsageError } from './exit-codes.ts'
import { version } from './version.ts'

export { version }

/**
 * The CLI: parses argv, runs one command against the host, returns the exit code. Never
 * throws for bad input; an unexpected exception is reported as an internal error (exit 2).
 */
export async function main(argv: readonly string[], host: Host): Promise<number> {
  let code: number = ExitCode.ok
  const ctx: CommandContext = {
    host,
    exit: (c) => {
      code = c
    },
  }
  const raw = [...argv]
  const parser = yargs(raw)
    .scriptName('nsoffload')
    .usage('$0 <command> [options]\n\nCompile Liqo namespace-offloading policies into per-cluster manifests, preview and sync them.')
    .option('policies', { alias: 'p', type: 'string', array: true, default: ['policies'], describe: 'policy files or folders', global: true })
    .option('inventory', { alias: 'i', type: 'string', default: 'inventory.yaml', describe: 'the cluster inventory', global: true })
    .option('strict', { type: 'boolean', default: false, describe: 'treat warnings as errors', global: true })
    .option('format', { type: 'string', default: 'text', describe: 'output format', global: true })
    .command(validateCommand(ctx, raw))
    .command(buildCommand(ctx, raw))
    .command(planCommand(ctx, raw))
    .command(diffCommand(ctx, raw))
    .command(syncCommand(ctx, raw))
    .command(statusCommand(ctx, raw))
    .command(inventoryCommand(ctx))
    .command(fnCommand(ctx, raw))
    .command(completionCommand(ctx))
    .completion(COMPLETION_HOOK, false)
    .demandCommand(1, 'give a command (see --help)')
    .strict()
    .recommendCommands()
    .version(version())
    .help()
    .alias('h', 'help')
    .wrap(Math.min(100, process.stdout.columns || 100))
    .exitProcess(false)
    .fail((msg, err) => {
      if (err && !(err instanceof UsageError)) throw err
      const text = msg || err?.message || 'invalid arguments'
      throw new UsageError(text.startsWith('Did you mean') ? `unknown command "${raw[0] ?? ''}". ${text}` : text)
    })
  try {
    let printed = ''
    await (parser as unknown as { parseAsync: (a: string[], c: object, cb: (e: Error | undefined, a: GlobalArgs, out: string) => void) => Promise<unknown> }).parseAsync(
      raw,
      {},
      (_err, _args, output) => {
        printed = output
      },
    )
    if (printed) host.stdout(printed.endsWith('\n') ? printed : printed + '\n')
  } catch (e) {
    if (e instanceof UsageError) {
      host.stderr(`nsoffload: ${e.message}\n`)
      return ExitCode.cannotRun
    }
    host.stderr(`nsoffload: internal error NSO9001: ${(e as Error).message}\nThis is a bug: please report it with the command you ran.\n`)
    if (host.env['NSOFFLOAD_DEBUG']) host.stderr(`${(e as Error).stack ?? ''}\n`)
    return ExitCode.cannotRun
  }
  return code
}
