import { diag, type Diagnostic } from '../diagnostics/diagnostic.ts'
import { KEY_MARKER } from '../load/parse-yaml.ts'
import type { Location } from '../model/source.ts'
import { isObj } from '../util/plain-data.ts'

/**
 * The functionConfig of `nsoffload fn`: where the policies and the inventory are, and
 * `strict`. kustomize hands over the config object that declares the function (kind
 * `OffloadingFunction`, settings under `spec`); kpt's `fn eval -- key=value` hands over a
 * ConfigMap (settings under `data`, lists comma-separated). Command-line flags win. Pure.
 */
export interface FnConfig {
  readonly policies?: readonly string[]
  readonly inventory?: string
  readonly strict?: boolean
}

export const FUNCTION_CONFIG_KIND = 'OffloadingFunction'
export const FUNCTION_CONFIG_API_VERSION = 'nsoffload.dev/v1alpha1'
const KEYS = ['policies', 'inventory', 'strict']

export function readFunctionConfig(
  fc: Readonly<Record<string, unknown>> | undefined,
  locate: (p: (string | number)[]) => Location,
): { config: FnConfig; diagnostics: Diagnostic[] } {
  if (!fc) return { config: {}, diagnostics: [] }
  const diagnostics: Diagnostic[] = []
  const bad = (message: string, p: (string | number)[], hint?: string): void => {
    diagnostics.push(diag('fnConfigInvalid', message, locate(['functionConfig', ...p]), hint !== undefined ? { hint } : {}))
  }
  const hint = `settings: policies (a list), inventory, strict; under spec of ${FUNCTION_CONFIG_API_VERSION} ${FUNCTION_CONFIG_KIND}, or under data of a ConfigMap (kpt fn eval -- policies=a,b)`
  let raw: Readonly<Record<string, unknown>> = {}
  let base: string
  if (fc['kind'] === FUNCTION_CONFIG_KIND && fc['apiVersion'] === FUNCTION_CONFIG_API_VERSION) {
    base = 'spec'
    raw = isObj(fc['spec']) ? fc['spec'] : {}
  } else if (fc['kind'] === 'ConfigMap' && fc['apiVersion'] === 'v1') {
    base = 'data'
    raw = isObj(fc['data']) ? fc['data'] : {}
  } else {
    bad(
      `functionConfig ${String(fc['apiVersion'])} ${String(fc['kind'])} is not understood`,
      fc['kind'] === undefined ? [] : ['kind'],
      `use apiVersion: ${FUNCTION_CONFIG_API_VERSION}, kind: ${FUNCTION_CONFIG_KIND}`,
    )
    return { config: {}, diagnostics }
  }
  const config: { -readonly [K in keyof FnConfig]: FnConfig[K] } = {}
  for (const [k, v] of Object.entries(raw)) {
    const at = [base, k]
    if (!KEYS.includes(k)) {
      bad(`unknown setting "${k}"`, [...at, KEY_MARKER], hint)
      continue
    }
    if (k === 'policies') {
      const list =
        typeof v === 'string'
          ? v
              .split(',')
              .map((s) => s.trim())
              .filter(Boolean)
          : Array.isArray(v) && v.every((x) => typeof x === 'string')
            ? (v as string[])
            : undefined
      if (!list || list.length === 0) bad('policies must be a non-empty list of paths (or a comma-separated string)', at)
      else config.policies = list
    } else if (k === 'inventory') {
      if (typeof v !== 'string' || v === '') bad('inventory must be a path', at)
      else config.inventory = v
    } else {
      const b = v === true || v === 'true' ? true : v === false || v === 'false' ? false : undefined
      if (b === undefined) bad('strict must be true or false', at)
      else config.strict = b
    }
  }
  return { config, diagnostics }
}
