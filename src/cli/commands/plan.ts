import * as path from 'node:path'
import type { Argv, CommandModule } from 'yargs'
import { hasErrors } from '../../diagnostics/diagnostic.ts'
import { GitError, type GitRevision, readRevision } from '../../host/git-tree.ts'
import type { Host } from '../../host/host.ts'
import { type BaseState, planChange, planChangeText } from '../../report/plan-change.ts'
import { planChangeMarkdown } from '../../report/plan-change-markdown.ts'
import { planFailedMarkdown, planMarkdown } from '../../report/plan-markdown.ts'
import { planDocument, planText } from '../../report/plan-report.ts'
import { CannotRun } from '../../diagnostics/cannot-run.ts'
import { ExitCode, UsageError } from '../exit-codes.ts'
import { allowEmptyOption, type CommandContext, type GlobalArgs, inputOptions, reportToStderr } from '../context.ts'
import type { InputOptions } from '../../pipeline.ts'
import { loadProject } from '../project.ts'

export const PLAN_FORMATS = ['text', 'json', 'markdown'] as const

type PlanArgs = GlobalArgs & { format: (typeof PLAN_FORMATS)[number]; base: string | undefined }

/**
 * The base revision's plan for `plan --base`: the same inputs read from Git. A base that has no
 * inventory or does not validate has no plan: every namespace then counts as new, and a note
 * says why.
 */
function basePlan(rev: GitRevision, opts: InputOptions): BaseState {
  const ref = rev.ref
  const at = { ref, commit: rev.commit }
  try {
    const project = loadProject(rev.host, { ...opts, strict: false, allowEmpty: true }, true)
    if (!project.compiled || !project.validated.inventory || hasErrors(project.diagnostics)) {
      const errors = project.diagnostics.filter((d) => d.severity === 'error').length
      return { ...at, note: `${ref} does not validate (${errors} error${errors === 1 ? '' : 's'}): every namespace is compared against nothing` }
    }
    return { ...at, plan: planDocument(project.validated.inventory.home.clusterID, project.compiled, []) }
  } catch (e) {
    if (e instanceof CannotRun) return { ...at, note: `${ref} has no plan (${e.message}): every namespace is compared against nothing` }
    throw e
  }
}

/** The revision of the repository that holds the policies (the first `-p` folder or file). */
function revision(host: Host, ref: string, policies: readonly string[]): GitRevision {
  const first = path.resolve(host.cwd, policies[0] ?? '.')
  const st = host.stat(first)
  const from = st?.dir ? first : st?.file ? path.dirname(first) : host.cwd
  try {
    return readRevision(host, ref, from)
  } catch (e) {
    if (e instanceof GitError) throw new UsageError(`--base ${ref}: ${e.message}`)
    throw e
  }
}

export function planCommand(ctx: CommandContext, rawArgv: readonly string[]): CommandModule<GlobalArgs, PlanArgs> {
  return {
    command: 'plan',
    describe: 'Show per namespace the selected clusters and why, the predicted status, and where pods could run',
    builder: (y: Argv<GlobalArgs>) =>
      allowEmptyOption(y)
        .option('format', { choices: PLAN_FORMATS, default: 'text' as const })
        .option('base', {
          type: 'string',
          requiresArg: true,
          describe:
            'Show what changes against this Git revision (a branch, tag or commit): per namespace and cluster, newly selected, deselected, renamed, offloaded, unoffloaded',
        })
        .example('$0 plan', 'preview ./policies against ./inventory.yaml')
        .example('$0 plan --format json | jq ".namespaces[].status.offloadingPhase"', 'predicted phases')
        .example('$0 plan --format markdown > plan.md', 'a pull-request comment')
        .example('$0 plan --base origin/main --format markdown', 'what this pull request changes, as a comment'),
    handler: (args) => {
      const opts = inputOptions(args, rawArgv)
      // The revision is read first: a wrong --base fails before any other output.
      const rev = args.base === undefined ? undefined : revision(ctx.host, args.base, opts.policies)
      const project = loadProject(ctx.host, opts, true)
      const ds = project.diagnostics
      const compiled = project.compiled
      // With --strict, warnings are errors but the input is valid: the plan is shown with its
      // findings, and the exit says they fail the check. Invalid input has no plan.
      if (!compiled || !project.validated.inventory) {
        if (args.format === 'json') ctx.host.stdout(JSON.stringify({ namespaces: [], diagnostics: ds }, null, 2) + '\n')
        if (args.format === 'markdown') ctx.host.stdout(planFailedMarkdown(ds))
        reportToStderr(ctx.host, ds, project.texts, project.inputs, '`--format json`')
        ctx.exit(ExitCode.findings)
        return
      }
      const doc = planDocument(project.validated.inventory.home.clusterID, compiled, ds)
      if (rev) {
        const change = planChange(basePlan(rev, opts), doc)
        if (args.format === 'json') ctx.host.stdout(JSON.stringify(change, null, 2) + '\n')
        else if (args.format === 'markdown') ctx.host.stdout(planChangeMarkdown(change))
        else ctx.host.stdout(planChangeText(change))
      } else if (args.format === 'json') ctx.host.stdout(JSON.stringify(doc, null, 2) + '\n')
      else if (args.format === 'markdown') ctx.host.stdout(planMarkdown(doc))
      else ctx.host.stdout(planText(doc))
      reportToStderr(ctx.host, ds, project.texts, project.inputs, '`--format json`')
      ctx.exit(hasErrors(ds) ? ExitCode.findings : ExitCode.ok)
    },
  }
}
