import { spawnSync } from 'node:child_process'
import * as fs from 'node:fs'
import { nodeFileQueue } from './file-queue.ts'
import type { Host, RunResult } from './host.ts'

/** The real host: the process's file system, environment and streams. */
export function nodeHost(cwd: string = process.cwd(), env: Readonly<Record<string, string | undefined>> = process.env): Host {
  return {
    cwd,
    env,
    readFile: (p) => fs.readFileSync(p),
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
    writeFile: (p, d) => fs.writeFileSync(p, d),
    mkdir: (p) => fs.mkdirSync(p, { recursive: true }),
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
