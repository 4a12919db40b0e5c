import * as fs from 'node:fs'
import * as path from 'node:path'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { parseAllDocuments } from 'yaml'
import { runIn, runMemory, source, tempTree, runCli } from '../helpers/cli.ts'
import { kubectlPath, kustomizePath } from '../helpers/tools.ts'
import { inventoryYaml, region } from '../helpers/inventory.ts'
import { tempDir } from '../helpers/temp.ts'

/**
 * What a workload entry stands for (issue 17, points 1, 3 and 4): folders read as policy
 * folders are (recursively, sorted, hidden entries and `.nsoffloadignore` skipped), an entry
 * that holds no manifest said so, kustomize apps rendered by a real kustomize (the standalone
 * one, or `kubectl kustomize`), Helm charts and templates refused in one diagnostic each,
 * and no library warning ever printed.
 */

const INVENTORY = inventoryYaml({
  homeNodes: [{ name: 'venice-1' }],
  remotes: [
    { clusterID: 'florence', labels: region('center') },
    { clusterID: 'naples', labels: region('south') },
  ],
})

const policy = (workloads: readonly string[]): string =>
  source`
    apiVersion: nsoffload.dev/v1alpha1
    kind: OffloadingPolicy
    metadata:
      name: webapp
    spec:
      podOffloadingStrategy: Remote
      workloads:
  ` + workloads.map((w) => `    - ${w}\n`).join('')

const deployment = (name: string, extra = ''): string => source`
  apiVersion: apps/v1
  kind: Deployment
  metadata:
    name: ${name}
  spec:
    selector: {matchLabels: {app: ${name}}}
    template:
      metadata: {labels: {app: ${name}}}
      spec:
        containers: [{name: app, image: ghcr.io/stefanprodan/podinfo:6.14.1}]${extra}
`

const service = (name: string): string => source`
  apiVersion: v1
  kind: Service
  metadata:
    name: ${name}
  spec:
    selector: {app: ${name}}
    ports: [{port: 9898}]
`

interface PlanJson {
  namespaces: { namespace: string; workloads: { kind: string; name: string; nodes: string[] }[] }[]
  diagnostics: { code: string; severity: string; file?: string; line?: number; column?: number; message: string; hint?: string }[]
}

const toleration = { key: 'virtual-node.liqo.io/not-allowed', operator: 'Exists', effect: 'NoExecute' }

/** Objects of a YAML stream. */
const objects = (stream: string): Record<string, any>[] => parseAllDocuments(stream).map((d) => d.toJS() as Record<string, any>)
const names = (stream: string): string[] => objects(stream).map((o) => `${o['kind']}/${o['metadata']?.name}`)

// ---- point 1: folders read recursively ----------------------------------------------------

test('a workload folder is read recursively and sorted (podinfo-like bases in subfolders): every manifest is planned and built', async () => {
  const r = await runMemory(
    {
      'inventory.yaml': INVENTORY,
      'policies/webapp.yaml': policy(['../apps/webapp/']),
      'apps/webapp/frontend/deployment.yaml': deployment('frontend'),
      'apps/webapp/frontend/service.yaml': service('frontend'),
      'apps/webapp/backend/deployment.yaml': deployment('backend'),
      'apps/webapp/backend/deep/er/cache.yml': deployment('cache'),
      'apps/webapp/database.json': JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'database' }, data: { a: 'b' } }),
      'apps/webapp/.hidden/deployment.yaml': deployment('hidden'),
      'apps/webapp/.nsoffloadignore': 'drafts/\n*.draft.yaml\n',
      'apps/webapp/drafts/deployment.yaml': deployment('draft-1'),
      'apps/webapp/backend/next.draft.yaml': deployment('draft-2'),
      'apps/webapp/README.md': '# not a manifest\n',
    },
    ['build', '--cluster', 'venice'],
  )
  assert.is(r.code, 0, r.stderr)
  assert.is(r.stderr, '')
  assert.equal(names(r.stdout), [
    'Namespace/webapp',
    'NamespaceOffloading/offloading',
    'ConfigMap/database',
    'Service/frontend',
    'Deployment/backend',
    'Deployment/cache',
    'Deployment/frontend',
  ])
  for (const d of objects(r.stdout).filter((o) => o['kind'] === 'Deployment'))
    assert.equal(d['spec'].template.spec.tolerations, [toleration], d['metadata'].name)
})

