/**
 * Writes src/validate/schema-validators.generated.ts: the JSON Schemas of schemas/ compiled
 * ahead of time by ajv (standalone code), so that nsoffload does not load ajv and compile the
 * schemas on every start (some 50 ms of `nsoffload validate`):
 *   npm run gen:validators
 * test/schemas/generated-validators.test.ts fails when the committed file differs from what
 * this script would write, so a schema change cannot ship without its validators.
 */
import { readFileSync, writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { Ajv } from 'ajv'
import standalone from 'ajv/dist/standalone/index.js'
import { AJV_OPTIONS, SCHEMA_FILES } from '../src/validate/schema-files.ts'

export const GENERATED_PATH = new URL('../src/validate/schema-validators.generated.ts', import.meta.url)

/** The module's source: one validator per kind, exported under the kind's name. */
export function validatorsSource(): string {
  const ajv = new Ajv({ ...AJV_OPTIONS, code: { source: true, esm: true } })
  for (const f of Object.values(SCHEMA_FILES)) ajv.addSchema(JSON.parse(readFileSync(new URL(`../schemas/${f}`, import.meta.url), 'utf8')) as object, f)
  const code = standalone.default(ajv, { ...SCHEMA_FILES })
  return [
    '// @ts-nocheck',
    '// Generated from schemas/*.json by `npm run gen:validators` (ajv standalone code). Do not edit by hand.',
    // ajv's standalone ESM output still require()s its runtime helpers (ajv-validator/ajv#2209).
    "import { createRequire } from 'node:module'",
    'const require = createRequire(import.meta.url)',
    code,
    '',
  ].join('\n')
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  writeFileSync(GENERATED_PATH, validatorsSource())
  process.stderr.write(`wrote ${fileURLToPath(GENERATED_PATH)}\n`)
}
