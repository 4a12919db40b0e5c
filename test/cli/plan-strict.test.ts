import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { exampleFiles, runMemory } from '../helpers/cli.ts'

/**
 * `plan --strict` (issue 17 point 6): once a warning is an error, the plan is still printed,
 * with the findings, and the exit is 1, in every format; invalid input still has no plan.
 */

const files = exampleFiles()

test('plan --strict: the plan on stdout, the finding (now an error) on stderr, exit 1', async () => {
  const plain = await runMemory(files, ['plan'])
  const r = await runMemory(files, ['plan', '--strict'])
  assert.is(plain.code, 0)
  assert.is(r.code, 1)
  assert.is(r.stdout, plain.stdout, 'the same plan as without --strict')
  assert.match(r.stdout, /Deployment\/app-center +UNSCHEDULABLE/)
  assert.match(r.stderr, /apps\/liqo-demo\/deploy\.yaml:55:11: error NSO4006/)
})

test('plan --strict --format json: the namespaces and the diagnostics, as errors', async () => {
  const r = await runMemory(files, ['plan', '--strict', '--format', 'json'])
  assert.is(r.code, 1)
  const doc = JSON.parse(r.stdout) as { namespaces: { namespace: string }[]; diagnostics: { code: string; severity: string }[] }
  assert.equal(
    doc.namespaces.map((n) => n.namespace),
    ['liqo-demo'],
  )
  assert.equal(
    doc.diagnostics.map((d) => [d.code, d.severity]),
    [['NSO4006', 'error']],
  )
})

test('plan --strict --format markdown: the plan, a line saying the check fails, the finding', async () => {
  const r = await runMemory(files, ['plan', '--strict', '--format', 'markdown'])
  assert.is(r.code, 1)
  assert.not.match(r.stdout, /No plan/)
  assert.match(r.stdout, /❌ \*\*The check fails: 1 error\*\* \(with `--strict`, warnings are errors\)/)
  assert.match(r.stdout, /\| `liqo-demo` \| ✅ Ready \|/)
  assert.match(r.stdout, /- ❌ `apps\/liqo-demo\/deploy\.yaml:55:11` \*\*NSO4006\*\*/)
  const plain = await runMemory(files, ['plan', '--format', 'markdown'])
  assert.not.match(plain.stdout, /The check fails/)
})

test('invalid input has no plan, with or without --strict', async () => {
  const bad = new Map(files)
  bad.set('policies/broken.yaml', 'apiVersion: nsoffload.dev/v1alpha1\nkind: OffloadingPolicy\nmetadata: {name: Bad_Name}\nspec: {}\n')
  for (const args of [['plan'], ['plan', '--strict']]) {
    const r = await runMemory(bad, args)
    assert.is(r.code, 1)
    assert.is(r.stdout, '')
  }
  const md = await runMemory(bad, ['plan', '--format', 'markdown'])
  assert.match(md.stdout, /No plan: the input is invalid/)
})

test.run()
