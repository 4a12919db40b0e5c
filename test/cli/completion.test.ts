import { spawnSync } from 'node:child_process'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { main } from '../../src/cli/main.ts'
import { VALIDATE_FORMATS } from '../../src/cli/commands/validate.ts'
import { nodeHost } from '../../src/host/node-host.ts'
import { REPO, runCli } from '../helpers/cli.ts'
import { shimEnv } from '../helpers/shim.ts'

async function withEnv(args: string[], env: Record<string, string>): Promise<{ code: number; stdout: string }> {
  let stdout = ''
  const host = { ...nodeHost(REPO, env), stdout: (s: string) => void (stdout += s), stderr: () => undefined }
  return { code: await main(args, host), stdout }
}

test('completion bash prints a bash script that registers a completion function', async () => {
  const r = await runCli(['completion', 'bash'], REPO)
  assert.is(r.code, 0)
  assert.match(r.stdout, /^# bash completion for nsoffload\n/)
  assert.match(r.stdout, /\ncomplete -o bashdefault -o default -F _nsoffload_completions nsoffload\n$/)
  const syntax = spawnSync('bash', ['-n'], { input: r.stdout, encoding: 'utf8' })
  assert.is(syntax.status, 0, syntax.stderr)
})

test('completion zsh prints a zsh completion function (#compdef)', async () => {
  const r = await runCli(['completion', 'zsh'], REPO)
  assert.is(r.code, 0)
  assert.match(r.stdout, /^#compdef nsoffload\n/)
  assert.match(r.stdout, /compdef _nsoffload nsoffload/)
  const zsh = spawnSync('zsh', ['-n'], { input: r.stdout, encoding: 'utf8' })
  if (zsh.error === undefined) assert.is(zsh.status, 0, zsh.stderr)
})

test('completion without a shell follows $SHELL; an unknown shell is a usage error (exit 2)', async () => {
  assert.match((await withEnv(['completion'], { SHELL: '/usr/bin/zsh' })).stdout, /^#compdef nsoffload/)
  assert.match((await withEnv(['completion'], { SHELL: '/bin/bash' })).stdout, /^# bash completion/)
  assert.match((await withEnv(['completion'], {})).stdout, /^# bash completion/)
  const bad = await runCli(['completion', 'fish'], REPO)
  assert.is(bad.code, 2)
  assert.match(bad.stderr, /Choices: "bash", "zsh"/)
})

test("the completion hook answers with commands, options and an option's choices", async () => {
  const cmds = await runCli(['--get-yargs-completions', 'nsoffload', ''], REPO)
  for (const c of ['validate', 'build', 'plan', 'completion']) assert.ok(cmds.stdout.split('\n').includes(c), c)
  const formats = await runCli(['--get-yargs-completions', 'nsoffload', 'validate', '--format', ''], REPO)
  assert.equal(formats.stdout.trim().split('\n'), [...VALIDATE_FORMATS])
  const opts = await runCli(['--get-yargs-completions', 'nsoffload', 'build', '--'], REPO)
  assert.ok(opts.stdout.split('\n').includes('--cluster'), opts.stdout)
  const diff = await runCli(['--get-yargs-completions', 'nsoffload', 'diff', '--'], REPO)
  assert.ok(diff.stdout.split('\n').includes('--show-secrets'), diff.stdout)
})

test('the bash script completes for real: sourced in bash, with nsoffload on PATH', () => {
  const script = [
    'source <(nsoffload completion bash)',
    'complete -p nsoffload',
    'COMP_WORDS=(nsoffload va); COMP_CWORD=1; _nsoffload_completions; echo "1:${COMPREPLY[*]}"',
    'COMP_WORDS=(nsoffload validate --format j); COMP_CWORD=3; _nsoffload_completions; echo "2:${COMPREPLY[*]}"',
    'COMP_WORDS=(nsoffload plan --format ""); COMP_CWORD=3; _nsoffload_completions; echo "3:${COMPREPLY[*]}"',
  ].join('\n')
  const r = spawnSync('bash', ['-c', script], { encoding: 'utf8', env: shimEnv({ SHELL: '/usr/bin/zsh' }), cwd: REPO })
  assert.is(r.status, 0, r.stderr)
  assert.match(r.stdout, /complete -o bashdefault -o default -F _nsoffload_completions nsoffload/)
  assert.match(r.stdout, /^1:validate$/m)
  assert.match(r.stdout, /^2:json junit$/m, 'plain words even when the login shell is zsh')
  assert.match(r.stdout, /^3:text json markdown$/m)
})

test.run()
