import * as fs from 'node:fs'
import * as path from 'node:path'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { parse, stringify } from 'yaml'
import { generateFleet } from '../../bench/fleet.ts'
import { canonical, libraryYaml, toYaml, yamlWriter } from '../../src/render/to-yaml.ts'
import { REPO, runCli, tempTree } from '../helpers/cli.ts'

/**
 * toYaml writes plain data itself (fast) and leaves the rest to the `yaml` library: the two
 * must give the same bytes for every input. The reference is the library.
 */
const OPTIONS = { version: '1.1', lineWidth: 0, indentSeq: false, aliasDuplicateObjects: false } as const
/** The library's bytes, but for the one-line strings YAML 1.2 reads otherwise, double-quoted (libraryYaml). */
const reference = (v: unknown): string => libraryYaml(v)

test('the reference is the library, strings YAML 1.2 reads otherwise (0o17) aside', () => {
  const v = { a: 'yes', b: '0777', c: 'plain', d: 'two\nlines\n', e: [1, null, true], f: 'a: b' }
  assert.is(libraryYaml(v), stringify(canonical(v), OPTIONS))
  assert.is(libraryYaml({ octal: '0o17', num: 15 }), 'num: 15\noctal: "0o17"\n')
  assert.is(toYaml({ octal: '0o17' }), 'octal: "0o17"\n')
})

test('every string reads back as itself in YAML 1.1 (kubectl, sigs.k8s.io/yaml) and in YAML 1.2 (kustomize, go-yaml v3)', () => {
  const strings = [
    '0o17',
    '0o7',
    '0x1F',
    '0b101',
    '1_000',
    '012',
    '.inf',
    '-.Inf',
    '.NaN',
    '1e3',
    '+12',
    '1.0',
    '~',
    'null',
    'Null',
    'True',
    'yes',
    'on',
    'y',
    'n',
    '2001-12-14',
    '12:30',
    '1:20:30',
    '#34577c',
    '*/10 * * * *',
    '',
    ' lead',
    'x: y',
  ]
  for (const s of strings) {
    const text = toYaml({ k: s, l: [s], [`k-${s}`]: 1 })
    for (const version of ['1.1', '1.2'] as const) {
      const back = parse(text, { version }) as Record<string, unknown>
      assert.is(back['k'], s, `${JSON.stringify(s)} as a value, YAML ${version}: ${text}`)
      assert.equal(back['l'], [s], `${JSON.stringify(s)} in a list, YAML ${version}`)
    }
  }
})

function same(v: Record<string, unknown>, what: string): void {
  const want = reference(v)
  const got = toYaml(v)
  if (got !== want) assert.fixture(got, want, what)
}

test('maps, lists, empty collections, scalars of every type', () => {
  const cases: Record<string, unknown>[] = [
    {},
    { a: null },
    { a: null, b: null },
    { a: { b: null } },
    { a: [null], b: [true, false], c: [0, -1, 42, 2 ** 53 - 1] },
    { a: [], b: {}, c: [{}], d: [[]] },
    { a: [[1, 2]], b: [[]] },
    { a: -0, b: 1.5, c: 1e21, d: Number.NaN, e: Number.POSITIVE_INFINITY, f: 10n },
    { a: [{ b: 1, c: [{ d: 'x', e: [] }] }, 'y', { z: {} }] },
    { z: 1, a: 2, m: { y: 1, b: 2 }, u: undefined },
    { a: new Date(0), b: new Uint8Array([1, 2]) },
    { ['k'.repeat(1100)]: 1 },
    { a: { ['k'.repeat(1025)]: 1 } },
    { 'a b': 1, yes: 2, '1': 3, '': 4, '-': 5 },
  ]
  cases.forEach((c, i) => same(c, `case ${i}`))
})

