import * as fs from 'node:fs'
import * as path from 'node:path'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { parse } from 'yaml'
import { PHASES } from '../../src/model/liqo.ts'
import { REPO, runCli } from '../helpers/cli.ts'
import { hasLua, LUA, runHealth, toLua } from '../helpers/lua.ts'
import { tempDir } from '../helpers/temp.ts'

/**
 * The Argo CD health check of NamespaceOffloading, run in a real Lua 5.1 interpreter with
 * Argo CD's sandbox (base and table libraries only): the phase table of
 * deploy/argocd/health/namespaceoffloading_test.yaml, liqoctl's waiter semantics, the copy in
 * argocd-cm.yaml, and nsoffload's own predicted statuses.
 */

const DIR = path.join(REPO, 'deploy', 'argocd', 'health')
const SCRIPT = path.join(DIR, 'namespaceoffloading.lua')
const CONFIG_KEY = 'resource.customizations.health.offloading.liqo.io_NamespaceOffloading'

interface Case {
  readonly healthStatus: { readonly status: string; readonly message: string }
  readonly inputPath: string
}
const cases = (parse(fs.readFileSync(path.join(DIR, 'namespaceoffloading_test.yaml'), 'utf8')) as { tests: Case[] }).tests

const lua = hasLua()
if (!lua) {
  if (process.env['CI']) {
    test('lua5.1 is installed (CI needs the Debian package lua5.1)', () => {
      assert.unreachable(`${LUA} is missing: the Argo CD health check cannot be tested. Install it: apt-get install -y lua5.1`)
    })
  } else {
    process.stderr.write(`\n  note: ${LUA} not found: the Argo CD health check tests are skipped (apt-get install -y lua5.1)\n`)
  }
}
const luaTest = lua ? test : test.skip

for (const c of cases) {
  luaTest(`health: ${c.inputPath} -> ${c.healthStatus.status}`, () => {
    const obj = parse(fs.readFileSync(path.join(DIR, c.inputPath), 'utf8')) as unknown
    const r = runHealth(SCRIPT, obj)
    assert.ok(r.ok, r.error)
    assert.is(r.status, c.healthStatus.status)
    assert.is(r.message, c.healthStatus.message)
  })
}

test("the phase table covers every phase Liqo defines, and the waiter's states", () => {
  const inputs = cases.map(
    (c) =>
      parse(fs.readFileSync(path.join(DIR, c.inputPath), 'utf8')) as {
        metadata?: { generation?: number }
        status?: { offloadingPhase?: string; observedGeneration?: number }
      },
  )
  for (const phase of PHASES)
    assert.ok(
      inputs.some((o) => o.status?.offloadingPhase === phase),
      `a case with phase ${phase}`,
    )
  assert.ok(
    inputs.some((o) => o.status === undefined),
    'a case without status',
  )
  assert.ok(
    inputs.some((o) => o.status && o.status.observedGeneration !== undefined && o.status.observedGeneration !== o.metadata?.generation),
    'a case with observedGeneration behind',
  )
  const expected: Record<string, string> = {
    Ready: 'Healthy',
    NoClusterSelected: 'Healthy',
    SomeFailed: 'Degraded',
    AllFailed: 'Degraded',
    InProgress: 'Progressing',
    Terminating: 'Progressing',
  }
  for (const [i, o] of inputs.entries()) {
    const phase = o.status?.offloadingPhase
    const current = o.status?.observedGeneration !== undefined && o.status.observedGeneration === o.metadata?.generation
    if (phase && current && expected[phase]) assert.is(cases[i]?.healthStatus.status, expected[phase], `${cases[i]?.inputPath}: ${phase}`)
  }
})

luaTest('a Ready status that Liqo has not observed yet (generation bumped) is still Progressing', () => {
  const obj = parse(fs.readFileSync(path.join(DIR, 'testdata', 'ready.yaml'), 'utf8')) as { metadata: { generation: number } }
  obj.metadata.generation = 7
  const r = runHealth(SCRIPT, obj)
  assert.is(r.status, 'Progressing')
  assert.is(r.message, 'Waiting for Liqo to observe generation 7 (observed 1)')
})

