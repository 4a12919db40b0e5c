#!/usr/bin/env node
import { main } from '../dist/cli/main.js'
import { nodeHost } from '../dist/host/node-host.js'

process.exitCode = await main(process.argv.slice(2), nodeHost())
