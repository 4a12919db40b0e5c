import { spawnSync } from 'node:child_process'

/**
 * Runs Argo CD health checks in a real Lua 5.1 interpreter (`lua5.1`, Debian package
 * `lua5.1`), in the environment Argo CD gives scripts from argocd-cm: the object as the
 * global `obj`, the base and table libraries only — no string, math, io or os library, and
 * no string methods (`("x"):sub(1)` fails), as gopher-lua without OpenLibs.
 */

/** The interpreter; NSOFFLOAD_TEST_LUA overrides it (e.g. to check that a missing one fails loudly in CI). */
export const LUA = process.env['NSOFFLOAD_TEST_LUA'] ?? 'lua5.1'

/** Whether `lua5.1` can be run here. */
export const hasLua = (): boolean => spawnSync(LUA, ['-v'], { encoding: 'utf8' }).status === 0

const luaString = (s: string): string =>
  '"' + s.replace(/[\\"]/g, (c) => `\\${c}`).replace(/[\x00-\x1f\x7f]/g, (c) => `\\${String(c.charCodeAt(0)).padStart(3, '0')}`) + '"'

/** A JSON-like value as a Lua table constructor (null becomes nil, as Argo CD decodes it). */
export function toLua(v: unknown): string {
  if (v === null || v === undefined) return 'nil'
  if (typeof v === 'boolean') return String(v)
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : 'nil'
  if (typeof v === 'string') return luaString(v)
  if (v instanceof Date) return luaString(v.toISOString())
  if (Array.isArray(v)) return `{${v.map(toLua).join(', ')}}`
  if (typeof v === 'object') {
    return `{${Object.entries(v as Record<string, unknown>)
      .map(([k, x]) => `[${luaString(k)}] = ${toLua(x)}`)
      .join(', ')}}`
  }
  return 'nil'
}

const HARNESS = (script: string, obj: string): string => `
local chunk, err = loadfile(${luaString(script)})
if not chunk then io.stderr:write("load: ", tostring(err), "\\n") os.exit(3) end
local write, exit, stderr = io.write, os.exit, io.stderr
local obj = ${obj}
-- Argo CD's sandbox for argocd-cm scripts: base and table only.
local env = {
  obj = obj, table = table, _VERSION = _VERSION,
  assert = assert, error = error, ipairs = ipairs, next = next, pairs = pairs, pcall = pcall,
  rawequal = rawequal, rawget = rawget, rawset = rawset, select = select, setmetatable = setmetatable,
  getmetatable = getmetatable, tonumber = tonumber, tostring = tostring, type = type, unpack = unpack,
  print = print,
}
env._G = env
setfenv(chunk, env)
-- No string library means no string methods either.
getmetatable("").__index = nil
local ok, hs = pcall(chunk)
if not ok then stderr:write("run: ", tostring(hs), "\\n") exit(4) end
if type(hs) ~= "table" then stderr:write("returned ", type(hs), ", not a table\\n") exit(5) end
write(tostring(hs.status), "\\n", tostring(hs.message), "\\n")
`

export interface HealthResult {
  readonly ok: boolean
  readonly status?: string
  readonly message?: string
  readonly error?: string
}

/** Runs a health script against one object. */
export function runHealth(scriptPath: string, obj: unknown): HealthResult {
  const r = spawnSync(LUA, ['-'], { input: HARNESS(scriptPath, toLua(obj)), encoding: 'utf8', timeout: 10000 })
  if (r.status !== 0) return { ok: false, error: `${r.stderr}${r.error ? String(r.error) : ''}` }
  const [status, message] = r.stdout.split('\n')
  return { ok: true, ...(status !== undefined ? { status } : {}), ...(message !== undefined ? { message } : {}) }
}
