import type { Argv, CommandModule } from 'yargs'
import { stringify } from 'yaml'
import { type Diagnostic, hasErrors, strictify } from '../../diagnostics/diagnostic.ts'
import { readFunctionConfig } from '../../krm/function-config.ts'
import { type ItemDiagnostic, inputDiagnostic, offloadItems, toResult } from '../../krm/offload-items.ts'
import { type KrmResult, parseResourceList, RESOURCE_LIST_KIND, RESOURCE_LIST_VERSIONS, STDIN, writeResourceList } from '../../krm/resource-list.ts'
import { inventoryNodes } from '../../placement/inventory-nodes.ts'
import { CannotRun } from '../../diagnostics/cannot-run.ts'
import { ExitCode } from '../exit-codes.ts'
import { type CommandContext, type GlobalArgs, inputOptions, reportToStderr } from '../context.ts'
import type { Project } from '../../pipeline.ts'
import { loadProject } from '../project.ts'

const given = (raw: readonly string[], long: string, short: string): boolean =>
  raw.some((a) => a === `--${long}` || a === `-${short}` || a.startsWith(`--${long}=`) || a.startsWith(`-${short}=`))

/** A ResourceList with no items, for when the input could not be read as one. */
const emptyList = (results: readonly KrmResult[]): string =>
  stringify({ apiVersion: RESOURCE_LIST_VERSIONS[0], kind: RESOURCE_LIST_KIND, items: [], results }, { indentSeq: false, lineWidth: 0 })

/**
 * `nsoffload fn`: a KRM function (kustomize exec transformer, kpt). Reads a ResourceList on
 * stdin, patches the workloads of the namespaces that have a policy, writes the ResourceList
 * on stdout. Problems become `results` entries (and lines on stderr); any error exits 1.
 */
export function fnCommand(ctx: CommandContext, rawArgv: readonly string[]): CommandModule<GlobalArgs, GlobalArgs> {
  return {
    command: 'fn',
    describe: "KRM function: patch the workloads of the ResourceList on stdin as Liqo's webhook would, write it to stdout",
    builder: (y: Argv<GlobalArgs>) =>
      y
        .example('kpt fn eval - --exec "nsoffload fn -p policies" < list.yaml', 'run as a KRM function')
        .example('kustomize build --enable-alpha-plugins --enable-exec DIR', 'as an exec transformer (see docs/krm-function.md)'),
    handler: async (args) => {
      const host = ctx.host
      const text = await host.readStdin()
      const texts = new Map<string, string>([[STDIN, text]])
      const finish = (out: string, ds: readonly ItemDiagnostic[], code: number, moreTexts?: ReadonlyMap<string, string>): void => {
        host.stdout(out.endsWith('\n') || out === '' ? out : out + '\n')
        reportToStderr(
          host,
          ds.map((d) => d.diagnostic),
          new Map([...texts, ...(moreTexts ?? [])]),
          undefined,
          "the output ResourceList's results",
        )
        ctx.exit(code)
      }
      const parsed = parseResourceList(text)
      const list = parsed.list
      if (!list) {
        const ds = parsed.diagnostics.map(inputDiagnostic)
        finish(emptyList(ds.map(toResult)), ds, ExitCode.findings)
        return
      }
      // Warnings of the input's YAML (its errors leave no list).
      const listDs = parsed.diagnostics.map(inputDiagnostic)
      const fc = readFunctionConfig(list.functionConfig, list.locate)
      if (fc.diagnostics.length > 0) {
        const ds = [...listDs, ...fc.diagnostics.map(inputDiagnostic)]
        finish(writeResourceList(list, [], ds.map(toResult)), ds, ExitCode.findings)
        return
      }
      const opts = inputOptions(args, rawArgv)
      const policiesGiven = given(rawArgv, 'policies', 'p')
      const inventoryGiven = given(rawArgv, 'inventory', 'i')
      let project: Project
      try {
        project = loadProject(
          host,
          {
            policies: policiesGiven ? opts.policies : (fc.config.policies ?? opts.policies),
            inventory: inventoryGiven ? opts.inventory : (fc.config.inventory ?? opts.inventory),
            inventoryExplicit: inventoryGiven || fc.config.inventory !== undefined,
            strict: opts.strict || fc.config.strict === true,
            workloads: false,
          },
          false,
        )
      } catch (e) {
        if (!(e instanceof CannotRun)) throw e
        finish(writeResourceList(list, [], [{ message: `cannot run: ${e.message}`, severity: 'error' }]), [], ExitCode.cannotRun)
        host.stderr(`nsoffload: ${e.message}\n`)
        return
      }
      const shown = (ds: readonly Diagnostic[]): Diagnostic[] => ds.filter((d) => d.severity !== 'info')
      const projectDs = [...listDs, ...shown(project.diagnostics).map(inputDiagnostic)]
      if (hasErrors(project.diagnostics)) {
        finish(writeResourceList(list, [], projectDs.map(toResult)), projectDs, ExitCode.findings, project.texts)
        return
      }
      const inv = project.validated.inventory
      const placement = inv ? { nodes: inventoryNodes(inv), homeNodesKnown: inv.home.nodes.length > 0 } : undefined
      const policies = new Map(project.validated.policies.map((p) => [p.namespace, p]))
      const r = offloadItems(list, policies, placement)
      const strict = opts.strict || fc.config.strict === true
      const itemDs = r.diagnostics
        .map((d) => (strict ? { ...d, diagnostic: strictify([d.diagnostic])[0] ?? d.diagnostic } : d))
        .filter((d) => d.diagnostic.severity !== 'info')
      const all = [...projectDs, ...itemDs]
      const failed = all.some((d) => d.diagnostic.severity === 'error')
      // With errors nothing is patched: the input goes back as it came, with the results.
      finish(writeResourceList(list, failed ? [] : r.edits, all.map(toResult)), all, failed ? ExitCode.findings : ExitCode.ok, project.texts)
    },
  }
}
