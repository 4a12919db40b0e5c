import type { Argv, CommandModule } from 'yargs'
import { headline } from '../../diagnostics/format.ts'
import { ExitCode } from '../exit-codes.ts'
import { allowEmptyOption, type CommandContext, type GlobalArgs } from '../context.ts'
import { type ClusterArgs, withClusters } from '../clusters.ts'
import { clusterOptions } from './sync.ts'

interface Args extends GlobalArgs, ClusterArgs {
  readonly 'allow-destructive': boolean
  readonly 'show-secrets': boolean
  readonly 'allow-inventory-drift': boolean
}

export function diffCommand(ctx: CommandContext, rawArgv: readonly string[]): CommandModule<GlobalArgs, Args> {
  return {
    command: 'diff',
    describe: 'Live vs rendered for every cluster of the inventory, as unified diffs (exit 0 none, 1 differences, 2 error)',
    builder: (y: Argv<GlobalArgs>) =>
      allowEmptyOption(clusterOptions(y))
        .option('format', { choices: ['text', 'json', 'markdown'] as const, default: 'text' })
        .option('allow-destructive', { type: 'boolean', default: false, describe: 'show a mapping change as the delete and re-create sync would do' })
        .option('allow-inventory-drift', {
          type: 'boolean',
          default: false,
          describe: 'show a drift of the inventory from the live virtual nodes as a warning, as sync --allow-inventory-drift would take it',
        })
        .option('show-secrets', { type: 'boolean', default: false, describe: 'show the values of Secrets (masked as *** by default, as kubectl diff does)' })
        .example('$0 diff', 'what sync would change')
        .example('$0 diff --format json | jq ".diffs[].object"', 'the objects that differ') as unknown as Argv<Args>,
    handler: async (args) => {
      const [{ readAll, checkServed, planOnServer, DEFAULT_CONCURRENCY }, { diffClusters, diffPlanOptions }] = await Promise.all([
        import('../../sync/execute.ts'),
        import('../../sync/diff.ts'),
      ])
      const result = await withClusters(ctx, args, rawArgv, async ({ compiled, inv, io, set, scope }) => {
        const live = await readAll(compiled, inv, io, set)
        checkServed(inv, live)
        // Workloads' "after" comes from the server: the apply sync would send, with dryRun=All (a refused sync's too: diff shows every change).
        const plan = await planOnServer(
          compiled,
          inv,
          live,
          io,
          diffPlanOptions(args['allow-destructive'], { set, scope, allowInventoryDrift: args['allow-inventory-drift'] }),
          { force: false, concurrency: DEFAULT_CONCURRENCY, evenIfRefused: true },
        )
        return diffClusters(plan, args['show-secrets'])
      })
      if (!result) return
      const log = (s: string): void => ctx.host.stderr(`${s}\n`)
      if (args.format === 'json') {
        ctx.host.stdout(JSON.stringify({ diffs: result.diffs, findings: result.findings }, null, 2) + '\n')
      } else if (args.format === 'markdown') {
        const { diffMarkdown } = await import('../../report/change-markdown.ts')
        ctx.host.stdout(diffMarkdown(result))
      } else {
        for (const d of result.diffs) ctx.host.stdout(d.diff.endsWith('\n') ? d.diff : d.diff + '\n')
        for (const f of result.findings) log(headline(f))
        const n = (op: string): number => result.diffs.filter((d) => d.op === op).length
        log(
          `${n('create')} to create, ${n('update')} to change, ${n('delete')} to delete${result.diffs.some((d) => d.needs) ? ' (deletions need --prune or --allow-destructive)' : ''}`,
        )
      }
      ctx.exit(result.diffs.length > 0 || result.findings.some((f) => f.severity === 'error') ? ExitCode.findings : ExitCode.ok)
    },
  }
}
