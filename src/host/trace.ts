import { createHash, type Hash } from 'node:crypto'
import * as path from 'node:path'
import type { Host } from './host.ts'

/**
 * What a run asked of its host, in order, so that a later run can tell whether the same
 * questions get the same answers: the key of `build --cluster`'s cache (`cli/cluster-build.ts`).
 * The pipeline is a function of its host's answers (files, folders, links, programs run,
 * environment variables read) and of its options: when every question of a recorded run gets
 * the same answer again, the run would compute the same result.
 *
 * A call is its method and arguments; absolute paths are written relative to the host's
 * working folder (`\0` + the relative path), so that a run in another folder with the same
 * files below it (Argo CD's plugin: a fresh checkout for every request) asks the same
 * questions. The answers are not kept, only a digest of all of them (SHA-256 over their bytes).
 */
export type TraceCall = readonly [method: string, ...args: unknown[]]

export interface Trace {
  readonly calls: readonly TraceCall[]
  /** SHA-256 of every answer, in call order. */
  readonly digest: string
  /**
   * The answers do not depend on where the working folder is: every file, folder and program
   * the run read is at or below it (other paths were only probed by `stat` or `realpath`, as
   * the working folder's parents are when looking for the repository), and no answer names it.
   * A trace that is not portable is valid only in the same working folder.
   */
  readonly portable: boolean
  /** False when the run did what a trace cannot stand for (read stdin, wrote files). */
  readonly cacheable: boolean
}

/** How each member of `Host` is treated: a question whose answer is recorded, output, or a write (not replayable). */
const MEMBERS = {
  cwd: 'plain',
  env: 'env',
  readFile: 'read',
  readRegularFile: 'read',
  readDir: 'read',
  realpath: 'probe',
  stat: 'probe',
  run: 'read',
  stderrIsTTY: 'tty',
  writeFile: 'write',
  mkdir: 'write',
  rename: 'write',
  remove: 'write',
  tryLock: 'write',
  // Handlers of signals: not a question of the inputs, passed on.
  onInterrupt: 'plain',
  fileQueue: 'write',
  readStdin: 'write',
  stdout: 'output',
  stderr: 'output',
} as const satisfies Record<keyof Host, 'plain' | 'env' | 'read' | 'probe' | 'tty' | 'write' | 'output'>

type Replayable = { [K in keyof typeof MEMBERS]: (typeof MEMBERS)[K] extends 'read' | 'probe' ? K : never }[keyof typeof MEMBERS]

const PATH_MARK = '\u0000'

/**
 * Encodes a call's arguments: absolute paths relative to `cwd`, and those that lead out of it.
 * A program's name (`run`'s first argument: `kustomize`, or its path) is kept as it is: its
 * output is part of the answer.
 */
function encodeArgs(cwd: string, method: string, args: readonly unknown[]): { args: unknown[]; outside: string[] } {
  const outside: string[] = []
  const enc = (v: unknown): unknown => {
    if (typeof v === 'string' && path.isAbsolute(v)) {
      const rel = path.relative(cwd, v)
      if (rel.startsWith('..') || path.isAbsolute(rel)) outside.push(rel)
      return PATH_MARK + rel
    }
    if (Array.isArray(v)) return v.map(enc)
    if (v !== null && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, enc(x)]))
    return v
  }
  // The first argument of every other question (a file's) is a path, maybe relative to `cwd`.
  const first = (a: unknown): unknown => (method === 'run' || method === 'env' ? a : typeof a === 'string' ? enc(path.resolve(cwd, a)) : enc(a))
  return { args: args.map((a, i) => (i === 0 ? first(a) : enc(a))), outside }
}

function decodeArgs(cwd: string, method: string, args: readonly unknown[]): unknown[] {
  const dec = (v: unknown): unknown => {
    if (typeof v === 'string' && v.startsWith(PATH_MARK)) return path.resolve(cwd, v.slice(PATH_MARK.length))
    if (Array.isArray(v)) return v.map(dec)
    if (v !== null && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, dec(x)]))
    return v
  }
  return args.map((a, i) => ((method === 'run' || method === 'env') && i === 0 ? a : dec(a)))
}

/** A path outside the working folder that only a probe may ask about: one of its parents, or a name in one (`../../.git`). */
const probeOutside = (rel: string): boolean => /^\.\.(?:\/\.\.)*(?:\/[^/]+)?$/.test(rel.split(path.sep).join('/'))

/**
 * Feeds an answer to the digest, in an encoding of its own (type, length, bytes), with the
 * working folder written out of strings that name it (an error message, kustomize's output);
 * says whether it did.
 */
