import * as fs from 'node:fs'
import * as path from 'node:path'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { listTree, REPO, runCli, runMemory, tempTree } from '../helpers/cli.ts'

/** Same inputs, byte-identical outputs, whatever the order or the names of the input files. */
const dir = path.join(REPO, 'fixtures', 'golden', 'selector-forms')
const docs = fs.readFileSync(path.join(dir, 'policies', 'forms.yaml'), 'utf8').split(/^---\n/m)
const inventory = fs.readFileSync(path.join(dir, 'inventory.yaml'), 'utf8')

function inputs(order: number[], names: string[]): Record<string, string> {
  const files: Record<string, string> = { 'inventory.yaml': inventory }
  order.forEach((d, i) => (files[`policies/${names[i]}`] = docs[d] ?? ''))
  return files
}
const tree = (order: number[], names: string[]): string => tempTree(inputs(order, names))

async function outputs(cwd: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {}
  for (const args of [['plan'], ['plan', '--format', 'json'], ['build', '--cluster', 'florence'], ['build', '--cluster', 'venice']]) {
    const r = await runCli(args, cwd)
    assert.is(r.code, 0, r.stderr)
    out[args.join(' ')] = r.stdout + r.stderr
  }
  await runCli(['build', '-o', 'out'], cwd)
  for (const f of listTree(path.join(cwd, 'out'))) out[f] = fs.readFileSync(path.join(cwd, 'out', f), 'utf8')
  return out
}

test('the order of -p arguments does not change a byte', async () => {
  const files = inputs([0, 1, 2], ['a.yaml', 'b.yaml', 'c.yaml'])
  const run = async (args: string[]): Promise<string> => {
    const r = await runMemory(files, args)
    assert.is(r.code, 0, r.stderr)
    return r.stdout + r.stderr
  }
  for (const cmd of [['plan'], ['plan', '--format', 'json'], ['build', '--cluster', 'venice']]) {
    const forward = await run([...cmd, '-p', 'policies/a.yaml', '-p', 'policies/b.yaml', '-p', 'policies/c.yaml'])
    const backward = await run([...cmd, '-p', 'policies/c.yaml', '-p', 'policies/b.yaml', '-p', 'policies/a.yaml'])
    const folder = await run([...cmd, '-p', 'policies'])
    assert.is(forward, backward)
    assert.is(forward, folder)
  }
})

test('moving documents between files changes only where diagnostics point', async () => {
  const a = await outputs(tree([0, 1, 2], ['a.yaml', 'b.yaml', 'c.yaml']))
  const b = await outputs(tree([2, 0, 1], ['a.yaml', 'b.yaml', 'c.yaml']))
  const c = await outputs(tree([1, 2, 0], ['z.yaml', 'm.yaml', 'a.yml']))
  // Manifests and build folders: byte-identical.
  const manifests = (o: Record<string, string>): Record<string, string> =>
    Object.fromEntries(
      Object.entries(o)
        .filter(([k]) => !k.startsWith('plan'))
        .map(([k, v]) => [k, v.split(/^policies\//m)[0] ?? '']),
    )
  assert.equal(manifests(a), manifests(b))
  assert.equal(manifests(a), manifests(c))
  // The plan, less the file names and positions it quotes.
  const plan = (o: Record<string, string>): unknown => {
    const doc = JSON.parse(o['plan --format json']?.split(/^policies\//m)[0] ?? '{}') as { namespaces: { source?: string }[]; diagnostics: unknown[] }
    return { namespaces: doc.namespaces.map((n) => ({ ...n, source: undefined })), diagnostics: doc.diagnostics.length }
  }
  assert.equal(plan(a), plan(b))
  assert.equal(plan(a), plan(c))
})

test('two runs give byte-identical output', async () => {
  const cwd = tree([0, 1, 2], ['a.yaml', 'b.yaml', 'c.yaml'])
  assert.equal(await outputs(cwd), await outputs(cwd))
})

test.run()
