import type { Argv, CommandModule } from 'yargs'
import type { CommandContext, GlobalArgs } from '../context.ts'
import { version } from '../version.ts'

/** `nsoffload version`, as kubectl and helm have it: the line `--version` prints. */
export function versionCommand(ctx: CommandContext): CommandModule<GlobalArgs, GlobalArgs> {
  return {
    command: 'version',
    describe: 'Print the version of nsoffload (the same as --version)',
    builder: (y: Argv<GlobalArgs>) =>
      y
        .option('format', { choices: ['text', 'json'] as const, default: 'text' })
        .example('$0 version', 'the version, as in a bug report')
        .example('$0 version --format json', '{"version": "…"}, for scripts') as Argv<GlobalArgs>,
    handler: (args) => ctx.host.stdout(args.format === 'json' ? `${JSON.stringify({ version: version() }, null, 2)}\n` : `${version()}\n`),
  }
}
