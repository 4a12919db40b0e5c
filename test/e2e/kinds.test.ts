import * as fs from 'node:fs'
import * as path from 'node:path'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { runCli, tempTree } from '../helpers/cli.ts'
import { type ControlPlaneEnv, e2eSkipReason, getSharedEnv } from './harness/control-plane.ts'
import { type FaultProxy, kubeconfigFor, startFaultProxy } from './harness/fault-proxy.ts'

/**
 * Every kind through the home cluster's API discovery, against real API servers: an Ingress,
 * a NetworkPolicy, a PodDisruptionBudget, an HPA (autoscaling/v2), a Role and RoleBinding, a
 * CRD with its custom resources (one namespaced, one cluster-scoped) in the same sync: all
 * applied (the CRD first, the resources once it is Established), and a second sync sends no
 * write. A kind the server does not serve is one error naming kind and cluster, before any
 * write. Discovery is asked once per cluster per run: in the aggregated form where the server
 * serves it (Kubernetes >= 1.26; the releases under test do), and in the legacy form through a
 * proxy that hides the aggregated Accept from the server (as a server before 1.26 answers).
 */
const skip = e2eSkipReason('kinds')
const e2e = skip === null ? test : test.skip
let env: ControlPlaneEnv
let work: string
const NS = 'kinds-demo'
const VN = 'kinds-naples'
const CRDS = ['gadgets.kinds.example.com', 'fixtures.kinds.example.com']
const proxies: FaultProxy[] = []

const INVENTORY = `apiVersion: nsoffload.dev/v1alpha1
kind: ClusterInventory
metadata:
  name: kinds
spec:
  home:
    clusterID: venice
  remotes:
    - clusterID: naples
      labels: {topology.liqo.io/region: south}
      virtualNodes: [{name: ${VN}}]
`
const POLICY = `apiVersion: nsoffload.dev/v1alpha1\nkind: OffloadingPolicy\nmetadata:\n  name: ${NS}\nspec:\n  namespaceMappingStrategy: EnforceSameName\n  workloads: [../apps/${NS}/]\n`
const crd = (plural: string, kind: string, scope: string): string => `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: ${plural}.kinds.example.com
spec:
  group: kinds.example.com
  scope: ${scope}
  names: {kind: ${kind}, plural: ${plural}, singular: ${kind.toLowerCase()}, listKind: ${kind}List}
  versions:
    - name: v1
      served: true
      storage: true
      schema:
        openAPIV3Schema:
          type: object
          properties:
            spec:
              type: object
              properties:
                size: {type: integer}
`
const APPS: Record<string, string> = {
  'deploy.yaml': `apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers: [{name: web, image: nginx, resources: {requests: {cpu: 100m}}}]
`,
  'ingress.yaml': `apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: web}
spec:
  rules:
    - host: web.example.com
      http:
        paths: [{path: /, pathType: Prefix, backend: {service: {name: web, port: {number: 80}}}}]
`,
  'netpol.yaml': `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: web}
spec:
  podSelector: {matchLabels: {app: web}}
  policyTypes: [Ingress]
`,
  'pdb.yaml': `apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: {name: web}
spec:
  minAvailable: 1
  selector: {matchLabels: {app: web}}
`,
  'hpa.yaml': `apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {name: web}
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}
  minReplicas: 1
  maxReplicas: 3
  metrics:
    - type: Resource
      resource: {name: cpu, target: {type: Utilization, averageUtilization: 80}}
`,
  'rbac.yaml': `apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: reader}
rules: [{apiGroups: [""], resources: [configmaps], verbs: [get]}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: reader}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: reader}
subjects: [{kind: ServiceAccount, name: default, namespace: ${NS}}]
`,
  'crd-gadget.yaml': crd('gadgets', 'Gadget', 'Namespaced'),
  'crd-fixture.yaml': crd('fixtures', 'Fixture', 'Cluster'),
  'gadget.yaml': 'apiVersion: kinds.example.com/v1\nkind: Gadget\nmetadata: {name: g1}\nspec: {size: 3}\n',
  'fixture.yaml': 'apiVersion: kinds.example.com/v1\nkind: Fixture\nmetadata: {name: kinds-f1}\nspec: {size: 1}\n',
}

