import { CannotRun } from '../diagnostics/cannot-run.ts'

/** Exit codes of every command (README.md, "Exit codes"). */
export const ExitCode = {
  /** Success; `diff`: no differences; `sync`/`status`: every namespace Ready or NoClusterSelected. */
  ok: 0,
  /** Findings: invalid input, differences, failed namespaces, a refused destructive change. */
  findings: 1,
  /** Could not run: bad flags, unreadable files, unreachable cluster, missing CRD. */
  cannotRun: 2,
} as const
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode]

/** A problem of the command line that stops a command before it can do its job (exit 2, by `main.ts`), shown without a stack trace. */
export class UsageError extends CannotRun {}

/** A command stopped by SIGINT or SIGTERM (`build -o`): exit 130 or 143, as a shell reports a process ended by them. */
export class Interrupted extends Error {
  readonly signal: 'SIGINT' | 'SIGTERM'
  constructor(signal: 'SIGINT' | 'SIGTERM', outDir: string) {
    super(`interrupted (${signal}): ${outDir} is left as it was, and no temporary folder behind`)
    this.signal = signal
  }
  get exitCode(): number {
    return this.signal === 'SIGINT' ? 130 : 143
  }
}
