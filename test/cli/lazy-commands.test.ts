import * as path from 'node:path'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { COMMANDS } from '../../src/cli/main.ts'
import { nodeHost } from '../../src/host/node-host.ts'
import { REPO, runCli } from '../helpers/cli.ts'
import { tracedImports } from '../helpers/trace.ts'

/**
 * Start-up: main.ts imports only the module of the command that runs; `--help` lists every
 * command from main.ts's own table, which must say what the modules say.
 */

test("main.ts's table of commands says what each command's module says", async () => {
  const ctx = { host: nodeHost(REPO, {}), exit: () => {} }
  for (const e of COMMANDS) {
    const m = await e.load(ctx, [])
    assert.is(m.command, e.command)
    assert.is(m.describe, e.describe)
    assert.type(m.handler, 'function')
  }
})

test('--help lists every command', async () => {
  const r = await runCli(['--help'], REPO)
  assert.is(r.code, 0)
  for (const e of COMMANDS) assert.ok(r.stdout.includes(`nsoffload ${e.command}`), e.command)
})

/** The command modules a run of the CLI imports. */
function commandModules(args: string[]): string[] {
  const urls = tracedImports(args)
  assert.ok(
    urls.some((u) => u.endsWith('/src/cli/main.ts')),
    'the trace works',
  )
  return [...new Set(urls.filter((u) => u.includes('/src/cli/commands/')).map((u) => path.basename(u)))].sort()
}

test('only the command that runs is imported (completion.ts holds the hook name)', () => {
  assert.equal(commandModules(['--version']), ['completion.ts'])
  assert.equal(commandModules(['validate']), ['completion.ts', 'validate.ts'])
  assert.equal(commandModules(['--get-yargs-completions', 'nsoffload', 'bu']).length, COMMANDS.length, 'completion loads them all')
})

test.run()
