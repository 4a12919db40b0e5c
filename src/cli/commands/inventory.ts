import * as path from 'node:path'
import type { Argv, CommandModule } from 'yargs'
import { hasErrors } from '../../diagnostics/diagnostic.ts'
import type { Inventory } from '../../model/inventory.ts'
import { ExitCode, UsageError } from '../exit-codes.ts'
import { type CommandContext, type GlobalArgs, inputOptions, reportToStderr } from '../context.ts'
import { type ClusterArgs, clientTimes, clusterFailure, openClients } from '../clusters.ts'
import { loadProject } from '../project.ts'
import { clusterOptions } from './sync.ts'

interface Args extends GlobalArgs, ClusterArgs {
  readonly context?: string
  readonly 'cluster-id'?: string
  readonly output?: string
  readonly check: boolean
}

export function inventoryCommand(ctx: CommandContext, rawArgv: readonly string[]): CommandModule<GlobalArgs, Args> {
  return {
    command: 'inventory <action>',
    describe: 'Work with the cluster inventory: `inventory pull` writes one from a live home cluster',
    builder: (y: Argv<GlobalArgs>) =>
      clusterOptions(y)
        .positional('action', { type: 'string', describe: 'pull (the one action)' })
        .option('context', { type: 'string', describe: "kubeconfig context of the home cluster (required; with --check, default: the inventory's)" })
        .option('check', {
          type: 'boolean',
          default: false,
          describe: 'compare the inventory (-i) with the live nodes instead of writing one: exit 1 on any difference, each named (for CI)',
        })
        // The action first: `inventory push` is an unknown action, whatever flags it lacks.
        .check((a) => {
          if (a['action'] !== 'pull')
            throw new UsageError(`unknown action "${String(a['action'])}" of inventory: the one action is pull (nsoffload inventory pull --context CTX)`)
          if (a['check'] === true && a['output'] !== undefined) throw new UsageError('inventory pull --check writes nothing: it takes no -o')
          if (a['check'] !== true && (typeof a['context'] !== 'string' || a['context'] === ''))
            throw new UsageError('inventory pull needs --context CTX: the kubeconfig context of the home cluster')
          return true
        })
        .option('cluster-id', { type: 'string', describe: "the home cluster ID (default: Liqo's, else the context name)" })
        .option('output', { alias: 'o', type: 'string', describe: 'write the inventory to this file instead of stdout' })
        .example('$0 inventory pull --context venice -o inventory.yaml', "inventory from venice's Liqo virtual nodes")
        .example('$0 inventory pull --check', 'does inventory.yaml still say what the live virtual nodes say? (exit 1 if not)') as unknown as Argv<Args>,
    handler: async (args) => {
      // The flags first: a bad --timeout or --request-timeout is said before any file is read.
      const times = clientTimes(args, Date.now())
      // --check: the inventory in Git, read and validated as every command reads it (no policy needed).
      let inv: Inventory | undefined
      if (args.check) {
        const project = loadProject(ctx.host, { ...inputOptions(args, rawArgv), policies: [], allowEmpty: true, workloads: false }, true)
        reportToStderr(ctx.host, project.diagnostics, project.texts, project.inputs)
        inv = project.validated.inventory
        if (hasErrors(project.diagnostics) || !inv) {
          ctx.exit(ExitCode.findings)
          return
        }
      }
      const context = args.context ?? inv?.home.context ?? inv?.home.clusterID ?? ''
      const [{ pullInventory }, { toYaml }, { listNodes }, { inventoryDifferences }] = await Promise.all([
        import('../../sync/pull-inventory.ts'),
        import('../../render/to-yaml.ts'),
        import('../../sync/live-state.ts'),
        import('../../sync/inventory-drift.ts'),
      ])
      let doc: Record<string, unknown> | undefined
      let differences: string[] | undefined
      const cluster = inv?.home.clusterID ?? context
      const [client] = (await openClients(ctx.host, args.kubeconfig, [{ cluster, context }], (s) => ctx.host.stderr(`${s}\n`), times)).values()
      if (!client) throw new UsageError(`no context ${context}`)
      try {
        if (inv) {
          differences = inventoryDifferences(inv, await listNodes(client))
        } else {
          doc = await pullInventory(client, {
            context,
            ...(args['cluster-id'] ? { clusterID: args['cluster-id'] } : {}),
            warn: (m) => ctx.host.stderr(`warning: ${m}\n`),
          })
        }
      } catch (e) {
        throw await clusterFailure(e, [client])
      } finally {
        client.close()
      }
      if (differences) {
        const where = path.relative(ctx.host.cwd, path.resolve(ctx.host.cwd, args.inventory)) || args.inventory
        if (differences.length === 0) {
          ctx.host.stderr(`${where} says what the live nodes of ${context} say\n`)
          ctx.exit(ExitCode.ok)
          return
        }
        ctx.host.stdout(differences.map((d) => `${d}\n`).join(''))
        ctx.host.stderr(
          `${where} differs from the live nodes of ${context} (${differences.length} difference${differences.length === 1 ? '' : 's'}): review them, then nsoffload inventory pull --context ${context} -o ${where}\n`,
        )
        ctx.exit(ExitCode.findings)
        return
      }
      const text = `# Pulled by nsoffload from context ${context}. Review it, then commit it.\n${toYaml(doc ?? {})}`
      if (args.output) {
        ctx.host.writeFile(path.resolve(ctx.host.cwd, args.output), text)
        ctx.host.stderr(`wrote ${args.output}\n`)
      } else ctx.host.stdout(text)
      ctx.exit(ExitCode.ok)
    },
  }
}
