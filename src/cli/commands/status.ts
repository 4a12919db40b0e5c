import type { Argv, CommandModule } from 'yargs'
import { headline } from '../../diagnostics/format.ts'
import { allGood, type NamespaceRow, statusTable } from '../../report/sync-report.ts'
import { ExitCode, UsageError } from '../exit-codes.ts'
import type { CommandContext, GlobalArgs } from '../context.ts'
import { type ClusterArgs, withClusters } from '../clusters.ts'
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
      const [{ readAll }, { liqoManaged, namespaceStatus, statusWithoutPolicy }, { membership }, { driftFindings }] = await Promise.all([
        import('../../sync/execute.ts'),
        import('../../sync/live-status.ts'),
        import('../../sync/applyset.ts'),
        import('../../sync/inventory-drift.ts'),
      ])
      const session = await withClusters(ctx, args, rawArgv, async ({ compiled, inv, io, log, set }) => {
        const live = await readAll(compiled, inv, io, set)
        const home = live.get(inv.home.clusterID)
        if (!home?.offloadings) throw new UsageError(`the NamespaceOffloading CRD is not installed on ${inv.home.clusterID}`)
        const policies = new Map(compiled.namespaces.map((n) => [n.policy.namespace, n]))
        const now = io.now().toISOString()
        // What is live: Liqo's own status where Liqo's controller keeps it, else computed from the live twins
        // (a status nsoffload wrote earlier says what was, not what is: a twin deleted since is not Ready).
        const rows: (NamespaceRow & { source: 'liqo' | 'computed' })[] = []
        for (const [ns, nso] of [...home.offloadings].sort(([a], [b]) => (a < b ? -1 : 1))) {
          const policy = policies.get(ns)
          // The namespaces of this run: those it has a policy for, and the set's others.
          if (!policy && membership(nso, set) !== 'member') continue
          const written = nso.status
          if (liqoManaged(nso) && written?.offloadingPhase) {
            rows.push({ namespace: ns, remoteNamespaceName: written.remoteNamespaceName, status: written, source: 'liqo' })
          } else if (policy) {
            rows.push({
              namespace: ns,
              remoteNamespaceName: policy.remoteNamespaceName,
              status: namespaceStatus(policy, inv, live, nso, now, false, set),
              source: 'computed',
            })
          } else {
            const status = statusWithoutPolicy(nso, inv, live, now, set)
            if (status) rows.push({ namespace: ns, remoteNamespaceName: status.remoteNamespaceName, status, source: 'computed' })
          }
        }
        const missing = compiled.namespaces.filter((n) => !home.offloadings?.has(n.policy.namespace))
        for (const n of missing) log(`${n.policy.namespace}: not offloaded yet (no NamespaceOffloading on ${inv.home.clusterID}): run nsoffload sync`)
        // The inventory against the live virtual nodes, as sync checks it.
        const findings = driftFindings(compiled, inv, home, 'report')
        for (const f of findings) log(headline(f))
        return { rows, clusters: inv.remotes.map((r) => r.clusterID), missing: missing.length > 0, findings }
      })
      if (!session) return
      const { rows, clusters, missing, findings } = session
      if (args.format === 'json') ctx.host.stdout(JSON.stringify({ namespaces: rows, ...(findings.length > 0 ? { findings } : {}) }, null, 2) + '\n')
      else ctx.host.stdout(statusTable(rows, clusters))
      const drifted = findings.some((f) => f.severity === 'error')
      ctx.exit(allGood(rows) && !missing && !drifted ? ExitCode.ok : ExitCode.findings)
    },
  }
}
