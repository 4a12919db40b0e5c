import type { Argv, CommandModule } from 'yargs'
import { formatText } from '../../diagnostics/format.ts'
import { hasErrors } from '../../diagnostics/diagnostic.ts'
import { validateGithub } from '../../report/validate-github.ts'
import { validateJunit } from '../../report/validate-junit.ts'
import { inputSummary, summaryLine, type ValidateReport } from '../../report/validate-report.ts'
import { validateSarif } from '../../report/validate-sarif.ts'
import { ExitCode } from '../exit-codes.ts'
import { allowEmptyOption, type CommandContext, type GlobalArgs, inputOptions } from '../context.ts'
import { loadProject } from '../project.ts'
import { version } from '../version.ts'

interface Args extends GlobalArgs {
  readonly files?: string[]
}

export const VALIDATE_FORMATS = ['text', 'json', 'junit', 'sarif', 'github'] as const

/** The CI formats: pure functions of the diagnostics and the files read. */
const CI_FORMATS: Readonly<Record<string, (r: ValidateReport) => string>> = {
  junit: validateJunit,
  sarif: validateSarif,
  github: validateGithub,
}

export function validateCommand(ctx: CommandContext, rawArgv: readonly string[]): CommandModule<GlobalArgs, Args> {
  return {
    command: 'validate [files..]',
    describe: 'Check policies and inventory (schema and semantic rules); no cluster needed',
    builder: (y: Argv<GlobalArgs>) =>
      allowEmptyOption(y)
        .positional('files', { type: 'string', array: true, describe: 'policy files or folders (default: --policies)' })
        .option('format', { choices: VALIDATE_FORMATS, default: 'text' })
        .option('inventory', {
          type: 'string',
          default: 'inventory.yaml',
          describe: 'the cluster inventory; without it a warning (NSO3046); --no-inventory checks the policies alone',
        })
        .example('$0 validate', 'check ./policies and ./inventory.yaml')
        .example('$0 validate policies/web.yaml --format json', 'check one file, machine-readable')
        .example('$0 validate --no-inventory', 'check the policies alone, without cluster selection')
        .example('$0 validate --format github', 'annotations on a pull request (GitHub Actions)')
        .example('$0 validate --format sarif > nsoffload.sarif', 'for GitHub code scanning (upload-sarif)')
        .example('$0 validate --format junit > nsoffload.xml', 'a test report for GitLab or Jenkins') as Argv<Args>,
    handler: (args) => {
      const opts = inputOptions(args, rawArgv)
      const project = loadProject(
        ctx.host,
        { ...opts, policies: args.files && args.files.length > 0 ? args.files : opts.policies, warnWithoutInventory: true },
        false,
      )
      const ds = project.diagnostics
      const failed = hasErrors(ds)
      const counts = inputSummary(project.inputs, ds)
      const verdict = `${summaryLine(counts)}\n`
      const ci = CI_FORMATS[args.format]
      if (ci) {
        const files = [...new Set([...project.texts.keys(), ...ds.flatMap((d) => (d.file !== undefined ? [d.file] : []))])]
        ctx.host.stdout(ci({ files, diagnostics: ds, version: version() }))
        ctx.host.stderr(verdict)
      } else if (args.format === 'json') {
        ctx.host.stdout(
          JSON.stringify(
            {
              valid: !failed,
              summary: counts,
              policies: project.validated.policies.map((p) => ({ namespace: p.namespace, file: p.source.file })),
              diagnostics: ds,
            },
            null,
            2,
          ) + '\n',
        )
      } else {
        ctx.host.stdout(
          formatText(
            ds.filter((d) => d.severity !== 'info'),
            project.texts,
          ),
        )
        ctx.host.stderr(verdict)
      }
      ctx.exit(failed ? ExitCode.findings : ExitCode.ok)
    },
  }
}
