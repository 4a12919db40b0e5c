import { createHash } from 'node:crypto'
import * as fs from 'node:fs'
import * as path from 'node:path'
import * as assert from 'uvu/assert'
import { runCli } from './cli.ts'

/** What a build prints once `tamperCache` has run: a build that prints it was served by the cache. */
export const FROM_CACHE = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: from-the-cache\n'

/** Makes every blob of every entry of `build --cluster`'s cache (a cluster's output) say FROM_CACHE, with the entry's sizes and digests made to agree. */
export function tamperCache(cache: string): void {
  for (const name of fs.readdirSync(cache)) {
    const file = path.join(cache, name, 'entry.json')
    if (!fs.existsSync(file)) continue
    const entry = JSON.parse(fs.readFileSync(file, 'utf8')) as { blobs: Record<string, { file: string; bytes: number; sha256: string }> }
    for (const ref of Object.values(entry.blobs)) {
      const b = Buffer.from(FROM_CACHE)
      fs.writeFileSync(path.join(cache, name, ref.file), b)
      ref.bytes = b.byteLength
      ref.sha256 = createHash('sha256').update(b).digest('hex')
    }
    fs.writeFileSync(file, JSON.stringify(entry))
  }
}

/** After a change of the inputs in `dir`: `build --cluster` of each of `ids` is not served the tampered entry and prints, says and exits as `--no-cache` does. */
export async function assertMissesLikeNoCache(dir: string, env: Readonly<Record<string, string>>, ids: readonly string[]): Promise<void> {
  for (const id of ids) {
    const fresh = await runCli(['build', '--cluster', id, '--no-cache'], dir, '', env)
    const cached = await runCli(['build', '--cluster', id], dir, '', env)
    assert.not.match(cached.stdout, FROM_CACHE, `${id}: a stale answer`)
    assert.is(cached.stdout, fresh.stdout, id)
    assert.is(cached.stderr, fresh.stderr, id)
    assert.is(cached.code, fresh.code, id)
  }
}
