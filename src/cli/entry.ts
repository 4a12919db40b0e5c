/**
 * The executable's entry: runs the CLI on this process's arguments and sets its exit code.
 * `bin/nsoffload.js` runs the bundle of this file (`dist/cli/entry.js`, see scripts/bundle.mjs);
 * the tests run it from the sources.
 */
import { nodeHost } from '../host/node-host.ts'
import { main } from './main.ts'

process.exitCode = await main(process.argv.slice(2), nodeHost())
