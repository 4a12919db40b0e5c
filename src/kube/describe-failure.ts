/**
 * How a request that failed is told: what it was about in RBAC's words (the verb and the
 * resource of its REST path, read with the API server's own rules, `RequestInfoFactory` of
 * k8s.io/apiserver), what the answer meant (unauthorized, forbidden, a server error), and on
 * which cluster (its context and server). Never a credential: only the method, the path
 * (no query) and the API server's own message.
 */

/** `30 s`, `1.5 s`, `250 ms`: a duration in messages. */
export function seconds(ms: number): string {
  if (ms < 1000) return `${Math.max(0, Math.round(ms))} ms`
  const s = ms / 1000
  return `${Number.isInteger(s) || s >= 10 ? Math.round(s) : s.toFixed(1)} s`
}

/** The parts of a request RBAC judges. */
export interface RequestInfo {
  /** `get`, `list`, `create`, `update`, `patch`, `delete`, `deletecollection`; `get` for discovery. */
  readonly verb: string
  /** `namespaces`, `deployments.apps`, `namespaceoffloadings.offloading.liqo.io/status`; `''` for discovery. */
  readonly resource: string
  readonly namespace?: string
  readonly name?: string
}

/** Subresources of a namespace, not resources inside it (`namespaceSubresources` of k8s.io/apiserver). */
const NAMESPACE_SUBRESOURCES = new Set(['status', 'finalize'])

/** The verb and resource of `method path`, as the API server resolves them. */
export function requestInfo(method: string, path: string): RequestInfo {
  const parts = path.split('?')[0]?.split('/').filter(Boolean) ?? []
  let group: string
  let rest: string[]
  if (parts[0] === 'api') {
    group = ''
    rest = parts.slice(2)
  } else if (parts[0] === 'apis') {
    group = parts[1] ?? ''
    rest = parts.slice(3)
  } else return { verb: method.toLowerCase(), resource: '' }
  // `/api`, `/api/v1`, `/apis/<group>/<version>`: API discovery.
  if (rest.length === 0) return { verb: 'get', resource: '' }
  let namespace: string | undefined
  if (rest[0] === 'namespaces' && rest.length > 1) {
    namespace = rest[1]
    if (rest.length > 2 && !NAMESPACE_SUBRESOURCES.has(rest[2] ?? '')) rest = rest.slice(2)
  }
  const [plural = '', name, sub] = rest
  const resource = `${plural}${group ? `.${group}` : ''}${sub ? `/${sub}` : ''}`
  const verbs: Record<string, string> = { POST: 'create', PUT: 'update', PATCH: 'patch' }
  const verb =
    method === 'GET'
      ? name === undefined
        ? 'list'
        : 'get'
      : method === 'DELETE'
        ? name === undefined
          ? 'deletecollection'
          : 'delete'
        : (verbs[method] ?? method.toLowerCase())
  // A namespace itself is not "in" a namespace.
  const inNamespace = plural === 'namespaces' && group === '' ? undefined : namespace
  return { verb, resource, ...(inNamespace !== undefined ? { namespace: inNamespace } : {}), ...(name !== undefined ? { name } : {}) }
}

/** `list namespaces at the cluster scope`, `patch deployments.apps "web" in namespace shop`, `read the API discovery`. */
export function sayRequest(method: string, path: string): string {
  const r = requestInfo(method, path)
  if (r.resource === '') return 'read the API discovery'
  const what = `${r.verb} ${r.resource}${r.name !== undefined ? ` "${r.name}"` : ''}`
  return r.namespace !== undefined ? `${what} in namespace ${r.namespace}` : r.name === undefined ? `${what} at the cluster scope` : what
}

/** What a failed request tells the user, from the parts of a `KubeError`. */
export interface FailureParts {
  readonly message: string
  readonly status: number
  readonly reason: string
  readonly method: string
  readonly path: string
  /** `cluster "venice" (context venice, https://…)` */
  readonly where: string
  /** The API server's message. */
  readonly detail: string
  /** How long it was retried (ms). */
  readonly retriedMs: number
}

/** What an HTTP answer means, for a request: `forbidden (403): cannot list namespaces at the cluster scope (GET /api/v1/namespaces)`. */
export function sayAnswer(e: FailureParts): string {
  const request = `${e.method} ${e.path}`
  const server = (e.detail ? `: ${e.detail}` : '') + (e.retriedMs > 0 ? ` (retried for ${seconds(e.retriedMs)})` : '')
  if (e.status === 401) return `unauthorized (401): the API server does not accept the credentials of this context (${request})`
  if (e.status === 403) return `forbidden (403): cannot ${sayRequest(e.method, e.path)} (${request})${server}`
  if (e.status >= 500) return `server error ${e.status}${e.reason ? ` ${e.reason}` : ''} while trying to ${sayRequest(e.method, e.path)} (${request})${server}`
  return e.message
}

/** A failure, on one line, naming the cluster: `cluster "venice" (context venice, https://…): forbidden (403): …`. */
export function describeFailure(e: FailureParts): string {
  if (e.status === 0 || e.where === '') return e.where && !e.message.startsWith(e.where) ? `${e.where}: ${e.message}` : e.message
  return `${e.where}: ${sayAnswer(e)}`
}