test.before(async () => {
  if (skip !== null) return
  env = await getSharedEnv()
  const files: Record<string, string> = { 'inventory.yaml': INVENTORY, [`policies/${NS}.yaml`]: POLICY }
  for (const [f, text] of Object.entries(APPS)) files[`apps/${NS}/${f}`] = text
  work = tempTree(files)
  await env.createNodes('venice', [
    {
      name: VN,
      labels: { 'liqo.io/type': 'virtual-node', 'liqo.io/remote-cluster-id': 'naples', 'topology.liqo.io/region': 'south' },
      taints: [{ key: 'virtual-node.liqo.io/not-allowed', value: 'true', effect: 'NoExecute' }],
    },
  ])
})

test.after(async () => {
  for (const p of proxies) await p.close()
  if (skip !== null || (env as ControlPlaneEnv | undefined) === undefined) return
  await env.kubectl('venice', ['delete', 'fixture', 'kinds-f1', '--ignore-not-found']).catch(() => undefined)
  for (const c of ['venice', 'naples']) {
    await env.deleteNamespace(c, NS, 30_000).catch(() => false)
    await env.kubectl(c, ['delete', 'secret', 'nsoffload-kinds', '-n', 'default', '--ignore-not-found']).catch(() => undefined)
  }
  for (const name of CRDS) await env.kubectl('venice', ['delete', 'crd', name, '--ignore-not-found']).catch(() => undefined)
  await env.deleteNodes('venice', [VN]).catch(() => undefined)
})

const nsoffload = (args: string[], kubeconfig = env.kubeconfigPath) => runCli([...args, '--kubeconfig', kubeconfig], work)
const exists = async (args: string[]): Promise<boolean> =>
  (await env.kubectl('venice', ['get', ...args, '--ignore-not-found', '-o', 'name'])).stdout.trim() !== ''
async function offsets(): Promise<Record<string, number>> {
  return { venice: await env.auditOffset('venice'), naples: await env.auditOffset('naples') }
}
async function writes(since: Record<string, number>): Promise<string[]> {
  const out: string[] = []
  for (const c of ['venice', 'naples'])
    for (const w of await env.auditWrites(c, since[c]))
      if (w.userAgent.startsWith('nsoffload') && !w.dryRun) out.push(`${c} ${w.verb} ${w.resource}/${w.namespace}/${w.name}`)
  return out
}
/** nsoffload's discovery requests on venice since the offset: the request URIs. */
async function discoveryRequests(since: number): Promise<string[]> {
  return (await env.auditEvents('venice', since))
    .filter(
      (e) => e.userAgent.startsWith('nsoffload') && e.verb === 'get' && /^\/apis?(\/[^/?]+(\/[^/?]+)?)?\/?(\?.*)?$/.test(e.requestURI) && e.resource === '',
    )
    .map((e) => e.requestURI)
}

e2e('an Ingress, a NetworkPolicy, a PDB, an HPA, a Role and RoleBinding, two CRDs and their resources: all synced, discovery asked once', async () => {
  const since = await offsets()
  const r = await nsoffload(['sync', '--install-crds', '--wait', '--timeout', '60s'])
  assert.is(r.code, 0, r.stderr + r.stdout)
  for (const args of [
    ['ingress', 'web', '-n', NS],
    ['networkpolicy', 'web', '-n', NS],
    ['pdb', 'web', '-n', NS],
    ['hpa.v2.autoscaling', 'web', '-n', NS],
    ['role', 'reader', '-n', NS],
    ['rolebinding', 'reader', '-n', NS],
    ['crd', CRDS[0] ?? ''],
    ['gadget', 'g1', '-n', NS],
    ['fixture', 'kinds-f1'],
  ])
    assert.ok(await exists(args), args.join(' '))
  const ws = await writes(since)
  // The CRDs before their resources.
  const at = (s: string): number => ws.findIndex((w) => w.includes(s))
  assert.ok(at(`customresourcedefinitions//${CRDS[0]}`) >= 0 && at(`customresourcedefinitions//${CRDS[0]}`) < at('gadgets/'), ws.join('\n'))
  assert.ok(at('fixtures//kinds-f1') > at(`customresourcedefinitions//${CRDS[1]}`), 'a cluster-scoped resource, written without a namespace')
  // Aggregated discovery, once in the whole run (the --wait rounds included).
  assert.equal((await discoveryRequests(since['venice'] ?? 0)).sort(), ['/api', '/apis'])
})

