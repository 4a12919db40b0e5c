/**
 * Everything nsoffload needs from the outside world, passed into `main()`.
 * Only `node-host.ts` implements it with `node:fs` and `process`: the pipeline stays pure.
 */
export interface Host {
  /** The directory relative paths are resolved against. */
  readonly cwd: string
  readonly env: Readonly<Record<string, string | undefined>>
  readFile(path: string): Uint8Array
  /** Entry names of a directory, or throws. */
  readDir(path: string): { name: string; dir: boolean }[]
  stat(path: string): { dir: boolean; file: boolean } | undefined
  writeFile(path: string, data: string): void
  mkdir(path: string): void
  /** Removes a file or directory tree. */
  remove(path: string): void
  rename(from: string, to: string): void
  readStdin(): Promise<string>
  stdout(s: string): void
  stderr(s: string): void
  /** Whether stderr is an interactive terminal (progress, colour). */
  readonly stderrIsTTY: boolean
}
