import { spawnSync } from 'node:child_process'
import * as fs from 'node:fs'
import * as path from 'node:path'
import { parse as celParse } from '@marcbachmann/cel-js'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { parse, parseAllDocuments } from 'yaml'
import { REPO, runCli, tempTree } from '../helpers/cli.ts'
import { kubectlPath } from '../helpers/tools.ts'

/**
 * The Flux setup of deploy/flux/: one Kustomization per inventory cluster over the build
 * output, and the healthCheckExprs of NamespaceOffloading, evaluated with a CEL interpreter
 * (@marcbachmann/cel-js) the way kustomize-controller does (fluxcd/pkg runtime/cel
 * StatusEvaluator): observedGeneration first, then inProgress, failed, current, else
 * InProgress; an evaluation error is an error (Flux keeps waiting).
 */

const FLUX = path.join(REPO, 'deploy', 'flux', 'kustomizations.yaml')
const HEALTH = path.join(REPO, 'deploy', 'argocd', 'health')

interface HealthCheckExpr {
  apiVersion: string
  kind: string
  current?: string
  inProgress?: string
  failed?: string
}
interface Kustomization {
  apiVersion: string
  kind: string
  metadata: { name: string; namespace: string }
  spec: {
    path: string
    prune?: boolean
    wait?: boolean
    dependsOn?: { name: string }[]
    kubeConfig?: { secretRef: { name: string } }
    healthCheckExprs?: HealthCheckExpr[]
    sourceRef: { kind: string; name: string }
  }
}
const objects = parseAllDocuments(fs.readFileSync(FLUX, 'utf8')).map((d) => d.toJS() as { kind: string } & Record<string, unknown>)
const kustomizations = objects.filter((o) => o.kind === 'Kustomization') as unknown as Kustomization[]
const nsoffloadKs = kustomizations.filter((k) => k.metadata.name.startsWith('nsoffload-'))

type FluxStatus = 'InProgress' | 'Failed' | 'Current'

/** Integers as int64 (BigInt), as kustomize-controller hands unstructured objects to CEL. */
function asCel(v: unknown): unknown {
  if (typeof v === 'number') return Number.isInteger(v) ? BigInt(v) : v
  if (Array.isArray(v)) return v.map(asCel)
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, asCel(x)]))
  return v
}

/** fluxcd/pkg runtime/cel StatusEvaluator.Evaluate, over @marcbachmann/cel-js. */
function fluxEvaluate(exprs: HealthCheckExpr, obj: Record<string, unknown>): { status?: FluxStatus; error?: string } {
  if (!exprs.current) throw new Error('expression Current not specified')
  const status = obj['status'] as Record<string, unknown> | undefined
  const meta = obj['metadata'] as Record<string, unknown> | undefined
  if (
    status &&
    typeof status['observedGeneration'] === 'number' &&
    typeof meta?.['generation'] === 'number' &&
    status['observedGeneration'] !== meta['generation']
  ) {
    return { status: 'InProgress' }
  }
  const data = asCel(obj) as Record<string, unknown>
  for (const [expr, result] of [
    [exprs.inProgress, 'InProgress'],
    [exprs.failed, 'Failed'],
    [exprs.current, 'Current'],
  ] as const) {
    if (!expr) continue
    let v: unknown
    try {
      v = celParse(expr)(data)
    } catch (e) {
      return { error: `failed to evaluate the CEL expression '${expr}': ${(e as Error).message}` }
    }
    if (typeof v !== 'boolean') return { error: `failed to evaluate CEL expression as boolean: '${expr}'` }
    if (v) return { status: result }
  }
  return { status: 'InProgress' }
}

const nsoExprs = (): HealthCheckExpr => {
  const all = kustomizations.flatMap((k) => k.spec.healthCheckExprs ?? [])
  const e = all.find((x) => x.apiVersion === 'offloading.liqo.io/v1beta1' && x.kind === 'NamespaceOffloading')
  assert.ok(e, 'a healthCheckExprs entry for offloading.liqo.io/v1beta1 NamespaceOffloading')
  return e
}

