/**
 * The executable's entry: runs the CLI on this process's arguments and sets its exit code.
 * `bin/nsoffload.js` runs the bundle of this file (`dist/cli/entry.js`, see scripts/bundle.mjs);
 * the tests run it from the sources. A `build --cluster` that the cache answers is served
 * before the CLI (yargs, the commands) is loaded: `fast-cluster-build.ts`, itself loaded only
 * for a line that starts with `build`.
 */
import { nodeHost } from '../host/node-host.ts'

const argv = process.argv.slice(2)
const host = nodeHost()
const served = argv[0] === 'build' ? (await import('./fast-cluster-build.ts')).fastClusterBuild(argv, host) : undefined
process.exitCode = served ?? (await (await import('./main.ts')).main(argv, host))
