/** Runs the CLI from the sources (no build needed): what the `nsoffload` test shim executes. */
import { main } from '../../src/cli/main.ts'
import { nodeHost } from '../../src/host/node-host.ts'

process.exitCode = await main(process.argv.slice(2), nodeHost())
