#!/usr/bin/env node
// The CLI, bundled in dist/ by `npm run build` (scripts/bundle.mjs) from src/cli/entry.ts.
import '../dist/cli/entry.js'
