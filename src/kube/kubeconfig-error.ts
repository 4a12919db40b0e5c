import { CannotRun } from '../diagnostics/cannot-run.ts'

/** A kubeconfig that cannot be read or used: the user's to fix (a clear message, never a stack trace). */
export class KubeconfigError extends CannotRun {}
