import * as fs from 'node:fs'
import * as path from 'node:path'
import * as v8 from 'node:v8'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { generateFleet, writeFleet } from '../../bench/fleet.ts'
import { fastYaml } from '../../src/load/fast-yaml.ts'
import { parseYaml } from '../../src/load/parse-yaml.ts'
import { Rng } from '../differential/random.ts'
import { REPO } from '../helpers/cli.ts'
import { tempDir } from '../helpers/temp.ts'

/**
 * `load/fast-yaml.ts` against the full parser (`parseYaml(…, true)`: the `yaml` library with
 * nsoffload's options and checks, which the differential properties of test/oracle hold to
 * sigs.k8s.io/yaml). Whatever the fast reader answers must be the full parser's answer: the
 * same documents, values (types and key order: compared by V8's serialisation), start lines,
 * and no diagnostic from the full parser. Where it is not sure, it must answer nothing (the
 * full parser then reads the file). Checked on every YAML file of the repository, generated
 * fleets, every scalar form below in every position, and random documents with random
 * layouts and damage. The counts make sure both sides were exercised.
 */

interface Tally {
  answered: number
  declined: number
}

const same = (a: unknown, b: unknown): boolean => Buffer.compare(v8.serialize(a), v8.serialize(b)) === 0

/** Checks one text; returns whether the fast reader answered. */
function check(text: string, what: string): boolean {
  const fast = fastYaml(text)
  if (!fast) return false
  const full = parseYaml('f.yaml', text, true)
  const ctx = `${what}:\n${text.slice(0, 2000)}\n--- fast: ${JSON.stringify(fast.values)} starts ${fast.starts.join(',')}\n--- full: ${JSON.stringify(full.docs.map((d) => d.value))} starts ${full.starts.join(',')} ${full.diagnostics.map((d) => d.message).join('; ')}`
  assert.equal(
    full.diagnostics.map((d) => d.message),
    [],
    `the fast reader answered a text the full parser reports on: ${ctx}`,
  )
  assert.is(full.docs.length, fast.values.length, `documents: ${ctx}`)
  full.docs.forEach((d, i) => {
    assert.is(d.index, i, ctx)
    assert.ok(same(d.value, fast.values[i]), `document ${i}: ${ctx}`)
  })
  assert.equal([...fast.starts], [...full.starts], `start lines: ${ctx}`)
  // parseYaml's own answer is the fast one, with positions from the library.
  const used = parseYaml('f.yaml', text)
  assert.equal(
    used.docs.map((d) => d.value),
    full.docs.map((d) => d.value),
  )
  used.docs.forEach((d, i) => {
    for (const p of leafPaths(d.value).slice(0, 4)) assert.equal(d.source.locate(p), full.docs[i]?.source.locate(p), `${ctx} at ${p.join('/')}`)
  })
  return true
}

function leafPaths(v: unknown, at: (string | number)[] = []): (string | number)[][] {
  if (Array.isArray(v)) return v.flatMap((x, i) => leafPaths(x, [...at, i]))
  if (v !== null && typeof v === 'object') return Object.entries(v).flatMap(([k, x]) => leafPaths(x, [...at, k]))
  return [at]
}

function tally(texts: Iterable<[string, string]>): Tally {
  const t = { answered: 0, declined: 0 }
  for (const [what, text] of texts) {
    if (check(text, what)) t.answered++
    else t.declined++
  }
  return t
}

function yamlFiles(dir: string, out: string[] = []): string[] {
  for (const e of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
    if (e.name === 'node_modules' || e.name === '.git') continue
    const p = path.join(dir, e.name)
    if (e.isDirectory()) yamlFiles(p, out)
    else if (/\.ya?ml$/.test(e.name)) out.push(p)
  }
  return out
}

test('every YAML file of the repository: the fast answer is the full parser’s', () => {
  const files = yamlFiles(REPO).filter((f) => !f.includes(`${path.sep}dist${path.sep}`))
  const t = tally(files.map((f) => [path.relative(REPO, f), fs.readFileSync(f, 'utf8')]))
  assert.ok(files.length > 50, `${files.length} files`)
  assert.ok(t.answered > 20, `answered ${t.answered}, declined ${t.declined}`)
})

