/**
 * What stops a command before it can do its job and is the user's to fix: bad flags, an input
 * that cannot be read at all, a kubeconfig that cannot be used. Thrown where it is found (load/,
 * kube/, cli/) and never translated on the way: the CLI edge (`src/cli/main.ts`) is the one
 * place it becomes a line on stderr and exit 2, never a stack trace. (Problems *in* the input
 * are diagnostics, data: `diagnostic.ts`.)
 */
export class CannotRun extends Error {}