test('an empty folder, a folder of other files, a file of empty documents: a warning at the entry, in every format; other entries still read', async () => {
  const files = {
    'inventory.yaml': INVENTORY,
    'policies/webapp.yaml': policy(['../apps/empty/', '../apps/docs/', '../apps/blank.yaml', '../apps/real/']),
    'apps/docs/README.md': '# manifests live elsewhere\n',
    'apps/docs/.hidden.yaml': deployment('hidden'),
    'apps/blank.yaml': '---\n# nothing yet\n---\n',
    'apps/real/web.yaml': deployment('web'),
  }
  const r = await runMemory({ ...files, 'apps/empty/.keep': '' }, ['plan', '--format', 'json'])
  assert.is(r.code, 0, r.stderr)
  const doc = JSON.parse(r.stdout) as PlanJson
  assert.equal(
    doc.diagnostics.map((d) => [d.code, d.severity, d.file, d.line, d.column]),
    [
      ['NSO1021', 'warning', 'policies/webapp.yaml', 8, 7],
      ['NSO1021', 'warning', 'policies/webapp.yaml', 9, 7],
      ['NSO1021', 'warning', 'policies/webapp.yaml', 10, 7],
    ],
  )
  assert.match(
    doc.diagnostics[0]?.message ?? '',
    /workload path "\.\.\/apps\/empty\/" holds no manifest \(no \*\.yaml, \*\.yml or \*\.json file in it or its subfolders/,
  )
  assert.match(doc.diagnostics[2]?.message ?? '', /"\.\.\/apps\/blank\.yaml" holds no manifest \(its files hold only empty documents\)/)
  assert.equal(
    doc.namespaces[0]?.workloads.map((w) => w.name),
    ['web'],
  )
  const text = await runMemory({ ...files, 'apps/empty/.keep': '' }, ['validate'])
  assert.is(text.code, 0, text.stderr)
  assert.match(text.stdout + text.stderr, /policies\/webapp\.yaml:8:7: warning NSO1021/)
  const strict = await runMemory({ ...files, 'apps/empty/.keep': '' }, ['build', '--cluster', 'venice', '--strict'])
  assert.is(strict.code, 1, 'a warning fails --strict')
})

test('two entries reaching the same file read it once, and neither is called empty', async () => {
  const r = await runMemory(
    { 'inventory.yaml': INVENTORY, 'policies/webapp.yaml': policy(['../apps/', '../apps/web.yaml']), 'apps/web.yaml': deployment('web') },
    ['plan', '--format', 'json'],
  )
  assert.is(r.code, 0, r.stderr)
  const doc = JSON.parse(r.stdout) as PlanJson
  assert.equal(doc.diagnostics, [])
  assert.equal(
    doc.namespaces[0]?.workloads.map((w) => w.name),
    ['web'],
  )
})

// ---- point 2: Lists --------------------------------------------------------------------------

test('a v1 List (as `kubectl get -o yaml` writes it) is its items: namespaced, patched, built; typed and nested lists too', async () => {
  const list = source`
    apiVersion: v1
    kind: List
    metadata:
      resourceVersion: ""
    items:
      - apiVersion: v1
        kind: Service
        metadata: {name: web}
        spec: {selector: {app: web}, ports: [{port: 80}]}
      - apiVersion: apps/v1
        kind: Deployment
        metadata: {name: web}
        spec:
          selector: {matchLabels: {app: web}}
          template:
            metadata: {labels: {app: web}}
            spec: {containers: [{name: web, image: nginx}]}
      - apiVersion: v1
        kind: List
        items:
          - {apiVersion: v1, kind: ConfigMap, metadata: {name: nested}, data: {a: b}}
  `
  const typed = 'apiVersion: v1\nkind: ConfigMapList\nitems:\n  - metadata: {name: typed}\n    data: {c: d}\n'
  const r = await runMemory({ 'inventory.yaml': INVENTORY, 'policies/webapp.yaml': policy(['../apps/']), 'apps/list.yaml': list, 'apps/typed.yaml': typed }, [
    'build',
    '--cluster',
    'venice',
  ])
  assert.is(r.code, 0, r.stderr)
  const objs = objects(r.stdout)
  assert.equal(names(r.stdout), ['Namespace/webapp', 'NamespaceOffloading/offloading', 'ConfigMap/nested', 'ConfigMap/typed', 'Service/web', 'Deployment/web'])
  for (const o of objs.slice(1)) assert.is(o['metadata'].namespace, 'webapp', `${o['kind']}/${o['metadata'].name} is in the policy's namespace`)
  assert.not.ok(
    objs.some((o) => o['kind'].endsWith('List')),
    'no List object is rendered',
  )
  assert.equal(objs.find((o) => o['kind'] === 'Deployment')?.['spec'].template.spec.tolerations, [toleration])
  const plan = await runMemory(
    { 'inventory.yaml': INVENTORY, 'policies/webapp.yaml': policy(['../apps/']), 'apps/list.yaml': list, 'apps/typed.yaml': typed },
    ['plan', '--format', 'json'],
  )
  assert.equal(
    (JSON.parse(plan.stdout) as PlanJson).namespaces[0]?.workloads.map((w) => `${w.kind}/${w.name}`),
    ['Deployment/web'],
  )
})

test("an item of a List in another namespace: the error points inside the list, at the item's namespace", async () => {
  const list =
    'apiVersion: v1\nkind: List\nitems:\n  - apiVersion: v1\n    kind: ConfigMap\n    metadata: {name: a}\n  - apiVersion: v1\n    kind: ConfigMap\n    metadata:\n      name: b\n      namespace: default\n'
  const r = await runMemory({ 'inventory.yaml': INVENTORY, 'policies/webapp.yaml': policy(['../apps/list.yaml']), 'apps/list.yaml': list }, ['validate'])
  assert.is(r.code, 1)
  assert.match(r.stdout + r.stderr, /apps\/list\.yaml:11:18: error NSO3023: ConfigMap\/b is in namespace "default"/)
})

// ---- point 4: Helm charts and templates, and no library warning ---------------------------

const CHART = 'apiVersion: v2\nname: podinfo\nversion: 6.14.1\n'
const TEMPLATE = source`
  apiVersion: apps/v1
  kind: Deployment
  metadata:
    name: {{ template "podinfo.fullname" . }}
    labels:
      {{- include "podinfo.labels" . | nindent 4 }}
  spec:
    {{- if not .Values.hpa.enabled }}
    replicas: {{ .Values.replicaCount }}
    {{- end }}
`
const SERVICE_TEMPLATE = source`
  {{- if .Values.service.enabled -}}
  apiVersion: v1
  kind: Service
  metadata:
    name: {{ template "podinfo.fullname" . }}
  {{- end }}
`

/** Runs `f` and returns the warnings Node.js would have printed meanwhile. */
async function nodeWarnings<T>(f: () => Promise<T>): Promise<{ result: T; warnings: string[] }> {
  const warnings: string[] = []
  const listener = (w: Error): void => void warnings.push(w.message)
  process.on('warning', listener)
  try {
    const result = await f()
    // process 'warning' events are emitted on the next tick.
    await new Promise((resolve) => setImmediate(resolve))
    return { result, warnings }
  } finally {
    process.off('warning', listener)
  }
}

for (const entry of ['../charts/podinfo/', '../charts/podinfo/templates/', '../charts/podinfo/templates/deployment.yaml']) {
  test(`a Helm chart (workloads: ${entry}): one error naming its Chart.yaml, saying to render it, and no library warning`, async () => {
    const { result: r, warnings } = await nodeWarnings(() =>
      runMemory(
        {
          'inventory.yaml': INVENTORY,
          'policies/webapp.yaml': policy([entry]),
          'charts/podinfo/Chart.yaml': CHART,
          'charts/podinfo/values.yaml': 'replicaCount: 1\nhpa: {enabled: false}\n',
          'charts/podinfo/templates/deployment.yaml': TEMPLATE,
          'charts/podinfo/templates/service.yaml': SERVICE_TEMPLATE,
        },
        ['plan', '--format', 'json'],
      ),
    )
    assert.equal(warnings, [])
    assert.is(r.code, 1)
    const doc = JSON.parse(r.stdout) as PlanJson
    assert.equal(
      doc.diagnostics.map((d) => [d.code, d.severity, d.file, d.line]),
      [['NSO1022', 'error', 'charts/podinfo/Chart.yaml', 1]],
    )
    assert.match(doc.diagnostics[0]?.message ?? '', /^charts\/podinfo is a Helm chart/)
    assert.match(doc.diagnostics[0]?.hint ?? '', /helm template RELEASE CHART --namespace NAMESPACE > /)
  })
}

test('workloads side by side, one of them in a chart: only the chart is refused, whichever is read first', async () => {
  // What is found above each folder is remembered while reading: the parent's "no chart" must
  // not carry to the chart's files (its template would be read as a manifest), whichever
  // entry is read first.
  for (const order of [
    ['../charts/plain.yaml', '../charts/podinfo/templates/deployment.yaml', '../charts/other.yaml'],
    ['../charts/podinfo/templates/deployment.yaml', '../charts/plain.yaml', '../charts/other.yaml'],
  ]) {
    const r = await runMemory(
      {
        'inventory.yaml': INVENTORY,
        'policies/webapp.yaml': policy(order),
        'charts/plain.yaml': deployment('plain'),
        'charts/other.yaml': service('other'),
        'charts/podinfo/Chart.yaml': CHART,
        'charts/podinfo/templates/deployment.yaml': TEMPLATE,
      },
      ['plan', '--format', 'json'],
    )
    assert.is(r.code, 1, order.join(' '))
    const doc = JSON.parse(r.stdout) as PlanJson
    assert.equal(
      doc.diagnostics.map((d) => [d.code, d.file]),
      [['NSO1022', 'charts/podinfo/Chart.yaml']],
      order.join(' '),
    )
  }
})

test('templates copied out of their chart: one error naming the first, counting the others; a manifest with {{ }} in a string is read as it is', async () => {
  const rule = source`
    apiVersion: monitoring.coreos.com/v1
    kind: PrometheusRule
    metadata:
      name: podinfo
    spec:
      groups:
        - name: podinfo
          rules:
            - alert: PodinfoDown
              expr: up{job="podinfo"} == 0
              annotations:
                summary: "{{ $labels.instance }} is down"
  `
  const { result: r, warnings } = await nodeWarnings(() =>
    runMemory(
      {
        'inventory.yaml': INVENTORY,
        'policies/webapp.yaml': policy(['../apps/templates/', '../apps/rule.yaml']),
        'apps/templates/deployment.yaml': TEMPLATE,
        'apps/templates/service.yaml': SERVICE_TEMPLATE,
        'apps/rule.yaml': rule,
      },
      ['plan'],
    ),
  )
  assert.equal(warnings, [])
  assert.is(r.code, 1)
  assert.is(r.stdout, '')
  const errors = r.stderr.split('\n').filter((l) => / error NSO/.test(l))
  assert.equal(errors, [
    "apps/templates/deployment.yaml:4:9: error NSO1022: apps/templates/deployment.yaml is a template, not YAML: it holds Helm's {{ … }} actions (and 1 other file like it: apps/templates/service.yaml)",
  ])
  assert.not.match(r.stderr, /rule\.yaml/)
})

test('a mapping key that is a collection is an error (sigs.k8s.io/yaml refuses it), never a Node.js warning', async () => {
  const { result: r, warnings } = await nodeWarnings(() =>
    runMemory(
      {
        'inventory.yaml': INVENTORY,
        'policies/webapp.yaml': policy(['../apps/odd.yaml']),
        'apps/odd.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: odd}\ndata:\n  [a, b]: c\n',
      },
      ['validate', '--format', 'json'],
    ),
  )
  assert.equal(warnings, [])
  assert.is(r.code, 1)
  const doc = JSON.parse(r.stdout) as PlanJson
  assert.equal(
    doc.diagnostics.map((d) => [d.code, d.file, d.line, d.column]),
    [['NSO1020', 'apps/odd.yaml', 5, 3]],
  )
  assert.match(doc.diagnostics[0]?.message ?? '', /a mapping key is a list/)
})

// ---- point 3: kustomize apps ---------------------------------------------------------------

const KUSTOMIZE = kustomizePath()
const KUBECTL = kubectlPath()

/** podinfo's `deploy/bases/cache`: a Deployment mounting a ConfigMap that a configMapGenerator makes. */
const cacheBase = {
  'apps/webapp/cache/kustomization.yaml': source`
    apiVersion: kustomize.config.k8s.io/v1beta1
    kind: Kustomization
    resources:
      - service.yaml
      - deployment.yaml
    configMapGenerator:
      - name: redis-config
        files:
          - redis.conf
  `,
  'apps/webapp/cache/redis.conf': 'maxmemory 64mb\nmaxmemory-policy allkeys-lru\n',
  'apps/webapp/cache/service.yaml': service('cache'),
  'apps/webapp/cache/deployment.yaml': deployment(
    'cache',
    '\n        volumes: [{name: data, emptyDir: {}}, {name: config, configMap: {name: redis-config, items: [{key: redis.conf, path: redis.conf}]}}]',
  ),
  // A file kustomize does not list: not read by nsoffload either (kustomize decides).
  'apps/webapp/cache/unused.yaml': deployment('unused'),
  'apps/webapp/frontend/deployment.yaml': deployment('frontend'),
}

/** A folder holding only a link to `program` named `name`: a PATH where that is the only tool. */
function pathWith(links: Readonly<Record<string, string>>): string {
  const dir = tempDir('nsoffload-path-')
  for (const [name, program] of Object.entries(links)) fs.symlinkSync(program, path.join(dir, name))
  return dir
}

function checkCacheBase(stdout: string): void {
  const objs = objects(stdout)
  const cm = objs.find((o) => o['kind'] === 'ConfigMap')
  assert.match(cm?.['metadata']?.name ?? '', /^redis-config-[a-z0-9]{10}$/, 'the generated ConfigMap, with its hash suffix')
  assert.is(cm?.['metadata']?.namespace, 'webapp')
  const cache = objs.find((o) => o['kind'] === 'Deployment' && o['metadata'].name === 'cache')
  assert.is(cache?.['spec'].template.spec.volumes[1].configMap.name, cm?.['metadata']?.name, 'kustomize rewrote the reference to the hashed name')
  assert.equal(cache?.['spec'].template.spec.tolerations, [toleration], 'the rendered Deployment is patched as Liqo would')
  assert.equal(
    names(stdout).filter((n) => !n.startsWith('ConfigMap/')),
    ['Namespace/webapp', 'NamespaceOffloading/offloading', 'Service/cache', 'Deployment/cache', 'Deployment/frontend'],
  )
}

test('a kustomize app among the workloads (configMapGenerator) is rendered by the standalone kustomize, then patched', async () => {
  if (!KUSTOMIZE) {
    if (process.env['CI']) assert.unreachable('no standalone kustomize (NSOFFLOAD_KUSTOMIZE, or kustomize on PATH)')
    console.log('  no standalone kustomize on this machine: not tested')
    return
  }
  const r = await runIn(
    { 'inventory.yaml': INVENTORY, 'policies/webapp.yaml': policy(['../apps/webapp/']), ...cacheBase },
    ['build', '--cluster', 'venice'],
    '',
    {
      NSOFFLOAD_KUSTOMIZE: KUSTOMIZE,
    },
  )
  assert.is(r.code, 0, r.stderr)
  checkCacheBase(r.stdout)
  // With no NSOFFLOAD_KUSTOMIZE, the standalone kustomize on the PATH comes first, before kubectl.
  const onPath = await runCli(['build', '--cluster', 'venice'], r.cwd, '', { PATH: pathWith({ kustomize: KUSTOMIZE, kubectl: '/bin/false' }) })
  assert.is(onPath.code, 0, onPath.stderr)
  assert.is(onPath.stdout, r.stdout)
})

test('without a standalone kustomize, `kubectl kustomize` renders it; with neither, exit 2 naming both', async () => {
  if (!KUBECTL) {
    if (process.env['CI']) assert.unreachable('no kubectl')
    console.log('  no kubectl on this machine: not tested')
    return
  }
  const cwd = tempTree({ 'inventory.yaml': INVENTORY, 'policies/webapp.yaml': policy(['../apps/webapp/']), ...cacheBase })
  const r = await runCli(['build', '--cluster', 'venice'], cwd, '', { PATH: pathWith({ kubectl: KUBECTL }) })
  assert.is(r.code, 0, r.stderr)
  checkCacheBase(r.stdout)
  const none = await runCli(['build', '--cluster', 'venice'], cwd, '', { PATH: pathWith({}) })
  assert.is(none.code, 2)
  assert.is(none.stdout, '')
  assert.match(none.stderr, /apps\/webapp\/cache\/kustomization\.yaml: a kustomize app, and neither `kustomize` nor `kubectl` is on the PATH/)
  assert.not.match(none.stderr, /NSO9001|at .*\.ts:/)
})

test("a kustomization kustomize refuses: an error at its kustomization.yaml with kustomize's words, paths relative; exit 1", async () => {
  if (!KUSTOMIZE) {
    if (process.env['CI']) assert.unreachable('no standalone kustomize')
    return
  }
  const r = await runIn(
    {
      'inventory.yaml': INVENTORY,
      'policies/webapp.yaml': policy(['../apps/webapp/kustomization.yaml']),
      'apps/webapp/kustomization.yaml': 'resources:\n  - missing.yaml\n',
    },
    ['plan', '--format', 'json'],
    '',
    { NSOFFLOAD_KUSTOMIZE: KUSTOMIZE },
  )
  assert.is(r.code, 1, r.stderr)
  const doc = JSON.parse(r.stdout) as PlanJson
  assert.equal(
    doc.diagnostics.map((d) => [d.code, d.severity, d.file, d.line]),
    [['NSO1023', 'error', 'apps/webapp/kustomization.yaml', 1]],
  )
  const m = doc.diagnostics[0]?.message ?? ''
  assert.match(m, /^.*kustomize build \(NSOFFLOAD_KUSTOMIZE\) apps\/webapp failed: .*missing\.yaml/s)
  assert.not.ok(m.includes(r.cwd), `no absolute path: ${m}`)
})

test('a kustomize app on a host that runs no programs (a memory host) is a clear exit 2', async () => {
  const r = await runMemory({ 'inventory.yaml': INVENTORY, 'policies/webapp.yaml': policy(['../apps/webapp/']), ...cacheBase }, ['plan'])
  assert.is(r.code, 2)
  assert.match(r.stderr, /apps\/webapp\/cache\/kustomization\.yaml: a kustomize app/)
})

test.run()