luaTest("the sandbox is Argo CD's: a script that uses the string library fails there", () => {
  const dir = tempDir('nsoffload-lua-')
  const bad = path.join(dir, 'bad.lua')
  fs.writeFileSync(bad, 'return { status = string.format("%s", "Healthy") }\n')
  assert.not.ok(runHealth(bad, {}).ok, 'string.format is not available')
  fs.writeFileSync(bad, 'local s = "Healthy"\nreturn { status = s:sub(1) }\n')
  assert.not.ok(runHealth(bad, {}).ok, 'string methods are not available')
  fs.writeFileSync(bad, 'return { status = "Healthy", message = tostring(obj.a.b[2]) .. table.concat({"x", "y"}, ",") }\n')
  const ok = runHealth(bad, { a: { b: [1, 'two\n"q"'] } })
  assert.ok(ok.ok, ok.error)
  assert.is(ok.message, 'two')
})

test('toLua writes a Lua table constructor (strings escaped, null as nil)', () => {
  assert.is(toLua({ a: [1, 'x"\\\n'], b: null, c: true }), '{["a"] = {1, "x\\"\\\\\\010"}, ["b"] = nil, ["c"] = true}')
})

test("argocd-cm.yaml carries the same script under Argo CD's health key", () => {
  const cm = parse(fs.readFileSync(path.join(REPO, 'deploy', 'argocd', 'argocd-cm.yaml'), 'utf8')) as {
    kind: string
    metadata: { name: string }
    data: Record<string, string>
  }
  assert.is(cm.kind, 'ConfigMap')
  assert.is(cm.metadata.name, 'argocd-cm')
  assert.equal(Object.keys(cm.data), [CONFIG_KEY])
  assert.ok(
    cm.data[CONFIG_KEY] === fs.readFileSync(SCRIPT, 'utf8'),
    'copy deploy/argocd/health/namespaceoffloading.lua into deploy/argocd/argocd-cm.yaml (indented by 4)',
  )
})

// nsoffload's predicted statuses, as Liqo would write them, through the health check.
const GOLDEN = path.join(REPO, 'fixtures', 'golden')
luaTest("every status nsoffload predicts for the golden cases gets the health liqoctl's waiter would give it", async () => {
  const want: Record<string, string> = { Ready: 'Healthy', NoClusterSelected: 'Healthy', SomeFailed: 'Degraded', AllFailed: 'Degraded' }
  let seen = 0
  for (const name of fs.readdirSync(GOLDEN).sort()) {
    const plan = path.join(GOLDEN, name, 'expected', 'plan.json')
    if (!fs.existsSync(plan)) continue
    const doc = JSON.parse(fs.readFileSync(plan, 'utf8')) as {
      namespaces: { namespace: string; status: { offloadingPhase: string; observedGeneration?: number } }[]
    }
    for (const ns of doc.namespaces) {
      const obj = {
        apiVersion: 'offloading.liqo.io/v1beta1',
        kind: 'NamespaceOffloading',
        metadata: { name: 'offloading', namespace: ns.namespace, generation: ns.status.observedGeneration ?? 1 },
        status: ns.status,
      }
      const r = runHealth(SCRIPT, obj)
      assert.ok(r.ok, r.error)
      assert.is(r.status, want[ns.status.offloadingPhase], `${name}/${ns.namespace}: ${ns.status.offloadingPhase}`)
      seen++
    }
  }
  assert.ok(seen >= 5, `${seen} predicted statuses checked`)
  // The bundled example through the CLI, as a user would see it.
  const r = await runCli(['plan', '--format', 'json'], REPO)
  const ns = (JSON.parse(r.stdout) as { namespaces: { status: unknown }[] }).namespaces[0]
  assert.is(runHealth(SCRIPT, { metadata: { generation: 1 }, status: ns?.status }).status, 'Healthy')
})

test.run()