test('generated fleets (policies, inventory, workloads): answered and the same', () => {
  const dir = tempDir('nsoffload-fast-yaml-')
  writeFleet(generateFleet({ policies: 400, clusters: 12 }), dir)
  const files = yamlFiles(dir)
  const t = tally(files.map((f) => [path.relative(dir, f), fs.readFileSync(f, 'utf8')]))
  // What makes it worth having: a fleet's files are read by it, nearly all.
  assert.ok(t.answered >= files.length * 0.9, `answered ${t.answered} of ${files.length}`)
  fs.rmSync(dir, { recursive: true, force: true })
})

/** Scalars in every YAML 1.1 form that matters: each one is either read exactly as the library reads it, or declined. */
const SCALARS = [
  ...['a', 'abc', 'Abc-def_1.2', 'x.y-z_w', 'key=value', 'http://x.y/z', '/', '/path/to', 'a b', 'a  b', 'a:b', 'a: b', 'a:', 'a #c', 'a#b', 'a,b'],
  ...['a]', 'a}', 'a[b]', '{{ x }}', 'a"b', "a'b", 'a\\b', '<<', '=', '@x', '`x', '%x', '!x', '!!str x', '&x', '*x', '|', '>', '?', '? x', 'a '],
  ...['yes', 'no', 'y', 'n', 'Y', 'N', 'Yes', 'NO', 'on', 'off', 'On', 'OFF', 'true', 'False', 'TRUE', 'null', 'Null', 'NULL', '~', ''],
  ...['e5', 'E5', 'e+5', 'e-5', '1e3', '1E3', '1.5', '.5', '5.', '.inf', '-.inf', '.Inf', '.nan', '.NaN', 'NaN', 'Infinity', 'inf', 'nan'],
  ...['0', '00', '007', '012', '08', '0o12', '0x1F', '0b101', '1_000', '1:30', '190:20:30', '-1', '+1', '-0', '+0', '10', '99'],
  ...['123456789012345', '1234567890123456', '9007199254740993', '99999999999999999999', '2001-12-14', '2001-12-14t21:59:43.10-05:00'],
  ...['2001-12-14 21:59:43.10 -5', '2002-12-14', '100m', '128Mi', '1Ki', '1k', '1K', '5G', '0m', '1e', '1E', '1Ei', '1.5Gi', '1m5', '10Mb'],
  ...['--flag', '--flag=value', '--a b', '--a: b', '--a #c', '-a', '-', '--', '---x', '- a', 'Ñ', 'a\tb', 'a\\tb'],
  ...['"a"', '""', '"a b"', '" a "', '"a\\"b"', '"a\\nb"', '"a\\u00e9"', "'a'", "''", "'it''s'", "'a\"b'", '"a\'b"', '"#"', "'# x'", '"yes"', "'1'"],
  ...['"a', "'a", '"a" b', '"a"#c', '"a" #c', "'a'x", '"a":', '"1e3"', '"~"'],
  ...['[]', '{}', '[a, b]', '[a,b]', '[ a , b ]', '[a, "b"]', '[1, 2]', '[a, [b, c]]', '{a: 1}', '{a: 1, b: [x]}', '{"a": 1}', '{a:1}', '{a: }'],
  ...[
    '{a}',
    '[a, ]',
    '[a b]',
    '[yes]',
    '[~]',
    '[1.5]',
    '[0x1]',
    '{yes: 1}',
    '{1: a}',
    '{"1": a}',
    '[a]: b',
    '[a, b] # c',
    '[a, b]x',
    '{a: 1, a: 2}',
    '[a, {b: c}]',
  ],
  ...['[--x]', '[a#b]', '[a #b]', '[/x]', '[a:b]', '[100m]', "['a', 'b']", "{'k': v}", '[a, b], c', '[', '{', ']', '}'],
]

const KEYS = [
  ...['a', 'name', 'app.kubernetes.io/name', 'A', 'a-b', 'a_b', 'a b', '"a b"', "'k'", '"a"', '"1"', '"10"', '"2"', '""', '"a\\"b"'],
  ...['yes', 'on', 'y', 'n', 'null', '~', 'e5', '1e3', '1', '10', '0x1', '__proto__', '"__proto__"', '<<', '"<<"', "'<<'", '-a', '--a', '?a', '[a]', '{a: 1}'],
  'x'.repeat(1030),
  `"${'x'.repeat(1030)}"`,
  'k'.repeat(1000),
]