e2e('a second sync sends no write, and diff shows nothing', async () => {
  const since = await offsets()
  const r = await nsoffload(['sync'])
  assert.is(r.code, 0, r.stderr + r.stdout)
  assert.equal(await writes(since), [])
  const d = await nsoffload(['diff'])
  assert.is(d.code, 0, d.stdout + d.stderr)
})

e2e('legacy discovery (a server that answers no aggregated form): one request per group version asked, the same result', async () => {
  const info = env.clusters['venice']
  const naples = env.clusters['naples']
  if (!info || !naples) throw new Error('no clusters')
  const p = await startFaultProxy(info.server, () => 'none')
  // What a server before Kubernetes 1.26 sees: a plain JSON Accept.
  p.headers = (h) => ({ ...h, accept: 'application/json' })
  proxies.push(p)
  const kubeconfig = kubeconfigFor({ venice: { server: p.url, token: info.token }, naples: { server: naples.server, token: naples.token } })
  const since = await offsets()
  const r = await nsoffload(['sync'], kubeconfig)
  assert.is(r.code, 0, r.stderr + r.stdout)
  assert.equal(await writes(since), [])
  const asked = await discoveryRequests(since['venice'] ?? 0)
  assert.equal(asked.filter((u) => u === '/api' || u === '/apis').sort(), ['/api', '/apis'], 'the aggregated form asked once')
  const versions = asked.filter((u) => u !== '/api' && u !== '/apis').sort()
  assert.equal(versions, [
    '/apis/apiextensions.k8s.io/v1',
    '/apis/apps/v1',
    '/apis/autoscaling/v2',
    '/apis/kinds.example.com/v1',
    '/apis/networking.k8s.io/v1',
    '/apis/policy/v1',
    '/apis/rbac.authorization.k8s.io/v1',
  ])
})

e2e('a kind the server does not serve: one error naming kind and cluster, exit 2, nothing written (not even the CRD of --install-crds)', async () => {
  fs.writeFileSync(path.join(work, 'apps', NS, 'old-ingress.yaml'), 'apiVersion: extensions/v1beta1\nkind: Ingress\nmetadata: {name: old}\nspec: {}\n')
  fs.writeFileSync(path.join(work, 'apps', NS, 'thing.yaml'), 'apiVersion: nowhere.example.com/v1\nkind: Thing\nmetadata: {name: t}\n')
  fs.writeFileSync(path.join(work, 'apps', NS, 'cm.yaml'), 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: new-one}\ndata: {k: v}\n')
  const since = await offsets()
  for (const args of [['sync', '--install-crds'], ['diff']]) {
    const r = await nsoffload(args)
    assert.is(r.code, 2, `${args.join(' ')}: ${r.stderr}${r.stdout}`)
    assert.match(
      r.stderr,
      /error NSO5024: venice does not serve extensions\/v1beta1 Ingress \(ingress\/kinds-demo\/old\), and no CustomResourceDefinition of this sync defines it: nothing written/,
    )
    assert.match(r.stderr, /error NSO5024: venice does not serve nowhere\.example\.com\/v1 Thing \(thing\/kinds-demo\/t\)/)
  }
  assert.equal(await writes(since), [])
  assert.not.ok(await exists(['configmap', 'new-one', '-n', NS]))
  for (const f of ['old-ingress.yaml', 'thing.yaml', 'cm.yaml']) fs.rmSync(path.join(work, 'apps', NS, f))
})

test.run()
