import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { LineCounter, parseAllDocuments } from 'yaml'
import { goYamlTags } from '../../src/load/go-yaml-scalars.ts'
import { parseYaml, YAML_VERSION } from '../../src/load/parse-yaml.ts'

/**
 * The duplicate-key check is the yaml library's `uniqueKeys` made linear: on generated
 * documents (block and flow mappings, nested, keys that differ only in quoting, YAML 1.1
 * booleans and numbers, nulls, merge keys), parseYaml reports a duplicate exactly where the
 * library with `uniqueKeys: true` does, and nowhere else.
 */

const KEYS = [
  'a',
  '"a"',
  "'a'",
  'b',
  '1',
  '"1"',
  '01',
  '0x1',
  '1.0',
  'yes',
  'true',
  'True',
  'on',
  'y',
  '~',
  'null',
  '""',
  '<<',
  '.nan',
  '.inf',
  '&k c',
  '!!str 1',
]

function generator(seed: number): (n: number) => number {
  let s = seed
  return (n) => {
    s = (s + 0x6d2b79f5) | 0
    let t = Math.imul(s ^ (s >>> 15), 1 | s)
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
    return ((t ^ (t >>> 14)) >>> 0) % n
  }
}

/** A random document: block mappings and sequences, with flow mappings inside. */
function documentText(rand: (n: number) => number): string {
  const lines: string[] = []
  const entry = (): string => {
    const key = KEYS[rand(KEYS.length)] ?? 'a'
    return `${key}: ${key === '<<' ? '{}' : rand(9)}`
  }
  const flow = (): string => `{${Array.from({ length: 1 + rand(4) }, entry).join(', ')}}`
  const block = (indent: number, depth: number): void => {
    const n = 1 + rand(5)
    for (let i = 0; i < n; i++) {
      const key = KEYS[rand(KEYS.length)] ?? 'a'
      const pad = ' '.repeat(indent)
      const kind = depth > 2 ? 0 : rand(4)
      if (kind === 0) lines.push(`${pad}${key}: ${key === '<<' ? '{}' : rand(9)}`)
      else if (kind === 1) lines.push(`${pad}${key}: ${key === '<<' ? '{}' : flow()}`)
      else if (kind === 2) {
        lines.push(`${pad}${key === '<<' ? 'b' : key}:`)
        block(indent + 2, depth + 1)
      } else {
        lines.push(`${pad}${key === '<<' ? 'b' : key}:`)
        lines.push(`${pad}  - ${flow()}`)
        lines.push(`${pad}  - x: 1`)
        block(indent + 4, depth + 1)
      }
    }
  }
  block(0, 0)
  return lines.join('\n') + '\n'
}

/** Where the library with its own (quadratic) check reports duplicate keys: line:column. */
function libraryDuplicates(text: string): string[] {
  const lc = new LineCounter()
  const docs = parseAllDocuments(text, { lineCounter: lc, version: YAML_VERSION, customTags: goYamlTags, prettyErrors: false, uniqueKeys: true })
  const out: string[] = []
  for (const d of Array.isArray(docs) ? docs : []) {
    if (d.errors.some((e) => e.code !== 'DUPLICATE_KEY')) return ['other errors']
    for (const e of d.errors) {
      const p = lc.linePos(e.pos[0])
      out.push(`${p.line}:${p.col}`)
    }
  }
  return out.sort()
}

function ours(text: string): string[] {
  const r = parseYaml('x.yaml', text)
  // NSO1024 (keys Kubernetes makes one, null keys: go-yaml-scalars.ts) is another check, made once no key repeats.
  if (r.diagnostics.some((d) => d.code !== 'NSO1002' && d.code !== 'NSO1024')) return ['other errors']
  return r.diagnostics
    .filter((d) => d.code === 'NSO1002')
    .map((d) => `${d.line}:${d.column}`)
    .sort()
}

test('generated documents: the same duplicates, at the same places, as the library reports', () => {
  const rand = generator(7)
  let withDuplicates = 0
  for (let i = 0; i < 500; i++) {
    const text = documentText(rand)
    const lib = libraryDuplicates(text)
    if (lib[0] === 'other errors') continue
    if (lib.length > 0) withDuplicates++
    assert.equal(ours(text), lib, text)
  }
  assert.ok(withDuplicates > 100, `the generator makes duplicates (${withDuplicates} of 500)`)
})

test('hand-picked: quoting does not make a key different, YAML 1.1 booleans are one key, a string and a number are two', () => {
  assert.equal(ours('a: 1\n"a": 2\n'), ['2:1'])
  assert.equal(ours('yes: 1\ntrue: 2\non: 3\n'), ['2:1', '3:1'])
  assert.equal(ours('1: a\n"1": b\n'), [])
  // …but one JSON key to sigs.k8s.io/yaml, which keeps one of the two at random (docs/deviations.md yaml-keys-alike).
  assert.equal(
    parseYaml('x.yaml', '1: a\n"1": b\n').diagnostics.map((d) => d.code),
    ['NSO1024'],
  )
  assert.equal(ours('{a: 1, b: 2, a: 3}\n'), ['1:14'])
  assert.equal(ours('x:\n  - {k: 1}\n  - k: 1\n    k: 2\n'), ['4:5'])
  assert.equal(ours('a: 1\n---\na: 2\n'), [], 'documents are separate')
})

test.run()