test('the Flux objects: a GitRepository and Kustomizations of kustomize.toolkit.fluxcd.io/v1', () => {
  assert.ok(objects.some((o) => o.kind === 'GitRepository' && o['apiVersion'] === 'source.toolkit.fluxcd.io/v1'))
  for (const k of kustomizations) {
    assert.is(k.apiVersion, 'kustomize.toolkit.fluxcd.io/v1')
    assert.ok(
      objects.some((o) => o.kind === k.spec.sourceRef.kind && (o['metadata'] as { name: string }).name === k.spec.sourceRef.name),
      `${k.metadata.name}: its source is defined`,
    )
    for (const d of k.spec.dependsOn ?? [])
      assert.ok(
        kustomizations.some((x) => x.metadata.name === d.name),
        `${k.metadata.name} depends on an existing Kustomization`,
      )
  }
})

test('one Kustomization per inventory cluster, over the folder build -o writes for it, which kustomize builds', async () => {
  const inv = parse(fs.readFileSync(path.join(REPO, 'inventory.yaml'), 'utf8')) as { spec: { home: { clusterID: string }; remotes: { clusterID: string }[] } }
  const ids = [inv.spec.home.clusterID, ...inv.spec.remotes.map((r) => r.clusterID)]
  assert.equal(nsoffloadKs.map((k) => k.metadata.name).sort(), ids.map((id) => `nsoffload-${id}`).sort())
  const cwd = tempTree({ 'inventory.yaml': fs.readFileSync(path.join(REPO, 'inventory.yaml'), 'utf8') })
  for (const d of ['policies', 'apps']) fs.cpSync(path.join(REPO, d), path.join(cwd, d), { recursive: true })
  const b = await runCli(['build', '-o', 'rendered'], cwd)
  assert.is(b.code, 0, b.stderr)
  const kubectl = kubectlPath()
  for (const k of nsoffloadKs) {
    const id = k.metadata.name.slice('nsoffload-'.length)
    assert.is(k.spec.path, `./rendered/${id}`)
    assert.ok(fs.existsSync(path.join(cwd, k.spec.path, 'kustomization.yaml')), `${k.spec.path}/kustomization.yaml`)
    assert.is(k.spec.prune, true, 'prune: objects of a deleted policy go away')
    assert.is(k.spec.wait, true)
    assert.is(k.spec.kubeConfig === undefined, id === inv.spec.home.clusterID, `${id}: remotes through a kubeconfig Secret, the home cluster directly`)
    if (kubectl !== undefined) {
      const out = spawnSync(kubectl, ['kustomize', path.join(cwd, k.spec.path)], { encoding: 'utf8' })
      assert.is(out.status, 0, out.stderr)
      assert.is(out.stdout, (await runCli(['build', '--cluster', id], cwd)).stdout, `${kubectl} kustomize`)
    }
  }
  const home = nsoffloadKs.find((k) => k.spec.kubeConfig === undefined && k.metadata.name === `nsoffload-${inv.spec.home.clusterID}`)
  assert.ok(home?.spec.healthCheckExprs?.length, "the home cluster's Kustomization checks the NamespaceOffloadings")
})

test('the expressions parse as CEL, and current is given (Flux requires it)', () => {
  const e = nsoExprs()
  for (const x of [e.current, e.inProgress, e.failed]) {
    assert.type(x, 'string')
    celParse(x ?? '')
  }
})

interface Case {
  healthStatus: { status: string }
  inputPath: string
}
const cases = (parse(fs.readFileSync(path.join(HEALTH, 'namespaceoffloading_test.yaml'), 'utf8')) as { tests: Case[] }).tests
const FROM_ARGO: Record<string, FluxStatus> = { Healthy: 'Current', Degraded: 'Failed', Progressing: 'InProgress' }