function feed(h: Hash, cwd: string, v: unknown): boolean {
  let named = false
  const str = (s: string): void => {
    if (s.includes(cwd)) {
      named = true
      s = s.split(cwd).join(PATH_MARK)
    }
    h.update(`s${s.length}:`)
    h.update(s)
  }
  const walk = (x: unknown): void => {
    if (x === undefined) h.update('u')
    else if (x === null) h.update('n')
    else if (typeof x === 'string') str(x)
    else if (typeof x === 'number' || typeof x === 'boolean') h.update(`${typeof x}:${String(x)};`)
    else if (x instanceof Uint8Array) {
      h.update(`b${x.byteLength}:`)
      h.update(x)
    } else if (Array.isArray(x)) {
      h.update(`a${x.length}:`)
      for (const y of x) walk(y)
    } else if (x instanceof Error) {
      const code = (x as { code?: unknown }).code
      h.update(`e${typeof code === 'string' ? code : ''}:`)
      str(x.message)
    } else if (typeof x === 'object') {
      const keys = Object.keys(x).sort()
      h.update(`o${keys.length}:`)
      for (const k of keys) {
        str(k)
        walk((x as Record<string, unknown>)[k])
      }
    } else h.update(`?${typeof x}`)
  }
  walk(v)
  return named
}

/** What a call answered: its value, or what it threw. */
type Answer = { readonly value: unknown } | { readonly threw: unknown }

function ask(host: Host, method: string, args: readonly unknown[]): Answer {
  try {
    if (method === 'env') return { value: host.env[String(args[0])] }
    if (method === 'tty') return { value: host.stderrIsTTY }
    const f = host[method as Replayable] as (...a: unknown[]) => unknown
    return { value: f.apply(host, [...args]) }
  } catch (e) {
    return { threw: e }
  }
}

/** A path a probe answers (`realpath`), written relative to `cwd` as arguments are. */
const relativeAnswer = (cwd: string, a: Answer): Answer =>
  'value' in a && typeof a.value === 'string' && path.isAbsolute(a.value) ? { value: PATH_MARK + path.relative(cwd, a.value) } : a

const feedAnswer = (h: Hash, cwd: string, method: string, a: Answer): boolean => {
  const b = method === 'realpath' ? relativeAnswer(cwd, a) : a
  h.update('value' in b ? 'v' : 't')
  return feed(h, cwd, 'value' in b ? b.value : b.threw)
}

/**
 * A host that records every question asked of `inner` (answers passed on untouched) until
 * `finish()`. Output goes to `inner` as it comes.
 */
export function recordingHost(inner: Host): { host: Host; finish(): Trace } {
  const cwd = inner.cwd
  const h = createHash('sha256')
  const calls: TraceCall[] = []
  let portable = true
  let cacheable = true
  const record = (method: string, rawArgs: readonly unknown[], a: Answer, probe = false): void => {
    const { args, outside } = encodeArgs(cwd, method, rawArgs)
    if (outside.some((rel) => !probe || !probeOutside(rel))) portable = false
    calls.push([method, ...args])
    h.update(`${method}(${JSON.stringify(args)})`)
    if (feedAnswer(h, cwd, method, a)) portable = false
    // A probe's answer that is a path (realpath) leads where the run may read next.
    if (probe && 'value' in a && typeof a.value === 'string' && path.isAbsolute(a.value)) {
      const rel = path.relative(cwd, a.value)
      if ((rel.startsWith('..') || path.isAbsolute(rel)) && !probeOutside(rel)) portable = false
    }
  }
  const answer = (a: Answer): unknown => {
    if ('threw' in a) throw a.threw
    return a.value
  }
  // Variables are recorded one by one, as they are read; a run that lists them all is not cached.
  const env = new Proxy(inner.env, {
    get: (target, key) => {
      if (typeof key !== 'string') return undefined
      const value = target[key]
      record('env', [key], { value })
      return value
    },
    ownKeys: (target) => {
      cacheable = false
      return Reflect.ownKeys(target)
    },
  })
  const host = { ...inner } as { -readonly [K in keyof Host]: Host[K] }
  for (const [member, kind] of Object.entries(MEMBERS) as [keyof Host, (typeof MEMBERS)[keyof Host]][]) {
    if (kind === 'read' || kind === 'probe') {
      const m = member as Replayable
      Object.assign(host, {
        [m]: (...args: unknown[]) => {
          const a = ask(inner, m, args)
          record(m, args, a, kind === 'probe')
          return answer(a)
        },
      })
    } else if (kind === 'write') {
      const f = inner[member] as (...a: unknown[]) => unknown
      Object.assign(host, {
        [member]: (...args: unknown[]) => {
          cacheable = false
          return f.apply(inner, args)
        },
      })
    }
  }
  Object.defineProperty(host, 'env', { value: env, enumerable: true })
  Object.defineProperty(host, 'stderrIsTTY', {
    enumerable: true,
    get: () => {
      record('tty', [], { value: inner.stderrIsTTY })
      return inner.stderrIsTTY
    },
  })
  return {
    host,
    finish: () => ({ calls, digest: h.copy().digest('hex'), portable, cacheable }),
  }
}

/**
 * The digest a trace's calls get from `host` now, or undefined when the run would not be the
 * same there (a trace that is not portable, asked in another working folder). `memo` shares
 * the answers between the traces of one lookup.
 */
export function replayDigest(host: Host, calls: readonly TraceCall[], memo: Map<string, Answer> = new Map()): string {
  const h = createHash('sha256')
  for (const [method, ...args] of calls) {
    const k = `${method}(${JSON.stringify(args)})`
    let a = memo.get(k)
    if (!a) {
      a = ask(host, method, decodeArgs(host.cwd, method, args))
      memo.set(k, a)
    }
    h.update(k)
    feedAnswer(h, host.cwd, method, a)
  }
  return h.digest('hex')
}
