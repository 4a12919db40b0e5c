/**
 * Audit logs: the policy every API server logs with (Metadata level, one JSON line per event
 * and stage), its flags, and reading the events back, complete up to the moment of asking.
 */
import { randomBytes } from 'node:crypto'
import * as fs from 'node:fs'
import * as path from 'node:path'
import { type ClusterApi, isRecord, str } from './api.ts'
import { poll } from './wait.ts'

export const WRITE_VERBS: readonly string[] = ['create', 'update', 'patch', 'delete', 'deletecollection']

/** One audit event (stage ResponseComplete/Panic), flattened. */
export interface AuditEvent {
  auditID: string
  stage: string
  verb: string
  requestURI: string
  /** `objectRef.resource` ('' for non-resource requests such as /readyz). */
  resource: string
  subresource: string
  apiGroup: string
  namespace: string
  name: string
  userAgent: string
  /** `user.username` (the authenticated user). */
  user: string
  /** HTTP status code of the response (0 when unknown). */
  code: number
  /** true when the request carried `dryRun=All`. */
  dryRun: boolean
  /** Who the request acted as when it impersonated someone (`Impersonate-*` headers). */
  impersonatedUser?: { username: string; groups: string[]; extra: Record<string, string[]> }
}

export type AuditWrite = AuditEvent

const AUDIT_POLICY = `apiVersion: audit.k8s.io/v1
kind: Policy
omitStages: ["RequestReceived"]
rules:
  - level: Metadata
`

/** Writes the audit policy into `dataDir`; returns its path. */
export function writeAuditPolicy(dataDir: string): string {
  const file = path.join(dataDir, 'audit-policy.yaml')
  fs.writeFileSync(file, AUDIT_POLICY)
  return file
}

/** kube-apiserver's audit flags: JSON lines, blocking (an event is written before the next request is answered), never rotated. */
export function auditFlags(policyFile: string, logPath: string): string[] {
  return [
    `--audit-policy-file=${policyFile}`,
    `--audit-log-path=${logPath}`,
    '--audit-log-format=json',
    '--audit-log-mode=blocking',
    '--audit-log-maxsize=0',
    '--audit-log-maxbackup=0',
    '--audit-log-maxage=0',
  ]
}

const BARRIER_AGENT = 'nsoffload-audit-barrier/'

/**
 * The log backend writes an event after the response is sent, so a request can be answered
 * a moment before its event is on disk. A marker request sent now and seen in the log means
 * every earlier request's event is there too.
 */
async function auditBarrier(api: ClusterApi, logPath: string): Promise<void> {
  const marker = `${BARRIER_AGENT}${randomBytes(8).toString('hex')}`
  const from = fs.existsSync(logPath) ? fs.statSync(logPath).size : 0
  await api.request({ path: '/version', userAgent: marker })
  await poll(
    `audit marker in ${logPath}`,
    () => {
      if (!fs.existsSync(logPath)) return undefined
      const fd = fs.openSync(logPath, 'r')
      try {
        const size = fs.fstatSync(fd).size
        const buf = Buffer.alloc(Math.max(0, size - from))
        fs.readSync(fd, buf, 0, buf.length, from)
        return buf.includes(marker) ? true : undefined
      } finally {
        fs.closeSync(fd)
      }
    },
    { timeoutMs: 10_000, intervalMs: 20 },
  )
}

/** Byte offset of the end of the audit log, after every request answered so far is logged. */
export async function auditOffset(api: ClusterApi, logPath: string): Promise<number> {
  await auditBarrier(api, logPath)
  return fs.statSync(logPath).size
}

/** All audit events (ResponseComplete, Panic) logged after `sinceOffset`, the barrier's own left out. */
export async function auditEvents(api: ClusterApi, logPath: string, sinceOffset = 0): Promise<AuditEvent[]> {
  await auditBarrier(api, logPath)
  const fd = fs.openSync(logPath, 'r')
  let text: string
  try {
    const size = fs.fstatSync(fd).size
    const from = Math.min(Math.max(0, sinceOffset), size)
    const buf = Buffer.alloc(size - from)
    fs.readSync(fd, buf, 0, buf.length, from)
    text = buf.toString('utf8')
  } finally {
    fs.closeSync(fd)
  }
  return parseAuditLog(text)
}

/** Write events (create/update/patch/delete/deletecollection) logged after `sinceOffset`. */
export async function auditWrites(api: ClusterApi, logPath: string, sinceOffset = 0): Promise<AuditWrite[]> {
  return (await auditEvents(api, logPath, sinceOffset)).filter((e) => WRITE_VERBS.includes(e.verb))
}

/** The events of JSON-lines audit log text (a partial last line is skipped). */
export function parseAuditLog(text: string): AuditEvent[] {
  const events: AuditEvent[] = []
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue
    let raw: unknown
    try {
      raw = JSON.parse(line)
    } catch {
      continue // a partial line at the end
    }
    if (!isRecord(raw)) continue
    const stage = str(raw['stage'])
    if (stage !== 'ResponseComplete' && stage !== 'Panic') continue
    const ref = isRecord(raw['objectRef']) ? raw['objectRef'] : {}
    const user = isRecord(raw['user']) ? raw['user'] : {}
    const status = isRecord(raw['responseStatus']) ? raw['responseStatus'] : {}
    const imp = isRecord(raw['impersonatedUser']) ? raw['impersonatedUser'] : undefined
    const requestURI = str(raw['requestURI'])
    const userAgent = str(raw['userAgent'])
    if (userAgent.startsWith(BARRIER_AGENT)) continue
    events.push({
      auditID: str(raw['auditID']),
      stage,
      verb: str(raw['verb']),
      requestURI,
      resource: str(ref['resource']),
      subresource: str(ref['subresource']),
      apiGroup: str(ref['apiGroup']),
      namespace: str(ref['namespace']),
      name: str(ref['name']),
      userAgent,
      user: str(user['username']),
      code: typeof status['code'] === 'number' ? status['code'] : 0,
      dryRun: /[?&]dryRun=All(&|$)/.test(requestURI),
      ...(imp
        ? {
            impersonatedUser: {
              username: str(imp['username']),
              groups: Array.isArray(imp['groups']) ? imp['groups'].map(String) : [],
              extra: isRecord(imp['extra']) ? Object.fromEntries(Object.entries(imp['extra']).map(([k, v]) => [k, Array.isArray(v) ? v.map(String) : []])) : {},
            },
          }
        : {}),
    })
  }
  return events
}
