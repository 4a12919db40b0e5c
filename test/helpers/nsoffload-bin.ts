/**
 * The CLI from the TypeScript sources, for tests that need a real executable (KRM function
 * runners): `node --import tsx test/helpers/nsoffload-bin.ts ARGS`. See `execScript()`.
 */
import { main } from '../../src/cli/main.ts'
import { nodeHost } from '../../src/host/node-host.ts'

process.exitCode = await main(process.argv.slice(2), nodeHost())
