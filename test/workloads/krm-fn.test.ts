import { spawnSync } from 'node:child_process'
import * as fs from 'node:fs'
import * as path from 'node:path'
import { pathToFileURL } from 'node:url'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { parse, parseAllDocuments } from 'yaml'
import { parseResourceList } from '../../src/krm/resource-list.ts'
import { parseYaml } from '../../src/load/parse-yaml.ts'
import { REPO, runCli, runMemory, source, tempTree } from '../helpers/cli.ts'
import { kubectlPath, kustomizePath } from '../helpers/tools.ts'

/**
 * `nsoffload fn`, the KRM function: ResourceList in and out, untouched items byte for byte,
 * results for problems, functionConfig, and real runs by kpt (and what kubectl kustomize does).
 */

const south = { key: 'topology.liqo.io/region', operator: 'In', values: ['south'] }
const typeNotIn = { key: 'liqo.io/type', operator: 'NotIn', values: ['virtual-node'] }
const tol = { key: 'virtual-node.liqo.io/not-allowed', operator: 'Exists', effect: 'NoExecute' }

// Items the way kustomize and kpt hand them over: their own styles, comments and annotations.
const SOUTH = source`
  - apiVersion: apps/v1
    kind: Deployment
    metadata:
      name: app-south # the tutorial's
      namespace: liqo-demo
      annotations:
        config.kubernetes.io/index: '0'
        config.kubernetes.io/path: 'deploy.yaml'
        internal.config.kubernetes.io/id: '1'
    spec:
      template:
        spec:
          containers:
            - name: nginx
              image: "nginx"
          affinity:
            nodeAffinity:
              requiredDuringSchedulingIgnoredDuringExecution:
                nodeSelectorTerms:
                - matchExpressions:
                  - {key: topology.liqo.io/region, operator: In, values: [south]}
`
const OTHERS = source`
  - apiVersion: v1
    kind: ConfigMap
    metadata: {name: settings, namespace: liqo-demo, annotations: {config.kubernetes.io/index: '1'}}
    data:
      enabled: "yes"   # stays quoted
  - apiVersion: apps/v1
    kind: Deployment
    metadata: {name: elsewhere, namespace: other}
    spec: {template: {spec: {containers: [{name: x, image: y}]}}}
  - apiVersion: batch/v1
    kind: Job
    metadata:
      name: no-namespace
    spec:
      template:
        spec:
          containers:
          - name: x
            image: y
`
const list = (items: string, extra = ''): string => `apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n${items}${extra}`

interface Result {
  message: string
  severity: string
  resourceRef?: { kind: string; name: string; namespace?: string }
  field?: { path: string }
  file?: { path: string; index?: number }
  tags?: Record<string, string>
}
const out = (stdout: string): { items: Record<string, any>[]; results?: Result[] } => parse(stdout, { version: '1.1' })

test('patches the workloads of namespaces with a policy; other items leave byte for byte', async () => {
  const input = list(SOUTH + OTHERS)
  const r = await runCli(['fn'], REPO, input)
  assert.is(r.code, 0, r.stderr)
  const o = out(r.stdout)
  const spec = o.items[0]?.['spec']?.template?.spec
  assert.equal(spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms, [
    { matchExpressions: [south, south] },
    { matchExpressions: [south, typeNotIn] },
  ])
  assert.equal(spec?.tolerations, [tol])
  assert.is(o.results, undefined, 'nothing to report')
  // Everything but the patched nodes is the input's text.
  assert.ok(r.stdout.startsWith(input.slice(0, input.indexOf('- {key: topology'))), 'text before the patch')
  assert.ok(r.stdout.endsWith(OTHERS), 'untouched items, byte for byte (comments, flow style, quoting)')
  assert.ok(
    r.stdout.includes("      config.kubernetes.io/path: 'deploy.yaml'\n      internal.config.kubernetes.io/id: '1'\n"),
    'annotations kept for kustomize',
  )
  assert.ok(r.stdout.includes('        containers:\n          - name: nginx\n            image: "nginx"\n'), 'wide sequence style kept')
})

/** Every line break of a text: `\r\n` for each, or `\n` for each. */
const breaks = (t: string): { crlf: number; lf: number } => ({ crlf: (t.match(/\r\n/g) ?? []).length, lf: (t.match(/(?<!\r)\n/g) ?? []).length })

