import * as path from 'node:path'
import type { Argv, CommandModule } from 'yargs'
import { hasErrors } from '../../diagnostics/diagnostic.ts'
import { clusterFiles, type OutputFile } from '../../render/bundle.ts'
import { withSyncWaves } from '../../render/sync-waves.ts'
import { clusterBuild } from '../cluster-build.ts'
import { ExitCode, UsageError } from '../exit-codes.ts'
import { allowEmptyOption, type CommandContext, type GlobalArgs, inputOptions, LISTED_BY_VALIDATE, reportToStderr } from '../context.ts'
import { loadProject } from '../project.ts'
import { checkOutputFolder, writeClusterFolders } from '../write-output.ts'

interface Args extends GlobalArgs {
  readonly output?: string
  readonly cluster?: string
  readonly 'sync-waves': boolean
  readonly 'allow-other-files': boolean
  readonly cache: boolean
}

export function buildCommand(ctx: CommandContext, rawArgv: readonly string[]): CommandModule<GlobalArgs, Args> {
  return {
    command: 'build',
    describe: "Render every cluster's manifests: folders with a kustomization.yaml (-o), or one cluster on stdout (--cluster)",
    builder: (y: Argv<GlobalArgs>) =>
      allowEmptyOption(y)
        .option('output', {
          alias: 'o',
          type: 'string',
          describe: 'write DIR/<clusterID>/ for the home and every remote cluster (DIR empty or holding only what nsoffload wrote)',
        })
        .option('cluster', { type: 'string', describe: "print only this cluster's manifests as one YAML stream" })
        .option('format', { choices: ['text', 'json'] as const, default: 'text', describe: 'summary format with -o' })
        .option('sync-waves', {
          type: 'boolean',
          default: false,
          describe: 'annotate Namespaces (wave -2) and NamespaceOffloadings (wave -1) with argocd.argoproj.io/sync-wave, so they land before workloads',
        })
        .option('allow-other-files', {
          type: 'boolean',
          default: false,
          describe: 'with -o: write into a folder that also holds files nsoffload did not write (the project folder, …); they are left alone',
        })
        .option('cache', {
          type: 'boolean',
          default: true,
          describe:
            'with --cluster: keep the compiled fleet in the cache folder (NSOFFLOAD_CACHE_DIR, default ~/.cache/nsoffload/builds), so that the build of another cluster of the same inputs reads it instead of compiling again; --no-cache: neither read nor write it',
        })
        .conflicts('output', 'cluster')
        .check((a) => {
          if (a['output'] === undefined && a['cluster'] === undefined)
            throw new UsageError('build needs -o DIR (a folder per cluster) or --cluster ID (one cluster on stdout)')
          if (Array.isArray(a['output'])) throw new UsageError('-o given more than once: give one folder')
          if (a['output'] !== undefined && (typeof a['output'] !== 'string' || a['output'].trim() === ''))
            throw new UsageError('-o needs a folder: -o DIR, e.g. -o out')
          if (a['cluster'] !== undefined && (typeof a['cluster'] !== 'string' || a['cluster'].trim() === ''))
            throw new UsageError('--cluster needs a cluster ID: --cluster ID')
          return true
        })
        .example('$0 build -o out && kubectl kustomize out/venice', 'render, then look at the home cluster')
        .example('$0 build --cluster naples | kubectl apply -f -', 'one cluster, for a pipeline')
        .example('$0 build --cluster venice --sync-waves', 'for Argo CD: namespace and NamespaceOffloading before workloads') as Argv<Args>,
    handler: async (args) => {
      const opts = inputOptions(args, rawArgv)
      const output = { allowOtherFiles: args['allow-other-files'], inputs: opts.policies }
      // The output folder is checked before anything is compiled: a refusal comes first and alone.
      if (args.output !== undefined) checkOutputFolder(ctx.host, args.output, output)
      if (args.cluster !== undefined) {
        clusterBuild(ctx, opts, args.cluster, args['sync-waves'], args.cache)
        return
      }
      const project = loadProject(ctx.host, opts, true)
      const { compiled } = project
      const waves = args['sync-waves'] ? withSyncWaves : <T>(ms: T): T => ms
      reportToStderr(ctx.host, project.diagnostics, project.texts, project.inputs, LISTED_BY_VALIDATE)
      if (hasErrors(project.diagnostics) || !compiled) {
        ctx.exit(ExitCode.findings)
        return
      }
      const folders = new Map<string, () => OutputFile[]>([...compiled.clusters].map(([id, ms]) => [id, () => clusterFiles(waves(ms))]))
      const out = args.output ?? 'out'
      await writeClusterFolders(ctx.host, out, folders, output)
      const summary = [...folders.keys()].map((id) => ({
        clusterID: id,
        path: path.posix.join(out.split(path.sep).join('/'), id),
        objects: compiled.clusters.get(id)?.length ?? 0,
      }))
      if (args.format === 'json') ctx.host.stdout(JSON.stringify({ clusters: summary }, null, 2) + '\n')
      else for (const s of summary) ctx.host.stderr(`wrote ${s.path}/ (${s.objects} object${s.objects === 1 ? '' : 's'})\n`)
      ctx.exit(ExitCode.ok)
    },
  }
}
