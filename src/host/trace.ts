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
 * questions. The answers are not kept, only a digest of each (SHA-256 over its bytes).
 *
 * A later run need not read a file or folder again to know its answer is the same: each read
 * also keeps the file's stamp (`Host.stamp`: device, inode, mode, size, modification and change
 * times), taken just before the read, and a replay that finds the same stamp takes the answer
 * as unchanged. The change time cannot be set by a user (writing a file, or setting its times
 * with `utimes`, sets it to now), so a change of content shows in the stamp, with one exception
 * that git's index knows as "racy git": a change within the same tick of the file system's
 * clock as the previous one leaves the times as they were. So a stamp is kept only for a file
 * whose last change is older than the read by more than `RACY_MS` (the granularity of any file
 * system's timestamps, and some clock skew); a file changed just before it was read is hashed
 * on every replay. A folder's stamp changes when a name is added to, removed from or renamed in
 * it, so an added, removed or renamed file shows in its folder's listing.
 *
 * A replay in a fresh copy of the files (Argo CD's plugin, a CI checkout) finds no stamp the
 * same, so it reads everything: it then checks the answers against the trace's one digest
 * (every call and answer, fed to one SHA-256 in order) rather than each against its own, which
 * costs one hash object instead of one per call (issue 19 point 1).
 */
export type TraceCall = readonly [method: string, ...args: unknown[]]

export interface Trace {
  readonly calls: readonly TraceCall[]
  /** Per call, a digest of the call and its answer (SHA-256, 128 bits in hex). */
  readonly answers: readonly string[]
  /** Per call, the stamp of the file or folder it read when it may stand for the answer (see above), else null. */
  readonly stamps: readonly (string | null)[]
  /** SHA-256 of every call and its answer, fed in call order (what a replay that reads everything checks). */
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
  // What the trace itself asks to skip a read; never a question of the run.
  stamp: 'plain',
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

/** The calls that read a file or folder: a stamp may stand for their answer. */
const STAMPED: ReadonlySet<string> = new Set(['readFile', 'readRegularFile', 'readDir'])

/**
 * How much older than its read a file's last change must be for its stamp to stand for its
 * content: more than the coarsest timestamps of a file system (2 s, FAT) and than a clock's
 * drift between a file server and this machine.
 */
export const RACY_MS = 3_000

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

/** `path.resolve(cwd, rel)` for a `rel` that `path.relative` wrote (normalised), without normalising again when it stays below `cwd`. */
function resolveBelow(cwd: string, rel: string): string {
  if (rel === '') return cwd
  if (path.sep !== '/' || rel.startsWith('..') || !path.isAbsolute(cwd)) return path.resolve(cwd, rel)
  return cwd.endsWith('/') ? cwd + rel : `${cwd}/${rel}`
}

function decodeArgs(cwd: string, method: string, args: readonly unknown[]): unknown[] {
  const dec = (v: unknown): unknown => {
    if (typeof v === 'string' && v.startsWith(PATH_MARK)) return resolveBelow(cwd, v.slice(PATH_MARK.length))
    if (Array.isArray(v)) return v.map(dec)
    if (v !== null && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, dec(x)]))
    return v
  }
  return args.map((a, i) => ((method === 'run' || method === 'env') && i === 0 ? a : dec(a)))
}

/** A path outside the working folder that only a probe may ask about: one of its parents, or a name in one (`../../.git`). */
const probeOutside = (rel: string): boolean => /^\.\.(?:\/\.\.)*(?:\/[^/]+)?$/.test(rel.split(path.sep).join('/'))

/**
 * Feeds `head` and then an answer to the digest, in an encoding of its own (type, length,
 * bytes), with the working folder written out of strings that name it (an error message,
 * kustomize's output); says whether it did. The text is handed to the hash in as few pieces
 * as the bytes allow: each `update` is a call into native code.
 */
function feed(h: Hash, cwd: string, head: string, v: unknown): boolean {
  let named = false
  let text = head
  const str = (s: string): void => {
    if (s.includes(cwd)) {
      named = true
      s = s.split(cwd).join(PATH_MARK)
    }
    text += `s${s.length}:${s}`
  }
  const walk = (x: unknown): void => {
    if (x === undefined) text += 'u'
    else if (x === null) text += 'n'
    else if (typeof x === 'string') str(x)
    else if (typeof x === 'number' || typeof x === 'boolean') text += `${typeof x}:${String(x)};`
    else if (x instanceof Uint8Array) {
      h.update(`${text}b${x.byteLength}:`)
      text = ''
      h.update(x)
    } else if (Array.isArray(x)) {
      text += `a${x.length}:`
      for (const y of x) walk(y)
    } else if (x instanceof Error) {
      const code = (x as { code?: unknown }).code
      text += `e${typeof code === 'string' ? code : ''}:`
      str(x.message)
    } else if (typeof x === 'object') {
      const keys = Object.keys(x).sort()
      text += `o${keys.length}:`
      for (const k of keys) {
        str(k)
        walk((x as Record<string, unknown>)[k])
      }
    } else text += `?${typeof x}`
  }
  walk(v)
  if (text) h.update(text)
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

/** Feeds a call (`key`: its method and encoded arguments) and its answer to the digest; whether the answer names `cwd`. */
const feedCall = (h: Hash, key: string, cwd: string, method: string, a: Answer): boolean => {
  const b = method === 'realpath' ? relativeAnswer(cwd, a) : a
  return 'value' in b ? feed(h, cwd, `${key}v`, b.value) : feed(h, cwd, `${key}t`, b.threw)
}

/** The digest of a call and its answer; whether the answer names `cwd`. */
function answerDigest(key: string, cwd: string, method: string, a: Answer): { digest: string; named: boolean } {
  const h = createHash('sha256')
  const named = feedCall(h, key, cwd, method, a)
  return { digest: h.digest('hex').slice(0, 32), named }
}

const callKey = (method: string, args: readonly unknown[]): string => `${method}(${JSON.stringify(args)})`

/**
 * A host that records every question asked of `inner` (answers passed on untouched) until
 * `finish()`. Output goes to `inner` as it comes.
 */
export function recordingHost(inner: Host, now: () => number = Date.now): { host: Host; finish(): Trace } {
  const cwd = inner.cwd
  const calls: TraceCall[] = []
  const answers: string[] = []
  const stamps: (string | null)[] = []
  const whole = createHash('sha256')
  let portable = true
  let cacheable = true
  const record = (method: string, rawArgs: readonly unknown[], a: Answer, probe = false, stamp: string | null = null): void => {
    const { args, outside } = encodeArgs(cwd, method, rawArgs)
    if (outside.some((rel) => !probe || !probeOutside(rel))) portable = false
    calls.push([method, ...args])
    const key = callKey(method, args)
    const d = answerDigest(key, cwd, method, a)
    answers.push(d.digest)
    feedCall(whole, key, cwd, method, a)
    stamps.push(stamp)
    if (d.named) portable = false
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
          const stamp = STAMPED.has(m) ? trustedStamp(inner, args[0], now) : null
          const a = ask(inner, m, args)
          record(m, args, a, kind === 'probe', stamp)
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
    finish: () => ({ calls, answers, stamps, digest: whole.digest('hex'), portable, cacheable }),
  }
}

/** The stamp of the file a read is about to read, if it may stand for its content: its last change older than now by more than RACY_MS. */
function trustedStamp(host: Host, p: unknown, now: () => number): string | null {
  if (typeof p !== 'string' || !host.stamp) return null
  const t = now()
  const s = host.stamp(p)
  return s && s.changedMs + RACY_MS < t ? s.id : null
}

/**
 * Whether every call of a trace gets the same answer from `host` now. A trace whose first
 * stamp still holds (the same files, untouched) is replayed call by call: a read whose file or
 * folder has the stamp it had is not asked again; any other call is, and its answer's digest
 * must be the one recorded; it stops at the first difference. A trace whose first stamp does
 * not hold, or that has none, is replayed whole: every call is asked and the answers are
 * checked against the trace's digest, none of them kept (a fleet's inputs). `memo` shares
 * the digests of the answers between the call-by-call replays of one lookup.
 */
export function replayMatches(host: Host, trace: Pick<Trace, 'calls' | 'answers' | 'stamps' | 'digest'>, memo: Map<string, string> = new Map()): boolean {
  const { calls, answers, stamps } = trace
  if (answers.length !== calls.length || stamps.length !== calls.length) return false
  const cwd = host.cwd
  const asked = (method: string, args: readonly unknown[]): Answer => ask(host, method, decodeArgs(cwd, method, args))
  const stamped = (i: number): boolean => {
    const [method, ...args] = calls[i] as TraceCall
    const p = decodeArgs(cwd, method, args)[0]
    return typeof p === 'string' && host.stamp?.(p)?.id === stamps[i]
  }
  const first = stamps.findIndex((s, i) => s !== null && STAMPED.has((calls[i] as TraceCall)[0]))
  if (first < 0 || !host.stamp || !stamped(first)) {
    const whole = createHash('sha256')
    for (const call of calls) {
      const [method, ...args] = call
      const k = callKey(method, args)
      feedCall(whole, k, cwd, method, asked(method, args))
    }
    return whole.digest('hex') === trace.digest
  }
  for (let i = 0; i < calls.length; i++) {
    const [method, ...args] = calls[i] as TraceCall
    if (stamps[i] && STAMPED.has(method) && (i === first || stamped(i))) continue
    const k = callKey(method, args)
    let d = memo.get(k)
    if (d === undefined) memo.set(k, (d = answerDigest(k, cwd, method, asked(method, args)).digest))
    if (d !== answers[i]) return false
  }
  return true
}
