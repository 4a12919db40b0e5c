import { createTwoFilesPatch } from 'diff'
import { codes } from '../diagnostics/codes.ts'
import { toYaml } from '../render/to-yaml.ts'
import { describeObject } from '../util/manifest.ts'
import { afterApply, maskSecrets, stripServerFields } from './compare.ts'
import type { Manifest } from '../model/k8s.ts'
import type { Finding, PlanOptions, SyncPlan } from './plan-sync.ts'

export interface ObjectDiff {
  readonly cluster: string
  readonly namespace: string
  readonly op: 'create' | 'update' | 'delete'
  /** `kind/namespace/name` */
  readonly object: string
  /** Deletions that need `--prune` (or `--allow-destructive`) when syncing. */
  readonly needs?: string
  readonly diff: string
}

export interface DiffResult {
  readonly diffs: readonly ObjectDiff[]
  readonly findings: readonly Finding[]
}

/** The plan `diff` shows: planned as if pruning, so deletions are shown; they are marked with the flag sync needs. */
export const diffPlanOptions = (allowDestructive: boolean, rest: Pick<PlanOptions, 'set' | 'scope' | 'allowInventoryDrift'> = {}): PlanOptions => ({
  prune: true,
  allowDestructive,
  ...rest,
})

/**
 * Live vs rendered, per cluster, as the settled plan says (planned with `diffPlanOptions`):
 * unified diffs of canonical YAML, server-managed fields ignored (status, managedFields,
 * resourceVersion, uid, timestamps). A workload's "after" is the server's answer to its
 * dry-run apply when the plan has it (`Action.after`), else live with the rendered fields
 * laid over it. Secret values are masked as `kubectl diff` masks them unless `showSecrets`.
 * Pure.
 */
export function diffClusters(plan: SyncPlan, showSecrets = false): DiffResult {
  // The set's parents: what each will record once sync is done.
  const parents = plan.parents.flatMap((p) => {
    const manifest: Manifest | undefined = p.after ?? p.before
    if (!manifest) return []
    return [{ op: p.live ? ('update' as const) : ('create' as const), cluster: p.cluster, namespace: '', manifest, ...(p.live ? { live: p.live } : {}) }]
  })
  const diffs = [...parents, ...plan.actions].map((a): ObjectDiff => {
    const object = describeObject(a.op === 'delete' ? a.live : a.manifest)
    const path = `${a.cluster}/${object}`
    const beforeObj = a.op === 'create' ? undefined : stripServerFields(a.op === 'delete' ? a.live : (a.live ?? {}))
    const afterObj = a.op === 'delete' ? undefined : 'after' in a && a.after ? stripServerFields(a.after) : afterApply(a.manifest, a.live)
    const [b, af] = showSecrets ? [beforeObj, afterObj] : maskSecrets(beforeObj, afterObj)
    const before = b ? toYaml(b) : ''
    const after = af ? toYaml(af) : ''
    const diff = createTwoFilesPatch(
      a.op === 'create' ? '/dev/null' : `live/${path}`,
      a.op === 'delete' ? '/dev/null' : `rendered/${path}`,
      before,
      after,
      undefined,
      undefined,
      { context: 3 },
    )
      .split('\n')
      .filter((l) => !l.startsWith('==='))
      .join('\n')
    const needs = a.op === 'delete' ? (a.why === 'destructive' ? '--allow-destructive' : '--prune') : undefined
    return { cluster: a.cluster, namespace: a.namespace, op: a.op, object, ...(needs ? { needs } : {}), diff }
  })
  // Planned with --prune: what would need it is among the diffs, not a finding.
  return { diffs, findings: plan.findings.filter((f) => f.code !== codes.deletionNeedsPrune.code) }
}
