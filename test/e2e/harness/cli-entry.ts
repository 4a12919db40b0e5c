// Runs the CLI from source in a child process, for tests that must kill it midway.
import { main } from '../../../src/cli/main.ts'
import { nodeHost } from '../../../src/host/node-host.ts'

process.exitCode = await main(process.argv.slice(2), nodeHost())
