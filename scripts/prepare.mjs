// `npm run prepare`: builds dist/ (scripts/bundle.mjs), which `bin/nsoffload.js` runs. npm runs it
// after `npm ci` / `npm install` in a checkout, before `npm pack`, and when it installs nsoffload
// from a folder or a git URL.
//
// `npm install --global <folder>` links the folder and installs only its dependencies, not its
// devDependencies, so esbuild is missing on a fresh clone. Then this script installs the locked
// dependencies itself, locally (not in global mode, whose settings npm passes down in the
// environment), before building. (`npm install --global git+https://…` fails earlier, in npm's
// own preparation of the clone: npm/cli#8440; the README says to `npm pack` the URL first.)
import { spawnSync } from 'node:child_process'
import * as fs from 'node:fs'
import { createRequire } from 'node:module'
import * as path from 'node:path'
import { fileURLToPath } from 'node:url'

const ROOT = path.join(path.dirname(fileURLToPath(import.meta.url)), '..')

function resolvable(name) {
  try {
    createRequire(path.join(ROOT, 'package.json')).resolve(name)
    return true
  } catch {
    return false
  }
}

if (!resolvable('esbuild') && process.env.npm_config_global === 'true' && fs.existsSync(path.join(ROOT, 'package-lock.json'))) {
  const env = { ...process.env }
  for (const k of Object.keys(env)) if (/^npm_config_(global|location|prefix)$/i.test(k)) delete env[k]
  const npm = process.env.npm_execpath ? [process.execPath, process.env.npm_execpath] : ['npm']
  const args = ['install', '--no-save', '--include=dev', '--ignore-scripts', '--no-audit', '--no-fund', '--global=false', `--prefix=${ROOT}`]
  const r = spawnSync(npm[0], [...npm.slice(1), ...args], { cwd: ROOT, env, stdio: ['ignore', 2, 2] })
  if (r.status !== 0) process.exit(r.status ?? 1)
}
await import('./bundle.mjs')
