// A module hook that appends every resolved URL to the file named by NSOFFLOAD_TRACE_IMPORTS.
import { appendFileSync } from 'node:fs'

export async function resolve(specifier, context, next) {
  const r = await next(specifier, context)
  if (process.env.NSOFFLOAD_TRACE_IMPORTS) appendFileSync(process.env.NSOFFLOAD_TRACE_IMPORTS, r.url + '\n')
  return r
}
