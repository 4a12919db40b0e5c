import { spawnSync } from 'node:child_process'
import * as fs from 'node:fs'
import { makeDirs } from './file-ops.ts'
import { nodeFileQueue } from './file-queue.ts'
import type { FileStamp, Host, RegularFile, RunResult } from './host.ts'
import { tryLock } from './lock-file.ts'

/** What a path is when it is not a regular file, in words. */
function kindOf(st: fs.Stats): string {
  if (st.isFIFO()) return 'a FIFO (named pipe)'
  if (st.isCharacterDevice()) return 'a character device'
  if (st.isBlockDevice()) return 'a block device'
  if (st.isSocket()) return 'a socket'
  if (st.isDirectory()) return 'a folder'
  return 'not a regular file'
}

/** `O_NONBLOCK` where the platform has it: opening a FIFO then returns at once. */
const NONBLOCK = fs.constants.O_NONBLOCK ?? 0

/** `Host.readRegularFile` on the real file system: one descriptor, checked with fstat, read up to the limit. */
function readRegularFile(p: string, maxBytes: number): RegularFile {
  let fd: number
  try {
    fd = fs.openSync(p, fs.constants.O_RDONLY | NONBLOCK)
  } catch (e) {
    // A socket cannot be opened at all (ENXIO).
    if ((e as NodeJS.ErrnoException).code === 'ENXIO' && fs.statSync(p).isSocket()) return { notRegular: 'a socket' }
    throw e
  }
  try {
    const st = fs.fstatSync(fd)
    if (!st.isFile()) return { notRegular: kindOf(st) }
    if (st.size > maxBytes) return { tooLarge: st.size }
    // The size said is not trusted (a file growing while read, /proc files saying 0): read to
    // the end, never beyond the limit. A first read that returns the size said and leaves room
    // is at the end (a regular file's read is short only there), so it needs no second read.
    let buf = Buffer.allocUnsafe(st.size + 1)
    let n = fs.readSync(fd, buf, 0, buf.length, null)
    if (n === st.size) return { bytes: new Uint8Array(buf.buffer, buf.byteOffset, n) }
    for (;;) {
      if (n === buf.length) {
        if (n > maxBytes) return { tooLarge: n }
        const bigger = Buffer.allocUnsafe(Math.min(buf.length * 2, maxBytes + 1))
        buf.copy(bigger, 0, 0, n)
        buf = bigger
      }
      const r = fs.readSync(fd, buf, n, buf.length - n, null)
      if (r === 0) break
      n += r
    }
    return { bytes: buf.subarray(0, n) }
  } finally {
    fs.closeSync(fd)
  }
}

/**
 * `Host.stamp` on the real file system: the symbolic links followed, as a read follows them.
 * Times in milliseconds with their fraction (to the microsecond), which is enough: a stamp
 * stands for a content only when the file's last change is seconds older than its read, and
 * any later change moves the change time past the read (`trace.ts`).
 */
function stamp(p: string): FileStamp | undefined {
  try {
    const s = fs.statSync(p)
    return { id: `${s.dev}:${s.ino}:${s.mode}:${s.size}:${s.mtimeMs}:${s.ctimeMs}`, changedMs: Math.max(s.mtimeMs, s.ctimeMs) }
  } catch {
    return undefined
  }
}

/** The real host: the process's file system, environment and streams. */
export function nodeHost(cwd: string = process.cwd(), env: Readonly<Record<string, string | undefined>> = process.env): Host {
  return {
    cwd,
    env,
    readFile: (p) => fs.readFileSync(p),
    readRegularFile,
    readDir: (p) =>
      fs
        .readdirSync(p, { withFileTypes: true })
        .map((d) => (d.isSymbolicLink() ? { name: d.name, dir: false, link: true } : { name: d.name, dir: d.isDirectory() })),
    realpath: (p) => fs.realpathSync(p),
    stat: (p) => {
      try {
        const s = fs.statSync(p)
        return { dir: s.isDirectory(), file: s.isFile() }
      } catch {
        return undefined
      }
    },
    stamp,
    writeFile: (p, d) => fs.writeFileSync(p, d),
    mkdir: makeDirs,
    rename: (from, to) => fs.renameSync(from, to),
    remove: (p) => fs.rmSync(p, { recursive: true, force: true }),
    tryLock,
    onInterrupt: (handler) => {
      const int = (): void => handler('SIGINT')
      const term = (): void => handler('SIGTERM')
      process.on('SIGINT', int)
      process.on('SIGTERM', term)
      return () => {
        process.off('SIGINT', int)
        process.off('SIGTERM', term)
      }
    },
    fileQueue: () => nodeFileQueue(),
    run: (command, args, opts): RunResult => {
      const r = spawnSync(command, args, {
        cwd: opts.cwd,
        env: Object.fromEntries(Object.entries(env).filter((e): e is [string, string] => e[1] !== undefined)),
        encoding: 'utf8',
        timeout: opts.timeoutMs,
        killSignal: 'SIGKILL',
        maxBuffer: opts.maxOutputBytes,
        stdio: ['ignore', 'pipe', 'pipe'],
        windowsHide: true,
      })
      const code = (r.error as NodeJS.ErrnoException | undefined)?.code
      const failure =
        code === 'ENOENT' ? 'notFound' : code === 'ETIMEDOUT' ? 'timeout' : code === 'ENOBUFS' ? 'tooLarge' : r.error ? r.error.message : undefined
      return { ...(r.status !== null ? { status: r.status } : {}), stdout: r.stdout ?? '', stderr: r.stderr ?? '', ...(failure ? { failure } : {}) }
    },
    readStdin: async () => {
      const chunks: Buffer[] = []
      for await (const c of process.stdin) chunks.push(c as Buffer)
      return Buffer.concat(chunks).toString('utf8')
    },
    stdout: (s) => {
      process.stdout.write(s)
    },
    stderr: (s) => {
      process.stderr.write(s)
    },
    stderrIsTTY: process.stderr.isTTY === true,
  }
}
