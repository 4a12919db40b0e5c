import type { Manifest } from '../model/k8s.ts'
import { isObj } from '../util/plain-data.ts'

/**
 * A workload in the form nsoffload applies it (server-side apply): a Secret's `stringData`
 * becomes base64 `data`, as the server would store it (stringData wins). Then nsoffload owns
 * `data.<key>`, so a key removed from Git is removed from the Secret; applied as `stringData`,
 * it would own fields the server never keeps, and a removed key would stay. Everything else
 * is applied as written: ports without `protocol` and numeric quantities (`cpu: 1`), which
 * server-side apply refused before Kubernetes 1.22, are taken as they are by every release
 * nsoffload supports (1.33 and later; the e2e suites check 1.35 and 1.37: a second sync sends
 * no write, `diff` exits 0). The rendered manifests (`build`) keep the user's spelling. Pure:
 * returns a copy, or `m` itself.
 */
export function applyForm(m: Manifest): Manifest {
  if (m['apiVersion'] === 'v1' && m['kind'] === 'Secret') return secretData(m)
  return m
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