test('every scalar form, as a value, a list item and a key: declined or the same', () => {
  const texts: [string, string][] = []
  for (const s of SCALARS) {
    texts.push([`value ${s}`, `k: ${s}\n`])
    texts.push([`value ${s} with a comment`, `k: ${s} # c\nother: 1\n`])
    texts.push([`item ${s}`, `- ${s}\n- b\n`])
    texts.push([`nested item ${s}`, `k:\n  - ${s}\n  - x: ${s}\n`])
    texts.push([`indentless item ${s}`, `k:\n- ${s}\nl: 2\n`])
    texts.push([`document ${s}`, `${s}\n`])
    texts.push([`in a flow list ${s}`, `k: [${s}]\n`])
    texts.push([`in a flow map ${s}`, `k: {v: ${s}}\n`])
  }
  for (const k of KEYS) {
    texts.push([`key ${k}`, `${k}: v\n`])
    texts.push([`key ${k} in a list item`, `- ${k}: v\n  b: 1\n`])
    texts.push([`key ${k} in a flow map`, `m: {${k}: v}\n`])
    texts.push([`key ${k} twice`, `${k}: 1\na: 2\n${k}: 3\n`])
  }
  const t = tally(texts)
  assert.ok(t.answered > 300 && t.declined > 300, `answered ${t.answered}, declined ${t.declined}`)
})

test('documents, markers, comments and blank lines: declined or the same', () => {
  const texts: [string, string][] = []
  const bodies = ['a: 1\n', 'a: 1\nb:\n  c: d\n', '- a\n- b\n', '# only a comment\n', '\n', '', 'a: 1', '  a: 1\n  b: 2\n', '  a: 1\nb: 2\n']
  const seps = ['---\n', '--- \n', '--- # c\n', '...\n---\n', '---\n# c\n', '\n---\n\n', '--- a: 1\n', '%YAML 1.1\n---\n']
  for (const a of bodies)
    for (const b of bodies) {
      texts.push([`${JSON.stringify(a)} + ${JSON.stringify(b)}`, a + (a.endsWith('\n') || a === '' ? '' : '\n') + '---\n' + b])
      for (const s of seps) texts.push([`${JSON.stringify(a)} ${JSON.stringify(s)} ${JSON.stringify(b)}`, a + s + b])
      texts.push([`leading marker ${JSON.stringify(a)}`, `---\n${a}`])
      texts.push([`comments around ${JSON.stringify(a)}`, `# head\n\n${a}\n# tail\n`])
      texts.push([`trailing marker ${JSON.stringify(a)}`, `${a}\n---\n`])
    }
  const t = tally(texts)
  assert.ok(t.answered > 100 && t.declined > 20, `answered ${t.answered}, declined ${t.declined}`)
})

test('deep nesting and many documents go to the library, and nothing makes the fast reader throw', () => {
  const nested = (depth: number): string => Array.from({ length: depth }, (_, i) => `${'  '.repeat(i)}a:`).join('\n') + `\n${'  '.repeat(depth)}b: 1\n`
  assert.ok(check(nested(30), 'nested 30 deep'), 'a manifest’s depth is read')
  assert.is(fastYaml(nested(200)), undefined)
  assert.ok(check(`k: ${'['.repeat(20)}x${']'.repeat(20)}\n`, 'flow 20 deep'))
  assert.is(fastYaml(`k: ${'['.repeat(200_000)}${']'.repeat(200_000)}\n`), undefined, 'no recursion to the end of the stack')
  assert.is(fastYaml(`${'- '.repeat(5000)}x\n`), undefined)
  const docs = (n: number): string => Array.from({ length: n }, (_, i) => `i: ${i}\n`).join('---\n')
  assert.ok(check(docs(1000), '1,000 documents'))
  assert.is(fastYaml(docs(1001)), undefined, 'the library applies the limit on documents')
})

