import { spawnSync } from 'node:child_process'
import * as fs from 'node:fs'
import * as path from 'node:path'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { generateFleet, writeFleet } from '../../bench/fleet.ts'
import { UsageError } from '../../src/cli/exit-codes.ts'
import { writeClusterFolders } from '../../src/cli/write-output.ts'
import { nodeHost } from '../../src/host/node-host.ts'
import { GENERATED_HEADER } from '../../src/render/bundle.ts'
import { listTree, REPO, runCli, tempTree } from '../helpers/cli.ts'

const example = (): string => {
  const dir = tempTree({ 'inventory.yaml': fs.readFileSync(path.join(REPO, 'inventory.yaml'), 'utf8') })
  fs.cpSync(path.join(REPO, 'policies'), path.join(dir, 'policies'), { recursive: true })
  fs.cpSync(path.join(REPO, 'apps'), path.join(dir, 'apps'), { recursive: true })
  return dir
}

let bundled = false
/** `npm run build` once, so that these tests run the bundle of the sources they are next to. */
function bundleOnce(): void {
  if (bundled) return
  const b = spawnSync(process.execPath, [path.join(REPO, 'scripts', 'bundle.mjs')], { cwd: REPO, encoding: 'utf8' })
  assert.is(b.status, 0, b.stderr)
  bundled = true
}

