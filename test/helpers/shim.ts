import { spawnSync } from 'node:child_process'
import * as fs from 'node:fs'
import * as path from 'node:path'
import { fileURLToPath } from 'node:url'
import { tempDir } from './temp.ts'

const REPO = fileURLToPath(new URL('../../', import.meta.url))
const ENTRY = fileURLToPath(new URL('../../src/cli/entry.ts', import.meta.url))

let bundled: string | undefined

/**
 * The CLI from the sources, bundled once per test run by scripts/bundle.mjs (what `npm run
 * build` ships): starting it is much faster than through tsx. The bundle sits in a copy of the
 * package root (package.json, and schemas/ and node_modules/ linked), as in dist/. Undefined
 * when it cannot be built (the shim then runs the sources through tsx).
 */
function bundle(): string | undefined {
  if (bundled !== undefined) return bundled || undefined
  bundled = ''
  const root = tempDir('nsoffload-cli-')
  const r = spawnSync(process.execPath, [path.join(REPO, 'scripts', 'bundle.mjs'), '--out', path.join(root, 'dist')], { encoding: 'utf8' })
  if (r.status !== 0) return undefined
  fs.copyFileSync(path.join(REPO, 'package.json'), path.join(root, 'package.json'))
  fs.symlinkSync(path.join(REPO, 'schemas'), path.join(root, 'schemas'))
  fs.symlinkSync(path.join(REPO, 'node_modules'), path.join(root, 'node_modules'))
  bundled = path.join(root, 'dist', 'cli', 'entry.js')
  return bundled
}

/**
 * A folder holding an executable `nsoffload` that runs the CLI from the sources, to put first
 * on PATH when a test runs a shell script, a CI recipe or an Argo CD plugin command exactly as
 * written for users.
 */
export function nsoffloadShim(): string {
  const dir = tempDir('nsoffload-bin-')
  const b = bundle()
  const run = b ? [process.execPath, b] : [process.execPath, '--import', import.meta.resolve('tsx'), ENTRY]
  fs.writeFileSync(path.join(dir, 'nsoffload'), `#!/bin/sh\nexec ${run.map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ')} "$@"\n`, { mode: 0o755 })
  return dir
}

/** The environment with the shim first on PATH. */
export function shimEnv(extra: Readonly<Record<string, string>> = {}): Record<string, string> {
  const env: Record<string, string> = {}
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined) env[k] = v
  return { ...env, PATH: `${nsoffloadShim()}${path.delimiter}${process.env['PATH'] ?? ''}`, ...extra }
}
