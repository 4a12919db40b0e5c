import { type ChildProcessWithoutNullStreams, execFileSync, spawn } from 'node:child_process'
import * as path from 'node:path'
import { createInterface } from 'node:readline'

/**
 * The judge of the differential tests: `test/oracle/cmd/oracle`, a Go program that links Liqo
 * v1.2.0 and Kubernetes v0.35.2 and answers JSON questions, one per line (its doc comment lists
 * them). One long-lived process per test file; questions are written as they come and answered in
 * order, so many cases asked at once travel in a few writes.
 */
export interface Oracle {
  ask<A>(q: string, body: Record<string, unknown>): Promise<A>
  close(): Promise<void>
}

const repo = path.resolve(import.meta.dirname, '../..')

/**
 * The oracle's binary: `scripts/go-tools/build-oracle.sh` prints its cached path (building it
 * first when `npm test`'s setup has not: a fresh clone builds it once, with `go`).
 */
export function oracleBinary(): string {
  const out = execFileSync('bash', [path.join(repo, 'scripts/go-tools/build-oracle.sh')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] })
  return out.trim().split('\n').pop() ?? ''
}

export function startOracle(): Oracle {
  const child: ChildProcessWithoutNullStreams = spawn(oracleBinary(), [], { stdio: ['pipe', 'pipe', 'pipe'] })
  let nextId = 1
  const pending = new Map<number, { resolve: (a: unknown) => void; reject: (e: Error) => void; q: string }>()
  let stderr = ''
  let dead: Error | undefined
  child.stderr.setEncoding('utf8')
  child.stderr.on('data', (s: string) => {
    stderr = (stderr + s).slice(-4000)
  })
  const fail = (e: Error): void => {
    dead = e
    for (const p of pending.values()) p.reject(e)
    pending.clear()
  }
  child.on('error', fail)
  child.on('exit', (code, signal) => {
    if (pending.size > 0) fail(new Error(`the oracle exited (${signal ?? code}) with ${pending.size} questions unanswered: ${stderr}`))
  })
  createInterface({ input: child.stdout }).on('line', (line) => {
    const a = JSON.parse(line) as { id: number; answer?: unknown; oracleError?: string }
    const p = pending.get(a.id)
    if (!p) return
    pending.delete(a.id)
    if (a.oracleError !== undefined) p.reject(new Error(`the oracle could not answer ${p.q}: ${a.oracleError}`))
    else p.resolve(a.answer)
  })
  // Questions asked in one turn of the event loop go out in one write.
  let corked = false
  return {
    ask<A>(q: string, body: Record<string, unknown>): Promise<A> {
      if (dead) return Promise.reject(dead)
      const id = nextId++
      const answer = new Promise<A>((resolve, reject) => pending.set(id, { resolve: resolve as (a: unknown) => void, reject, q }))
      if (!corked) {
        corked = true
        child.stdin.cork()
        process.nextTick(() => {
          corked = false
          child.stdin.uncork()
        })
      }
      child.stdin.write(JSON.stringify({ ...body, id, q }) + '\n')
      return answer
    },
    close(): Promise<void> {
      return new Promise((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve()
        child.once('exit', () => resolve())
        child.stdin.end()
      })
    },
  }
}
