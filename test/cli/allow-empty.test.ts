import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { MEMORY_CWD, runMemory } from '../helpers/cli.ts'
import { inventoryYaml } from '../helpers/inventory.ts'

/**
 * An empty policies folder (issue 17 point 9): the commands that render refuse it (NSO1008,
 * exit 1, nothing on stdout, nothing written), since an Argo CD plugin running `build --cluster`
 * would otherwise hand an empty set to a pruning sync; `--allow-empty` says it is meant.
 */

const INVENTORY = inventoryYaml({ remotes: ['naples'] })
const empty = { 'inventory.yaml': INVENTORY, 'policies/README.md': 'policies go here\n' }

for (const args of [['build', '--cluster', 'venice'], ['build', '-o', 'out'], ['plan'], ['plan', '--format', 'json'], ['validate'], ['diff']]) {
  test(`${args.join(' ')} with no policy: error NSO1008 naming --allow-empty, exit 1, nothing rendered`, async () => {
    const r = await runMemory(empty, args)
    assert.is(r.code, 1, r.stderr)
    const out = r.stdout + r.stderr
    assert.match(out, new RegExp(`error NSO1008: no policy found in policies \\(working folder ${MEMORY_CWD}\\)`))
    assert.match(out, /give --allow-empty/)
    if (args[0] === 'build') assert.is(r.stdout, '')
    if (args.includes('json')) assert.equal((JSON.parse(r.stdout) as { namespaces: unknown[] }).namespaces, [])
    assert.not.ok(
      r.tree.some((f) => f.startsWith('out/')),
      'nothing written',
    )
  })
}

test('--allow-empty: exit 0 and the (empty) output; the finding is an info, so --strict does not fail on it', async () => {
  const one = await runMemory(empty, ['build', '--cluster', 'venice', '--allow-empty'])
  assert.is(one.code, 0, one.stderr)
  assert.is(one.stdout, '')
  assert.is(one.stderr, '')
  const all = await runMemory(empty, ['build', '-o', 'out', '--allow-empty'])
  assert.is(all.code, 0, all.stderr)
  assert.equal(
    all.tree.filter((f) => f.startsWith('out/')),
    ['out/naples/kustomization.yaml', 'out/venice/kustomization.yaml'],
  )
  const plan = await runMemory(empty, ['plan', '--allow-empty'])
  assert.is(plan.code, 0, plan.stderr)
  assert.match(plan.stdout, /^0 namespaces/m)
  const v = await runMemory(empty, ['validate', '--allow-empty', '--format', 'json'])
  assert.is(v.code, 0)
  assert.equal(
    (JSON.parse(v.stdout) as { diagnostics: { code: string; severity: string }[] }).diagnostics.map((d) => [d.code, d.severity]),
    [['NSO1008', 'info']],
  )
  const strict = await runMemory(empty, ['build', '--cluster', 'venice', '--allow-empty', '--strict'])
  assert.is(strict.code, 0, strict.stderr)
})

test('--allow-empty with policies changes nothing', async () => {
  const files = {
    ...empty,
    'policies/web.yaml': 'apiVersion: nsoffload.dev/v1alpha1\nkind: OffloadingPolicy\nmetadata: {name: web}\nspec: {}\n',
  }
  const a = await runMemory(files, ['build', '--cluster', 'venice'])
  const b = await runMemory(files, ['build', '--cluster', 'venice', '--allow-empty'])
  assert.is(a.code, 0, a.stderr)
  assert.is(b.stdout, a.stdout)
})

test('a command without the flag (fn) still only warns', async () => {
  const fn = await runMemory(empty, ['fn'], 'apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems: []\n')
  assert.is(fn.code, 0, fn.stderr)
  assert.match(fn.stderr, /warning NSO1008/)
})

test.run()
