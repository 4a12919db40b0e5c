// Builds dist/: the CLI bundled by esbuild (`npm run build`). Type checking is `npm run typecheck`.
// `node scripts/bundle.mjs --out DIR` writes the bundle to DIR/cli instead (the tests' shim does,
// with DIR two folders below a copy of the package root).
//
// Why a bundle: a command loads ~90 modules (nsoffload's, yargs', yaml's, ajv's); resolving and
// loading them one by one is a good part of start-up. The bundle has one file for what every
// command needs and one chunk per command (and per library only some commands use), loaded when
// that command runs, as the sources' dynamic imports say. `@kubernetes/client-node` stays out:
// it is imported at run time, only for kubeconfigs with credential plugins.
//
// The output sits in dist/cli/, two folders below the package root like src/cli/, so that the
// sources' `new URL('../../package.json', import.meta.url)` (and schemas/) resolve the same.
import * as esbuild from 'esbuild'
import { createHash } from 'node:crypto'
import * as fs from 'node:fs'
import * as path from 'node:path'
import { fileURLToPath } from 'node:url'

const ROOT = path.join(path.dirname(fileURLToPath(import.meta.url)), '..')
const outArg = process.argv.indexOf('--out')
const OUT = outArg > 0 && process.argv[outArg + 1] ? path.resolve(process.argv[outArg + 1]) : path.join(ROOT, 'dist')

/**
 * Packages whose evaluation is deferred to their first call. `string-width` (two copies, through
 * yargs and cliui) compiles Unicode-property regular expressions when it is evaluated (≈ 25 ms,
 * a quarter of start-up) but is used only to lay out `--help`. Each import of it becomes a
 * function that requires the real module (esbuild evaluates a required module on its first
 * require) and calls it.
 */
const LAZY = new Set(['string-width'])

/** @type {esbuild.Plugin} */
const lazyPackages = {
  name: 'lazy-packages',
  setup(build) {
    build.onResolve({ filter: /^[^./]/ }, async (args) => {
      if (!LAZY.has(args.path) || args.pluginData === 'real') return undefined
      const real = await build.resolve(args.path, { kind: args.kind, importer: args.importer, resolveDir: args.resolveDir, pluginData: 'real' })
      if (real.errors.length > 0) return { errors: real.errors }
      return { path: real.path, namespace: 'lazy' }
    })
    build.onLoad({ filter: /.*/, namespace: 'lazy' }, (args) => ({
      contents: `let real\nexport default function lazy(...a) {\n  real ??= require(${JSON.stringify(args.path)})\n  return (real.default ?? real)(...a)\n}\n`,
      resolveDir: path.dirname(args.path),
      loader: 'js',
    }))
  },
}

fs.rmSync(OUT, { recursive: true, force: true })
const result = await esbuild.build({
  absWorkingDir: ROOT,
  // The writer thread of `build -o` (src/host/file-queue.ts) is loaded by URL, next to the chunks.
  entryPoints: { entry: 'src/cli/entry.ts', 'file-writer-thread': 'src/host/file-writer-thread.ts' },
  outdir: path.join(OUT, 'cli'),
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20.19',
  external: ['@kubernetes/client-node'],
  // Bundled CommonJS (yaml, ajv) calls require(): give the ES module one.
  banner: { js: "import { createRequire as __nsoffloadCreateRequire } from 'node:module';\nconst require = __nsoffloadCreateRequire(import.meta.url);" },
  chunkNames: '[name]-[hash]',
  sourcemap: 'linked',
  legalComments: 'none',
  plugins: [lazyPackages],
  logLevel: 'warning',
})
if (result.errors.length > 0) process.exit(1)

// The identity of this build of the code (src/cli/version.ts `codeIdentity`): a digest of every
// file of the bundle, so that `build --cluster`'s cache never serves what another build computed.
const cliDir = path.join(OUT, 'cli')
const hash = createHash('sha256')
for (const f of fs
  .readdirSync(cliDir)
  .filter((n) => n.endsWith('.js'))
  .sort())
  hash.update(`${f}\0`).update(fs.readFileSync(path.join(cliDir, f)))
fs.writeFileSync(path.join(cliDir, 'code-id.txt'), `${hash.digest('hex')}\n`)
