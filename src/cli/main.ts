import yargs, { type Argv, type CommandModule } from 'yargs'
import type { Host } from '../host/host.ts'
import { COMPLETION_HOOK } from './commands/completion.ts'
import type { CommandContext, GlobalArgs } from './context.ts'
import { CannotRun } from '../diagnostics/cannot-run.ts'
import { ExitCode, Interrupted, UsageError } from './exit-codes.ts'
import { type KnownOptions, unknownArguments } from './unknown-arguments.ts'
import { version } from './version.ts'

export { version }

type Command = CommandModule<GlobalArgs, never>

interface CommandEntry {
  /** The usage line and the description `--help` lists: the same as the module's own (tested). */
  readonly command: string
  readonly describe: string
  readonly load: (ctx: CommandContext, raw: readonly string[]) => Promise<Command>
}

/**
 * Every command, and where its module is. Only the modules of the commands named on the
 * command line are imported, so that start-up stays close to bare node: the others are listed
 * by `--help` from these lines alone. Completion (`--get-yargs-completions`) loads them all.
 */
export const COMMANDS: readonly CommandEntry[] = [
  {
    command: 'validate [files..]',
    describe: 'Check policies and inventory (schema and semantic rules); no cluster needed',
    load: async (c, r) => (await import('./commands/validate.ts')).validateCommand(c, r) as Command,
  },
  {
    command: 'build',
    describe: "Render every cluster's manifests: folders with a kustomization.yaml (-o), or one cluster on stdout (--cluster)",
    load: async (c, r) => (await import('./commands/build.ts')).buildCommand(c, r) as Command,
  },
  {
    command: 'plan',
    describe: 'Show per namespace the selected clusters and why, the predicted status, and where pods could run',
    load: async (c, r) => (await import('./commands/plan.ts')).planCommand(c, r) as Command,
  },
  {
    command: 'diff',
    describe: 'Live vs rendered for every cluster of the inventory, as unified diffs (exit 0 none, 1 differences, 2 error)',
    load: async (c, r) => (await import('./commands/diff.ts')).diffCommand(c, r) as Command,
  },
  {
    command: 'sync',
    describe: 'Apply the difference to every cluster (server-side apply) and report the offloading phases',
    load: async (c, r) => (await import('./commands/sync.ts')).syncCommand(c, r) as Command,
  },
  {
    command: 'status',
    describe: 'Read the live NamespaceOffloadings and twin namespaces and print the offloading phases',
    load: async (c, r) => (await import('./commands/status.ts')).statusCommand(c, r) as Command,
  },
  {
    command: 'inventory <action>',
    describe: 'Work with the cluster inventory: `inventory pull` writes one from a live home cluster',
    load: async (c, r) => (await import('./commands/inventory.ts')).inventoryCommand(c, r) as Command,
  },
  {
    command: 'fn',
    describe: "KRM function: patch the workloads of the ResourceList on stdin as Liqo's webhook would, write it to stdout",
    load: async (c, r) => (await import('./commands/fn.ts')).fnCommand(c, r) as Command,
  },
  {
    command: 'completion [shell]',
    describe: 'Print a shell completion script (bash or zsh)',
    load: async (c) => (await import('./commands/completion.ts')).completionCommand(c) as Command,
  },
  {
    command: 'version',
    describe: 'Print the version of nsoffload (the same as --version)',
    load: async (c) => (await import('./commands/version.ts')).versionCommand(c) as Command,
  },
]

const commandName = (e: CommandEntry): string => e.command.split(' ')[0] ?? e.command

const HELP_WIDTH = Math.min(100, process.stdout.columns || 100)

/**
 * Examples as a shell reads them, never wrapped inside a command (yargs wraps a two-column
 * example at half the width): each on one line, `COMMAND  # what it does`, or the comment on a
 * line of its own above a command too long for both.
 */
function oneLineExamples(y: Argv, width: number): Argv {
  const example = (y.example as (cmd: string, desc: string) => Argv).bind(y)
  ;(y as { example: (cmd: string, desc?: string) => Argv }).example = (cmd: string, desc?: string) => {
    const line = desc ? `${cmd}  # ${desc}` : cmd
    if (!desc || line.replace('$0', 'nsoffload').length + 2 <= width) example(line, '')
    else {
      example(`# ${desc}`, '')
      example(cmd, '')
    }
    return y
  }
  return y
}

const NO_COMMAND = 'give a command'

/** A command name among the values after `-p`/`--policies` (an array option reads on until a flag). */
function swallowedCommand(raw: readonly string[], names: readonly string[]): string | undefined {
  let inPolicies = false
  for (const a of raw) {
    if (a.startsWith('-')) inPolicies = a === '-p' || a === '--policies'
    else if (inPolicies && names.includes(a)) return a
  }
  return undefined
}

/**
 * The CLI: parses argv, runs one command against the host, returns the exit code. Never
 * throws for bad input; an unexpected exception is reported as an internal error (exit 2).
 */
