import { spawnSync } from 'node:child_process'
import * as fs from 'node:fs'
import * as path from 'node:path'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { parse, parseAllDocuments, stringify } from 'yaml'
import { patchTemplate, type PodSpec } from '../src/liqo/pod-webhook.ts'
import { getIn, podTemplatePath } from '../src/workloads/pod-template.ts'
import { REPO, runCli } from './helpers/cli.ts'
import { gfmProblems } from './helpers/gfm.ts'
import { kubectlPath, kustomizePath } from './helpers/tools.ts'
import { tempDir } from './helpers/temp.ts'

/**
 * Issue 17, "Done when": a repository made of public applications' shapes
 * (fixtures/public-apps/README.md says which) goes through validate, plan, plan --strict, plan
 * --format markdown, build -o, build --cluster and fn with every workload object accounted for,
 * every pod template patched as Liqo's webhook would patch its pods, and no diagnostic a user
 * would have to decode. What is expected is worked out apart from nsoffload: the objects by
 * parsing the files and running kustomize on the bases, the patches by Liqo's webhook logic
 * (src/liqo/pod-webhook.ts, held to Liqo's own code by the oracle tests) applied to the source templates
 * with the NamespaceOffloading the build rendered, the equivalence by kubectl and kustomize.
 */

const FIXTURE = path.join(REPO, 'fixtures', 'public-apps')
const KUSTOMIZE = kustomizePath()
const KUBECTL = kubectlPath()

type Obj = Record<string, any>

/** A fresh copy of the fixture (build -o writes into it). */
function copy(): string {
  const dir = tempDir('nsoffload-public-apps-')
  fs.cpSync(FIXTURE, dir, { recursive: true })
  return dir
}

const env = (): Record<string, string> => ({ NSOFFLOAD_KUSTOMIZE: KUSTOMIZE ?? '', PATH: process.env['PATH'] ?? '' })
const run = (args: readonly string[], cwd: string, stdin = '') => runCli(args, cwd, stdin, env())
const docsOf = (text: string): Obj[] => parseAllDocuments(text).flatMap((d) => (d.toJS() === null ? [] : [d.toJS() as Obj]))
const id = (o: Obj): string => `${o['kind']}/${o['metadata']?.name}`

/** Expands Lists as kubectl does (the fixture's lists carry their items' kinds). */
const items = (o: Obj): Obj[] => (typeof o['kind'] === 'string' && o['kind'].endsWith('List') && Array.isArray(o['items']) ? o['items'].flatMap(items) : [o])

/**
 * The source objects of one workload folder, found without nsoffload: its YAML and JSON files
 * (hidden entries and READMEs aside), and, for a folder holding a kustomization, what
 * kustomize itself builds of it.
 */
function sourceObjects(dir: string): Obj[] {
  const names = fs.readdirSync(dir).sort()
  if (names.includes('kustomization.yaml')) {
    const r = spawnSync(KUSTOMIZE ?? 'kustomize', ['build', dir], { encoding: 'utf8' })
    assert.is(r.status, 0, r.stderr)
    return docsOf(r.stdout)
  }
  return names.flatMap((n) => {
    const p = path.join(dir, n)
    if (n.startsWith('.')) return []
    if (fs.statSync(p).isDirectory()) return sourceObjects(p)
    return /\.(ya?ml|json)$/.test(n) ? docsOf(fs.readFileSync(p, 'utf8')).flatMap(items) : []
  })
}

/** Each namespace's workload sources, as its policy lists them. */
function sources(cwd: string): Map<string, Obj[]> {
  const out = new Map<string, Obj[]>()
  for (const f of fs.readdirSync(path.join(cwd, 'policies')).sort()) {
    const p = parse(fs.readFileSync(path.join(cwd, 'policies', f), 'utf8')) as Obj
    const objs = (p['spec'].workloads as string[]).flatMap((w) => {
      const abs = path.resolve(cwd, 'policies', w)
      return fs.statSync(abs).isDirectory() ? sourceObjects(abs) : docsOf(fs.readFileSync(abs, 'utf8')).flatMap(items)
    })
    out.set(p['metadata'].name, objs)
  }
  return out
}

