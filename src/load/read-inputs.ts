import * as path from 'node:path'
import type { Diagnostic } from '../diagnostics/diagnostic.ts'
import type { Host } from '../host/host.ts'
import { decodeText, parseYaml, type ParsedDoc } from './parse-yaml.ts'

/** Files that cannot be read at all: the command cannot run (exit 2). */
export class InputError extends Error {}

const YAML_FILE = /\.(ya?ml|json)$/i

/** Repo-relative, posix form of a path, as diagnostics print it. */
export function displayPath(host: Host, p: string): string {
  const rel = path.relative(host.cwd, path.resolve(host.cwd, p))
  const shown = rel === '' ? '.' : rel.startsWith('..') || path.isAbsolute(rel) ? path.resolve(host.cwd, p) : rel
  return shown.split(path.sep).join('/')
}

/**
 * The files a list of paths stands for: files as given, folders' `*.yaml|*.yml|*.json` files
 * (not recursive, like `kubectl apply -f DIR`), sorted so input order never matters.
 */
export function expandPaths(host: Host, paths: readonly string[]): string[] {
  const out = new Set<string>()
  for (const p of paths) {
    const abs = path.resolve(host.cwd, p)
    const st = host.stat(abs)
    if (!st) throw new InputError(`${p}: no such file or directory`)
    if (st.dir) {
      let entries: { name: string; dir: boolean }[]
      try {
        entries = host.readDir(abs)
      } catch (e) {
        throw new InputError(`${p}: cannot read directory (${(e as Error).message})`)
      }
      for (const e of entries) if (!e.dir && YAML_FILE.test(e.name) && !e.name.startsWith('.')) out.add(path.join(abs, e.name))
    } else out.add(abs)
  }
  return [...out].sort()
}

/** Reads and parses YAML files; unreadable files throw InputError, bad content is diagnostics. */
export function readYamlFiles(
  host: Host,
  files: readonly string[],
  texts: Map<string, string> = new Map(),
): { docs: ParsedDoc[]; diagnostics: Diagnostic[]; texts: Map<string, string>; starts: Map<string, readonly number[]> } {
  const docs: ParsedDoc[] = []
  const diagnostics: Diagnostic[] = []
  const starts = new Map<string, readonly number[]>()
  for (const abs of files) {
    const shown = displayPath(host, abs)
    let bytes: Uint8Array
    try {
      bytes = host.readFile(abs)
    } catch (e) {
      throw new InputError(`${shown}: cannot read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`)
    }
    const text = decodeText(shown, bytes)
    diagnostics.push(...text.diagnostics)
    if (text.text === undefined) continue
    texts.set(shown, text.text)
    const parsed = parseYaml(shown, text.text)
    docs.push(...parsed.docs)
    diagnostics.push(...parsed.diagnostics)
    starts.set(shown, parsed.starts)
  }
  return { docs, diagnostics, texts, starts }
}
