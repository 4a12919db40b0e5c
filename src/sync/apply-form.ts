import type { Manifest } from '../model/k8s.ts'
import { isObj } from '../util/plain-data.ts'
import { getIn, podSpecPath, setIn } from '../workloads/pod-template.ts'

/**
 * A workload in the form server-side apply takes on every Kubernetes nsoffload supports.
 * Before 1.22 the API server refuses an apply whose Service or container port has no
 * `protocol` ("associative list with keys has an element that omits key field protocol") or
 * whose resource quantity is a number (`cpu: 1`: "expected string"), with a 500; Flux's
 * `ssa` package works around the same bugs the same way. So, as the server would default and
 * store them: a port without `protocol` gets `TCP`, a numeric quantity becomes its string, and
 * a Secret's `stringData` becomes base64 `data` (nsoffload then owns `data.<key>`, so a key
 * removed from Git is removed from the Secret). The values mean the same; the rendered
 * manifests (`build`) keep the user's spelling. Pure: returns a copy, or `m` itself.
 */
export function applyForm(m: Manifest): Manifest {
  const apiVersion = String(m['apiVersion'] ?? '')
  const kind = String(m['kind'] ?? '')
  if (apiVersion === 'v1' && kind === 'Service') return withProtocols(m, ['spec', 'ports'])
  if (apiVersion === 'v1' && kind === 'Secret') return secretData(m)
  if (apiVersion === 'v1' && (kind === 'ResourceQuota' || kind === 'LimitRange')) return quantities(m)
  const path = podSpecPath(apiVersion, kind)
  if (!path) return m
  const spec = getIn(m, path)
  if (!isObj(spec)) return m
  let out: Record<string, unknown> = spec
  for (const list of ['initContainers', 'containers']) {
    const containers = out[list]
    if (!Array.isArray(containers)) continue
    const fixed = containers.map((c: unknown) => (isObj(c) ? quantities(withProtocols(c, ['ports'])) : c))
    if (fixed.some((c, i) => c !== containers[i])) out = { ...out, [list]: fixed }
  }
  return out === spec ? m : setIn(m, path, out)
}

/** `protocol: TCP` on each port of the list at `path` that has none. */
function withProtocols<T extends Readonly<Record<string, unknown>>>(o: T, path: readonly string[]): T {
  const ports = getIn(o, path)
  if (!Array.isArray(ports) || !ports.some((p) => isObj(p) && p['protocol'] === undefined)) return o
  return setIn(
    o,
    path,
    ports.map((p: unknown) => (isObj(p) && p['protocol'] === undefined ? { ...p, protocol: 'TCP' } : p)),
  ) as T
}

/** Every number under a key that holds quantities (`requests`, `limits`, `hard`, …) as its string. */
function quantities<T extends Readonly<Record<string, unknown>>>(o: T): T {
  const QUANTITY_MAPS = new Set(['requests', 'limits', 'hard', 'default', 'defaultRequest', 'max', 'min', 'maxLimitRequestRatio'])
  const walk = (v: unknown, inQuantities: boolean): unknown => {
    if (Array.isArray(v)) {
      const items = v.map((x) => walk(x, false))
      return items.some((x, i) => x !== v[i]) ? items : v
    }
    if (isObj(v)) {
      let changed = false
      const entries = Object.entries(v).map(([k, x]): [string, unknown] => {
        const y = inQuantities && typeof x === 'number' ? String(x) : walk(x, QUANTITY_MAPS.has(k))
        if (y !== x) changed = true
        return [k, y]
      })
      return changed ? Object.fromEntries(entries) : v
    }
    return v
  }
  return walk(o, false) as T
}

/** `stringData` merged into base64 `data` (stringData wins, as on the server). */
function secretData(m: Manifest): Manifest {
  const stringData = m['stringData']
  if (!isObj(stringData)) return m
  const data = isObj(m['data']) ? { ...m['data'] } : {}
  for (const [k, v] of Object.entries(stringData)) data[k] = base64(String(v))
  const { stringData: _, ...rest } = m
  return { ...rest, data: Object.fromEntries(Object.entries(data).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) }
}

/** UTF-8 then base64, as the API server encodes a Secret's values (no Node.js API: the core stays portable). */
const base64 = (s: string): string => btoa(Array.from(new TextEncoder().encode(s), (b) => String.fromCharCode(b)).join(''))
