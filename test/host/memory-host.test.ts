import * as fs from 'node:fs'
import * as path from 'node:path'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { main } from '../../src/cli/main.ts'
import { memoryHost } from '../../src/host/memory-host.ts'
import { listTree, runCli } from '../helpers/cli.ts'

const ROOT = path.resolve(import.meta.dirname, '../..')

/** The bundled example (policies, inventory, workloads) as a map of absolute paths under `/repo`. */
function exampleFiles(): Map<string, Uint8Array> {
  const files = new Map<string, Uint8Array>()
  for (const top of ['policies', 'apps'])
    for (const rel of listTree(path.join(ROOT, top))) files.set(`/repo/${top}/${rel}`, fs.readFileSync(path.join(ROOT, top, rel)))
  files.set('/repo/inventory.yaml', fs.readFileSync(path.join(ROOT, 'inventory.yaml')))
  return files
}

test('the CLI on a memory host prints what it prints on the disk', async () => {
  for (const args of [['plan'], ['plan', '--format', 'json'], ['validate'], ['build', '--cluster', 'florence']]) {
    const host = memoryHost({ cwd: '/repo', files: exampleFiles(), dirs: ['/repo/.git'] })
    const code = await main(args, host)
    const disk = await runCli(args, ROOT)
    assert.is(code, disk.code, args.join(' '))
    assert.is(host.out.stdout, disk.stdout, args.join(' '))
    assert.is(host.out.stderr, disk.stderr, args.join(' '))
  }
})

test('build -o writes its folders into the memory host', async () => {
  const host = memoryHost({ cwd: '/repo', files: exampleFiles(), dirs: ['/repo/.git'] })
  const code = await main(['build', '-o', 'out'], host)
  assert.is(code, 0, host.out.stderr)
  const written = [...host.files.keys()].filter((p) => p.startsWith('/repo/out/')).sort()
  assert.ok(written.includes('/repo/out/venice/kustomization.yaml'), written.join('\n'))
  assert.ok(
    written.every((p) => !p.includes('.tmp')),
    'no temporary folder left',
  )
})

test('reads, lists and stats like a file system', () => {
  const host = memoryHost({ cwd: '/w', files: { 'a/b.yaml': 'x: 1\n', '/abs/c.txt': 'c' }, dirs: ['empty'] })
  assert.is(new TextDecoder().decode(host.readFile('a/b.yaml')), 'x: 1\n')
  assert.equal(host.stat('/w/a'), { dir: true, file: false })
  assert.equal(host.stat('a/b.yaml'), { dir: false, file: true })
  assert.is(host.stat('nope'), undefined)
  assert.equal(
    host.readDir('/w').sort((x, y) => x.name.localeCompare(y.name)),
    [
      { name: 'a', dir: true },
      { name: 'empty', dir: true },
    ],
  )
  assert.throws(() => host.readFile('missing'), /ENOENT/)
  assert.throws(() => host.writeFile('no/folder/f', 'x'), /ENOENT/)
})

test.run()
