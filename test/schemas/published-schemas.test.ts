import * as fs from 'node:fs'
import * as path from 'node:path'
import { Ajv } from 'ajv'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { parseAllDocuments } from 'yaml'
import { SCHEMA_FILES } from '../../src/validate/schemas.ts'
import { REPO, runMemory } from '../helpers/cli.ts'

/**
 * The JSON Schemas under schemas/ are published for editors (a `# yaml-language-server:
 * $schema=…` modeline) and other validators. They are also what nsoffload validates with, so
 * they must stay loadable on their own, keep their $ids, accept every example, and match
 * the fields the code reads.
 */

const SCHEMAS = path.join(REPO, 'schemas')
const ID_BASE = 'https://nsoffload.dev/schemas/v1alpha1/'

interface Schema {
  $schema?: string
  $id?: string
  title?: string
  properties?: Record<string, Schema>
  items?: Schema
  additionalProperties?: Schema | boolean
  definitions?: Record<string, Schema>
  const?: unknown
}
const load = (f: string): Schema => JSON.parse(fs.readFileSync(path.join(SCHEMAS, f), 'utf8')) as Schema

/** kind → schema file, as the code dispatches. */
const BY_KIND: Readonly<Record<string, string>> = SCHEMA_FILES

test('each published schema has a stable $id under nsoffload.dev/schemas/v1alpha1/, named like its file', () => {
  const files = fs.readdirSync(SCHEMAS).filter((f) => f.endsWith('.schema.json')).sort()
  assert.equal(files, Object.values(SCHEMA_FILES).sort(), 'the code validates with exactly the published files')
  for (const f of files) {
    const s = load(f)
    assert.is(s.$id, `${ID_BASE}${f}`, f)
    assert.is(s.$schema, 'http://json-schema.org/draft-07/schema#', `${f}: draft-07, what yaml-language-server and ajv read by default`)
    assert.ok(s.title, `${f} has a title (editors show it)`)
  }
})

test('the schemas compile in a fresh strict ajv, cross-references resolving through their $ids', () => {
  const ajv = new Ajv({ strict: true, allErrors: true, allowUnionTypes: true })
  for (const f of Object.values(SCHEMA_FILES)) ajv.addSchema(load(f))
  for (const f of Object.values(SCHEMA_FILES)) assert.ok(ajv.getSchema(`${ID_BASE}${f}`), `${f} compiles and is found by its $id`)
})

/** Every YAML document of the examples and fixtures, with its file. */
function exampleDocs(): { file: string; doc: Record<string, unknown> }[] {
  const files: string[] = [path.join(REPO, 'inventory.yaml')]
  const walk = (d: string): void => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name)
      if (e.isDirectory()) walk(p)
      else if (/\.ya?ml$/.test(e.name)) files.push(p)
    }
  }
  walk(path.join(REPO, 'policies'))
  walk(path.join(REPO, 'fixtures'))
  const out: { file: string; doc: Record<string, unknown> }[] = []
  for (const file of files) {
    for (const d of parseAllDocuments(fs.readFileSync(file, 'utf8'), { version: '1.1' })) {
      const v = d.toJS() as unknown
      if (v && typeof v === 'object' && !Array.isArray(v)) out.push({ file: path.relative(REPO, file), doc: v as Record<string, unknown> })
    }
  }
  return out
}

test('every OffloadingPolicy, ClusterInventory and NamespaceOffloading under policies/ and fixtures/ is valid against its published schema', () => {
  const ajv = new Ajv({ strict: true, allErrors: true, allowUnionTypes: true })
  for (const f of Object.values(SCHEMA_FILES)) ajv.addSchema(load(f))
  const checked = new Map<string, number>()
  for (const { file, doc } of exampleDocs()) {
    const kind = String(doc['kind'])
    const f = BY_KIND[kind]
    if (!f) continue
    const validate = ajv.getSchema(`${ID_BASE}${f}`)
    assert.ok(validate)
    const ok = validate(doc)
    assert.ok(ok, `${file} (${kind}): ${ajv.errorsText(validate.errors)}`)
    checked.set(kind, (checked.get(kind) ?? 0) + 1)
  }
  for (const kind of Object.keys(BY_KIND)) assert.ok((checked.get(kind) ?? 0) > 0, `at least one ${kind} example was checked`)
})

