import { spawnSync } from 'node:child_process'
import * as fs from 'node:fs'
import * as path from 'node:path'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { nodeHost } from '../../src/host/node-host.ts'
import { expandPolicyPaths } from '../../src/load/read-inputs.ts'
import { ONE_REMOTE_INVENTORY, REPO, runMemory, tempTree } from '../helpers/cli.ts'

/**
 * `.nsoffloadignore` means what a `.gitignore` in the same place means: git itself is the
 * judge (`git ls-files --others --exclude-standard` on the same tree with the same lines in
 * `.gitignore` files), on hand-picked trees and on generated ones.
 */

const policy = (name: string): string => `apiVersion: nsoffload.dev/v1alpha1\nkind: OffloadingPolicy\nmetadata:\n  name: ${name}\nspec: {}\n`

const FILES = [
  'x.yaml',
  'keep.yaml',
  'draft1.yaml',
  'draft12.yaml',
  'draftx.yaml',
  'x.gen.yaml',
  'keep.gen.yaml',
  'A.yaml',
  'sp ace.yaml',
  '#hash.yaml',
  '!bang.yaml',
  'a/x.yaml',
  'a/keep.yaml',
  'a/b/x.yaml',
  'a/b/draft3.yaml',
  'a/c/x.gen.yaml',
  'a/c/keep.yaml',
  'b/x.yaml',
  'b/b/keep.yaml',
  'd/x.yaml',
  'd/e/f/x.yaml',
  'x.yaml.d/y.yaml',
]

const PATTERNS = [
  '*.yaml',
  '!keep.yaml',
  'draft[0-9].yaml',
  'draft[!0-9]*.yaml',
  '/x.yaml',
  'a/',
  'a/**/x.yaml',
  '**/b/',
  'b',
  '!b/',
  '*.gen.yaml',
  '!*.gen.yaml',
  '\\#hash.yaml',
  '\\!bang.yaml',
  'a/*',
  '!a/c/',
  '!a/c',
  'A.yaml',
  'x.yaml/',
  '**',
  'a/**',
  '!a/**/keep.yaml',
  '?.yaml',
  'sp\\ ace.yaml',
  'd/x.yaml',
  '[a-c]/',
  'd/**/x.yaml',
  '*.yaml.d',
  '# a comment',
  '',
  'x.yaml   ',
  '!**/keep*',
]

/** Which of `FILES` git leaves in, with `ignores` (folder → lines) as `.gitignore` files. */
function gitKeeps(ignores: ReadonlyMap<string, readonly string[]>): string[] {
  const dir = tempTree()
  for (const f of FILES) {
    fs.mkdirSync(path.dirname(path.join(dir, 'policies', f)), { recursive: true })
    fs.writeFileSync(path.join(dir, 'policies', f), 'x: 1\n')
  }
  for (const [folder, lines] of ignores) fs.writeFileSync(path.join(dir, 'policies', folder, '.gitignore'), lines.join('\n') + '\n')
  const env = { ...process.env, GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: '/dev/null', HOME: dir }
  assert.is(spawnSync('git', ['init', '-q'], { cwd: dir, env }).status, 0)
  const r = spawnSync('git', ['-c', 'core.excludesFile=/dev/null', 'ls-files', '--others', '--exclude-standard', '-z', 'policies'], {
    cwd: dir,
    env,
    encoding: 'utf8',
  })
  assert.is(r.status, 0, r.stderr)
  fs.rmSync(dir, { recursive: true, force: true })
  return r.stdout
    .split('\0')
    .filter((f) => f.endsWith('.yaml') && !f.split('/').some((part) => part.startsWith('.')))
    .map((f) => f.slice('policies/'.length))
    .sort()
}

/** Which of `FILES` the policies walk reads, with the same lines as `.nsoffloadignore` files. */
function walkKeeps(ignores: ReadonlyMap<string, readonly string[]>): string[] {
  const dir = tempTree()
  for (const f of FILES) {
    fs.mkdirSync(path.dirname(path.join(dir, 'policies', f)), { recursive: true })
    fs.writeFileSync(path.join(dir, 'policies', f), 'x: 1\n')
  }
  for (const [folder, lines] of ignores) fs.writeFileSync(path.join(dir, 'policies', folder, '.nsoffloadignore'), lines.join('\n') + '\n')
  const { files } = expandPolicyPaths(nodeHost(dir, {}), ['policies'])
  fs.rmSync(dir, { recursive: true, force: true })
  return files.map((f) => path.relative(path.join(dir, 'policies'), f).split(path.sep).join('/')).sort()
}

