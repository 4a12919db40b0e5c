import * as fs from 'node:fs'
import * as path from 'node:path'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { nodeHost } from '../../src/host/node-host.ts'
import { tempDir } from '../helpers/temp.ts'

/**
 * `Host.readRegularFile` on the disk: one read when the file holds what fstat said, and reads
 * to the end when it does not (a file in /proc says 0 bytes and holds more).
 */

test('a regular file is read whole, whatever its size', () => {
  const dir = tempDir('nsoffload-read-')
  const host = nodeHost(dir)
  for (const size of [0, 1, 4095, 4096, 65_537, 1_000_003]) {
    const f = path.join(dir, `f${size}`)
    const bytes = Buffer.alloc(size, 0x61 + (size % 26))
    fs.writeFileSync(f, bytes)
    const r = host.readRegularFile(f, 8 << 20)
    assert.ok('bytes' in r, `${size} bytes`)
    assert.ok(Buffer.from((r as { bytes: Uint8Array }).bytes).equals(bytes), `${size} bytes read as written`)
  }
  fs.writeFileSync(path.join(dir, 'big'), Buffer.alloc(2049))
  assert.equal(host.readRegularFile(path.join(dir, 'big'), 2048), { tooLarge: 2049 })
})

test('a file that says 0 bytes and holds more (/proc) is read to its end', () => {
  const status = '/proc/self/status'
  if (!fs.existsSync(status)) {
    assert.ok(process.platform !== 'linux', 'Linux has /proc')
    return
  }
  assert.is(fs.statSync(status).size, 0)
  const r = nodeHost('/').readRegularFile(status, 1 << 20)
  assert.ok('bytes' in r)
  const text = Buffer.from((r as { bytes: Uint8Array }).bytes).toString('utf8')
  assert.match(text, /^Name:/)
  assert.match(text, /\nPid:\s+\d+\n/)
  assert.ok(text.endsWith('\n'), 'to the end')
})

test.run()