/** A random document as text: a tree written in a random layout, then perhaps damaged. */
function randomText(r: Rng): string {
  const scalar = (): string => (r.chance(0.95) ? r.pick(['a', 'b-c', 'x.y', '1', '42', '100m', '"q"', "'s'", 'web', '/p', '--f', 'a b']) : r.pick(SCALARS))
  const key = (): string => (r.chance(0.97) ? r.pick(['a', 'b', 'c', 'name', 'app.kubernetes.io/x', 'spec', 'k1']) : r.pick(KEYS.slice(0, 30)))
  const step = r.pick([1, 2, 2, 2, 3, 4])
  const indentless = r.chance(0.3)
  const compact = r.chance(0.7)
  const lines: string[] = []
  const comment = (): string => (r.chance(0.1) ? r.pick([' # c', '  #x', ' #']) : '') + (r.chance(0.05) ? r.pick([' ', '  ']) : '')
  const node = (indent: number, depth: number, kind: 'map' | 'seq'): void => {
    const n = r.between(1, 4)
    const pad = ' '.repeat(indent)
    for (let i = 0; i < n; i++) {
      if (r.chance(0.05)) lines.push(r.chance(0.5) ? ' '.repeat(r.int(3)) : `${' '.repeat(r.int(indent + 6))}# a comment`)
      const sp = r.chance(0.1) ? '   ' : ' '
      const child = depth < 3 && r.chance(0.35) ? r.pick(['map', 'seq'] as const) : undefined
      if (kind === 'map') {
        const k = key()
        if (!child) lines.push(`${pad}${k}:${sp}${scalar()}${comment()}`)
        else {
          lines.push(`${pad}${k}:${comment()}`)
          node(child === 'seq' && indentless ? indent : indent + step, depth + 1, child)
        }
      } else if (!child) lines.push(`${pad}-${sp}${scalar()}${comment()}`)
      else if (child === 'map' && compact) {
        // `- k: v` then the mapping's other keys under the first one.
        const at = lines.length
        node(indent + 2, depth + 1, 'map')
        const first = lines[at] ?? ''
        lines[at] = `${pad}- ${first.slice(indent + 2)}`
      } else {
        lines.push(`${pad}-${comment()}`)
        node(indent + step, depth + 1, child)
      }
    }
  }
  const docs = r.between(1, 3)
  const parts: string[] = []
  for (let d = 0; d < docs; d++) {
    lines.length = 0
    if (r.chance(0.1)) lines.push('# head')
    if (!r.chance(0.05)) node(r.chance(0.05) ? 2 : 0, 0, r.chance(0.8) ? 'map' : 'seq')
    parts.push(lines.join('\n'))
  }
  let text = (r.chance(0.2) ? '---\n' : '') + parts.join('\n---\n') + (r.chance(0.9) ? '\n' : '')
  // Damage: the kinds of mistakes people make, and characters the fast reader must decline.
  const damage = r.int(8)
  if (damage === 1) {
    const ls = text.split('\n')
    const i = r.int(ls.length)
    ls[i] = r.chance(0.5) ? ` ${ls[i]}` : (ls[i] ?? '').replace(/^ /, '')
    text = ls.join('\n')
  } else if (damage === 2) {
    const i = r.int(text.length + 1)
    text =
      text.slice(0, i) +
      r.pick(['\t', '\r', '\r\n', ':', ' ', '#', '"', "'", '-', '[', '{', '&a ', '*a', '!t ', '|', '>', '\u00e9', '\ufeff', '\\']) +
      text.slice(i)
  } else if (damage === 3) {
    const ls = text.split('\n')
    const i = r.int(ls.length)
    ls.splice(i, 0, ls[i] ?? '')
    text = ls.join('\n')
  } else if (damage === 4) text = text.replace(/\n/g, '\r\n')
  return text
}

test('random documents in random layouts, some damaged: declined or the same', () => {
  const r = Rng.forProperty('fast-yaml')
  const texts: [string, string][] = []
  for (let i = 0; i < 3000; i++) texts.push([`random ${i}`, randomText(r)])
  const t = tally(texts)
  assert.ok(t.answered > 500 && t.declined > 500, `answered ${t.answered}, declined ${t.declined}`)
})

test.run()
