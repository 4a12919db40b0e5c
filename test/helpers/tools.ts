/**
 * The programs the tests run. A stand-in of the infra engineer's module of the same name (the
 * same functions; theirs also finds the kubectl and kustomize that scripts/k8s-env/ builds):
 * each function honours its env override first, then the machine's PATH.
 */
import * as fs from 'node:fs'
import * as path from 'node:path'

function isExecutable(p: string): boolean {
  try {
    fs.accessSync(p, fs.constants.X_OK)
    return fs.statSync(p).isFile()
  } catch {
    return false
  }
}

/** The first `cmd` on PATH (then the usual system dirs), or undefined. */
export function which(cmd: string): string | undefined {
  const dirs = [...(process.env['PATH'] ?? '').split(path.delimiter), '/usr/local/bin', '/usr/bin', '/bin']
  for (const dir of dirs) {
    if (dir === '') continue
    const p = path.join(dir, cmd)
    if (isExecutable(p)) return p
  }
  return undefined
}

/** kubectl: `NSOFFLOAD_KUBECTL`, else the machine's; undefined when there is none. */
export function kubectlPath(): string | undefined {
  return process.env['NSOFFLOAD_KUBECTL'] || which('kubectl')
}

/** The standalone kustomize: `NSOFFLOAD_KUSTOMIZE`, else the machine's; undefined when there is none. */
export function kustomizePath(): string | undefined {
  return process.env['NSOFFLOAD_KUSTOMIZE'] || which('kustomize')
}
