import * as fs from 'node:fs'
import * as path from 'node:path'
import { main } from '../../src/cli/main.ts'
import { memoryHost } from '../../src/host/memory-host.ts'
import { nodeHost } from '../../src/host/node-host.ts'
import { tempDir } from './temp.ts'
import { inventoryYaml, region } from './inventory.ts'

export interface CliResult {
  readonly code: number
  readonly stdout: string
  readonly stderr: string
  /** The folder the command ran in. */
  readonly cwd: string
}

/** A fresh temporary folder holding `files` (path → content; a Uint8Array is written as is); removed when the test process exits. */
export function tempTree(files: Readonly<Record<string, string | Uint8Array>> = {}): string {
  const dir = tempDir('nsoffload-test-')
  for (const [rel, content] of Object.entries(files)) {
    const abs = path.join(dir, rel)
    fs.mkdirSync(path.dirname(abs), { recursive: true })
    fs.writeFileSync(abs, content)
  }
  return dir
}

/** Every file below a folder, as relative posix paths, sorted. */
export function listTree(dir: string): string[] {
  const out: string[] = []
  const walk = (d: string): void => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const abs = path.join(d, e.name)
      if (e.isDirectory()) walk(abs)
      else out.push(path.relative(dir, abs).split(path.sep).join('/'))
    }
  }
  if (fs.existsSync(dir)) walk(dir)
  return out.sort()
}

/** Runs the CLI in-process in `cwd` and captures what it prints; `env` is the whole environment it sees. */
export async function runCli(args: readonly string[], cwd: string, stdin = '', env: Readonly<Record<string, string>> = {}): Promise<CliResult> {
  let stdout = ''
  let stderr = ''
  const host = {
    ...nodeHost(cwd, env),
    stdout: (s: string) => {
      stdout += s
    },
    stderr: (s: string) => {
      stderr += s
    },
    readStdin: async () => stdin,
  }
  const code = await main(args, host)
  return { code, stdout, stderr, cwd }
}

/** Runs the CLI in a temporary tree made of `files`. */
export async function runIn(
  files: Readonly<Record<string, string | Uint8Array>>,
  args: readonly string[],
  stdin = '',
  env: Readonly<Record<string, string>> = {},
): Promise<CliResult> {
  return runCli(args, tempTree(files), stdin, env)
}

/** Input files by path (relative to the working folder, or absolute); a Uint8Array is taken as is. */
export type Files = Readonly<Record<string, string | Uint8Array>> | ReadonlyMap<string, string | Uint8Array>

/** The working folder of `runMemory`: a folder of the memory host, nothing on the disk. */
export const MEMORY_CWD = '/project'

export interface MemoryResult extends CliResult {
  /** The files after the run, by absolute path (the inputs and what the command wrote): the input of a next `runMemory`. */
  readonly files: ReadonlyMap<string, Uint8Array>
  /** Every file below the working folder after the run, as `listTree` lists a folder. */
  readonly tree: readonly string[]
}

/**
 * Runs the CLI in-process on a memory host (`src/host/memory-host.ts`) holding `files` under
 * `MEMORY_CWD`: for the tests that only feed inputs, no temporary folder. Tests about the
 * file system itself (symbolic links, permissions, `build -o` on a disk) use `runIn`.
 */
export async function runMemory(files: Files, args: readonly string[], stdin = ''): Promise<MemoryResult> {
  const host = memoryHost({ cwd: MEMORY_CWD, files, stdin })
  const code = await main(args, host)
  const prefix = MEMORY_CWD + '/'
  const tree = [...host.files.keys()]
    .filter((f) => f.startsWith(prefix))
    .map((f) => f.slice(prefix.length))
    .sort()
  return { code, stdout: host.out.stdout, stderr: host.out.stderr, cwd: MEMORY_CWD, files: host.files, tree }
}

/** The bundled example (`inventory.yaml`, `policies/`, `apps/` of the repository) as `runMemory` input. */
export function exampleFiles(): Map<string, string | Uint8Array> {
  const files = new Map<string, string | Uint8Array>([['inventory.yaml', fs.readFileSync(path.join(REPO, 'inventory.yaml'))]])
  for (const top of ['policies', 'apps'])
    for (const rel of listTree(path.join(REPO, top))) files.set(`${top}/${rel}`, fs.readFileSync(path.join(REPO, top, rel)))
  return files
}

/** A file's text among `runMemory`'s files, by path relative to `MEMORY_CWD`; undefined when there is none. */
export function memoryText(files: ReadonlyMap<string, Uint8Array>, rel: string): string | undefined {
  const f = files.get(path.posix.resolve(MEMORY_CWD, rel))
  return f && new TextDecoder().decode(f)
}

/** The repository root (for the bundled example and fixtures). */
export const REPO = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..', '..')

/** Dedent for inline YAML: strips the common leading indentation and the first newline. */
export function source(strings: TemplateStringsArray, ...values: unknown[]): string {
  const raw = strings.reduce((acc, s, i) => acc + s + (i < values.length ? String(values[i]) : ''), '')
  const lines = raw.replace(/^\n/, '').split('\n')
  const indent = Math.min(...lines.filter((l) => l.trim() !== '').map((l) => l.match(/^ */)?.[0].length ?? 0))
  return lines.map((l) => l.slice(indent)).join('\n')
}

/** The smallest inventory the input tests need: home venice, one remote naples labelled `topology.liqo.io/region: south`. */
export const ONE_REMOTE_INVENTORY = inventoryYaml({ remotes: [{ clusterID: 'naples', labels: region('south') }] })
