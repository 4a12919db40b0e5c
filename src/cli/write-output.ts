import * as path from 'node:path'
import type { Host } from '../host/host.ts'
import { GENERATED_HEADER, type OutputFile } from '../render/bundle.ts'
import { UsageError } from './exit-codes.ts'

const TMP_SUFFIX = '.nsoffload-tmp'

/** Whether a cluster folder was written by nsoffload (its kustomization carries our header). */
function ours(host: Host, dir: string): boolean {
  try {
    return Buffer.from(host.readFile(path.join(dir, 'kustomization.yaml'))).toString('utf8').startsWith(GENERATED_HEADER)
  } catch {
    return false
  }
}

/**
 * Writes `outDir/<clusterID>/…` for every cluster. Checks everything before writing anything:
 * a folder that exists and was not written by nsoffload is never touched (exit 2). Each
 * cluster folder is written beside itself under a temporary name inside `outDir`, then swapped
 * in, so a failure never leaves a half-written folder. Folders of clusters no longer in the
 * inventory are removed only when nsoffload wrote them. Each cluster's files are rendered
 * (`clusters.get(id)()`) just before they are written, so that a fleet's build never holds
 * every file in memory at once.
 */
export function writeClusterFolders(host: Host, outDir: string, clusters: ReadonlyMap<string, () => readonly OutputFile[]>): string[] {
  const root = path.resolve(host.cwd, outDir)
  const st = host.stat(root)
  if (st && !st.dir) throw new UsageError(`${outDir}: exists and is not a folder`)
  for (const id of clusters.keys()) {
    const dir = path.join(root, id)
    if (host.stat(dir) && !ours(host, dir)) {
      throw new UsageError(`${path.join(outDir, id)}: exists and was not written by nsoffload; refusing to overwrite it`)
    }
  }
  host.mkdir(root)
  const stale = st ? host.readDir(root).filter((e) => e.dir && !clusters.has(e.name) && !e.name.endsWith(TMP_SUFFIX) && ours(host, path.join(root, e.name))) : []
  const written: string[] = []
  for (const [id, render] of clusters) {
    const dir = path.join(root, id)
    const tmp = path.join(root, `.${id}${TMP_SUFFIX}`)
    host.remove(tmp)
    const made = new Set<string>()
    for (const f of render()) {
      const target = path.join(tmp, f.path)
      const parent = path.dirname(target)
      if (!made.has(parent)) {
        host.mkdir(parent)
        made.add(parent)
      }
      host.writeFile(target, f.content)
    }
    host.remove(dir)
    host.rename(tmp, dir)
    written.push(id)
  }
  for (const e of stale) host.remove(path.join(root, e.name))
  return written
}
