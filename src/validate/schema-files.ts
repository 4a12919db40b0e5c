import type { Options } from 'ajv'

/** The JSON Schemas in `schemas/` are the contract: nsoffload validates with exactly those files. */
export const SCHEMA_FILES = {
  OffloadingPolicy: 'offloadingpolicy.schema.json',
  ClusterInventory: 'clusterinventory.schema.json',
  NamespaceOffloading: 'namespaceoffloading.schema.json',
} as const
export type SchemaKind = keyof typeof SCHEMA_FILES

/**
 * How ajv compiles them. verbose: errors carry their parentSchema, which the "did you mean"
 * hints of unknown fields read. They are compiled ahead of time with these options
 * (scripts/gen-validators.ts, `npm run gen:validators`) into schema-validators.generated.ts.
 */
export const AJV_OPTIONS: Options = { allErrors: true, strict: true, allowUnionTypes: true, verbose: true }
