import type { CodeId } from '../diagnostics/codes.ts'
import type { Manifest } from '../model/k8s.ts'
import type { WorkloadKind } from '../model/workload.ts'
import { checkRequirement } from '../selectors/node-selector.ts'
import { qualifiedName } from '../selectors/label-syntax.ts'
import { isObj, type Obj } from '../util/plain-data.ts'

/**
 * Where each workload kind keeps its pod spec, and a shape check of the pod spec's scheduling
 * fields (the ones Liqo's webhook writes and the scheduler reads), so that later stages can
 * trust them. Pure.
 */

/** API groups (the part of apiVersion before `/`; `''` = core) each kind is served in. */
const GROUPS: Readonly<Record<WorkloadKind, readonly string[]>> = {
  Pod: [''],
  Deployment: ['apps', 'extensions'],
  ReplicaSet: ['apps', 'extensions'],
  StatefulSet: ['apps'],
  DaemonSet: ['apps', 'extensions'],
  Job: ['batch'],
  CronJob: ['batch'],
  ReplicationController: [''],
}

const POD_SPEC_PATHS: Readonly<Record<WorkloadKind, readonly string[]>> = {
  Pod: ['spec'],
  Deployment: ['spec', 'template', 'spec'],
  ReplicaSet: ['spec', 'template', 'spec'],
  StatefulSet: ['spec', 'template', 'spec'],
  DaemonSet: ['spec', 'template', 'spec'],
  Job: ['spec', 'template', 'spec'],
  CronJob: ['spec', 'jobTemplate', 'spec', 'template', 'spec'],
  ReplicationController: ['spec', 'template', 'spec'],
}

/** The API group of an apiVersion: `apps/v1` → `apps`, `v1` → `''`. */
export const apiGroup = (apiVersion: string): string => (apiVersion.includes('/') ? (apiVersion.split('/')[0] ?? '') : '')

/**
 * The path of the pod spec for the kinds nsoffload patches (Pod: `spec`; CronJob:
 * `spec.jobTemplate.spec.template.spec`; the others: `spec.template.spec`), or `undefined` for
 * any other kind, or a known kind name in another API group (a custom resource).
 */
export function podSpecPath(apiVersion: string, kind: string): readonly string[] | undefined {
  if (!Object.prototype.hasOwnProperty.call(GROUPS, kind)) return undefined
  const k = kind as WorkloadKind
  return GROUPS[k].includes(apiGroup(apiVersion)) ? POD_SPEC_PATHS[k] : undefined
}

/** Kubernetes' own API groups: core, the unqualified ones, and `*.k8s.io`. Their kinds are known by name, never by shape. */
function builtinGroup(group: string): boolean {
  return group === '' || !group.includes('.') || group === 'k8s.io' || group.endsWith('.k8s.io')
}

/** Where a pod template is in the built-in kinds: what a custom resource's template is recognised by. */
const TEMPLATE_PATHS: readonly (readonly string[])[] = [
  ['spec', 'template', 'spec'],
  ['spec', 'jobTemplate', 'spec', 'template', 'spec'],
]

/** A pod spec by its shape: a mapping whose `containers` is a non-empty list of containers with an image. */
function isPodSpecShape(v: unknown): boolean {
  if (!isObj(v)) return false
  const cs = v['containers']
  return Array.isArray(cs) && cs.length > 0 && cs.every((c) => isObj(c) && typeof c['image'] === 'string')
}

/**
 * The path of the pod spec nsoffload patches in an object: the built-in kinds' (`podSpecPath`),
 * or, in a custom resource, a standard pod template where the built-in kinds keep theirs
 * (`spec.template.spec`, as Argo Rollouts do, or `spec.jobTemplate.spec.template.spec`) with
 * `containers`. Liqo's webhook mutates every pod such an object makes.
 */
export function podTemplatePath(m: Readonly<Record<string, unknown>>): readonly string[] | undefined {
  const apiVersion = typeof m['apiVersion'] === 'string' ? m['apiVersion'] : ''
  const kind = typeof m['kind'] === 'string' ? m['kind'] : ''
  const builtin = podSpecPath(apiVersion, kind)
  if (builtin || builtinGroup(apiGroup(apiVersion))) return builtin
  return TEMPLATE_PATHS.find((p) => isPodSpecShape(getIn(m, p)))
}

/**
 * The pod specs a custom resource carries where no pod template is (`spec.jobTargetRef.template.spec`
 * of a KEDA ScaledJob, …), as dotted paths: the pods it makes are mutated by Liqo's webhook at
 * creation, but nsoffload cannot patch or place them. Built-in kinds carry none. Bounded depth.
 */
