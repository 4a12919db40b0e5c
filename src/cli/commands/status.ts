import type { Argv, CommandModule } from 'yargs'
import { allGood, type NamespaceRow, statusTable } from '../../report/sync-report.ts'
import type { NamespaceOffloadingStatus } from '../../model/liqo.ts'
import { hasErrors } from '../../diagnostics/diagnostic.ts'
import { ExitCode, UsageError } from '../exit-codes.ts'
import { type CommandContext, type GlobalArgs, inputOptions, reportToStderr } from '../context.ts'
import { type ClusterArgs, openClusters } from '../clusters.ts'
import { loadProject } from '../project.ts'
import { clusterOptions } from './sync.ts'

export function statusCommand(ctx: CommandContext, rawArgv: readonly string[]): CommandModule<GlobalArgs, GlobalArgs & ClusterArgs> {
  return {
    command: 'status',
    describe: 'Read the live NamespaceOffloadings and twin namespaces and print the offloading phases',
    builder: (y: Argv<GlobalArgs>) =>
      clusterOptions(y)
        .option('format', { choices: ['text', 'json'] as const, default: 'text' })
        .example('$0 status', 'phases of every offloaded namespace')
        .example('$0 status --format json', 'NamespaceOffloading.status per namespace') as unknown as Argv<GlobalArgs & ClusterArgs>,
    handler: async (args) => {
      const project = loadProject(ctx.host, inputOptions(args, rawArgv), true)
      reportToStderr(ctx.host, project.diagnostics, project.texts)
      const inv = project.validated.inventory
      if (hasErrors(project.diagnostics) || !project.compiled || !inv) {
        ctx.exit(ExitCode.findings)
        return
      }
      const log = (s: string): void => ctx.host.stderr(`${s}\n`)
      const clients = await openClusters(ctx.host, inv, args, log)
      const [{ readAll }, { namespaceStatus }, { KubeError }] = await Promise.all([
        import('../../sync/execute.ts'),
        import('../../sync/live-status.ts'),
        import('../../kube/kube-client.ts'),
      ])
      const rows: (NamespaceRow & { source: 'status' | 'computed' })[] = []
      try {
        const live = await readAll(project.compiled, inv, { clients, log, now: () => new Date(), sleep: (ms) => new Promise((r) => setTimeout(r, ms)) })
        const home = live.get(inv.home.clusterID)
        if (!home?.offloadings) throw new UsageError(`the NamespaceOffloading CRD is not installed on ${inv.home.clusterID}`)
        const policies = new Map(project.compiled.namespaces.map((n) => [n.policy.namespace, n]))
        for (const [ns, nso] of [...home.offloadings].sort(([a], [b]) => (a < b ? -1 : 1))) {
          const written = nso['status'] as NamespaceOffloadingStatus | undefined
          const compiled = policies.get(ns)
          if (written?.offloadingPhase) {
            rows.push({ namespace: ns, remoteNamespaceName: written.remoteNamespaceName, status: written, source: 'status' })
          } else if (compiled) {
            rows.push({ namespace: ns, remoteNamespaceName: compiled.remoteNamespaceName, status: namespaceStatus(compiled, inv, live, nso, new Date().toISOString()), source: 'computed' })
          }
        }
        for (const n of project.compiled.namespaces) {
          if (!home.offloadings.has(n.policy.namespace)) log(`${n.policy.namespace}: not offloaded yet (no NamespaceOffloading on ${inv.home.clusterID}): run nsoffload sync`)
        }
      } catch (e) {
        if (e instanceof KubeError) throw new UsageError(`cannot reach the clusters: ${e.message}`)
        throw e
      } finally {
        for (const c of clients.values()) (c.conn.agent as { destroy?: () => void }).destroy?.()
      }
      if (args.format === 'json') ctx.host.stdout(JSON.stringify({ namespaces: rows }, null, 2) + '\n')
      else ctx.host.stdout(statusTable(rows, inv.remotes.map((r) => r.clusterID)))
      const missing = project.compiled.namespaces.some((n) => !rows.some((r) => r.namespace === n.policy.namespace))
      ctx.exit(allGood(rows) && !missing ? ExitCode.ok : ExitCode.findings)
    },
  }
}
