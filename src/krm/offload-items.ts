import type { Diagnostic } from '../diagnostics/diagnostic.ts'
import { pointerSteps } from '../diagnostics/json-pointer.ts'
import type { Policy } from '../model/policy.ts'
import { type CompiledWorkload, compileWorkloads, type PlacementContext } from '../workloads/compile-workloads.ts'
import { isObj, str } from '../util/plain-data.ts'
import { getIn, podTemplatePath } from '../workloads/pod-template.ts'
import { toWorkloads } from '../workloads/to-workloads.ts'
import type { ItemEdit, KrmResult, ParsedResourceList, ResourceListItem } from './resource-list.ts'
import { STDIN } from './resource-list.ts'

/**
 * The core of `nsoffload fn`: patches the pod templates of the ResourceList's workloads whose
 * namespace has a policy, exactly as `build` patches a policy's workload files, and previews
 * their placement when the inventory is known. Items of other namespaces, without a namespace,
 * or of other kinds are not touched. Pure.
 */
export function offloadItems(
  list: ParsedResourceList,
  policies: ReadonlyMap<string, Policy>,
  placement: PlacementContext | undefined,
): { edits: ItemEdit[]; diagnostics: ItemDiagnostic[]; workloads: CompiledWorkload[] } {
  const edits: ItemEdit[] = []
  const diagnostics: ItemDiagnostic[] = []
  const workloads: CompiledWorkload[] = []
  for (const item of list.items) {
    const v = item.value
    const path = podTemplatePath(v)
    const ns = getIn(v, ['metadata', 'namespace'])
    const policy = typeof ns === 'string' ? policies.get(ns) : undefined
    if (!path || !policy) continue
    const source = { file: STDIN, docIndex: 0, locate: (p: readonly (string | number)[]) => list.locate(['items', item.index, ...p]) }
    const w = toWorkloads(policy, [{ file: STDIN, index: 0, value: v, source }])
    diagnostics.push(...w.diagnostics.map((d) => ({ item, diagnostic: d })))
    if (w.workloads.length === 0) continue
    const c = compileWorkloads(policy, w.workloads, placement)
    diagnostics.push(...c.diagnostics.map((d) => ({ item, diagnostic: d })))
    for (const cw of c.workloads) {
      workloads.push(cw)
      if (!cw.patched) continue
      const before = getIn(v, path)
      const after = getIn(cw.manifest, path)
      if (!isObj(before) || !isObj(after)) continue
      // The webhook writes only these two fields; every other node stays as it came in.
      for (const field of ['affinity', 'tolerations']) {
        if (after[field] !== before[field]) edits.push({ index: item.index, path: [...path, field], value: after[field] })
      }
    }
  }
  return { edits, diagnostics, workloads }
}

/** A diagnostic about one item of the ResourceList. */
export interface ItemDiagnostic {
  readonly item?: ResourceListItem
  readonly diagnostic: Diagnostic
}

/** A diagnostic as a KRM result: `CODE: message`, with the resource, its file and the field. */
export function toResult({ item, diagnostic: d }: ItemDiagnostic): KrmResult {
  const severity = d.severity
  const tags: Record<string, string> = { code: d.code }
  if (d.line !== undefined) tags['position'] = `${d.file ?? ''}:${d.line}:${d.column ?? 1}`
  if (d.hint !== undefined) tags['hint'] = d.hint
  if (!item) {
    return { message: `${d.code}: ${d.message}`, severity, ...(d.file !== undefined && d.file !== STDIN ? { file: { path: d.file } } : {}), tags }
  }
  const v = item.value
  const md = isObj(v['metadata']) ? v['metadata'] : {}
  const annotations = isObj(md['annotations']) ? md['annotations'] : {}
  const filePath = str(annotations['config.kubernetes.io/path']) || str(annotations['internal.config.kubernetes.io/path'])
  const fileIndex = Number.parseInt(str(annotations['config.kubernetes.io/index']) || str(annotations['internal.config.kubernetes.io/index']), 10)
  const steps = pointerSteps(d.path ?? '')
  const field = steps[0] === 'items' && steps[1] === String(item.index) ? steps.slice(2).join('.') : ''
  return {
    message: `${d.code}: ${d.message}`,
    severity,
    resourceRef: {
      apiVersion: str(v['apiVersion']),
      kind: str(v['kind']),
      name: str(md['name']),
      ...(str(md['namespace']) ? { namespace: str(md['namespace']) } : {}),
    },
    ...(field ? { field: { path: field } } : {}),
    ...(filePath ? { file: { path: filePath, ...(Number.isInteger(fileIndex) ? { index: fileIndex } : {}) } } : {}),
    tags,
  }
}

/** A problem of the function's own input (not of one item). */
export const inputDiagnostic = (d: Diagnostic): ItemDiagnostic => ({ diagnostic: d })
