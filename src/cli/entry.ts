/**
 * The executable's entry: runs the CLI on this process's arguments and sets its exit code.
 * `bin/nsoffload.js` runs the bundle of this file (`dist/cli/entry.js`, see scripts/bundle.mjs);
 * the tests run it from the sources. A `build --cluster` that the cache answers is served
 * before the CLI (yargs, the commands) is loaded: `fast-cluster-build.ts`.
 */
import { nodeHost } from '../host/node-host.ts'
import { fastClusterBuild } from './fast-cluster-build.ts'

const argv = process.argv.slice(2)
const host = nodeHost()
process.exitCode = fastClusterBuild(argv, host) ?? (await (await import('./main.ts')).main(argv, host))