test('yaml-language-server modelines point at the published schema of the documents\' kind', () => {
  const withModeline = new Set<string>()
  for (const { file, doc } of exampleDocs()) {
    const text = fs.readFileSync(path.join(REPO, file), 'utf8')
    const m = /^# yaml-language-server: \$schema=(\S+)$/m.exec(text)
    if (!m?.[1]) continue
    withModeline.add(file)
    const target = path.resolve(path.dirname(path.join(REPO, file)), m[1])
    assert.ok(fs.existsSync(target), `${file}: modeline target ${m[1]} exists`)
    assert.is(path.dirname(target), SCHEMAS, `${file}: the modeline points into schemas/`)
    assert.is(BY_KIND[String(doc['kind'])], path.basename(target), `${file}: ${String(doc['kind'])} uses ${path.basename(target)}`)
  }
  for (const f of ['inventory.yaml', ...fs.readdirSync(path.join(REPO, 'policies')).map((p) => `policies/${p}`)]) {
    assert.ok(withModeline.has(f), `${f}, an example users copy, carries a modeline`)
  }
})

/** Every property name a schema declares, anywhere in it. */
function propertyNames(s: Schema | boolean | undefined, out = new Set<string>()): Set<string> {
  if (!s || typeof s !== 'object') return out
  for (const [k, v] of Object.entries(s.properties ?? {})) {
    out.add(k)
    propertyNames(v, out)
  }
  propertyNames(s.items, out)
  propertyNames(s.additionalProperties, out)
  for (const v of Object.values(s.definitions ?? {})) propertyNames(v, out)
  return out
}

const source = (...files: string[]): string => files.map((f) => fs.readFileSync(path.join(REPO, f), 'utf8')).join('\n')
const readKeys = (src: string): Set<string> => new Set([...src.matchAll(/\[\s*'([A-Za-z]+)'\s*\]/g)].map((m) => m[1] ?? ''))

test('every field the code reads from a policy or an inventory is declared in the schema', () => {
  const policyKeys = readKeys(source('src/validate/to-policy.ts'))
  const policyProps = new Set([...propertyNames(load(SCHEMA_FILES.OffloadingPolicy)), ...propertyNames(load(SCHEMA_FILES.NamespaceOffloading))])
  assert.ok(policyKeys.size >= 8, `found the reads in to-policy.ts (${[...policyKeys].join(', ')})`)
  for (const k of policyKeys) assert.ok(policyProps.has(k), `to-policy.ts reads "${k}", which no policy schema declares`)
  const invKeys = readKeys(source('src/validate/to-inventory.ts'))
  const invProps = propertyNames(load(SCHEMA_FILES.ClusterInventory))
  assert.ok(invKeys.size >= 8, `found the reads in to-inventory.ts (${[...invKeys].join(', ')})`)
  for (const k of invKeys) assert.ok(invProps.has(k), `to-inventory.ts reads "${k}", which the inventory schema does not declare`)
})

/** Declared and accepted, but deliberately not read by the code (documented in the schema). */
const IGNORED = new Set([
  // Taints are copied whole (`{...taint}`), so their fields are never named one by one.
  'effect',
])

test('every field a schema declares is read somewhere in the code (no field silently ignored)', () => {
  const src = source(
    ...['src/validate', 'src/validate/rules', 'src/selectors', 'src/compile'].flatMap((d) =>
      fs
        .readdirSync(path.join(REPO, d))
        .filter((f) => f.endsWith('.ts'))
        .map((f) => `${d}/${f}`),
    ),
  )
  for (const f of Object.values(SCHEMA_FILES)) {
    for (const name of propertyNames(load(f))) {
      if (IGNORED.has(name)) continue
      assert.match(src, new RegExp(`['".]${name}\\b`), `${f} declares "${name}" but no code reads it`)
    }
  }
})

test('a field outside the schema is rejected with the schema\'s own words (the code validates with the published file)', async () => {
  const r = await runMemory(
    {
      'inventory.yaml': fs.readFileSync(path.join(REPO, 'inventory.yaml'), 'utf8'),
      'policies/a.yaml': 'apiVersion: nsoffload.dev/v1alpha1\nkind: OffloadingPolicy\nmetadata: {name: a}\nspec:\n  workload: []\n',
    },
    ['validate', '--format', 'json'],
  )
  assert.is(r.code, 1)
  const d = (JSON.parse(r.stdout) as { diagnostics: { code: string; message: string; hint?: string }[] }).diagnostics[0]
  assert.is(d?.code, 'NSO2003')
  assert.is(d?.hint, 'did you mean "workloads"?')
})

test.run()