export async function main(argv: readonly string[], host: Host): Promise<number> {
  let code: number = ExitCode.ok
  const ctx: CommandContext = {
    host,
    exit: (c) => {
      code = c
    },
  }
  // Bare `nsoffload` shows the help on stdout and exits 0, as kubectl, helm and docker do: it
  // is a request for orientation, not a mistake. Flags without a command are a usage error.
  const raw = argv.length === 0 ? ['--help'] : [...argv]
  const all = raw.includes('--get-yargs-completions')
  const commands = await Promise.all(
    COMMANDS.map((e) =>
      all || raw.includes(commandName(e)) ? e.load(ctx, raw) : Promise.resolve<Command>({ command: e.command, describe: e.describe, handler: () => {} }),
    ),
  )
  const parser = oneLineExamples(yargs(raw), HELP_WIDTH)
    .scriptName('nsoffload')
    .usage('$0 <command> [options]\n\nCompile Liqo namespace-offloading policies into per-cluster manifests, preview and sync them.')
    .option('policies', {
      alias: 'p',
      type: 'string',
      array: true,
      default: ['policies'],
      describe: 'policy files or folders (read recursively)',
      global: true,
    })
    .option('inventory', { alias: 'i', type: 'string', default: 'inventory.yaml', describe: 'the cluster inventory', global: true })
    .option('strict', { type: 'boolean', default: false, describe: 'treat warnings as errors', global: true })
    .option('format', { type: 'string', default: 'text', describe: 'output format', global: true })
    .command(commands)
    .completion(COMPLETION_HOOK, false)
    .demandCommand(1, NO_COMMAND)
    .strict()
    .recommendCommands()
    .version(version())
    .help()
    .alias('h', 'help')
    .wrap(HELP_WIDTH)
    .exitProcess(false)
    .fail((msg, err) => {
      if (err && !(err instanceof UsageError)) throw err
      const text = msg || err?.message || 'invalid arguments'
      if (text.startsWith('Did you mean')) throw new UsageError(`unknown command "${raw[0] ?? ''}". ${text}`)
      const unknown = /^Unknown arguments?: (.+)$/.exec(text)?.[1]
      if (unknown !== undefined)
        throw new UsageError(
          unknownArguments(unknown.split(', '), raw, (parser as unknown as { getOptions: () => KnownOptions }).getOptions(), COMMANDS.map(commandName)),
        )
      if (text === NO_COMMAND) {
        const swallowed = swallowedCommand(raw, COMMANDS.map(commandName))
        if (swallowed !== undefined)
          throw new UsageError(
            `"${swallowed}" was read as a policy path: -p/--policies takes several values; put the command first (nsoffload ${swallowed} -p …)`,
          )
        throw new UsageError(`${NO_COMMAND}: ${COMMANDS.map(commandName).join(', ')} (see nsoffload --help)`)
      }
      throw new UsageError(text)
    })
  // After running a command, yargs renders that command's whole help and keeps it, should the
  // command fail (usage.cacheHelpMessage): ≈ 55 ms of CPU per command, measured
  // (docs/performance.md, "Start-up"). nsoffload never shows help on a failure (fail() above),
  // so it is skipped. A yargs without this internal method simply keeps doing it.
  const usage = (parser as unknown as { getInternalMethods?: () => { getUsageInstance?: () => { cacheHelpMessage?: () => void } } })
    .getInternalMethods?.()
    .getUsageInstance?.()
  if (usage?.cacheHelpMessage) usage.cacheHelpMessage = () => {}
  try {
    let printed = ''
    await (
      parser as unknown as { parseAsync: (a: string[], c: object, cb: (e: Error | undefined, a: GlobalArgs, out: string) => void) => Promise<unknown> }
    ).parseAsync(raw, {}, (_err, _args, output) => {
      printed = output
    })
    // yargs completes a one-letter alias after `--` as `--p`, a flag that does not exist.
    if (all) printed = printed.replace(/^--[A-Za-z](?::[^\n]*)?\n/gm, '')
    if (printed) host.stdout(printed.endsWith('\n') ? printed : printed + '\n')
  } catch (e) {
    // The one place an error becomes an exit code: what is the user's to fix (CannotRun: bad
    // flags, unreadable inputs, an unusable kubeconfig, a cluster that failed as clusterFailure
    // tells it) is one line and exit 2; a signal its own code; anything else is a bug.
    if (e instanceof CannotRun) {
      host.stderr(`nsoffload: ${e.message}\n`)
      return ExitCode.cannotRun
    }
    if (e instanceof Interrupted) {
      host.stderr(`nsoffload: ${e.message}\n`)
      return e.exitCode
    }
    host.stderr(`nsoffload: internal error NSO9001: ${(e as Error).message}\nThis is a bug: please report it with the command you ran.\n`)
    if (host.env['NSOFFLOAD_DEBUG']) host.stderr(`${(e as Error).stack ?? ''}\n`)
    return ExitCode.cannotRun
  }
  return code
}
