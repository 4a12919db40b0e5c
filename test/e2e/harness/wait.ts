/** Waiting: a plain sleep, and polling until something holds. */

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms))

/** Poll `fn` until it returns a value other than undefined, or throw after `timeoutMs`. */
export async function poll<T>(
  what: string,
  fn: () => Promise<T | undefined> | T | undefined,
  opts: { timeoutMs?: number; intervalMs?: number } = {},
): Promise<T> {
  const deadline = Date.now() + (opts.timeoutMs ?? 30_000)
  const interval = opts.intervalMs ?? 250
  let lastErr: unknown
  for (;;) {
    try {
      const v = await fn()
      if (v !== undefined) return v
    } catch (e) {
      lastErr = e
    }
    if (Date.now() > deadline) {
      const tail = lastErr instanceof Error ? ` (last error: ${lastErr.message})` : ''
      throw new Error(`timed out after ${opts.timeoutMs ?? 30_000} ms waiting for ${what}${tail}`)
    }
    await sleep(interval)
  }
}
