/** Namespaces gone for good: deleted, their pods force-removed (no kubelet ever confirms a pod's deletion). */
import { type ClusterApi, isRecord, str } from './api.ts'
import { sleep } from './wait.ts'

/**
 * Delete a namespace, force-removing its pods, and wait (bounded) until it is gone. Needs the
 * controller-manager. Returns true if gone.
 */
export async function deleteNamespace(api: ClusterApi, ns: string, timeoutMs = 60_000): Promise<boolean> {
  const nsPath = `/api/v1/namespaces/${encodeURIComponent(ns)}`
  await api.mustOk({ method: 'DELETE', path: nsPath }, [200, 202, 404, 409])
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    // Pods bound to a node wait forever for a kubelet: remove them at once.
    const pods = await api.request({ path: `${nsPath}/pods` })
    if (pods.status === 200) {
      const list = pods.json()
      const items = isRecord(list) && Array.isArray(list['items']) ? list['items'] : []
      for (const item of items) {
        const podName = isRecord(item) && isRecord(item['metadata']) ? str(item['metadata']['name']) : ''
        if (podName === '') continue
        await api.request({
          method: 'DELETE',
          path: `${nsPath}/pods/${encodeURIComponent(podName)}`,
          body: { kind: 'DeleteOptions', apiVersion: 'v1', gracePeriodSeconds: 0 },
        })
      }
    }
    const r = await api.request({ path: nsPath })
    if (r.status === 404) return true
    await sleep(250)
  }
  return false
}
