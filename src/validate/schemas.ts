import type { ErrorObject } from 'ajv'
import { diag, type Diagnostic } from '../diagnostics/diagnostic.ts'
import type { CodeId } from '../diagnostics/codes.ts'
import { pointerSteps } from '../diagnostics/json-pointer.ts'
import type { SourceRef } from '../model/source.ts'
import { KEY_MARKER } from '../load/parse-yaml.ts'
import type { SchemaKind } from './schema-files.ts'
import * as generated from './schema-validators.generated.ts'
import { explainShape } from './explain-shape.ts'
import { closest } from './suggest.ts'

export { SCHEMA_FILES, type SchemaKind } from './schema-files.ts'

interface Validator {
  (data: unknown): boolean
  errors?: ErrorObject[] | null
}

const validators: Readonly<Record<SchemaKind, Validator>> = {
  OffloadingPolicy: generated.OffloadingPolicy as Validator,
  ClusterInventory: generated.ClusterInventory as Validator,
  NamespaceOffloading: generated.NamespaceOffloading as Validator,
}

const keywordCodes: Record<string, CodeId> = {
  type: 'schemaType',
  required: 'schemaRequired',
  additionalProperties: 'schemaUnknownField',
  enum: 'schemaEnum',
  const: 'schemaEnum',
  pattern: 'schemaPattern',
  minLength: 'schemaLength',
  maxLength: 'schemaLength',
  minItems: 'schemaLength',
  maxItems: 'schemaLength',
}

/** Validates one document against its kind's schema; positions point at the offending node. */
export function checkSchema(kind: SchemaKind, value: unknown, source: SourceRef): Diagnostic[] {
  const validate = validators[kind]
  if (validate(value)) return []
  const errors = validate.errors ?? []
  const explained = explainShape(kind, value, source, errors)
  return [...explained.diagnostics, ...errors.filter((e) => !explained.covers(e)).map((e) => toDiagnostic(e, source, value))]
}

function toDiagnostic(e: ErrorObject, source: SourceRef, root: unknown): Diagnostic {
  const path = pointerSteps(e.instancePath)
  const id = keywordCodes[e.keyword] ?? 'schemaOther'
  const params = e.params as Record<string, unknown>
  const where = path.length === 0 ? 'the document' : `${e.instancePath}`
  switch (e.keyword) {
    case 'additionalProperties': {
      const field = String(params['additionalProperty'])
      const allowed = knownKeys(e)
      const guess = closest(field, allowed)
      return diag(id, `unknown field "${field}" in ${where}`, source.locate([...path, field, KEY_MARKER]), {
        hint: guess ? `did you mean "${guess}"?` : allowed.length > 0 ? `known fields: ${allowed.join(', ')}` : 'remove it',
      })
    }
    case 'required': {
      const field = String(params['missingProperty'])
      const hint = field === 'spec' ? "write `spec: {}` for Liqo's quick offloading (all defaults)" : undefined
      return diag(id, `missing required field "${field}" in ${where}`, source.locate(path), hint ? { hint } : {})
    }
    case 'enum': {
      const allowed = (params['allowedValues'] as unknown[]).map(String)
      const actual = valueAt(root, path)
      const guess = typeof actual === 'string' ? closest(actual, allowed) : undefined
      return diag(id, `${where} must be one of ${allowed.join(', ')}; got ${JSON.stringify(actual)}`, source.locate(path), {
        hint: guess ? `did you mean "${guess}"?` : `use one of ${allowed.join(', ')}`,
      })
    }
    case 'const': {
      const allowed = String(params['allowedValue'])
      return diag(id, `${where} must be ${JSON.stringify(allowed)}; got ${JSON.stringify(valueAt(root, path))}`, source.locate(path))
    }
    case 'type': {
      const actual = valueAt(root, path)
      const expected = String(params['type']).replace(',', ' or ')
      const hint =
        expected === 'string' && typeof actual === 'boolean'
          ? 'quote the value: YAML 1.1, as Kubernetes reads it, takes yes/no/on/off/true/false as booleans'
          : expected === 'string' && typeof actual === 'number'
            ? 'quote the value: YAML reads it as a number'
            : undefined
      return diag(id, `${where} must be ${article(expected)}, not ${describe(actual)}`, source.locate(path), hint ? { hint } : {})
    }
    default:
      return diag(id, `${where} ${e.message ?? 'is invalid'}`, source.locate(path))
  }
}

const article = (t: string): string => (/^[aeiou]/.test(t) ? `an ${t}` : `a ${t}`)

function describe(v: unknown): string {
  if (v === null) return 'null'
  if (Array.isArray(v)) return 'a list'
  if (typeof v === 'object') return 'a mapping'
  return `${typeof v} ${JSON.stringify(v)}`
}

function valueAt(root: unknown, path: readonly string[]): unknown {
  let v: unknown = root
  for (const p of path) {
    if (v === null || typeof v !== 'object') return undefined
    v = (v as Record<string, unknown>)[p]
  }
  return v
}

function knownKeys(e: ErrorObject): string[] {
  const s = e.parentSchema as { properties?: Record<string, unknown> } | undefined
  return Object.keys(s?.properties ?? {})
}