for (const c of cases) {
  test(`healthCheckExprs: ${c.inputPath} -> as Argo CD's ${c.healthStatus.status}`, () => {
    const obj = parse(fs.readFileSync(path.join(HEALTH, c.inputPath), 'utf8')) as Record<string, unknown>
    const r = fluxEvaluate(nsoExprs(), obj)
    if (obj['status'] === undefined) {
      // No status yet: Flux cannot evaluate (CEL has no `status`), reports it and waits, as for InProgress.
      assert.ok(r.error, 'an evaluation error')
      assert.match(r.error, /status/)
      return
    }
    assert.is(r.error, undefined, r.error)
    assert.is(r.status, FROM_ARGO[c.healthStatus.status])
  })
}

test("healthCheckExprs: the observedGeneration gate, as liqoctl's waiter, even with a Ready phase", () => {
  const obj = parse(fs.readFileSync(path.join(HEALTH, 'testdata', 'ready.yaml'), 'utf8')) as { metadata: { generation: number } }
  assert.equal(fluxEvaluate(nsoExprs(), obj as unknown as Record<string, unknown>), { status: 'Current' })
  obj.metadata.generation = 2
  assert.equal(fluxEvaluate(nsoExprs(), obj as unknown as Record<string, unknown>), { status: 'InProgress' })
  // Without Flux's own gate (older controllers), the inProgress expression does the same.
  const e = nsoExprs()
  assert.is(celParse(e.inProgress ?? '')(asCel(obj) as Record<string, unknown>), true)
})

test('healthCheckExprs: kstatus would call AllFailed Current; the expressions say Failed', () => {
  const obj = parse(fs.readFileSync(path.join(HEALTH, 'testdata', 'all-failed.yaml'), 'utf8')) as Record<string, unknown>
  assert.equal(fluxEvaluate(nsoExprs(), obj), { status: 'Failed' })
})

test('healthCheckExprs: every status nsoffload predicts for the golden cases', () => {
  const want: Record<string, FluxStatus> = { Ready: 'Current', NoClusterSelected: 'Current', SomeFailed: 'Failed', AllFailed: 'Failed' }
  let n = 0
  const golden = path.join(REPO, 'fixtures', 'golden')
  for (const name of fs.readdirSync(golden)) {
    const plan = path.join(golden, name, 'expected', 'plan.json')
    if (!fs.existsSync(plan)) continue
    for (const ns of (JSON.parse(fs.readFileSync(plan, 'utf8')) as { namespaces: { status: { offloadingPhase: string; observedGeneration?: number } }[] })
      .namespaces) {
      const obj = { metadata: { generation: ns.status.observedGeneration ?? 1 }, status: ns.status }
      assert.equal(fluxEvaluate(nsoExprs(), obj), { status: want[ns.status.offloadingPhase] }, `${name}: ${ns.status.offloadingPhase}`)
      n++
    }
  }
  assert.ok(n >= 5)
})

test("the evaluator model itself: Flux's order (inProgress, failed, current), InProgress when none holds", () => {
  const obj = { metadata: { generation: 1 }, status: { a: true, b: true, c: true } }
  assert.equal(fluxEvaluate({ apiVersion: 'x', kind: 'y', inProgress: 'status.a', failed: 'status.b', current: 'status.c' }, obj), { status: 'InProgress' })
  assert.equal(fluxEvaluate({ apiVersion: 'x', kind: 'y', failed: 'status.b', current: 'status.c' }, obj), { status: 'Failed' })
  assert.equal(fluxEvaluate({ apiVersion: 'x', kind: 'y', current: '!status.c' }, obj), { status: 'InProgress' })
  assert.ok(fluxEvaluate({ apiVersion: 'x', kind: 'y', current: 'status.nope' }, obj).error)
})

test.run()
