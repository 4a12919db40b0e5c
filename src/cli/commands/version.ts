import type { Argv, CommandModule } from 'yargs'
import type { CommandContext, GlobalArgs } from '../context.ts'
import { version } from '../version.ts'

/** `nsoffload version`, as kubectl and helm have it: the line `--version` prints. */
export function versionCommand(ctx: CommandContext): CommandModule<GlobalArgs, GlobalArgs> {
  return {
    command: 'version',
    describe: 'Print the version of nsoffload (the same as --version)',
    builder: (y: Argv<GlobalArgs>) => y.example('$0 version', 'the version, as in a bug report'),
    handler: () => ctx.host.stdout(`${version()}\n`),
  }
}
