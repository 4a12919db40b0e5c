import * as fs from 'node:fs'
import { createRequire } from 'node:module'
import * as os from 'node:os'
import * as path from 'node:path'
import { fileURLToPath } from 'node:url'

const REPO = fileURLToPath(new URL('../../', import.meta.url))
const ENTRY = fileURLToPath(new URL('./nsoffload-entry.ts', import.meta.url))

let bundled: string | undefined

/**
 * The CLI from the sources as one ES module, bundled once per test run with esbuild (tsx's
 * own dependency): starting it is much faster than through tsx. It sits two folders below a
 * root holding package.json, schemas/ and node_modules/, like src/cli/main.ts does, so the
 * code's `new URL('../../…', import.meta.url)` lookups keep working. Undefined when esbuild
 * cannot be loaded (the shim then runs the sources through tsx).
 */
function bundle(): string | undefined {
  if (bundled !== undefined) return bundled || undefined
  bundled = ''
  try {
    const esbuild = createRequire(import.meta.resolve('tsx'))('esbuild') as { buildSync: (o: object) => unknown }
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'nsoffload-cli-'))
    const out = path.join(root, 'src', 'cli', 'nsoffload.mjs')
    esbuild.buildSync({ entryPoints: [ENTRY], bundle: true, platform: 'node', format: 'esm', target: 'node20', outfile: out, packages: 'external', logLevel: 'error' })
    fs.copyFileSync(path.join(REPO, 'package.json'), path.join(root, 'package.json'))
    fs.symlinkSync(path.join(REPO, 'schemas'), path.join(root, 'schemas'))
    fs.symlinkSync(path.join(REPO, 'node_modules'), path.join(root, 'node_modules'))
    bundled = out
  } catch {
    bundled = ''
  }
  return bundled || undefined
}

/**
 * A folder holding an executable `nsoffload` that runs the CLI from the sources, to put first
 * on PATH when a test runs a shell script, a CI recipe or an Argo CD plugin command exactly as
 * written for users.
 */
export function nsoffloadShim(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nsoffload-bin-'))
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
