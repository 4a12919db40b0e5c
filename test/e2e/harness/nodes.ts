/**
 * Node objects without kubelets: created Ready with capacity, so that the real scheduler binds
 * pods to them; their labels and taints as a test asks.
 */
import { type ClusterApi, isRecord } from './api.ts'
import { poll } from './wait.ts'

export interface NodeTaint {
  key: string
  value?: string
  effect: 'NoSchedule' | 'PreferNoSchedule' | 'NoExecute'
}

export interface NodeSpec {
  name: string
  labels?: Record<string, string>
  taints?: NodeTaint[]
  /** Defaults: cpu 8, memory 32Gi, pods 110 (allocatable = capacity). */
  capacity?: { cpu?: string; memory?: string; pods?: string }
}

/** Create (or update) Node objects that the real scheduler can bind pods to (no kubelets). */
export async function createNodes(api: ClusterApi, nodes: NodeSpec[]): Promise<void> {
  const name = api.name
  for (const n of nodes) {
    const labels: Record<string, string> = {
      'kubernetes.io/hostname': n.name,
      'kubernetes.io/os': 'linux',
      'kubernetes.io/arch': 'amd64',
      ...(n.labels ?? {}),
    }
    const taints = (n.taints ?? []).map((t) => ({ key: t.key, ...(t.value !== undefined ? { value: t.value } : {}), effect: t.effect }))
    const nodePath = `/api/v1/nodes/${encodeURIComponent(n.name)}`
    // 1. create (or bring an existing node to the requested labels/taints)
    const created = await api.request({
      method: 'POST',
      path: '/api/v1/nodes',
      body: { apiVersion: 'v1', kind: 'Node', metadata: { name: n.name, labels }, spec: { taints } },
    })
    if (created.status === 409) {
      const cur = (await api.mustOk({ path: nodePath })).json()
      if (!isRecord(cur) || !isRecord(cur['metadata'])) throw new Error(`${name}: unexpected node ${n.name}`)
      const spec = isRecord(cur['spec']) ? cur['spec'] : {}
      await api.mustOk({
        method: 'PUT',
        path: nodePath,
        body: { ...cur, metadata: { ...cur['metadata'], labels }, spec: { ...spec, taints } },
      })
    } else if (created.status !== 201) {
      throw new Error(`${name}: creating node ${n.name} -> HTTP ${created.status}: ${created.body.slice(0, 500)}`)
    }
    // 2. status: capacity/allocatable and Ready=True (status subresource)
    const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z')
    const capacity = { cpu: n.capacity?.cpu ?? '8', memory: n.capacity?.memory ?? '32Gi', pods: n.capacity?.pods ?? '110' }
    await api.mustOk({
      method: 'PATCH',
      path: `${nodePath}/status`,
      contentType: 'application/merge-patch+json',
      body: {
        status: {
          capacity,
          allocatable: capacity,
          conditions: [
            {
              type: 'Ready',
              status: 'True',
              reason: 'KubeletReady',
              message: 'nsoffload e2e: node without kubelet',
              lastHeartbeatTime: now,
              lastTransitionTime: now,
            },
          ],
        },
      },
    })
    // 3. drop the node.kubernetes.io/not-ready taint added at creation (nothing re-adds it)
    await poll(
      `node ${n.name} without not-ready taint`,
      async () => {
        const cur = (await api.mustOk({ path: nodePath })).json()
        if (!isRecord(cur)) throw new Error('bad node')
        const spec = isRecord(cur['spec']) ? cur['spec'] : {}
        const curTaints = Array.isArray(spec['taints']) ? spec['taints'] : []
        const keep = curTaints.filter((t) => !(isRecord(t) && t['key'] === 'node.kubernetes.io/not-ready'))
        if (keep.length === curTaints.length) return true
        const meta = isRecord(cur['metadata']) ? cur['metadata'] : {}
        const r = await api.request({
          method: 'PATCH',
          path: nodePath,
          contentType: 'application/merge-patch+json',
          body: { metadata: { resourceVersion: meta['resourceVersion'] }, spec: { taints: keep } },
        })
        if (r.status === 409) return undefined // changed meanwhile: retry
        if (r.status !== 200) throw new Error(`removing not-ready taint: HTTP ${r.status}: ${r.body.slice(0, 300)}`)
        return undefined // verify on the next round
      },
      { timeoutMs: 15_000, intervalMs: 50 },
    )
  }
}

/** Delete Node objects (missing ones are ignored). */
export async function deleteNodes(api: ClusterApi, names: string[]): Promise<void> {
  for (const n of names) {
    await api.mustOk({ method: 'DELETE', path: `/api/v1/nodes/${encodeURIComponent(n)}` }, [200, 202, 404])
  }
}