test('CRLF input: the patched list, its results and the rewritten form keep CRLF on every line; LF input stays LF', async () => {
  const center = SOUTH.replace(/app-south/g, 'app-center').replace('values: [south]', 'values: [center]')
  const lf = list(SOUTH + center + OTHERS)
  const crlf = lf.replace(/\n/g, '\r\n')
  const a = await runCli(['fn'], REPO, lf)
  const b = await runCli(['fn'], REPO, crlf)
  assert.is(a.code, 0, a.stderr)
  assert.is(b.code, 0, b.stderr)
  assert.ok(out(b.stdout).results?.length === 1, 'a warning result is written too')
  assert.equal(breaks(a.stdout).crlf, 0)
  assert.equal(breaks(b.stdout).lf, 0, 'no line ends in a bare LF')
  assert.is(b.stdout, a.stdout.replace(/\n/g, '\r\n'), 'the same output, line for line')
  assert.equal(out(b.stdout), out(a.stdout))
  // An input that already has results is rewritten whole: still CRLF.
  const withResults = crlf + 'results:\r\n- {message: earlier, severity: info}\r\n'
  const c = await runCli(['fn'], REPO, withResults)
  assert.is(c.code, 0, c.stderr)
  assert.equal(breaks(c.stdout).lf, 0, 'the rewritten list keeps CRLF')
  assert.equal(
    out(c.stdout).results?.map((x) => x.message.slice(0, 20)),
    ['earlier', 'NSO4006: Deployment/'],
  )
})

test('nothing to patch: the output is the input, byte for byte', async () => {
  const input = list(OTHERS, 'functionConfig:\n  apiVersion: v1\n  kind: ConfigMap\n  metadata: {name: function-input}\n  data: {}\n')
  const r = await runCli(['fn'], REPO, input)
  assert.is(r.code, 0, r.stderr)
  assert.is(r.stdout, input)
})

test('Local namespace and runtimeClassName liqo: untouched', async () => {
  const files = {
    'inventory.yaml': fs.readFileSync(path.join(REPO, 'inventory.yaml'), 'utf8'),
    'policies/p.yaml':
      'apiVersion: nsoffload.dev/v1alpha1\nkind: OffloadingPolicy\nmetadata: {name: batch}\nspec: {podOffloadingStrategy: Local}\n---\napiVersion: nsoffload.dev/v1alpha1\nkind: OffloadingPolicy\nmetadata: {name: web}\nspec: {}\n',
  }
  const input = list(
    '- {apiVersion: v1, kind: Pod, metadata: {name: a, namespace: batch}, spec: {containers: []}}\n- {apiVersion: v1, kind: Pod, metadata: {name: b, namespace: web}, spec: {runtimeClassName: liqo, containers: []}}\n',
  )
  const r = await runMemory(files, ['fn'], input)
  assert.is(r.code, 0, r.stderr)
  assert.is(r.stdout, input)
})

test('a flow-style (JSON-like) item is patched in flow style; an empty pod spec gets both fields', async () => {
  const files = {
    'policies/p.yaml': 'apiVersion: nsoffload.dev/v1alpha1\nkind: OffloadingPolicy\nmetadata: {name: web}\nspec: {podOffloadingStrategy: Remote}\n',
  }
  const input =
    '{"apiVersion": "config.kubernetes.io/v1", "kind": "ResourceList", "items": [{"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "a", "namespace": "web"}, "spec": {}}]}\n'
  const r = await runMemory(files, ['fn'], input)
  assert.is(r.code, 0, r.stderr)
  assert.equal(out(r.stdout).items[0]?.['spec'], {
    tolerations: [tol],
    affinity: {
      nodeAffinity: {
        requiredDuringSchedulingIgnoredDuringExecution: {
          nodeSelectorTerms: [{ matchExpressions: [{ key: 'liqo.io/type', operator: 'In', values: ['virtual-node'] }] }],
        },
      },
    },
  })
})

test('NSO4007: under a clusterSelector with matchFields, a pod without affinity gets only the toleration (the webhook adds the affinity at creation), and a warning result', async () => {
  const files = {
    'policies/p.yaml':
      'apiVersion: nsoffload.dev/v1alpha1\nkind: OffloadingPolicy\nmetadata: {name: web}\nspec:\n  podOffloadingStrategy: Remote\n  clusterSelector: {nodeSelectorTerms: [{matchFields: [{key: metadata.name, operator: In, values: [naples]}]}]}\n',
  }
  const input = list('- apiVersion: v1\n  kind: Pod\n  metadata: {name: a, namespace: web}\n  spec: {containers: []}\n')
  const r = await runMemory(files, ['fn'], input)
  assert.is(r.code, 0, r.stderr)
  const o = out(r.stdout)
  assert.equal(o.items[0]?.['spec'], { containers: [], tolerations: [tol] })
  assert.equal(
    (o.results ?? []).map((x) => [x.severity, x.tags?.['code'], x.resourceRef?.name]),
    [['warning', 'NSO4007', 'a']],
  )
})

