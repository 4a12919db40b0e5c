import * as path from 'node:path'
import type { Argv, CommandModule } from 'yargs'
import { ExitCode, UsageError } from '../exit-codes.ts'
import type { CommandContext, GlobalArgs } from '../context.ts'
import { type ClusterArgs, clientTimes, clusterFailure } from '../clusters.ts'
import { clusterOptions } from './sync.ts'

interface Args extends GlobalArgs, ClusterArgs {
  readonly context: string
  readonly 'cluster-id'?: string
  readonly output?: string
}

export function inventoryCommand(ctx: CommandContext): CommandModule<GlobalArgs, Args> {
  return {
    command: 'inventory <action>',
    describe: 'Work with the cluster inventory: `inventory pull` writes one from a live home cluster',
    builder: (y: Argv<GlobalArgs>) =>
      clusterOptions(y)
        .positional('action', { type: 'string', describe: 'pull (the one action)' })
        .option('context', { type: 'string', describe: 'kubeconfig context of the home cluster (required)' })
        // The action first: `inventory push` is an unknown action, whatever flags it lacks.
        .check((a) => {
          if (a['action'] !== 'pull')
            throw new UsageError(`unknown action "${String(a['action'])}" of inventory: the one action is pull (nsoffload inventory pull --context CTX)`)
          if (typeof a['context'] !== 'string' || a['context'] === '')
            throw new UsageError('inventory pull needs --context CTX: the kubeconfig context of the home cluster')
          return true
        })
        .option('cluster-id', { type: 'string', describe: "the home cluster ID (default: Liqo's, else the context name)" })
        .option('output', { alias: 'o', type: 'string', describe: 'write the inventory to this file instead of stdout' })
        .example('$0 inventory pull --context venice -o inventory.yaml', "inventory from venice's Liqo virtual nodes") as unknown as Argv<Args>,
    handler: async (args) => {
      const { deadline, requestTimeoutMs } = clientTimes(args, Date.now())
      const [{ connect, kubeconfigSource, KubeconfigError }, { KubeClient, DEFAULT_RETRY }, { EXEC_TIMEOUT_MS }, { pullInventory }, { toYaml }] =
        await Promise.all([
          import('../../kube/kubeconfig.ts'),
          import('../../kube/kube-client.ts'),
          import('../../kube/credentials.ts'),
          import('../../sync/pull-inventory.ts'),
          import('../../render/to-yaml.ts'),
        ])
      const file = kubeconfigSource(args.kubeconfig, ctx.host.env)
      let doc
      try {
        const [conn] = await connect(file, [{ cluster: args.context, context: args.context }], {
          env: ctx.host.env,
          host: ctx.host,
          execLimit: { ms: EXEC_TIMEOUT_MS, ...(deadline ? { deadline } : {}) },
        })
        if (!conn) throw new UsageError(`no context ${args.context}`)
        const client = new KubeClient(conn, {
          onRetry: (s) => ctx.host.stderr(`${s}\n`),
          ...(deadline ? { deadline } : {}),
          ...(requestTimeoutMs !== undefined ? { retry: { ...DEFAULT_RETRY, requestTimeoutMs } } : {}),
        })
        try {
          doc = await pullInventory(client, {
            context: args.context,
            ...(args['cluster-id'] ? { clusterID: args['cluster-id'] } : {}),
            warn: (m) => ctx.host.stderr(`warning: ${m}\n`),
          })
        } catch (e) {
          throw await clusterFailure(e, [client])
        } finally {
          client.close()
        }
      } catch (e) {
        if (e instanceof KubeconfigError) throw new UsageError(e.message)
        throw e
      }
      const text = `# Pulled by nsoffload from context ${args.context}. Review it, then commit it.\n${toYaml(doc)}`
      if (args.output) {
        ctx.host.writeFile(path.resolve(ctx.host.cwd, args.output), text)
        ctx.host.stderr(`wrote ${args.output}\n`)
      } else ctx.host.stdout(text)
      ctx.exit(ExitCode.ok)
    },
  }
}
