import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { REPO, runCli } from '../helpers/cli.ts'
import { version } from '../../src/cli/version.ts'

/**
 * The command line itself: no arguments, `version`, and flags that do not exist (exit 2, one
 * line on stderr naming the flag as typed and the one meant).
 */

test('bare nsoffload prints the help on stdout and exits 0, as kubectl does', async () => {
  const r = await runCli([], REPO)
  const help = await runCli(['--help'], REPO)
  assert.is(r.code, 0)
  assert.is(r.stderr, '')
  assert.is(r.stdout, help.stdout)
  assert.match(r.stdout, /^nsoffload <command> \[options\]\n/)
  assert.match(r.stdout, /nsoffload validate \[files\.\.\]/)
})

test('flags without a command: exit 2, the commands listed', async () => {
  const r = await runCli(['--strict'], REPO)
  assert.is(r.code, 2)
  assert.is(r.stdout, '')
  assert.is(r.stderr, 'nsoffload: give a command: validate, build, plan, diff, sync, status, inventory, fn, completion, version (see nsoffload --help)\n')
})

test('nsoffload version prints what --version prints', async () => {
  const a = await runCli(['version'], REPO)
  const b = await runCli(['--version'], REPO)
  assert.is(a.code, 0)
  assert.is(a.stdout, `${version()}\n`)
  assert.is(a.stdout, b.stdout)
  assert.is(a.stderr, '')
  const help = await runCli(['version', '--help'], REPO)
  assert.match(help.stdout, /Examples:\n {2}nsoffload version/)
})

test('a command after -p is read as a policy path: said so', async () => {
  const r = await runCli(['-p', 'policies', 'plan'], REPO)
  assert.is(r.code, 2)
  assert.is(r.stderr, 'nsoffload: "plan" was read as a policy path: -p/--policies takes several values; put the command first (nsoffload plan -p …)\n')
})

const unknown: [args: string[], stderr: string][] = [
  [['plan', '-o', 'json'], 'nsoffload: unknown option -o; did you mean --format json? (see nsoffload plan --help)\n'],
  [['validate', '-o', 'json'], 'nsoffload: unknown option -o; did you mean --format json? (see nsoffload validate --help)\n'],
  [['diff', '--output=json'], 'nsoffload: unknown option --output; did you mean --format json? (see nsoffload diff --help)\n'],
  [['plan', '--inventroy', 'inv.yaml'], 'nsoffload: unknown option --inventroy; did you mean --inventory? (see nsoffload plan --help)\n'],
  [['validate', '--fromat=json'], 'nsoffload: unknown option --fromat; did you mean --format? (see nsoffload validate --help)\n'],
  [['build', '-o', 'out', '--sync-wave'], 'nsoffload: unknown option --sync-wave; did you mean --sync-waves? (see nsoffload build --help)\n'],
  [['plan', '-x'], 'nsoffload: unknown option -x (see nsoffload plan --help)\n'],
  [['plan', 'extra'], 'nsoffload: unexpected argument "extra" (see nsoffload plan --help)\n'],
  [['valdate'], 'nsoffload: unknown command "valdate". Did you mean validate?\n'],
  [
    ['frobnicate'],
    'nsoffload: unknown command "frobnicate"; the commands are validate, build, plan, diff, sync, status, inventory, fn, completion, version (see nsoffload --help)\n',
  ],
]

for (const [args, stderr] of unknown) {
  test(`unknown flag: nsoffload ${args.join(' ')}`, async () => {
    const r = await runCli(args, REPO)
    assert.is(r.stderr, stderr)
    assert.is(r.stdout, '')
    assert.is(r.code, 2)
  })
}

test.run()
