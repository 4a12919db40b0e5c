import type { Argv, CommandModule } from 'yargs'
import { headline } from '../../diagnostics/format.ts'
import { allGood, statusTable } from '../../report/sync-report.ts'
import { ExitCode } from '../exit-codes.ts'
import { allowEmptyOption, type CommandContext, type GlobalArgs } from '../context.ts'
import { type ClusterArgs, WAIT_TIMEOUT, withClusters } from '../clusters.ts'
import { describeObject } from '../../util/manifest.ts'

interface Args extends GlobalArgs, ClusterArgs {
  readonly 'dry-run': boolean
  readonly 'force-conflicts': boolean
  readonly prune: boolean
  readonly 'allow-destructive': boolean
  readonly 'install-crds': boolean
  readonly wait: boolean
  readonly concurrency: number
  readonly 'allow-empty': boolean
  readonly 'allow-inventory-drift': boolean
}

export const clusterOptions = <T>(y: Argv<T>): Argv<T & ClusterArgs> =>
  y
    .option('kubeconfig', {
      type: 'string',
      describe: 'kubeconfig file (default: the files of $KUBECONFIG, merged as kubectl merges them, else ~/.kube/config)',
    })
    .option('context-map', { type: 'string', array: true, describe: "CLUSTER=CONTEXT overrides of the inventory's contexts" })
    .option('applyset', {
      type: 'string',
      describe: "the ApplySet's parent, [secrets/|configmaps/]NAME, on every cluster in namespace default (default: secrets/nsoffload-<inventory name>)",
    })
    .option('timeout', {
      type: 'string',
      describe: `bound on the whole command, from its start: reads, writes and, with sync --wait, the wait (default: none; sync --wait: ${WAIT_TIMEOUT})`,
    })
    .option('request-timeout', {
      type: 'string',
      default: '30s',
      describe: "bound on one request to a cluster, its whole exchange (kubectl's --request-timeout); a request cut off is retried",
    }) as Argv<T & ClusterArgs>

export function syncCommand(ctx: CommandContext, rawArgv: readonly string[]): CommandModule<GlobalArgs, Args> {
  return {
    command: 'sync',
    describe: 'Apply the difference to every cluster (server-side apply) and report the offloading phases',
    builder: (y: Argv<GlobalArgs>) =>
      allowEmptyOption(clusterOptions(y))
        .option('format', { choices: ['text', 'json', 'markdown'] as const, default: 'text' })
        .option('dry-run', { type: 'boolean', default: false, describe: 'send everything with dryRun=All: change nothing' })
        .option('force-conflicts', { type: 'boolean', default: false, describe: 'take over fields other managers own' })
        .option('prune', { type: 'boolean', default: false, describe: 'unoffload namespaces whose policy is gone; delete deselected twins' })

        .option('allow-destructive', { type: 'boolean', default: false, describe: 'allow a new mapping strategy or remote name (unoffload and offload again)' })
        .option('allow-inventory-drift', {
          type: 'boolean',
          default: false,
          describe: "sync what the inventory says even where the home cluster's live virtual nodes would select other clusters or place workloads elsewhere",
        })
        .option('install-crds', { type: 'boolean', default: false, describe: 'install the NamespaceOffloading CRD if the home cluster lacks it' })
        .option('wait', { type: 'boolean', default: false, describe: `wait until every namespace settles, within --timeout (${WAIT_TIMEOUT} if not given)` })
        .option('concurrency', { type: 'number', default: 8, describe: 'requests in flight per step' })
        .example('$0 sync --dry-run', 'what would change, changing nothing')
        .example('$0 sync --wait --timeout 2m', 'apply and wait for Ready') as unknown as Argv<Args>,
    handler: async (args) => {
      const { sync } = await import('../../sync/execute.ts')
      // No policy read is an error only where it would prune: rendering nothing would unoffload the whole set.
      const { 'allow-empty': _allowEmpty, ...rest } = args
      // `--wait` without `--timeout`: the whole sync, waiting included, within 2m.
      const timeout = args.timeout ?? (args.wait ? WAIT_TIMEOUT : undefined)
      const withTimeout = timeout !== undefined ? { timeout } : {}
      const session = await withClusters(
        ctx,
        { ...(args.prune ? args : rest), ...withTimeout },
        rawArgv,
        async ({ compiled, inv, io, set, scope, deadline }) => ({
          inv,
          result: await sync(
            compiled,
            inv,
            {
              dryRun: args['dry-run'],
              forceConflicts: args['force-conflicts'],
              prune: args.prune,
              allowDestructive: args['allow-destructive'],
              installCrds: args['install-crds'],
              wait: args.wait,
              ...(deadline !== undefined ? { deadline } : {}),
              concurrency: Math.max(1, Math.floor(args.concurrency)),
              set,
              scope,
              allowInventoryDrift: args['allow-inventory-drift'],
            },
            io,
          ),
        }),
      )
      if (!session) return
      const { inv, result } = session
      const log = (s: string): void => ctx.host.stderr(`${s}\n`)
      for (const f of result.plan.findings) log(headline(f))
      const failed = result.results.filter((r) => !r.ok)
      const clusters = inv.remotes.map((r) => r.clusterID)
      const changes = result.results.map((r) => ({
        cluster: r.action.cluster,
        namespace: r.action.namespace,
        op: r.action.op,
        object: describeObject(r.action.op === 'delete' ? r.action.live : r.action.manifest),
        ok: r.ok,
        ...(r.error ? { error: r.error, code: r.code } : {}),
      }))
      const timedOut = args.wait && !result.settled
      if (args.format === 'json') {
        ctx.host.stdout(
          JSON.stringify(
            {
              dryRun: args['dry-run'],
              namespaces: result.namespaces,
              changes,
              findings: result.plan.findings,
              statusWrites: result.statusWrites,
              requests: result.counts,
              ...(timedOut ? { timedOut } : {}),
            },
            null,
            2,
          ) + '\n',
        )
      } else if (args.format === 'markdown') {
        const { syncMarkdown } = await import('../../report/change-markdown.ts')
        ctx.host.stdout(
          syncMarkdown({
            dryRun: args['dry-run'],
            clusters,
            namespaces: result.namespaces,
            changes,
            findings: result.plan.findings,
            ...(timedOut ? { timedOut } : {}),
          }),
        )
      } else {
        ctx.host.stdout(statusTable(result.namespaces, clusters))
        const writes = Object.values(result.counts).reduce((n, c) => n + c.writes, 0)
        log(
          `${args['dry-run'] ? 'dry run: ' : ''}${result.results.length} change${result.results.length === 1 ? '' : 's'}, ${failed.length} failed, ${writes} write request${writes === 1 ? '' : 's'}`,
        )
      }
      const blocked = result.plan.findings.some((f) => f.blocking || f.severity === 'error')
      const bad = blocked || failed.length > 0 || !allGood(result.namespaces.filter((n) => !n.pruned)) || (args.wait && !result.settled)
      ctx.exit(bad ? ExitCode.findings : ExitCode.ok)
    },
  }
}