test('strings YAML 1.1 would misread, quotes, indicators, multi-line, unicode', () => {
  const strings = [
    '',
    ' ',
    'a ',
    ' a',
    'yes',
    'Yes',
    'YES',
    'y',
    'n',
    'no',
    'on',
    'OFF',
    'true',
    'False',
    'null',
    'Null',
    '~',
    '<<',
    '=',
    'e5',
    'E5',
    'e-3',
    'e+3',
    'e',
    'E5x',
    'x1e5',
    '0777',
    '0x1F',
    '0b101',
    '1_000',
    '1:20',
    '190:20:30.15',
    '1e3',
    '.5',
    '.inf',
    '-.inf',
    '.nan',
    '2001-12-14',
    '2001-12-14t21:59:43.10-05:00',
    '---',
    '---x',
    '...',
    '...x',
    '%x',
    '@x',
    'x@y',
    '`x',
    '!x',
    '&x',
    '*x',
    '|x',
    '>x',
    "'x",
    '"x',
    '#x',
    'a #b',
    'a#b',
    'a: b',
    'a:b',
    'x:',
    '-x',
    '- x',
    '?',
    '? x',
    '?x',
    '[x]',
    '{x}',
    'x,y',
    'x\ny',
    'x\n',
    '\nx',
    'x\n\ny',
    'x \ny',
    'x\ty',
    '\t',
    'é',
    'über',
    '日本',
    '\u0085',
    '\u2028',
    '\u0007',
    '\ud800',
    "it's",
    'say "hi"',
    `both ' and "`,
    'a\\b',
    'x'.repeat(300),
    'word '.repeat(40),
    'liqo.io/remote-cluster-id',
    'liqo-tenant-milan/edge-001',
    'team-00042',
    'A namespace: offloaded',
    'team-1@example.com',
  ]
  for (const s of strings) {
    same({ v: s }, `value ${JSON.stringify(s)}`)
    same({ l: [s, { k: s }] }, `in a list ${JSON.stringify(s)}`)
    same({ [s]: 'v' }, `key ${JSON.stringify(s)}`)
  }
})

test('random strings over the characters that matter', () => {
  const alphabet = 'aZ09 -_.:/#@!&*?|>\'"%`,[]{}\n\t~=+yYnNéeE\\'
  let seed = 7
  const rand = (): number => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff
  for (let i = 0; i < 20_000; i++) {
    let s = ''
    for (let j = Math.floor(rand() * 7); j > 0; j--) s += alphabet[Math.floor(rand() * alphabet.length)]
    same({ v: s, l: [s, { k: s }] }, JSON.stringify(s))
    if (s !== '') same({ [s]: s }, `key ${JSON.stringify(s)}`)
  }
})

test('every short string of the fast path, letters, digits and -._/ (where YAML 1.1 hides its words)', () => {
  const alphabet = 'aeEnNyYoOfFlLtTrRuUsS0159-._/'
  const all = (prefix: string, depth: number): string[] => (depth === 0 ? [prefix] : [prefix, ...[...alphabet].flatMap((c) => all(prefix + c, depth - 1))])
  for (const s of all('', 3)) if (s !== '') same({ [/^[A-Za-z]/.test(s) ? s : `k${s}`]: s }, JSON.stringify(s))
})

test('a writer that remembers quoted strings writes what a fresh one writes, document after document', () => {
  const write = yamlWriter()
  const docs = ['true', 'a: b', '0777', 'x\ny', 'yes', '', ' lead', 'true'].map((v, i) => ({
    metadata: { labels: { [`k${i}`]: v, again: 'true' } },
    data: [v, { v }],
  }))
  for (const d of [...docs, ...docs]) assert.is(write(d), toYaml(d))
  for (const d of docs) assert.is(toYaml(d), reference(d))
})

test('every file of the build of a generated fleet, and of the example, is what the library writes', async () => {
  const fleet = generateFleet({ policies: 320, clusters: 12 })
  for (const cwd of [tempTree(Object.fromEntries(fleet.files)), REPO]) {
    const out = tempTree()
    const r = await runCli(['build', '-o', out], cwd)
    assert.is(r.code, 0, r.stderr)
    const walk = (d: string): void => {
      for (const e of fs.readdirSync(d, { withFileTypes: true })) {
        const p = path.join(d, e.name)
        if (e.isDirectory()) walk(p)
        else {
          const body = fs.readFileSync(p, 'utf8').replace(/^#.*\n/, '')
          assert.is(body, reference(parse(body, { version: '1.1' })), p)
        }
      }
    }
    walk(out)
  }
})

test.run()
