import type { Argv, CommandModule } from 'yargs'
import { hasErrors } from '../../diagnostics/diagnostic.ts'
import { planFailedMarkdown, planMarkdown } from '../../report/plan-markdown.ts'
import { planDocument, planText } from '../../report/plan-report.ts'
import { ExitCode } from '../exit-codes.ts'
import { type CommandContext, type GlobalArgs, inputOptions, reportToStderr } from '../context.ts'
import { loadProject } from '../project.ts'

export const PLAN_FORMATS = ['text', 'json', 'markdown'] as const

export function planCommand(ctx: CommandContext, rawArgv: readonly string[]): CommandModule<GlobalArgs, GlobalArgs> {
  return {
    command: 'plan',
    describe: 'Show per namespace the selected clusters and why, the predicted status, and where pods could run',
    builder: (y: Argv<GlobalArgs>) =>
      y
        .option('format', { choices: PLAN_FORMATS, default: 'text' })
        .example('$0 plan', 'preview ./policies against ./inventory.yaml')
        .example('$0 plan --format json | jq ".namespaces[].status.offloadingPhase"', 'predicted phases')
        .example('$0 plan --format markdown > plan.md', 'a pull-request comment'),
    handler: (args) => {
      const project = loadProject(ctx.host, inputOptions(args, rawArgv), true)
      const ds = project.diagnostics
      const compiled = project.compiled
      if (hasErrors(ds) || !compiled || !project.validated.inventory) {
        if (args.format === 'json') ctx.host.stdout(JSON.stringify({ namespaces: [], diagnostics: ds }, null, 2) + '\n')
        if (args.format === 'markdown') ctx.host.stdout(planFailedMarkdown(ds))
        reportToStderr(ctx.host, ds, project.texts, project.inputs)
        ctx.exit(ExitCode.findings)
        return
      }
      const doc = planDocument(project.validated.inventory.home.clusterID, compiled, ds)
      if (args.format === 'json') ctx.host.stdout(JSON.stringify(doc, null, 2) + '\n')
      else if (args.format === 'markdown') ctx.host.stdout(planMarkdown(doc))
      else ctx.host.stdout(planText(doc))
      reportToStderr(ctx.host, ds, project.texts, project.inputs)
      ctx.exit(ExitCode.ok)
    },
  }
}
