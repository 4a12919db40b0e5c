import type { Argv, CommandModule } from 'yargs'
import { formatText, summary } from '../../diagnostics/format.ts'
import { hasErrors } from '../../diagnostics/diagnostic.ts'
import { ExitCode } from '../exit-codes.ts'
import { type CommandContext, type GlobalArgs, inputOptions } from '../context.ts'
import { loadProject } from '../project.ts'

interface Args extends GlobalArgs {
  readonly files?: string[]
}

export const VALIDATE_FORMATS = ['text', 'json'] as const

export function validateCommand(ctx: CommandContext, rawArgv: readonly string[]): CommandModule<GlobalArgs, Args> {
  return {
    command: 'validate [files..]',
    describe: 'Check policies and inventory (schema and semantic rules); no cluster needed',
    builder: (y: Argv<GlobalArgs>) =>
      y
        .positional('files', { type: 'string', array: true, describe: 'policy files or folders (default: --policies)' })
        .option('format', { choices: VALIDATE_FORMATS, default: 'text' })
        .example('$0 validate', 'check ./policies and ./inventory.yaml')
        .example('$0 validate policies/web.yaml --format json', 'check one file, machine-readable') as Argv<Args>,
    handler: (args) => {
      const opts = inputOptions(args, rawArgv)
      const project = loadProject(ctx.host, { ...opts, policies: args.files && args.files.length > 0 ? args.files : opts.policies }, false)
      const ds = project.diagnostics
      const failed = hasErrors(ds)
      if (args.format === 'json') {
        ctx.host.stdout(
          JSON.stringify({ valid: !failed, policies: project.validated.policies.map((p) => ({ namespace: p.namespace, file: p.source.file })), diagnostics: ds }, null, 2) + '\n',
        )
      } else {
        ctx.host.stdout(formatText(ds.filter((d) => d.severity !== 'info'), project.texts))
        const n = project.validated.policies.length
        const s = summary(ds)
        ctx.host.stderr(`${failed ? 'invalid' : 'valid'}: ${n} polic${n === 1 ? 'y' : 'ies'}${project.validated.inventory ? ', 1 inventory' : ''}${s ? ` (${s})` : ''}\n`)
      }
      ctx.exit(failed ? ExitCode.findings : ExitCode.ok)
    },
  }
}
