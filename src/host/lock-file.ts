import { randomBytes } from 'node:crypto'
import * as fs from 'node:fs'
import * as os from 'node:os'

/** Whether process `pid` of this machine still runs (EPERM: it runs, as another user). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM'
  }
}

/**
 * `Host.tryLock` on the real file system: the lock is a file created with O_EXCL holding
 * `<pid>@<hostname>`. A lock whose process is gone (killed with SIGKILL, a crash) is taken over:
 * moved aside under a name of its own first, so that of two runs taking over one stale lock,
 * the second never removes the lock the first has just taken.
 */
export function tryLock(p: string): { release(): void } | { heldBy: string } {
  const me = `${process.pid}@${os.hostname()}\n`
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      fs.writeFileSync(p, me, { flag: 'wx', mode: 0o644 })
      return {
        release: () => {
          try {
            if (fs.readFileSync(p, 'utf8') === me) fs.rmSync(p, { force: true })
          } catch {
            // Already gone.
          }
        },
      }
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e
    }
    let holder: string
    try {
      holder = fs.readFileSync(p, 'utf8')
    } catch {
      continue // released meanwhile
    }
    const m = /^(\d+)@(.*)\n$/.exec(holder)
    const shown = m ? `process ${m[1]} on ${m[2]}` : `the lock file holds ${JSON.stringify(holder.slice(0, 80))}`
    if (!m || m[2] !== os.hostname() || alive(Number(m[1]))) return { heldBy: shown }
    const aside = `${p}.stale-${randomBytes(4).toString('hex')}`
    try {
      fs.renameSync(p, aside)
    } catch {
      continue // taken over by another run meanwhile
    }
    if (fs.readFileSync(aside, 'utf8') === holder) fs.rmSync(aside, { force: true })
    else {
      // Another run's fresh lock was moved: put it back (unless a third run holds the lock now).
      try {
        fs.linkSync(aside, p)
      } catch {
        // The lock is held again: ours to wait for.
      }
      fs.rmSync(aside, { force: true })
    }
  }
  return { heldBy: 'another process (the lock changed hands while it was taken)' }
}