test('hand-picked .nsoffloadignore files leave in exactly what git leaves in', () => {
  const cases: [string, string[]][][] = [
    [['', ['draft[0-9].yaml']]],
    [['', ['*.yaml', '!keep.yaml']]],
    [['', ['*.gen.yaml', '!keep.gen.yaml', 'a/', '!a/keep.yaml']]],
    [
      ['', ['*.yaml']],
      ['a', ['!x.yaml']],
    ],
    [
      ['', ['!keep.yaml']],
      ['a/c', ['keep.yaml']],
    ],
    [['', ['a/*', '!a/c/']]],
    [['', ['\\#hash.yaml', '\\!bang.yaml', 'sp\\ ace.yaml', 'A.yaml']]],
    [['', ['x.yaml/', '*.yaml.d']]],
    [['', ['**/b/', 'd/**/x.yaml']]],
  ]
  for (const c of cases) {
    const m = new Map(c)
    assert.equal(walkKeeps(m), gitKeeps(m), JSON.stringify(c))
  }
})

test('generated .nsoffloadignore files (patterns, negations, nested folders) leave in exactly what git leaves in', () => {
  // mulberry32 with a fixed seed: the same cases on every run.
  let seed = 21
  const rand = (n: number): number => {
    seed = (seed + 0x6d2b79f5) | 0
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed)
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
    return ((t ^ (t >>> 14)) >>> 0) % n
  }
  const pick = (): string[] => Array.from({ length: 1 + rand(4) }, () => PATTERNS[rand(PATTERNS.length)] ?? '')
  for (let i = 0; i < 40; i++) {
    const m = new Map<string, string[]>([['', pick()]])
    if (rand(2) === 0) m.set('a', pick())
    if (rand(3) === 0) m.set('a/c', pick())
    if (rand(3) === 0) m.set('b', pick())
    assert.equal(walkKeeps(m), gitKeeps(m), JSON.stringify([...m]))
  }
})

test('the CLI: ! re-includes, [0-9] is a range, a deeper file overrides; a lone trailing backslash is a warning', async () => {
  const files = {
    'inventory.yaml': ONE_REMOTE_INVENTORY,
    'policies/.nsoffloadignore': 'draft[0-9].yaml\n*.gen.yaml\n!keep.gen.yaml\nvalues.yaml\nodd\\\n',
    'policies/draft1.yaml': 'junk: [\n',
    'policies/draft10.yaml': policy('draft-ten'),
    'policies/x.gen.yaml': 'junk: [\n',
    'policies/keep.gen.yaml': policy('kept'),
    'policies/values.yaml': 'junk: [\n',
    'policies/b/.nsoffloadignore': '!values.yaml\n',
    'policies/b/values.yaml': policy('values'),
  }
  const r = await runMemory(files, ['validate', '--format', 'json'])
  assert.is(r.code, 0, r.stdout)
  const j = JSON.parse(r.stdout) as { policies: { file: string }[]; diagnostics: { code: string; file: string; line: number; column: number }[] }
  assert.equal(
    j.policies.map((p) => p.file),
    ['policies/draft10.yaml', 'policies/keep.gen.yaml', 'policies/b/values.yaml'],
  )
  assert.equal(
    j.diagnostics.map((d) => [d.code, d.file, d.line, d.column]),
    [['NSO1013', 'policies/.nsoffloadignore', 5, 4]],
  )
})

test('a pattern that backtracks in a regular-expression matcher is matched in linear time', () => {
  // Each run of `**a` was a `.*a` of a backtracking regular expression: next to a folder
  // named with 40 a's, that took minutes. A deadline far beyond the milliseconds it takes.
  const dir = tempTree({
    'inventory.yaml': ONE_REMOTE_INVENTORY,
    'policies/.nsoffloadignore': '**a**a**a**a**a**a**a**a**a**a**a**a**b\n',
    [`policies/${'a'.repeat(40)}/p.yaml`]: policy('p'),
  })
  const r = spawnSync(process.execPath, ['--import', import.meta.resolve('tsx'), path.join(REPO, 'src', 'cli', 'entry.ts'), 'validate', '--format', 'json'], {
    cwd: dir,
    encoding: 'utf8',
    timeout: 120_000,
  })
  assert.is(r.signal, null, 'finished before the deadline')
  assert.is(r.status, 0, r.stderr)
  assert.equal(
    (JSON.parse(r.stdout) as { policies: { file: string }[] }).policies.map((p) => p.file),
    [`policies/${'a'.repeat(40)}/p.yaml`],
  )
})

test.run()