export function podSpecsElsewhere(m: Readonly<Record<string, unknown>>): string[] {
  const apiVersion = typeof m['apiVersion'] === 'string' ? m['apiVersion'] : ''
  if (builtinGroup(apiGroup(apiVersion)) || podTemplatePath(m)) return []
  const out: string[] = []
  const walk = (v: unknown, at: readonly (string | number)[]): void => {
    if (at.length > 12) return
    if (isPodSpecShape(v)) {
      out.push(at.join('.'))
      return
    }
    if (Array.isArray(v)) v.forEach((x, i) => walk(x, [...at, i]))
    else if (isObj(v)) for (const [k, x] of Object.entries(v)) if (k !== 'metadata' && k !== 'status') walk(x, [...at, k])
  }
  walk(m['spec'], ['spec'])
  return out
}

/** The value at a path of plain data, or `undefined`. */
export function getIn(v: unknown, path: readonly (string | number)[]): unknown {
  let cur: unknown = v
  for (const step of path) {
    if (Array.isArray(cur) && typeof step === 'number') cur = cur[step]
    else if (isObj(cur)) cur = cur[String(step)]
    else return undefined
  }
  return cur
}

/** A copy of `m` with `value` at `path` (mappings along the path are copied, never modified). */
export function setIn(m: Manifest, path: readonly string[], value: unknown): Manifest {
  const [head, ...rest] = path
  if (head === undefined) return isObj(value) ? value : m
  const child = m[head]
  return { ...m, [head]: rest.length === 0 ? value : setIn(isObj(child) ? child : {}, rest, value) }
}

/** A problem in a pod spec, relative to the pod spec. */
export interface PodSpecProblem {
  readonly id: CodeId
  readonly message: string
  readonly at: readonly (string | number)[]
  readonly hint?: string
}

const kindOf = (v: unknown): string =>
  v === null ? 'null' : Array.isArray(v) ? 'a list' : typeof v === 'object' ? 'a mapping' : `${typeof v} ${JSON.stringify(v)}`
const QUOTE_HINT = 'quote the value: YAML 1.1, as Kubernetes reads it, takes yes/no/on/off and numbers as non-strings'

/**
 * Checks the scheduling fields of a pod spec: `nodeName`, `nodeSelector`, `runtimeClassName`,
 * `affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution` and `tolerations`, with
 * Kubernetes' own rules for requirements and tolerations. Other fields are the API server's
 * business and are left alone.
 */
export function checkPodSpec(spec: unknown): PodSpecProblem[] {
  if (!isObj(spec)) return [{ id: 'workloadPodSpec', message: `the pod template is ${spec === undefined ? 'missing' : kindOf(spec)}, not a mapping`, at: [] }]
  const out: PodSpecProblem[] = []
  const str = (v: unknown, at: (string | number)[], nullable = true): boolean => {
    if (v === undefined || (nullable && v === null) || typeof v === 'string') return true
    out.push({ id: 'workloadPodSpec', message: `${at.join('.')} must be a string, not ${kindOf(v)}`, at, hint: QUOTE_HINT })
    return false
  }
  const map = (v: unknown, at: (string | number)[]): v is Obj | undefined | null => {
    if (v === undefined || v === null || isObj(v)) return true
    out.push({ id: 'workloadPodSpec', message: `${at.join('.')} must be a mapping, not ${kindOf(v)}`, at })
    return false
  }
  const list = (v: unknown, at: (string | number)[]): v is unknown[] | undefined | null => {
    if (v === undefined || v === null || Array.isArray(v)) return true
    out.push({ id: 'workloadPodSpec', message: `${at.join('.')} must be a list, not ${kindOf(v)}`, at })
    return false
  }
  str(spec['nodeName'], ['nodeName'])
  str(spec['runtimeClassName'], ['runtimeClassName'])
  const ns = spec['nodeSelector']
  if (map(ns, ['nodeSelector']) && ns) for (const [k, v] of Object.entries(ns)) str(v, ['nodeSelector', k], false)
  const aff = spec['affinity']
  if (map(aff, ['affinity']) && aff) {
    const na = aff['nodeAffinity']
    if (map(na, ['affinity', 'nodeAffinity']) && na) {
      const reqAt = ['affinity', 'nodeAffinity', 'requiredDuringSchedulingIgnoredDuringExecution']
      const req = na['requiredDuringSchedulingIgnoredDuringExecution']
      if (map(req, reqAt) && req) {
        const terms = req['nodeSelectorTerms']
        if (list(terms, [...reqAt, 'nodeSelectorTerms']) && terms) {
          terms.forEach((t, i) => {
            const tAt = [...reqAt, 'nodeSelectorTerms', i]
            if (!map(t, tAt) || !t) return
            for (const field of ['matchExpressions', 'matchFields'] as const) {
              const rs = t[field]
              if (!list(rs, [...tAt, field]) || !rs) continue
              rs.forEach((r, j) => checkPodRequirement(r, [...tAt, field, j], field === 'matchFields', out))
            }
          })
        }
      }
    }
  }
  const tols = spec['tolerations']
  if (list(tols, ['tolerations']) && tols) tols.forEach((t, i) => checkToleration(t, ['tolerations', i], out))
  return out
}

