import { test } from 'uvu'
import * as assert from 'uvu/assert'
import type { FileStamp, Host } from '../../src/host/host.ts'
import { memoryHost } from '../../src/host/memory-host.ts'
import { RACY_MS, recordingHost, replayMatches } from '../../src/host/trace.ts'

/**
 * The trace of `build --cluster`'s cache (issue 19 point 2): a read whose file keeps its stamp
 * is not read again on a replay, but only when the file's last change was older than its read
 * by more than RACY_MS (git's "racy git" rule); any other read is hashed again. The stamps here
 * are set by hand, as a file system with coarse timestamps would leave them: the same stamp
 * after a change of content.
 */

const NOW = 1_800_000_000_000

function hostWithStamps(files: Record<string, string>, stamps: Map<string, FileStamp>): Host {
  const h = memoryHost({ cwd: '/repo', files })
  return { ...h, stamp: (p) => stamps.get(p) }
}

function read(host: Host, ...files: string[]): void {
  for (const f of files) host.readFile(f)
  host.readDir('/repo')
}

test('an old file whose stamp is unchanged is not read again; a changed stamp is, and a changed answer misses', () => {
  const stamps = new Map<string, FileStamp>([
    ['/repo/a.yaml', { id: 'a1', changedMs: NOW - RACY_MS - 1 }],
    ['/repo', { id: 'd1', changedMs: NOW - 60_000 }],
  ])
  const host = hostWithStamps({ '/repo/a.yaml': 'a: 1\n' }, stamps)
  const rec = recordingHost(host, () => NOW)
  read(rec.host, '/repo/a.yaml')
  const trace = rec.finish()
  assert.equal(trace.stamps, ['a1', 'd1'])
  assert.ok(replayMatches(host, trace), 'nothing changed')
  // The content changed and the stamp did not (only a stamp older than RACY_MS is trusted, so a real file system cannot do this).
  host.writeFile('/repo/a.yaml', 'a: 2\n')
  assert.ok(replayMatches(host, trace), 'the stamp stands for the content')
  stamps.set('/repo/a.yaml', { id: 'a2', changedMs: NOW + 5 })
  assert.not.ok(replayMatches(host, trace), 'a new stamp: read again, and the content differs')
  host.writeFile('/repo/a.yaml', 'a: 1\n')
  assert.ok(replayMatches(host, trace), 'a new stamp, the same content: the same answer')
})

test('a file changed just before it was read (racy) is read again on every replay, whatever its stamp says', () => {
  const stamps = new Map<string, FileStamp>([
    ['/repo/a.yaml', { id: 'a1', changedMs: NOW - RACY_MS + 1 }],
    ['/repo/b.yaml', { id: 'b1', changedMs: NOW - 10 * RACY_MS }],
    ['/repo', { id: 'd1', changedMs: NOW - 1 }],
  ])
  const host = hostWithStamps({ '/repo/a.yaml': 'a: 1\n', '/repo/b.yaml': 'b: 1\n' }, stamps)
  const rec = recordingHost(host, () => NOW)
  read(rec.host, '/repo/a.yaml', '/repo/b.yaml')
  const trace = rec.finish()
  assert.equal(trace.stamps, [null, 'b1', null])
  host.writeFile('/repo/a.yaml', 'a: 9\n')
  assert.not.ok(replayMatches(host, trace), 'the racy file was hashed')
  host.writeFile('/repo/a.yaml', 'a: 1\n')
  // A folder whose listing changes with the same stamp: racy, so listed again.
  host.writeFile('/repo/c.yaml', 'c: 1\n')
  assert.not.ok(replayMatches(host, trace), 'the racy folder was listed again')
})

test('a host without stamps (in memory) reads everything again; a trace of another length never matches', () => {
  const host = memoryHost({ cwd: '/repo', files: { '/repo/a.yaml': 'a: 1\n' } })
  const rec = recordingHost(host, () => NOW)
  read(rec.host, '/repo/a.yaml')
  const trace = rec.finish()
  assert.equal(trace.stamps, [null, null])
  assert.ok(replayMatches(host, trace))
  host.writeFile('/repo/a.yaml', 'a: 2\n')
  assert.not.ok(replayMatches(host, trace))
  assert.not.ok(replayMatches(host, { ...trace, answers: trace.answers.slice(1) }))
})

test('a replay whose first stamp does not hold (a fresh copy) reads every file, stamps or not, and checks them against the one digest', () => {
  const stamps = new Map<string, FileStamp>([
    ['/repo/a.yaml', { id: 'a1', changedMs: NOW - 60_000 }],
    ['/repo/b.yaml', { id: 'b1', changedMs: NOW - 60_000 }],
    ['/repo', { id: 'd1', changedMs: NOW - 60_000 }],
  ])
  const host = hostWithStamps({ '/repo/a.yaml': 'a: 1\n', '/repo/b.yaml': 'b: 1\n' }, stamps)
  const rec = recordingHost(host, () => NOW)
  read(rec.host, '/repo/a.yaml', '/repo/b.yaml')
  const trace = rec.finish()
  assert.equal(trace.stamps, ['a1', 'b1', 'd1'])
  // A fresh copy: the first file has a new stamp, and so replays read everything.
  stamps.set('/repo/a.yaml', { id: 'a2', changedMs: NOW + 5 })
  const asked: string[] = []
  const counting: Host = { ...host, readFile: (p) => (asked.push(p), host.readFile(p)) }
  assert.ok(replayMatches(counting, trace), 'the same content in a fresh copy')
  assert.equal(asked, ['/repo/a.yaml', '/repo/b.yaml'], 'both files read, the one whose stamp held too')
  // A change the stamp does not show (set by hand) is still seen: every answer is checked.
  host.writeFile('/repo/b.yaml', 'b: 2\n')
  assert.not.ok(replayMatches(host, trace), 'a changed file misses')
  host.writeFile('/repo/b.yaml', 'b: 1\n')
  host.writeFile('/repo/c.yaml', 'c: 1\n')
  assert.not.ok(replayMatches(host, trace), 'a new file in the folder misses')
  assert.not.ok(replayMatches(host, { ...trace, digest: trace.digest.replace(/^./, (c) => (c === '0' ? '1' : '0')) }), 'another digest misses')
})

test.run()
