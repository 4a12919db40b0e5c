import { spawnSync } from 'node:child_process'
import * as fs from 'node:fs'
import * as path from 'node:path'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { MAX_DOCUMENTS, MAX_FILE_BYTES } from '../../src/load/limits.ts'
import { ONE_REMOTE_INVENTORY, runMemory, tempTree } from '../helpers/cli.ts'
import { nsoffloadShim } from '../helpers/shim.ts'

/**
 * Bounded time and memory whatever a repository holds: a file over the size limit or the
 * document limit is one error naming it (docs/inputs.md states both); many documents across
 * files never overflow the stack; the duplicate-key check is linear in the keys.
 */

const POLICY = 'apiVersion: nsoffload.dev/v1alpha1\nkind: OffloadingPolicy\nmetadata:\n  name: demo\nspec: {}\n'

interface Json {
  readonly diagnostics: { code: string; file?: string; line?: number; column?: number; message: string }[]
}

test('a file larger than the limit: NSO1016 naming it and its size, nothing of it read', async () => {
  const big = new Uint8Array(MAX_FILE_BYTES + 1).fill(0x23) // '#': one long comment
  const r = await runMemory({ 'inventory.yaml': ONE_REMOTE_INVENTORY, 'policies/demo.yaml': POLICY, 'policies/huge.yaml': big }, [
    'validate',
    '--format',
    'json',
  ])
  assert.is(r.code, 1, r.stdout)
  assert.equal(
    (JSON.parse(r.stdout) as Json).diagnostics.map((d) => [d.code, d.file, d.message]),
    [['NSO1016', 'policies/huge.yaml', '8 MiB, more than the limit of 8 MiB per file: not read']],
  )
  // At the limit, it is read.
  const ok = await runMemory({ 'inventory.yaml': ONE_REMOTE_INVENTORY, 'policies/demo.yaml': POLICY, 'policies/huge.yaml': big.subarray(1) }, ['validate'])
  assert.is(ok.code, 0, ok.stdout)
})

test('150,000 documents in one file: NSO1017 at the first document beyond the limit, not an internal error', async () => {
  // Document n starts at its `---`, on line 2(n - 1).
  const text = 'a: 1\n---\n'.repeat(150_000)
  const r = await runMemory({ 'inventory.yaml': ONE_REMOTE_INVENTORY, 'policies/demo.yaml': POLICY, 'policies/many.yaml': text }, [
    'validate',
    '--format',
    'json',
  ])
  assert.is(r.code, 1, r.stderr)
  assert.equal(
    (JSON.parse(r.stdout) as Json).diagnostics.map((d) => [d.code, d.file, d.line, d.message]),
    [['NSO1017', 'policies/many.yaml', 2 * MAX_DOCUMENTS, `more than ${MAX_DOCUMENTS} YAML documents in one file: none of them is read`]],
  )
})

test('150,000 documents across files, each with a finding: every finding kept, no stack overflow', async () => {
  const files: Record<string, string> = { 'inventory.yaml': ONE_REMOTE_INVENTORY, 'policies/demo.yaml': POLICY }
  // kustomize documents among the policies: an info each (NSO1012), 150,000 of them.
  const kustomization = 'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\n'
  for (let i = 0; i < 15; i++) files[`policies/k${String(i).padStart(2, '0')}.yaml`] = Array.from({ length: MAX_DOCUMENTS }, () => kustomization).join('---\n')
  const r = await runMemory(files, ['validate', '--format', 'json'])
  assert.is(r.code, 0, r.stderr)
  const j = JSON.parse(r.stdout) as Json
  assert.is(j.diagnostics.filter((d) => d.code === 'NSO1012').length, 15 * MAX_DOCUMENTS)
})

test('a mapping of 200,000 keys is checked for duplicates in linear time', () => {
  // Before, each key was compared with every earlier one: 80,000 keys took 144 s. A deadline
  // far beyond the seconds it takes now.
  const keys = Array.from({ length: 200_000 }, (_, i) => `key-${i}: value-${i}\n`).join('')
  const cwd = tempTree({ 'inventory.yaml': ONE_REMOTE_INVENTORY, 'policies/demo.yaml': POLICY, 'policies/keys.yaml': keys + 'key-7: again\n' })
  const r = spawnSync(path.join(nsoffloadShim(), 'nsoffload'), ['validate', '--format', 'json'], { cwd, encoding: 'utf8', timeout: 120_000 })
  fs.rmSync(cwd, { recursive: true, force: true })
  assert.is(r.signal, null, 'finished before the deadline')
  assert.is(r.status, 1, r.stderr)
  assert.equal(
    (JSON.parse(r.stdout) as Json).diagnostics.map((d) => [d.code, d.file, d.line, d.column]),
    [['NSO1002', 'policies/keys.yaml', 200_001, 1]],
  )
})

test.run()
