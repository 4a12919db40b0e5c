import { createHash } from 'node:crypto'
import { readdirSync, readFileSync } from 'node:fs'
import * as path from 'node:path'
import { fileURLToPath } from 'node:url'

let cached: string | undefined

/** The package version, read once from package.json (two levels above src/cli and dist/cli). */
export function version(): string {
  if (cached === undefined) {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }
    cached = pkg.version
  }
  return cached
}

let identity: string | null | undefined

/**
 * What identifies this build of nsoffload's code, for caches of what it computed (`build
 * --cluster`'s): the digest `npm run build` writes next to the bundle (`code-id.txt`, over every
 * file of it: any change to the code or to a bundled library is a new identity), or, run from
 * the sources, a digest of every file of `src/` and of the package lock (the libraries'
 * versions). With the package version, and the version of Node.js that runs it. Undefined when
 * it cannot be told (a bundle without its `code-id.txt`, sources without their lock): then
 * nothing is cached, rather than an answer computed by other code served.
 */
export function codeIdentity(): string | undefined {
  if (identity === undefined) {
    try {
      let id: string
      if (import.meta.url.endsWith('.ts')) {
        const h = createHash('sha256')
        const src = fileURLToPath(new URL('../', import.meta.url))
        const walk = (dir: string): void => {
          for (const e of readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
            const p = path.join(dir, e.name)
            if (e.isDirectory()) walk(p)
            else h.update(`${path.relative(src, p)}\0`).update(readFileSync(p))
          }
        }
        walk(src)
        h.update(readFileSync(new URL('../../package-lock.json', import.meta.url)))
        id = `src-${h.digest('hex')}`
      } else {
        id = readFileSync(new URL('./code-id.txt', import.meta.url), 'utf8').trim()
        if (!/^[0-9a-f]{64}$/.test(id)) throw new Error('not a code identity')
      }
      identity = `${id} nsoffload ${version()} node ${process.version} ${process.arch}`
    } catch {
      identity = null
    }
  }
  return identity ?? undefined
}
