import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'

/** The folders `tempDir` made in this process; removed when it exits (uvu runs every test file of a run in one process). */
const made = new Set<string>()

function removeAll(): void {
  for (const dir of made) {
    try {
      fs.rmSync(dir, { recursive: true, force: true })
    } catch {
      // a folder still in use or made unremovable by its test: left behind, never a failed run
    }
  }
  made.clear()
}

/** A fresh empty folder below the system's temporary folder, named `<prefix>XXXXXX`; removed when the test process exits. */
export function tempDir(prefix: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix))
  if (made.size === 0) process.once('exit', removeAll)
  made.add(dir)
  return dir
}