test('an unschedulable workload is a warning result (exit 0), an error with --strict (exit 1)', async () => {
  const center = SOUTH.replace(/app-south/g, 'app-center').replace('values: [south]', 'values: [center]')
  const r = await runCli(['fn'], REPO, list(center))
  assert.is(r.code, 0, r.stderr)
  const results = out(r.stdout).results ?? []
  assert.equal(
    results.map((x) => [x.severity, x.tags?.['code'], x.resourceRef?.name, x.resourceRef?.namespace, x.field?.path, x.file?.path, x.file?.index]),
    [
      [
        'warning',
        'NSO4006',
        'app-center',
        'liqo-demo',
        'spec.template.spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution',
        'deploy.yaml',
        0,
      ],
    ],
  )
  assert.match(results[0]?.message ?? '', /^NSO4006: Deployment\/app-center would stay Pending/)
  const strict = await runCli(['fn', '--strict'], REPO, list(center))
  assert.is(strict.code, 1)
  assert.is(out(strict.stdout).results?.[0]?.severity, 'error')
  assert.ok(strict.stderr.includes('<stdin>:21:13: error NSO4006'), strict.stderr)
})

test('a malformed pod template is an error result with the resource and the field; nothing is patched', async () => {
  const bad = SOUTH.replace(
    '- {key: topology.liqo.io/region, operator: In, values: [south]}',
    '- {key: topology.liqo.io/region, operator: Equals, values: [south]}',
  )
  const r = await runCli(['fn'], REPO, list(bad))
  assert.is(r.code, 1)
  const o = out(r.stdout)
  assert.equal(
    o.results?.map((x) => [x.severity, x.tags?.['code'], x.resourceRef?.name, x.field?.path]),
    [
      [
        'error',
        'NSO3007',
        'app-south',
        'spec.template.spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms.0.matchExpressions.0.operator',
      ],
    ],
  )
  assert.is(o.items[0]?.['spec']?.template?.spec?.tolerations, undefined, 'not patched')
  assert.ok(r.stderr.includes('<stdin>:24:60: error NSO3007'), r.stderr)
  assert.not.match(r.stderr, /\n\s+at /)
})

test('invalid policies are error results; the items go back unpatched', async () => {
  const files = {
    'policies/p.yaml':
      'apiVersion: nsoffload.dev/v1alpha1\nkind: OffloadingPolicy\nmetadata: {name: liqo-demo}\nspec: {podOffloadingStrategy: LocalAndRemot}\n',
  }
  const input = list(SOUTH)
  const r = await runMemory(files, ['fn'], input)
  assert.is(r.code, 1)
  const o = out(r.stdout)
  assert.equal(
    o.results?.map((x) => [x.severity, x.tags?.['code'], x.file?.path, x.tags?.['position']]),
    [['error', 'NSO2004', 'policies/p.yaml', 'policies/p.yaml:4:31']],
  )
  assert.ok(r.stdout.startsWith(input), 'items as they came, results appended')
  assert.ok(r.stderr.includes('policies/p.yaml:4:31: error NSO2004'))
})

