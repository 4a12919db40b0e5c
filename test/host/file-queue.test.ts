import * as fs from 'node:fs'
import * as path from 'node:path'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { pack, unpack } from '../../src/host/file-ops.ts'
import { type FileOp, FileQueueError, nodeFileQueue } from '../../src/host/file-queue.ts'
import { listTree, tempTree } from '../helpers/cli.ts'

/** Every file below a folder with its content. */
const snapshot = (dir: string): Record<string, string> => Object.fromEntries(listTree(dir).map((f) => [f, fs.readFileSync(path.join(dir, f), 'utf8')]))

/** Three cluster folders written as `build -o` does: remove the temporary folder, write, swap in. */
function clusterOps(root: string): [string, FileOp][] {
  const ops: [string, FileOp][] = []
  for (const [id, files] of [
    ['home', 900],
    ['edge-a', 700],
    ['edge-b', 500],
  ] as const) {
    const tmp = path.join(root, `.${id}.tmp`)
    ops.push([id, { op: 'remove', path: tmp }])
    for (let i = 0; i < files; i++) ops.push([id, { op: 'write', path: path.join(tmp, `ns-${i}`, 'namespace.yaml'), data: `name: ns-${i}\ncluster: ${id}\n` }])
    ops.push([id, { op: 'write', path: path.join(tmp, 'kustomization.yaml'), data: `# ${id}\n` }])
    ops.push([id, { op: 'replace', from: tmp, to: path.join(root, id) }])
  }
  ops.push(['old', { op: 'remove', path: path.join(root, 'old') }])
  return ops
}

/** A folder as a previous build left it: a stale cluster and stale files in a current one. */
function previousBuild(): string {
  return tempTree({ 'old/kustomization.yaml': '# old\n', 'home/stale.yaml': 'x: 1\n', '.edge-a.tmp/half-written.yaml': 'x: 1\n' })
}

test('writer threads leave the same tree as writing in order on this thread', async () => {
  const trees = []
  for (const [threshold, threads] of [
    [Infinity, 1],
    [0, 1],
    [0, 2],
    [1000, 3],
  ] as const) {
    const root = previousBuild()
    const q = nodeFileQueue(threshold, threads)
    for (const [seq, op] of clusterOps(root)) q.push(seq, op)
    await q.done()
    trees.push(snapshot(root))
  }
  const [inline, ...threaded] = trees
  assert.is(Object.keys(inline ?? {}).length, 900 + 700 + 500 + 3)
  assert.not.ok(Object.keys(inline ?? {}).some((f) => f.startsWith('old/') || f.includes('.tmp') || f === 'home/stale.yaml'))
  for (const t of threaded) assert.equal(t, inline)
})

test('a batch handed to a writer thread unpacks to the same operations: any text, bytes, every kind', () => {
  const ops: FileOp[] = [
    { op: 'remove', path: '/o/.x.tmp' },
    { op: 'write', path: '/o/.x.tmp/ns/a.yaml', data: 'kind: ConfigMap\n' },
    { op: 'write', path: '/o/.x.tmp/ünï/日本.yaml', data: 'name: "ü 日本 🚀 \u0000 \ud800"\n' },
    { op: 'write', path: '/o/.x.tmp/empty.yaml', data: '' },
    { op: 'write', path: '/o/.x.tmp/bytes.bin', data: new Uint8Array([0, 255, 10, 13]) },
    { op: 'replace', from: '/o/.x.tmp', to: '/o/x' },
  ]
  const back = unpack(pack(ops))
  const bytes = (d: string | Uint8Array): number[] => [...(typeof d === 'string' ? Buffer.from(d) : d)]
  assert.is(back.length, ops.length)
  back.forEach((b, i) => {
    const o = ops[i] as FileOp
    assert.is(b.op, o.op)
    if (b.op === 'write' && o.op === 'write') {
      assert.is(b.path, o.path)
      assert.equal(bytes(b.data), bytes(o.data))
    } else assert.equal(b, o)
  })
})

test('a failure stops its sequence before the swap and rejects done() with what failed', async () => {
  for (const threshold of [Infinity, 0]) {
    const root = previousBuild()
    fs.writeFileSync(path.join(root, 'blocker'), 'a file where a folder is needed\n')
    const q = nodeFileQueue(threshold, 2)
    const tmp = path.join(root, '.home.tmp')
    q.push('home', { op: 'write', path: path.join(tmp, 'a.yaml'), data: 'a: 1\n' })
    q.push('home', { op: 'write', path: path.join(root, 'blocker', 'b.yaml'), data: 'b: 1\n' })
    q.push('home', { op: 'replace', from: tmp, to: path.join(root, 'home') })
    const err = await q.done().then(
      () => undefined,
      (e: unknown) => e,
    )
    assert.instance(err, FileQueueError, `threshold ${threshold}`)
    const f = (err as FileQueueError).failure
    assert.ok(f.code === 'EEXIST' || f.code === 'ENOTDIR', f.code)
    assert.ok(f.path.startsWith(path.join(root, 'blocker')), f.path)
    assert.equal(snapshot(path.join(root, 'home')), { 'stale.yaml': 'x: 1\n' }, 'the previous folder stays')
  }
})

test('below the threshold nothing is written before done()', async () => {
  const root = tempTree()
  const q = nodeFileQueue(10, 2)
  for (let i = 0; i < 9; i++) q.push('s', { op: 'write', path: path.join(root, `f${i}`), data: 'x' })
  assert.equal(listTree(root), [])
  await q.done()
  assert.is(listTree(root).length, 9)
})

test.run()