/** The words of a diagnostic a user should never have to decode. */
function undecodable(text: string, cwd: string): string[] {
  const bad = [/undefined/, /\[object /, /\bNaN\b/, /kind null/, /\(node:\d+\)/, /^\s+at .*\.(ts|js):\d+/m, /NSO9001/, /Warning: /]
  const found = bad.filter((re) => re.test(text)).map(String)
  if (text.includes(cwd)) found.push(`an absolute path (${cwd})`)
  return found
}

const ready = (): boolean => {
  if (KUSTOMIZE && KUBECTL) return true
  if (process.env['CI']) assert.unreachable('the public-apps check needs kustomize and kubectl (NSOFFLOAD_KUSTOMIZE, NSOFFLOAD_KUBECTL, or on PATH)')
  console.log('  no standalone kustomize or no kubectl on this machine: not tested')
  return false
}

const EXPECTED_FINDINGS = [['NSO4006', 'warning', 'apps/k8s-examples/guestbook/frontend-deployment.yaml', 4, 9]]

test('validate: valid, one finding (the Deployment asking for a TPU), said in words', async () => {
  if (!ready()) return
  const cwd = copy()
  const r = await run(['validate', '--format', 'json'], cwd)
  assert.is(r.code, 0, r.stderr)
  const doc = JSON.parse(r.stdout) as { valid: boolean; diagnostics: Obj[] }
  assert.ok(doc.valid)
  assert.equal(
    doc.diagnostics.map((d) => [d['code'], d['severity'], d['file'], d['line'], d['column']]),
    EXPECTED_FINDINGS,
  )
  const text = await run(['validate'], cwd)
  assert.equal(undecodable(text.stdout + text.stderr, cwd), [])
  assert.match(
    text.stdout + text.stderr,
    /Deployment\/frontend would stay Pending .*nodeSelector accelerator=tpu excludes venice-1, venice-2, florence, naples, palermo, turin/,
  )
})

test('plan (text, JSON, --strict, Markdown): every object with a pod template is placed, the ScaledJob listed as not previewed', async () => {
  if (!ready()) return
  const cwd = copy()
  const src = sources(cwd)
  const r = await run(['plan', '--format', 'json'], cwd)
  assert.is(r.code, 0, r.stderr)
  const plan = JSON.parse(r.stdout) as { namespaces: Obj[]; diagnostics: Obj[] }
  assert.equal(
    plan.namespaces.map((n) => n['namespace']),
    ['boutique', 'examples', 'otel-demo', 'podinfo'],
  )
  for (const ns of plan.namespaces) {
    const withTemplate = (src.get(ns['namespace']) ?? [])
      .filter((o) => podTemplatePath(o))
      .map(id)
      .sort()
    assert.equal((ns['workloads'] as Obj[]).map((w) => `${w['kind']}/${w['name']}`).sort(), withTemplate, `${ns['namespace']}: every pod template is placed`)
    for (const w of ns['workloads'] as Obj[])
      if (w['name'] !== 'frontend' || ns['namespace'] !== 'examples') assert.ok(w['schedulable'], `${w['kind']}/${w['name']}`)
  }
  const examples = plan.namespaces.find((n) => n['namespace'] === 'examples')
  assert.equal(examples?.['podsNotSeen'], [
    { apiVersion: 'keda.sh/v1alpha1', kind: 'ScaledJob', name: 'rabbitmq-consumer', podSpecs: ['spec.jobTargetRef.template.spec'] },
  ])
  assert.equal(examples?.['workloads'].find((w: Obj) => w['kind'] === 'Rollout')?.nodes, ['venice-1', 'venice-2', 'turin'])

  const text = await run(['plan'], cwd)
  assert.is(text.code, 0, text.stderr)
  const strict = await run(['plan', '--strict'], cwd)
  assert.is(strict.code, 1)
  assert.is(strict.stdout, text.stdout, '--strict prints the same plan')
  assert.match(strict.stderr, /apps\/k8s-examples\/guestbook\/frontend-deployment\.yaml:4:9: error NSO4006/)
  for (const o of [text, strict]) assert.equal(undecodable(o.stdout + o.stderr, cwd), [])

  const md = await run(['plan', '--format', 'markdown'], cwd)
  assert.is(md.code, 0, md.stderr)
  assert.equal(gfmProblems(md.stdout), [])
  assert.ok(md.stdout.length < 65536)
  for (const ns of plan.namespaces) assert.match(md.stdout, new RegExp(`\\| \`${ns['namespace']}\` \\|`))
  assert.match(md.stdout, /ScaledJob\/rabbitmq-consumer/)
  assert.equal(undecodable(md.stdout, cwd), [])
})

test('build -o: every source object is rendered, in its namespace; every pod template patched as Liqo would patch its pods', async () => {
  if (!ready()) return
  const cwd = copy()
  const src = sources(cwd)
  const r = await run(['build', '-o', 'out'], cwd)
  assert.is(r.code, 0, r.stderr)
  assert.equal(fs.readdirSync(path.join(cwd, 'out')).sort(), ['florence', 'naples', 'palermo', 'turin', 'venice'])
  const home = (await run(['build', '--cluster', 'venice'], cwd)).stdout
  const rendered = docsOf(home)
  for (const [ns, objs] of src) {
    const mine = rendered.filter((o) => o['metadata']?.namespace === ns && !['Namespace', 'NamespaceOffloading'].includes(o['kind']))
    const clusterScoped = rendered.filter((o) => o['metadata']?.namespace === undefined && o['kind'] !== 'Namespace').map(id)
    assert.equal(
      mine.map(id).sort(),
      objs
        .map(id)
        .filter((x) => !clusterScoped.includes(x))
        .sort(),
      `${ns}: the same objects as the sources (kustomize's for the bases)`,
    )
    // The webhook reads the namespace's NamespaceOffloading: the one the build rendered.
    const nso = rendered.find((o) => o['kind'] === 'NamespaceOffloading' && o['metadata'].namespace === ns)
    const spec = { podOffloadingStrategy: nso?.['spec'].podOffloadingStrategy, clusterSelector: nso?.['spec'].clusterSelector }
    for (const source of objs) {
      const p = podTemplatePath(source)
      if (!p) continue
      const out = mine.find((o) => id(o) === id(source))
      const expected = patchTemplate(spec, (getIn(source, p) ?? {}) as PodSpec).pod
      assert.equal(getIn(out, p), JSON.parse(JSON.stringify(expected)), `${ns}: ${id(source)} patched as Liqo's webhook patches its pods`)
      assert.is((getIn(out, [...p, 'tolerations']) as Obj[]).filter((t) => t['key'] === 'virtual-node.liqo.io/not-allowed').length, 1)
    }
  }
  // The pods nsoffload cannot see are left as they are.
  const scaled = rendered.find((o) => o['kind'] === 'ScaledJob')
  assert.is(scaled?.['spec'].jobTargetRef.template.spec.tolerations, undefined)
  // The otel-demo twin keeps its name (EnforceSameName) on the clusters it selects.
  for (const c of ['florence', 'turin']) assert.ok(fs.existsSync(path.join(cwd, 'out', c, 'otel-demo', 'namespace.yaml')), c)
})

/** Empty `metadata.labels`/`metadata.annotations` maps, which kustomize leaves out of what it writes. */
function withoutEmptyMetadata(o: Obj): Obj {
  const md = { ...o['metadata'] }
  for (const k of ['labels', 'annotations']) if (md[k] && Object.keys(md[k]).length === 0) delete md[k]
  return { ...o, metadata: md }
}

test('build --cluster X and kubectl kustomize / kustomize build of out/X: the same objects, in the same order, with the same data', async () => {
  if (!ready()) return
  const cwd = copy()
  const r = await run(['build', '-o', 'out'], cwd)
  assert.is(r.code, 0, r.stderr)
  for (const cluster of fs.readdirSync(path.join(cwd, 'out')).sort()) {
    const one = await run(['build', '--cluster', cluster], cwd)
    assert.is(one.code, 0, one.stderr)
    const ours = docsOf(one.stdout).map(withoutEmptyMetadata)
    for (const [tool, args] of [
      [KUBECTL, ['kustomize', path.join(cwd, 'out', cluster)]],
      [KUSTOMIZE, ['build', path.join(cwd, 'out', cluster)]],
    ] as const) {
      const k = spawnSync(tool ?? '', args, { encoding: 'utf8' })
      assert.is(k.status, 0, k.stderr)
      assert.equal(
        parseAllDocuments(k.stdout).map((d) => d.toJS({}) as Obj),
        ours,
        `${tool} ${args[0]} ${cluster}`,
      )
    }
  }
  // The strings YAML 1.2 reads otherwise reach kustomize as strings.
  const k = spawnSync(KUSTOMIZE ?? '', ['build', path.join(cwd, 'out', 'venice')], { encoding: 'utf8' })
  const cm = docsOf(k.stdout).find((o) => o['metadata']?.name === 'otel-collector-agent')
  assert.is(cm?.['data']['file-mode'], '0o644')
  // The NamespaceOffloading comes right after its Namespace, before the workloads.
  const kinds = docsOf(k.stdout).map((o) => o['kind'] as string)
  assert.is(kinds.lastIndexOf('NamespaceOffloading'), kinds.lastIndexOf('Namespace') + 4)
})

test('fn: the sources as a ResourceList come out patched exactly as build renders them', async () => {
  if (!ready()) return
  const cwd = copy()
  const src = sources(cwd)
  const built = docsOf((await run(['build', '--cluster', 'venice'], cwd)).stdout)
  const inputs = [...src].flatMap(([ns, objs]) =>
    objs.map((o) => (o['metadata']?.namespace !== undefined || o['kind'] === 'ClusterRole' ? o : { ...o, metadata: { ...o['metadata'], namespace: ns } })),
  )
  const list = stringify({ apiVersion: 'config.kubernetes.io/v1', kind: 'ResourceList', items: inputs })
  const r = await run(['fn'], cwd, list)
  assert.is(r.code, 0, r.stderr)
  assert.equal(undecodable(r.stderr, cwd), [])
  const out = (parse(r.stdout) as { items: Obj[] }).items
  assert.is(out.length, inputs.length, 'every item comes back')
  let patched = 0
  for (const item of out) {
    const p = podTemplatePath(item)
    if (!p) continue
    const b = built.find((o) => id(o) === id(item) && o['metadata']?.namespace === item['metadata'].namespace)
    assert.equal(getIn(item, p), getIn(b, p), `${item['metadata'].namespace}: ${id(item)}`)
    patched++
  }
  assert.is(patched, 18)
})

test.run()