const notLists: [string, string, number, number, string][] = [
  ['empty input', '', 1, 1, 'NSO1011'],
  ['a plain YAML stream', 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n', 2, 7, 'NSO1011'],
  ['a wrong apiVersion', 'apiVersion: v1\nkind: ResourceList\nitems: []\n', 1, 13, 'NSO1011'],
  ['items not a list', 'apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems: {a: 1}\n', 3, 8, 'NSO1011'],
  ['an item that is not a mapping', 'apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems: [1]\n', 3, 9, 'NSO1011'],
  ['broken YAML', 'apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems: [\n', 4, 1, 'NSO1001'],
  ['binary garbage', '\u007fELF\u0000\u0001', 1, 5, 'NSO1005'],
  ['a NUL byte on line 2', 'apiVersion: v1\nkind: x\u0000\n', 2, 8, 'NSO1005'],
  ['a duplicate key', 'apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nkind: ResourceList\nitems: []\n', 3, 1, 'NSO1002'],
]
for (const [name, input, line, column, code] of notLists) {
  test(`input that is not a ResourceList: ${name} (exit 1, error result, empty items)`, async () => {
    const r = await runCli(['fn'], REPO, input)
    assert.is(r.code, 1, r.stderr)
    const o = out(r.stdout)
    assert.equal(o.items, [])
    assert.is(o.results?.[0]?.tags?.['code'], code)
    assert.is(o.results?.[0]?.tags?.['position'], line === 0 ? undefined : `<stdin>:${line}:${column}`)
    assert.ok(r.stderr.includes(line === 0 ? `<stdin>: error ${code}` : `<stdin>:${line}:${column}: error ${code}`), r.stderr)
    assert.not.match(r.stderr, /\n\s+at /)
  })
}

// The ResourceList is read by load/'s parser: what a policy file would be told, stdin is told (code and position).
const asFiles: [string, string][] = [
  ['a tab in the indentation', list('  - apiVersion: v1\n\tkind: ConfigMap\n')],
  ['a list item indented too little', 'apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n  - a: 1\n    b:\n  - 1\n c: 2\n'],
  ['a mapping as a key', list('  - {[a]: b}\n')],
  ['yes and true, one key to Kubernetes', list('  - apiVersion: v1\n    kind: ConfigMap\n    data: {yes: a, "true": b}\n')],
  ['an integer beyond 2^53', list('  - apiVersion: v1\n    kind: ConfigMap\n    metadata: {generation: 9007199254740993}\n')],
  ['a merge of a scalar', list('  - apiVersion: v1\n    <<: 1\n')],
  ['a duplicate key', list('  - apiVersion: v1\n    apiVersion: v2\n')],
]
for (const [name, input] of asFiles) {
  test(`fn reads stdin as a file is read: ${name}`, async () => {
    const file = parseYaml('<stdin>', input, true).diagnostics.map((d) => [d.code, `<stdin>:${d.line}:${d.column}`])
    assert.ok(file.length > 0, 'the file reader finds it')
    const r = await runCli(['fn'], REPO, input)
    assert.is(r.code, 1, r.stderr)
    assert.equal(
      out(r.stdout).results?.map((x) => [x.tags?.['code'], x.tags?.['position']]),
      file,
    )
  })
}

test('fn reads scalars as go-yaml v2 does: 0o17 is 15, a date stays a string, yes is true', async () => {
  const input = list(
    '  - apiVersion: v1\n    kind: ConfigMap\n    metadata: {name: c, namespace: liqo-demo}\n    data: {a: "1"}\n    x: {num: 0o17, d: 2024-01-15, b: yes, s: 4:30}\n',
  )
  const r = await runCli(['fn'], REPO, input)
  assert.is(r.code, 0, r.stderr)
  assert.is(r.stdout, input, 'nothing to patch: the input as it came')
  const { list: parsed } = parseResourceList(input)
  assert.equal(parsed?.items[0]?.value['x'], { num: 15, d: '2024-01-15', b: true, s: '4:30' })
})

test('functionConfig: OffloadingFunction spec (kustomize) and ConfigMap data (kpt) say where policies and inventory are', async () => {
  const files = {
    'gitops/policies/p.yaml': fs.readFileSync(path.join(REPO, 'policies/liqo-demo.yaml'), 'utf8').replace('    - ../apps/liqo-demo/\n', '    - ../apps/\n'),
    'gitops/inventory.yaml': fs.readFileSync(path.join(REPO, 'inventory.yaml'), 'utf8'),
  }
  const fnConfig =
    'functionConfig:\n  apiVersion: nsoffload.dev/v1alpha1\n  kind: OffloadingFunction\n  metadata: {name: nsoffload}\n  spec:\n    policies: [gitops/policies]\n    inventory: gitops/inventory.yaml\n'
  const a = await runMemory(files, ['fn'], list(SOUTH, fnConfig))
  assert.is(a.code, 0, a.stderr)
  assert.equal(out(a.stdout).items[0]?.['spec']?.template?.spec?.tolerations, [tol])
  const cm =
    'functionConfig:\n  apiVersion: v1\n  kind: ConfigMap\n  metadata: {name: function-input}\n  data: {policies: "gitops/policies", inventory: gitops/inventory.yaml, strict: "true"}\n'
  const b = await runMemory(files, ['fn'], list(SOUTH, cm))
  assert.is(b.code, 0, b.stderr)
  assert.equal(out(b.stdout).items[0]?.['spec']?.template?.spec?.tolerations, [tol])
  // Flags win over the functionConfig.
  const c = await runMemory(files, ['fn', '-p', 'nowhere'], list(SOUTH, fnConfig))
  assert.is(c.code, 2)
  assert.match(out(c.stdout).results?.[0]?.message ?? '', /^cannot run: nowhere: no such file or directory/)
  // Unknown settings are errors.
  const d = await runMemory(files, ['fn'], list(SOUTH, fnConfig.replace('    inventory:', '    inventry:')))
  assert.is(d.code, 1)
  assert.equal(
    out(d.stdout).results?.map((x) => [x.tags?.['code'], x.tags?.['position']]),
    [['NSO3027', '<stdin>:31:5']],
  )
})

// Real KRM function runners.
const kpt = spawnSync('kpt', ['version'], { encoding: 'utf8' }).status === 0
/** kubectl of the release under test (test/helpers/tools.ts), the machine's if none is built: its embedded kustomize is the one judged. */
const kubectl = kubectlPath()

/** An executable that runs `nsoffload fn` from the sources (what a function runner execs). */
function execScript(dir: string): string {
  const loader = pathToFileURL(path.join(REPO, 'node_modules', 'tsx', 'dist', 'loader.mjs')).href
  const bin = path.join(REPO, 'src', 'cli', 'entry.ts')
  const file = path.join(dir, 'nsoffload-fn')
  fs.writeFileSync(file, `#!/bin/sh\nexec node --import '${loader}' '${bin}' fn "$@"\n`, { mode: 0o755 })
  return file
}

const TUTORIAL = (): string =>
  fs.readFileSync(path.join(REPO, 'apps/liqo-demo/deploy.yaml'), 'utf8').replace(/^metadata:\n/gm, 'metadata:\n  namespace: liqo-demo\n')

test('kpt fn eval runs nsoffload fn as an exec KRM function', async () => {
  if (!kpt) {
    if (process.env['CI']) console.warn('kpt is not installed: the real KRM run was skipped')
    return
  }
  const dir = tempTree({ 'pkg/deploy.yaml': TUTORIAL() })
  const fn = execScript(dir)
  const r = spawnSync(
    'kpt',
    [
      'fn',
      'eval',
      'pkg',
      '--exec',
      fn,
      '--truncate-output=false',
      '-o',
      'stdout',
      '--',
      `policies=${path.join(REPO, 'policies')}`,
      `inventory=${path.join(REPO, 'inventory.yaml')}`,
    ],
    { cwd: dir, encoding: 'utf8' },
  )
  assert.is(r.status, 0, r.stderr)
  assert.ok(r.stderr.includes('[warning] apps/v1/Deployment/liqo-demo/app-center'), r.stderr)
  const docs = out(r.stdout).items
  const southSpec = docs.find((d) => d['metadata']?.name === 'app-south')?.['spec']?.template?.spec
  assert.equal(southSpec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms, [
    { matchExpressions: [south, south] },
    { matchExpressions: [south, typeNotIn] },
  ])
  assert.equal(southSpec?.tolerations, [tol])
  // An error stops kpt, with the results and stderr shown.
  const bad = spawnSync(
    'kpt',
    [
      'fn',
      'eval',
      'pkg',
      '--exec',
      fn,
      '-o',
      'stdout',
      '--',
      `policies=${path.join(REPO, 'policies')}`,
      `inventory=${path.join(REPO, 'inventory.yaml')}`,
      'strict=true',
    ],
    { cwd: dir, encoding: 'utf8' },
  )
  assert.is.not(bad.status, 0)
  assert.ok(bad.stderr.includes('[error] apps/v1/Deployment/liqo-demo/app-center'), bad.stderr)
})

test('kpt passes arguments to an exec function: --exec "nsoffload fn -p … -i …" (docs/krm-function.md)', async () => {
  if (!kpt) {
    if (process.env['CI']) console.warn('kpt is not installed: the real KRM run was skipped')
    return
  }
  const dir = tempTree({ 'pkg/deploy.yaml': TUTORIAL() })
  fs.cpSync(path.join(REPO, 'policies'), path.join(dir, 'policies'), { recursive: true })
  fs.copyFileSync(path.join(REPO, 'inventory.yaml'), path.join(dir, 'inventory.yaml'))
  const fn = execScript(dir)
  const r = spawnSync('kpt', ['fn', 'eval', 'pkg', '--exec', `${fn} -p policies -i inventory.yaml`, '--truncate-output=false', '-o', 'stdout'], {
    cwd: dir,
    encoding: 'utf8',
  })
  assert.is(r.status, 0, r.stderr)
  const south = out(r.stdout).items.find((d) => d['metadata']?.name === 'app-south')?.['spec']?.template?.spec
  assert.equal(south?.tolerations, [tol], 'patched with the policies the arguments name')
})

test('the standalone kustomize runs nsoffload fn as an exec transformer, with --enable-alpha-plugins --enable-exec (docs/krm-function.md)', async () => {
  const kustomize = kustomizePath()
  if (!kustomize) {
    if (process.env['CI']) assert.unreachable('no standalone kustomize (NSOFFLOAD_KUSTOMIZE, or kustomize on PATH)')
    return
  }
  const dir = tempTree({
    'apps/liqo-demo/deploy.yaml': fs.readFileSync(path.join(REPO, 'apps/liqo-demo/deploy.yaml'), 'utf8'),
    'apps/liqo-demo/kustomization.yaml': 'resources: [deploy.yaml]\n',
    'overlays/venice/kustomization.yaml': 'resources:\n- ../../apps/liqo-demo/\nnamespace: liqo-demo\ntransformers:\n- nsoffload.yaml\n',
    'overlays/venice/nsoffload.yaml':
      'apiVersion: nsoffload.dev/v1alpha1\nkind: OffloadingFunction\nmetadata:\n  name: nsoffload\n  annotations:\n    config.kubernetes.io/function: |\n      exec:\n        path: ./nsoffload-fn\nspec:\n  policies: [../../policies]\n  inventory: ../../inventory.yaml\n',
  })
  fs.cpSync(path.join(REPO, 'policies'), path.join(dir, 'policies'), { recursive: true })
  fs.copyFileSync(path.join(REPO, 'inventory.yaml'), path.join(dir, 'inventory.yaml'))
  execScript(path.join(dir, 'overlays', 'venice'))
  const r = spawnSync(kustomize, ['build', '--enable-alpha-plugins', '--enable-exec', 'overlays/venice'], { cwd: dir, encoding: 'utf8' })
  assert.is(r.status, 0, r.stderr)
  const docs = parseAllDocuments(r.stdout).map((d) => d.toJS() as Record<string, any>)
  assert.equal(docs.find((d) => d['metadata']?.name === 'app-south')?.['spec']?.template?.spec?.tolerations, [tol])
  const off = spawnSync(kustomize, ['build', 'overlays/venice'], { cwd: dir, encoding: 'utf8' })
  assert.is.not(off.status, 0)
  assert.match(off.stderr, /external plugins disabled/)
})

test('kubectl kustomize --enable-alpha-plugins does not run exec functions (it says nothing): docs/krm-function.md', async () => {
  if (kubectl === undefined) return
  const dir = tempTree({
    'deploy.yaml': TUTORIAL(),
    'nsoffload.yaml': `apiVersion: nsoffload.dev/v1alpha1\nkind: OffloadingFunction\nmetadata:\n  name: nsoffload\n  annotations:\n    config.kubernetes.io/function: |\n      exec:\n        path: ./nsoffload-fn\nspec:\n  policies: [${path.join(REPO, 'policies')}]\n  inventory: ${path.join(REPO, 'inventory.yaml')}\n`,
    'kustomization.yaml': 'resources: [deploy.yaml]\ntransformers: [nsoffload.yaml]\n',
  })
  execScript(dir)
  const off = spawnSync(kubectl, ['kustomize', dir], { encoding: 'utf8' })
  assert.is.not(off.status, 0)
  assert.ok(off.stderr.includes('external plugins disabled'), off.stderr)
  const on = spawnSync(kubectl, ['kustomize', '--enable-alpha-plugins', dir], { encoding: 'utf8' })
  assert.is(on.status, 0, on.stderr)
  // kubectl's embedded kustomize never sets --enable-exec: the function is skipped, the output unpatched.
  assert.not.ok(on.stdout.includes('virtual-node.liqo.io/not-allowed'), `if this fails, ${kubectl} runs exec functions: update docs/krm-function.md`)
})

test.run()
