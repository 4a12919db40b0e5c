import * as path from 'node:path'
import { diag, type Diagnostic } from '../diagnostics/diagnostic.ts'
import type { Host, RunResult } from '../host/host.ts'
import { displayPath, InputError } from './read-inputs.ts'

/**
 * Workload kustomizations, rendered by kustomize itself (the I/O edge): a folder holding a
 * `kustomization.yaml` among a policy's workloads is what `kustomize build` makes of it, never
 * a reading of its files by nsoffload. Which kustomize: `$NSOFFLOAD_KUSTOMIZE` (a standalone
 * kustomize) when set; else the standalone `kustomize` on the PATH, the one Argo CD runs and
 * the newest; else `kubectl kustomize` (kubectl embeds an older kustomize). Bounded in time
 * and in output.
 */

/** The names kustomize reads as a kustomization, in its own order of preference. */
export const KUSTOMIZATION_FILES = ['kustomization.yaml', 'kustomization.yml', 'Kustomization'] as const

/** How long one `kustomize build` may take (remote bases are fetched by kustomize). */
export const KUSTOMIZE_TIMEOUT_MS = 120_000
const MAX_OUTPUT_BYTES = 256 * 1024 * 1024

/** The kustomization file of a folder whose entries are `names`, if it has one. */
export function kustomizationFile(names: readonly string[]): string | undefined {
  return KUSTOMIZATION_FILES.find((f) => names.includes(f))
}

interface Candidate {
  readonly command: string
  readonly args: (dir: string) => string[]
  /** How the user would name it. */
  readonly shown: string
}

function candidates(host: Host): Candidate[] {
  const given = host.env['NSOFFLOAD_KUSTOMIZE']
  if (given) return [{ command: given, args: (d) => ['build', d], shown: `${given} build (NSOFFLOAD_KUSTOMIZE)` }]
  const kubectl = host.env['NSOFFLOAD_KUBECTL'] || 'kubectl'
  return [
    { command: 'kustomize', args: (d) => ['build', d], shown: 'kustomize build' },
    { command: kubectl, args: (d) => ['kustomize', d], shown: `${kubectl} kustomize` },
  ]
}

/** kustomize's error text, its absolute paths made relative to the working folder, a few lines at most. */
function errorText(host: Host, r: RunResult): string {
  const lines = r.stderr
    .split(/\r?\n/)
    .map((l) => l.replace(/^Error: /, '').replaceAll(host.cwd + path.sep, ''))
    .filter((l) => l.trim() !== '')
  const shown = lines.slice(0, 4).join('\n')
  return (shown || `exit status ${r.status ?? '?'}`) + (lines.length > 4 ? `\n… (${lines.length - 4} more lines)` : '')
}

/**
 * Renders the kustomization in folder `dir` (absolute). Its YAML stream, or a diagnostic when
 * kustomize refuses it (the user's input: exit 1). Throws InputError when no kustomize can run
 * or it does not finish (exit 2).
 */
export function renderKustomization(host: Host, dir: string, file: string): { text: string } | { diagnostic: Diagnostic } {
  const shownDir = displayPath(host, dir)
  const shownFile = displayPath(host, path.join(dir, file))
  for (const c of candidates(host)) {
    const r = host.run(c.command, c.args(dir), { cwd: host.cwd, timeoutMs: KUSTOMIZE_TIMEOUT_MS, maxOutputBytes: MAX_OUTPUT_BYTES })
    if (r.failure === 'notFound') continue
    if (r.failure === 'unavailable')
      throw new InputError(`${shownFile}: a kustomize app, which is rendered by running kustomize: not possible on this input (files read from memory)`)
    if (r.failure === 'timeout')
      throw new InputError(`${c.shown} ${shownDir}: did not finish within ${KUSTOMIZE_TIMEOUT_MS / 1000} s (the kustomize app of ${shownFile})`)
    if (r.failure === 'tooLarge') throw new InputError(`${c.shown} ${shownDir}: wrote more than ${MAX_OUTPUT_BYTES / 1024 / 1024} MiB`)
    if (r.failure !== undefined) throw new InputError(`${c.shown} ${shownDir}: could not run (${r.failure})`)
    if (r.status !== 0) {
      return {
        diagnostic: diag(
          'kustomizeFailed',
          `${c.shown} ${shownDir} failed: ${errorText(host, r)}`,
          { file: shownFile, line: 1, column: 1, path: '' },
          {
            hint: `nsoffload renders a folder holding a ${file} with kustomize: run \`${c.shown} ${shownDir}\` to see the whole error`,
          },
        ),
      }
    }
    return { text: r.stdout }
  }
  const given = host.env['NSOFFLOAD_KUSTOMIZE']
  throw new InputError(
    given
      ? `${shownFile}: a kustomize app, and NSOFFLOAD_KUSTOMIZE names no program that can run (${given})`
      : `${shownFile}: a kustomize app, and neither \`kustomize\` nor \`kubectl\` is on the PATH to render it: install kustomize (sigs.k8s.io/kustomize/kustomize/v5) or kubectl, or set NSOFFLOAD_KUSTOMIZE to a kustomize binary; or render it where kustomize runs (\`kustomize build ${shownDir} > app.yaml\`) and list that file instead`,
  )
}
