import type { FileQueue } from './file-queue.ts'

/** How `Host.run` bounds a program: its folder, a deadline, and how much output it may write. */
export interface RunOptions {
  readonly cwd: string
  readonly timeoutMs: number
  readonly maxOutputBytes: number
}

/** What a program run by `Host.run` did; `failure` when it did not run to completion. */
export interface RunResult {
  /** Its exit status (`undefined` when it did not exit by itself). */
  readonly status?: number
  readonly stdout: string
  readonly stderr: string
  /**
   * `notFound`: no such program on the PATH; `timeout`: killed at the deadline; `tooLarge`: killed
   * for writing more than `maxOutputBytes`; `unavailable`: this host runs no programs (a memory host).
   */
  readonly failure?: 'notFound' | 'timeout' | 'tooLarge' | 'unavailable' | string
}

/**
 * Everything nsoffload needs from the outside world, passed into `main()`.
 * Only `node-host.ts` implements it with `node:fs` and `process`: the pipeline stays pure.
 */
export interface Host {
  /** The directory relative paths are resolved against. */
  readonly cwd: string
  readonly env: Readonly<Record<string, string | undefined>>
  readFile(path: string): Uint8Array
  /**
   * The bytes of a regular file, at most `maxBytes` of them. The file is opened without
   * blocking (a FIFO without a writer never blocks) and looked at through its descriptor
   * before a byte is read: anything but a regular file (a FIFO, a device such as `/dev/zero`,
   * a socket, a folder), or a file larger than `maxBytes`, is reported, not read. Other
   * failures (ENOENT, EACCES, …) throw, as `readFile` does.
   */
  readRegularFile(path: string, maxBytes: number): RegularFile
  /** Entry names of a directory, or throws; `link`: a symbolic link (`dir` is then false). */
  readDir(path: string): { name: string; dir: boolean; link?: boolean }[]
  /** The canonical path (symbolic links resolved), or throws. */
  realpath(path: string): string
  stat(path: string): { dir: boolean; file: boolean } | undefined
  /**
   * What the file system says of a file or folder without reading it (device, inode, mode,
   * size, modification and change times), or undefined when it cannot say (then its content is
   * always read): how `build --cluster`'s cache tells that an input is unchanged without
   * hashing it (`trace.ts`). A host without it (in memory) always reads.
   */
  stamp?(path: string): FileStamp | undefined
  writeFile(path: string, data: string): void
  mkdir(path: string): void
  /** Renames a file or a folder (atomic on one file system); a non-empty folder at `to` is an error (ENOTEMPTY), never replaced. */
  rename(from: string, to: string): void
  /** Removes a file or a folder tree; nothing when it does not exist. */
  remove(path: string): void
  /**
   * Takes the lock file `path`: created only if it does not exist (O_EXCL), holding this
   * process's id and machine. A lock left by a process of this machine that is gone (killed)
   * is taken over. Otherwise says who holds it.
   */
  tryLock(path: string): { release(): void } | { heldBy: string }
  /**
   * Calls `handler` on SIGINT (Ctrl-C) and SIGTERM instead of letting them end the process,
   * until the returned function is called.
   */
  onInterrupt(handler: (signal: 'SIGINT' | 'SIGTERM') => void): () => void
  /** A queue of file operations applied in order, possibly on another thread (`file-queue.ts`). */
  fileQueue(): FileQueue
  /**
   * Runs a program (never through a shell) to completion, with this host's environment, and
   * returns what it wrote: how kustomize renders a workload kustomization (`load/kustomize.ts`).
   */
  run(command: string, args: readonly string[], opts: RunOptions): RunResult
  readStdin(): Promise<string>
  stdout(s: string): void
  stderr(s: string): void
  /** Whether stderr is an interactive terminal (progress, colour). */
  readonly stderrIsTTY: boolean
}

/** `Host.stamp`: `id` differs whenever the file may have changed; `changedMs` is the later of its modification and change times. */
export interface FileStamp {
  readonly id: string
  readonly changedMs: number
}

/** What `Host.readRegularFile` found: the bytes, what the path is instead (`a FIFO`, …), or the size that is too large. */
export type RegularFile = { readonly bytes: Uint8Array } | { readonly notRegular: string } | { readonly tooLarge: number }
