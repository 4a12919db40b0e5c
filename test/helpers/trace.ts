import { spawnSync } from 'node:child_process'
import * as fs from 'node:fs'
import * as path from 'node:path'
import { pathToFileURL } from 'node:url'
import { REPO } from './cli.ts'
import { tempDir } from './temp.ts'

/**
 * Runs the CLI from source in a child process and returns every module URL it resolved
 * (a module hook, test/helpers/trace-imports.mjs, records them). `build --cluster`'s cache is
 * a fresh folder each time: a hit left by an earlier run would serve the build before the CLI
 * loads (and the user's own cache is not written).
 */
export function tracedImports(args: readonly string[], env: Readonly<Record<string, string>> = {}): string[] {
  const scratch = tempDir('nsoffload-trace-')
  const trace = path.join(scratch, 'imports')
  fs.writeFileSync(trace, '')
  const tsx = pathToFileURL(path.join(REPO, 'node_modules', 'tsx', 'dist', 'loader.mjs')).href
  const hook = pathToFileURL(path.join(REPO, 'test', 'helpers', 'register-trace.mjs')).href
  spawnSync(process.execPath, ['--import', hook, '--import', tsx, path.join(REPO, 'src', 'cli', 'entry.ts'), ...args], {
    cwd: REPO,
    env: { ...process.env, NSOFFLOAD_CACHE_DIR: path.join(scratch, 'cache'), ...env, NSOFFLOAD_TRACE_IMPORTS: trace },
    encoding: 'utf8',
    timeout: 60_000,
  })
  const urls = fs.readFileSync(trace, 'utf8').split('\n').filter(Boolean)
  fs.rmSync(scratch, { recursive: true, force: true })
  return urls
}
