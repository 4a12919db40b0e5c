import { cacheConfig } from '../host/build-cache.ts'
import type { Host } from '../host/host.ts'
import type { InputOptions } from '../pipeline.ts'
import { cacheKey, lookupEntry, noteMiss } from './cluster-cache.ts'
import { codeIdentity } from './version.ts'

/**
 * `build --cluster X` served from the cache before the CLI is loaded (issue 19 point 1: Argo
 * CD runs one process per cluster and revision, and loading yargs, yaml and the compiler is a
 * good part of a hit's cost). Only for the command lines the Argo CD plugin and pipelines use,
 * read here exactly as yargs reads them: `build`, then `--cluster ID`, `-i`/`--inventory FILE`,
 * `-p`/`--policies PATH…`, `--sync-waves`, `--strict`, each at most once. Anything else
 * (another flag, a form of these this reader does not know, a miss, a build that failed, a
 * cluster not in the inventory) returns undefined and the CLI runs as always: the same entry
 * gives the same bytes either way.
 */
export function fastClusterBuild(argv: readonly string[], host: Host): number | undefined {
  const req = plainClusterBuild(argv)
  if (!req) return undefined
  const code = codeIdentity()
  const cfg = code ? cacheConfig(host.env) : undefined
  if (!code || !cfg) return undefined
  const key = cacheKey(host, req.opts, code, req.syncWaves)
  const hit = lookupEntry(cfg, key, host)
  if (!hit) noteMiss(key, host)
  if (!hit || hit.meta.failed || !hit.meta.clusters.includes(req.cluster)) return undefined
  const out = hit.stream(req.cluster)
  if (!out) return undefined
  if (hit.meta.stderr) host.stderr(hit.meta.stderr)
  host.stdout(Buffer.from(out.buffer, out.byteOffset, out.byteLength).toString('utf8'))
  return 0
}

interface PlainClusterBuild {
  readonly cluster: string
  readonly syncWaves: boolean
  /** What `inputOptions` makes of yargs' reading of the same line. */
  readonly opts: InputOptions
}

/** The command names: a policy path spelled as one is left to the CLI (it may be a misplaced command). */
const COMMAND_NAMES = new Set(['validate', 'build', 'plan', 'diff', 'sync', 'status', 'inventory', 'fn', 'completion', 'version'])

/** `argv` read as yargs reads it, when it is one of the plain `build --cluster` lines; else undefined. */
export function plainClusterBuild(argv: readonly string[]): PlainClusterBuild | undefined {
  if (argv[0] !== 'build') return undefined
  let cluster: string | undefined
  let inventory: string | undefined
  let policies: string[] | undefined
  let syncWaves = false
  let strict = false
  // A value yargs might read otherwise (a flag, a boolean) is left to it.
  const value = (a: string | undefined): a is string => a !== undefined && a !== '' && !a.startsWith('-') && a !== 'true' && a !== 'false'
  for (let i = 1; i < argv.length; i++) {
    const a = argv[i] as string
    if (a === '--cluster' || a.startsWith('--cluster=')) {
      const v = a === '--cluster' ? argv[++i] : a.slice('--cluster='.length)
      if (cluster !== undefined || !value(v) || v.trim() === '') return undefined
      cluster = v
    } else if (a === '-i' || a === '--inventory') {
      const v = argv[++i]
      if (inventory !== undefined || !value(v)) return undefined
      inventory = v
    } else if (a === '-p' || a === '--policies') {
      if (policies !== undefined) return undefined
      policies = []
      while (value(argv[i + 1])) policies.push(argv[++i] as string)
      if (policies.length === 0 || policies.some((p) => COMMAND_NAMES.has(p))) return undefined
    } else if (a === '--sync-waves' && !syncWaves) syncWaves = true
    else if (a === '--strict' && !strict) strict = true
    else return undefined
  }
  if (cluster === undefined) return undefined
  return {
    cluster,
    syncWaves,
    opts: {
      policies: policies ?? ['policies'],
      inventory: inventory ?? 'inventory.yaml',
      inventoryExplicit: inventory !== undefined,
      strict,
      allowEmpty: false,
    },
  }
}