function checkPodRequirement(r: unknown, at: (string | number)[], field: boolean, out: PodSpecProblem[]): void {
  if (!isObj(r)) {
    out.push({ id: 'workloadPodSpec', message: `${at.join('.')} must be a mapping, not ${kindOf(r)}`, at })
    return
  }
  let ok = true
  for (const k of ['key', 'operator'] as const) {
    if (typeof r[k] !== 'string') {
      out.push({
        id: 'workloadPodSpec',
        message: r[k] === undefined ? `${at.join('.')} has no ${k}` : `${at.join('.')}.${k} must be a string, not ${kindOf(r[k])}`,
        at: r[k] === undefined ? at : [...at, k],
      })
      ok = false
    }
  }
  const values = r['values']
  if (values !== undefined && values !== null) {
    if (!Array.isArray(values)) {
      out.push({ id: 'workloadPodSpec', message: `${at.join('.')}.values must be a list, not ${kindOf(values)}`, at: [...at, 'values'] })
      ok = false
    } else {
      values.forEach((v, i) => {
        if (typeof v !== 'string') {
          out.push({
            id: 'workloadPodSpec',
            message: `${at.join('.')}.values.${i} must be a string, not ${kindOf(v)}`,
            at: [...at, 'values', i],
            hint: QUOTE_HINT,
          })
          ok = false
        }
      })
    }
  }
  if (!ok) return
  const req = { key: String(r['key']), operator: String(r['operator']), ...(Array.isArray(values) ? { values: values as string[] } : {}) }
  for (const p of checkRequirement(req, field)) {
    // Label-value syntax of `values` is not checked for pods: the API server accepts such values in node affinity.
    if (p.id === 'requirementKey' && p.at[0] === 'values') continue
    out.push({ id: p.id, message: p.message, at: [...at, ...p.at], ...(p.hint !== undefined ? { hint: p.hint } : {}) })
  }
}

const TOLERATION_OPERATORS = ['', 'Equal', 'Exists']
const TAINT_EFFECTS = ['', 'NoSchedule', 'PreferNoSchedule', 'NoExecute']

/** Kubernetes' toleration validation (core/v1 `validateTolerations`). */
function checkToleration(t: unknown, at: (string | number)[], out: PodSpecProblem[]): void {
  if (!isObj(t)) {
    out.push({ id: 'workloadPodSpec', message: `${at.join('.')} must be a mapping, not ${kindOf(t)}`, at })
    return
  }
  let ok = true
  for (const k of ['key', 'operator', 'value', 'effect'] as const) {
    const v = t[k]
    if (v !== undefined && v !== null && typeof v !== 'string') {
      out.push({ id: 'workloadPodSpec', message: `${at.join('.')}.${k} must be a string, not ${kindOf(v)}`, at: [...at, k], hint: QUOTE_HINT })
      ok = false
    }
  }
  const secs = t['tolerationSeconds']
  if (secs !== undefined && secs !== null && !Number.isInteger(secs)) {
    out.push({ id: 'workloadPodSpec', message: `${at.join('.')}.tolerationSeconds must be an integer, not ${kindOf(secs)}`, at: [...at, 'tolerationSeconds'] })
    ok = false
  }
  if (!ok) return
  const key = typeof t['key'] === 'string' ? t['key'] : ''
  const op = typeof t['operator'] === 'string' ? t['operator'] : ''
  const value = typeof t['value'] === 'string' ? t['value'] : ''
  const effect = typeof t['effect'] === 'string' ? t['effect'] : ''
  const bad = (message: string, step: string, hint?: string): void => {
    out.push({ id: 'workloadPodSpec', message: `${at.join('.')}: ${message}`, at: t[step] === undefined ? at : [...at, step], ...(hint ? { hint } : {}) })
  }
  if (key !== '') {
    const errs = qualifiedName(key)
    if (errs.length > 0) bad(`key "${key}": ${errs.join('; ')}`, 'key')
  }
  if (!TOLERATION_OPERATORS.includes(op)) bad(`operator "${op}" is not supported`, 'operator', 'use Equal or Exists')
  else if (key === '' && op !== 'Exists') bad('operator must be Exists when `key` is empty, which means "match all values and all keys"', 'operator')
  if (op === 'Exists' && value !== '') bad("value must be empty when `operator` is 'Exists'", 'value')
  if (!TAINT_EFFECTS.includes(effect)) bad(`effect "${effect}" is not supported`, 'effect', 'use NoSchedule, PreferNoSchedule or NoExecute')
  else if (secs !== undefined && secs !== null && effect !== 'NoExecute') bad("effect must be 'NoExecute' when `tolerationSeconds` is set", 'effect')
}
