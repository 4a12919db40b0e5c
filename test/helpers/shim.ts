import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import { fileURLToPath } from 'node:url'

/**
 * A folder holding an executable `nsoffload` that runs the CLI from the sources, to put first
 * on PATH when a test runs a shell script, a CI recipe or an Argo CD plugin command exactly as
 * written for users.
 */
export function nsoffloadShim(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nsoffload-bin-'))
  const tsx = import.meta.resolve('tsx')
  const entry = fileURLToPath(new URL('./nsoffload-entry.ts', import.meta.url))
  const script = `#!/bin/sh\nexec ${JSON.stringify(process.execPath)} --import ${JSON.stringify(tsx)} ${JSON.stringify(entry)} "$@"\n`
  fs.writeFileSync(path.join(dir, 'nsoffload'), script, { mode: 0o755 })
  return dir
}

/** The environment with the shim first on PATH. */
export function shimEnv(extra: Readonly<Record<string, string>> = {}): Record<string, string> {
  const env: Record<string, string> = {}
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined) env[k] = v
  return { ...env, PATH: `${nsoffloadShim()}${path.delimiter}${process.env['PATH'] ?? ''}`, ...extra }
}