test('build -o writes one folder per cluster, each with a kustomization.yaml', async () => {
  const cwd = example()
  const r = await runCli(['build', '-o', 'out'], cwd)
  assert.is(r.code, 0, r.stderr)
  assert.is(r.stdout, '', 'stdout stays empty in text mode')
  assert.match(r.stderr, /wrote out\/venice\//)
  const files = listTree(path.join(cwd, 'out'))
  for (const c of ['venice', 'florence', 'naples']) assert.ok(files.includes(`${c}/kustomization.yaml`), c)
  assert.ok(files.includes('naples/liqo-demo/namespace.yaml'))
  assert.not.ok(
    files.some((f) => f.startsWith('florence/liqo-demo')),
    'florence is not selected',
  )
})

test('build -o never overwrites a folder it did not write, and writes nothing then', async () => {
  const cwd = example()
  fs.mkdirSync(path.join(cwd, 'out', 'naples'), { recursive: true })
  fs.writeFileSync(path.join(cwd, 'out', 'naples', 'precious.yaml'), 'keep: me\n')
  const r = await runCli(['build', '-o', 'out'], cwd)
  assert.is(r.code, 2)
  assert.is(
    r.stderr.split('\n')[0],
    'nsoffload: out: holds files nsoffload did not write ("naples"); refusing to write cluster folders there: give -o a folder of its own (e.g. -o out), or add --allow-other-files to write beside them (they are left alone)',
  )
  assert.equal(listTree(path.join(cwd, 'out')), ['naples/precious.yaml'])
  // Beside other files, a folder named after a cluster is still never overwritten.
  const beside = await runCli(['build', '-o', 'out', '--allow-other-files'], cwd)
  assert.is(beside.code, 2)
  assert.match(beside.stderr, /^nsoffload: out\/naples: exists and was not written by nsoffload; refusing to overwrite it$/m)
  assert.equal(listTree(path.join(cwd, 'out')), ['naples/precious.yaml'])
})

test('build -o replaces its own folders and removes those of clusters gone from the inventory', async () => {
  const cwd = example()
  assert.is((await runCli(['build', '-o', 'out'], cwd)).code, 0)
  fs.writeFileSync(path.join(cwd, 'out', 'venice', 'stale.yaml'), 'x: 1\n')
  const inv = fs.readFileSync(path.join(cwd, 'inventory.yaml'), 'utf8')
  fs.writeFileSync(
    path.join(cwd, 'inventory.yaml'),
    inv.replace(/    - clusterID: florence\n      context: florence\n      labels:\n        topology.liqo.io\/region: center\n/, ''),
  )
  fs.mkdirSync(path.join(cwd, 'out', 'notes'))
  fs.writeFileSync(path.join(cwd, 'out', 'notes', 'README'), 'mine\n')
  const refused = await runCli(['build', '-o', 'out'], cwd)
  assert.is(refused.code, 2, 'out/ now holds a folder nsoffload did not write')
  assert.match(refused.stderr, /^nsoffload: out: holds files nsoffload did not write \("notes"\); .*--allow-other-files/m)
  assert.ok(listTree(path.join(cwd, 'out')).includes('venice/stale.yaml'), 'nothing changed')
  const r = await runCli(['build', '-o', 'out', '--allow-other-files'], cwd)
  assert.is(r.code, 0, r.stderr)
  const files = listTree(path.join(cwd, 'out'))
  assert.not.ok(files.includes('venice/stale.yaml'))
  assert.not.ok(
    files.some((f) => f.startsWith('florence/')),
    'florence was ours and is gone',
  )
  assert.ok(files.includes('notes/README'), 'a folder nsoffload did not write stays')
  assert.not.ok(files.some((f) => f.includes('nsoffload-tmp')))
})

test('build -o without a value, or build without -o and --cluster: exit 2 naming the options, nothing written', async () => {
  const cwd = example()
  const before = listTree(cwd)
  for (const args of [
    ['build', '-o'],
    ['build', '--output='],
    ['build', '-o', ''],
    ['build', '-o', '--strict'],
  ]) {
    const r = await runCli(args, cwd)
    assert.is(r.code, 2, `${args.join(' ')}: ${r.stderr}`)
    assert.is(r.stderr, 'nsoffload: -o needs a folder: -o DIR, e.g. -o out\n', args.join(' '))
    assert.equal(listTree(cwd), before, `${args.join(' ')} wrote nothing`)
  }
  const twice = await runCli(['build', '-o', 'a', '-o', 'b'], cwd)
  assert.is(twice.code, 2)
  assert.is(twice.stderr, 'nsoffload: -o given more than once: give one folder\n')
  const r = await runCli(['build'], cwd)
  assert.is(r.code, 2)
  assert.is(r.stderr, 'nsoffload: build needs -o DIR (a folder per cluster) or --cluster ID (one cluster on stdout)\n')
  assert.equal(listTree(cwd), before)
})

test('build -o refuses the project folder and folders holding other files, unless --allow-other-files; nothing of the user is lost', async () => {
  const cwd = example()
  fs.mkdirSync(path.join(cwd, '.git'))
  fs.writeFileSync(path.join(cwd, '.git', 'HEAD'), 'ref: refs/heads/main\n')
  fs.writeFileSync(path.join(cwd, 'README.md'), '# mine\n')
  const before = listTree(cwd)
  for (const out of ['.', './', cwd]) {
    const r = await runCli(['build', '-o', out], cwd)
    assert.is(r.code, 2, r.stderr)
    assert.is(
      r.stderr,
      `nsoffload: ${out}: is a project folder (it holds .git/, inventory.yaml, policies/); refusing to write cluster folders there: give -o a folder of its own (e.g. -o out), or add --allow-other-files to write beside them (they are left alone)\n`,
      'the refusal comes alone, before compiling',
    )
    assert.equal(listTree(cwd), before, 'nothing written')
  }
  // A folder with someone's files, and the folder above the project.
  fs.mkdirSync(path.join(cwd, 'docs'))
  fs.writeFileSync(path.join(cwd, 'docs', 'notes.md'), 'mine\n')
  const docs = await runCli(['build', '-o', 'docs'], cwd)
  assert.is(docs.code, 2)
  assert.match(docs.stderr, /^nsoffload: docs: holds files nsoffload did not write \("notes\.md"\)/m)
  assert.equal(listTree(path.join(cwd, 'docs')), ['notes.md'])
  const up = await runCli(['build', '-o', '..'], path.join(cwd, 'policies'))
  assert.is(up.code, 2)
  // Asked for: cluster folders beside the user's files, which stay as they were.
  const ok = await runCli(['build', '-o', '.', '--allow-other-files'], cwd)
  assert.is(ok.code, 0, ok.stderr)
  assert.match(ok.stderr, /^wrote venice\/ \(\d+ objects\)$/m)
  const after = listTree(cwd)
  for (const f of before) assert.ok(after.includes(f), `${f} kept`)
  assert.is(fs.readFileSync(path.join(cwd, 'README.md'), 'utf8'), '# mine\n')
  // The next run, with a cluster gone from the inventory, removes only that cluster's folder.
  const inv = fs.readFileSync(path.join(cwd, 'inventory.yaml'), 'utf8')
  fs.writeFileSync(
    path.join(cwd, 'inventory.yaml'),
    inv.replace(/    - clusterID: florence\n      context: florence\n      labels:\n        topology.liqo.io\/region: center\n/, ''),
  )
  const again = await runCli(['build', '-o', '.', '--allow-other-files'], cwd)
  assert.is(again.code, 0, again.stderr)
  const last = listTree(cwd)
  assert.not.ok(
    last.some((f) => f.startsWith('florence/')),
    'florence was written by nsoffload and is gone',
  )
  for (const f of before) assert.ok(last.includes(f), `${f} kept`)
  assert.ok(last.includes('docs/notes.md') && last.includes('venice/kustomization.yaml'))
})

test('build -o refuses a folder inside the policies folder (read as policies on the next run)', async () => {
  const cwd = example()
  const before = listTree(cwd)
  for (const [args, shown] of [
    [['-o', 'policies/out'], 'policies/out'],
    [['-o', 'policies'], 'policies'],
    [['-p', 'policies', '-o', 'policies/x/y'], 'policies/x/y'],
  ] as const) {
    const r = await runCli(['build', ...args], cwd)
    assert.is(r.code, 2, r.stderr)
    assert.is(
      r.stderr,
      `nsoffload: ${shown}: is inside the policies folder policies, whose subfolders are read as policies; give -o a folder outside it, e.g. -o out\n`,
    )
  }
  assert.equal(listTree(cwd), before)
})

test('build -o refuses a folder inside the policies folder reached through a symbolic link', async () => {
  const cwd = example()
  fs.symlinkSync('policies', path.join(cwd, 'outlink'))
  fs.symlinkSync('policies', path.join(cwd, 'plink'))
  const before = listTree(cwd)
  for (const [args, shown, input] of [
    [['-o', 'outlink/gen'], 'outlink/gen', 'policies'],
    [['-o', 'outlink'], 'outlink', 'policies'],
    [['-p', 'plink', '-o', 'policies/gen'], 'policies/gen', 'plink'],
  ] as const) {
    const r = await runCli(['build', ...args], cwd)
    assert.is(r.code, 2, r.stderr)
    assert.is(
      r.stderr,
      `nsoffload: ${shown}: is inside the policies folder ${input}, whose subfolders are read as policies; give -o a folder outside it, e.g. -o out\n`,
    )
  }
  assert.equal(listTree(cwd), before, 'nothing written')
  const v = await runCli(['validate'], cwd)
  assert.is(v.code, 0, v.stdout)
})

test('build -o into a place it cannot write says so: exit 2, no stack trace, nothing half-written', async () => {
  const cwd = example()
  fs.writeFileSync(path.join(cwd, 'out'), 'a file\n')
  const r = await runCli(['build', '-o', 'out/folders'], cwd)
  assert.is(r.code, 2)
  assert.match(r.stderr, /^nsoffload: cannot write out\/folders: a part of the path is a file, not a folder\n$/m)
  assert.not.match(r.stderr, /internal error|\n\s+at /)
})

test('a file that cannot be written midway: exit 2 naming it, the temporary folders removed, every previous folder untouched', async () => {
  const cwd = example()
  assert.is((await runCli(['build', '-o', 'out'], cwd)).code, 0)
  const before = listTree(path.join(cwd, 'out'))
  // A file queued where florence's temporary folder must hold a folder: writing there fails
  // after venice's folder was written.
  const host = nodeHost(cwd)
  const queue = host.fileQueue
  host.fileQueue = () => {
    const q = queue()
    return {
      push: (seq, op) => {
        if (op.op === 'write' && /\.florence\.[0-9a-f]{8}\.nsoffload-tmp/.test(op.path))
          q.push(seq, { op: 'write', path: path.dirname(op.path), data: 'in the way\n' })
        q.push(seq, op)
      },
      done: () => q.done(),
      abort: () => q.abort(),
    }
  }
  const clusters = new Map([
    [
      'venice',
      () => [
        { path: 'a/x.yaml', content: 'x: 1\n' },
        { path: 'kustomization.yaml', content: `${GENERATED_HEADER}resources: []\n` },
      ],
    ],
    ['florence', () => [{ path: 'a/x.yaml', content: 'x: 1\n' }]],
  ])
  const err = await writeClusterFolders(host, 'out', clusters).then(
    () => undefined,
    (e: unknown) => e,
  )
  assert.instance(err, UsageError)
  assert.match((err as Error).message, /^cannot write out\/\.florence\.[0-9a-f]{8}\.nsoffload-tmp\/a: a part of the path is a file, not a folder$/)
  const after = listTree(path.join(cwd, 'out'))
  assert.not.ok(
    after.some((f) => f.includes('nsoffload-tmp')),
    after.join(' '),
  )
  assert.not.ok(after.includes('venice/a/x.yaml'), 'venice, written before the failure, is not swapped in: all clusters or none')
  assert.equal(after, before, 'every cluster keeps its previous folder')
})

test('a rename that fails during the swap is undone: every cluster keeps its previous folder, nothing left aside', async () => {
  const cwd = example()
  assert.is((await runCli(['build', '-o', 'out'], cwd)).code, 0)
  const before = listTree(path.join(cwd, 'out'))
  const host = nodeHost(cwd)
  const rename = host.rename
  // naples's new folder cannot be moved in, after venice's and florence's were.
  host.rename = (from, to) => {
    if (to === path.join(cwd, 'out', 'naples') && from.endsWith('.nsoffload-tmp'))
      throw Object.assign(new Error('EACCES: permission denied'), { code: 'EACCES', path: to })
    rename(from, to)
  }
  const file = (id: string) => () => [{ path: 'kustomization.yaml', content: `${GENERATED_HEADER}# new ${id}\nresources: []\n` }]
  const clusters = new Map([
    ['venice', file('venice')],
    ['florence', file('florence')],
    ['naples', file('naples')],
  ])
  const err = await writeClusterFolders(host, 'out', clusters).then(
    () => undefined,
    (e: unknown) => e,
  )
  assert.instance(err, UsageError)
  assert.match((err as Error).message, /^cannot write out\/naples: permission denied$/)
  assert.equal(listTree(path.join(cwd, 'out')), before, 'the previous output, whole, and no scratch folder')
  assert.not.match(fs.readFileSync(path.join(cwd, 'out', 'venice', 'kustomization.yaml'), 'utf8'), /# new/)
})

test('the built binary writes a fleet through its writer threads as the sources do', async () => {
  bundleOnce()
  const cwd = tempTree()
  writeFleet(generateFleet({ policies: 800, clusters: 10 }), cwd)
  const bin = spawnSync(process.execPath, [path.join(REPO, 'bin', 'nsoffload.js'), 'build', '-o', 'bin-out'], { cwd, encoding: 'utf8' })
  assert.is(bin.status, 0, bin.stderr)
  const src = await runCli(['build', '-o', 'src-out'], cwd)
  assert.is(src.code, 0, src.stderr)
  const files = listTree(path.join(cwd, 'src-out'))
  assert.ok(files.length > 2000, `${files.length} files: enough to start the writer threads`)
  assert.equal(listTree(path.join(cwd, 'bin-out')), files)
  for (const f of files) assert.is(fs.readFileSync(path.join(cwd, 'bin-out', f), 'utf8'), fs.readFileSync(path.join(cwd, 'src-out', f), 'utf8'), f)
})

test('build --cluster prints only manifests on stdout; an unknown cluster is exit 2 with a suggestion', async () => {
  const cwd = example()
  const r = await runCli(['build', '--cluster', 'naples'], cwd)
  assert.is(r.code, 0)
  assert.match(r.stdout, /^apiVersion: v1\nkind: Namespace\n/)
  const bad = await runCli(['build', '--cluster', 'napels'], cwd)
  assert.is(bad.code, 2)
  assert.match(bad.stderr, /cluster "napels" is not in the inventory .*did you mean "naples"\?/)
  assert.is(bad.stdout, '')
})

test('usage errors are exit 2 without a stack trace', async () => {
  const cwd = example()
  for (const args of [['build'], ['frobnicate'], ['plan', '--format', 'yaml'], ['plan', '-i', 'missing.yaml'], ['validate', 'nope/']]) {
    const r = await runCli(args, cwd)
    assert.is(r.code, 2, `${args.join(' ')}: ${r.stderr}`)
    assert.match(r.stderr, /^nsoffload: /)
    assert.not.match(r.stderr, /\n\s+at /)
  }
})

test('validate without an inventory checks the policies and says loudly that the clusters were not checked', async () => {
  const cwd = example()
  fs.rmSync(path.join(cwd, 'inventory.yaml'))
  const r = await runCli(['validate'], cwd)
  assert.is(r.code, 0, r.stderr)
  assert.ok(
    r.stdout.startsWith(
      `nsoffload: warning NSO3046: no inventory (inventory.yaml does not exist in ${cwd}): cluster selection, remote namespace names and workload placement were not checked\n`,
    ),
    r.stdout,
  )
  assert.match(r.stdout, /hint: give the inventory with -i FILE, or --no-inventory to check the policies alone/)
  const strict = await runCli(['validate', '--strict'], cwd)
  assert.is(strict.code, 1, '--strict fails without an inventory')
  assert.match(strict.stdout, /error NSO3046/)
  for (const f of ['json', 'junit', 'sarif', 'github']) {
    const o = await runCli(['validate', '--format', f], cwd)
    assert.is(o.code, 0, f)
    assert.ok(o.stdout.includes('NSO3046'), `${f}: ${o.stdout}`)
  }
  // Waived explicitly: the policies alone, without a word, even with --strict.
  for (const args of [
    ['validate', '--no-inventory'],
    ['validate', '--no-inventory', '--strict'],
  ]) {
    const w = await runCli(args, cwd)
    assert.is(w.code, 0, w.stderr)
    assert.is(w.stdout, '')
    assert.not.match(w.stderr, /NSO3046|warning/)
  }
  const both = await runCli(['validate', '--no-inventory', '-i', 'inventory.yaml'], cwd)
  assert.is(both.code, 2)
  assert.is(both.stderr, 'nsoffload: --no-inventory and -i exclude each other\n')
  const missing = await runCli(['validate', '-i', 'nope.yaml'], cwd)
  assert.is(missing.code, 2, 'an explicit -i that does not exist')
  assert.is(missing.stderr, 'nsoffload: nope.yaml: no such file (the cluster inventory given with -i)\n')
  for (const cmd of ['plan', 'build --cluster venice', 'diff', 'sync', 'status']) {
    const plan = await runCli(cmd.split(' '), cwd)
    assert.is(plan.code, 2, `${cmd} needs the inventory`)
    assert.is(
      plan.stderr,
      `nsoffload: inventory.yaml: no such file in ${cwd} (the cluster inventory): run nsoffload from the folder that holds it, or give -i FILE\n`,
      cmd,
    )
    const waived = await runCli([...cmd.split(' '), '--no-inventory'], cwd)
    assert.is(waived.code, 2)
    assert.match(waived.stderr, /^nsoffload: --no-inventory: this command needs the cluster inventory \(only validate checks policies without one\)\n$/)
  }
  assert.match(r.stderr, /^1 policy valid, no inventory: 1 warning$/m)
})

test('the built binary runs (bin/nsoffload.js over the bundle in dist/) and says what the sources say', async () => {
  bundleOnce()
  const bin = (args: string[], cwd = REPO) => spawnSync(process.execPath, [path.join(REPO, 'bin', 'nsoffload.js'), ...args], { cwd, encoding: 'utf8' })
  const v = bin(['--version'])
  assert.is(v.status, 0, v.stderr)
  assert.match(v.stdout, /^\d+\.\d+\.\d+\n$/)
  const p = bin(['plan', '--format', 'json'])
  assert.is(p.status, 0, p.stderr)
  const doc = JSON.parse(p.stdout) as { namespaces: { namespace: string; status: { offloadingPhase: string } }[] }
  assert.is(doc.namespaces[0]?.status.offloadingPhase, 'Ready')
  // Help is laid out with string-width, which the bundle evaluates lazily (scripts/bundle.mjs).
  for (const args of [['--help'], ['build', '--help'], ['sync', '--help']]) {
    const h = bin(args)
    assert.is(h.status, 0, h.stderr)
    assert.is(h.stdout, (await runCli(args, REPO)).stdout, args.join(' '))
  }
  assert.match(bin(['build', '--help']).stdout, /Examples:/)
  // A bad command line: the same diagnostic and exit code, no stack trace.
  const bad = bin(['bulid'])
  const fromSources = await runCli(['bulid'], REPO)
  assert.equal([bad.status, bad.stderr], [fromSources.code, fromSources.stderr])
})

test.run()
