import * as fs from 'node:fs'
import * as path from 'node:path'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { type CliResult, REPO, runCli } from '../helpers/cli.ts'
import { writeTokenPlugin } from '../helpers/token-plugin.ts'
import { type ControlPlaneEnv, e2eSkipReason, getSharedEnv } from './harness/control-plane.ts'
import { type FaultProxy, kubeconfigFor, startFaultProxy } from './harness/fault-proxy.ts'
import { type SyncFixture, syncFixture } from './harness/sync-fixture.ts'
import { tempDir } from '../helpers/temp.ts'

/**
 * Bounded time against real API servers, behind a fault-injecting proxy (docs/sync.md, "Time
 * limits"): a server that trickles its answers, one that never answers, one lost in the middle
 * of a sync, `--timeout` bounding the whole command, an exec credential plugin that never ends.
 * No timing is asserted: each case says what ended it, and a guard fails a command that hangs.
 */
const skip = e2eSkipReason('time-limits')
const e2e = skip === null ? test : test.skip
const CLUSTERS = ['venice', 'florence', 'naples'] as const
const NAMESPACES = ['tl-a', 'tl-b', 'tl-c', 'tl-d', 'tl-e', 'tl-f']
let env: ControlPlaneEnv
let work: string
let fixture: SyncFixture | undefined
const proxies: FaultProxy[] = []

const policy = (ns: string): string => `apiVersion: nsoffload.dev/v1alpha1\nkind: OffloadingPolicy\nmetadata:\n  name: ${ns}\nspec: {}\n`

test.before(async () => {
  if (skip !== null) return
  env = await getSharedEnv()
  const files: Record<string, string> = { 'inventory.yaml': fs.readFileSync(path.join(REPO, 'inventory.yaml'), 'utf8') }
  for (const ns of NAMESPACES) files[`policies/${ns}.yaml`] = policy(ns)
  fixture = await syncFixture(env, files, NAMESPACES)
  work = fixture.work
})

test.after(async () => {
  for (const p of proxies) await p.close()
  await fixture?.cleanUp()
})

/** A kubeconfig whose clusters go through a fault proxy each (`schedules` by cluster; the others direct). */
async function through(
  schedules: Partial<Record<(typeof CLUSTERS)[number], FaultProxy['schedule']>>,
): Promise<{ kubeconfig: string; proxy: Record<string, FaultProxy> }> {
  const servers: Record<string, { server: string; token: string }> = {}
  const proxy: Record<string, FaultProxy> = {}
  for (const c of CLUSTERS) {
    const info = env.clusters[c]
    if (!info) throw new Error(`no cluster ${c}`)
    const schedule = schedules[c]
    if (schedule) {
      const p = await startFaultProxy(info.server, schedule)
      proxies.push(p)
      proxy[c] = p
    }
    servers[c] = { server: proxy[c]?.url ?? info.server, token: info.token }
  }
  return { kubeconfig: kubeconfigFor(servers), proxy }
}

/** A hang guard, not a speed check: the command, or a failure when it has not ended after `ms`. */
async function bounded(args: string[], ms = 180_000, cwd = work): Promise<CliResult> {
  let timer: NodeJS.Timeout | undefined
  const guard = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`nsoffload ${args.join(' ')} has not ended after ${ms / 1000} s`)), ms)
  })
  try {
    return await Promise.race([runCli(args, cwd), guard])
  } finally {
    clearTimeout(timer)
  }
}

/** The harness kubeconfig, florence's context with a user whose credentials come from `exec`. */
function withPlugin(name: string, exec: Record<string, unknown>): string {
  const doc = JSON.parse(fs.readFileSync(env.kubeconfigPath, 'utf8')) as {
    users: { name: string; user: Record<string, unknown> }[]
    contexts: { name: string; context: { user: string } }[]
  }
  doc.users.push({ name: 'florence-sso', user: { exec } })
  for (const c of doc.contexts) if (c.name === 'florence') c.context.user = 'florence-sso'
  const file = path.join(tempDir('nsoffload-kc-'), name)
  fs.writeFileSync(file, JSON.stringify(doc), { mode: 0o600 })
  return file
}

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

/** Waits (generously) for every process of `pids` to be gone; the ones still there. */
async function gone(pids: readonly number[]): Promise<number[]> {
  for (let i = 0; i < 600 && pids.some(alive); i++) await new Promise((r) => setTimeout(r, 100))
  return pids.filter(alive)
}

const STOPPED = 'stopped (kubectl would wait for ever; a plugin that asks for a login cannot get one here: log in first, then run nsoffload again)'

const origin = (p: FaultProxy | undefined): string => (p?.url ?? '').replace(/[.]/g, '\\.')
const lines = (s: string): string[] => s.split('\n').filter(Boolean)

e2e(
  'a server that trickles its answers (a byte every 250 ms): each request is cut off at --request-timeout, a total, then the cluster is unreachable',
  async () => {
    const { kubeconfig, proxy } = await through({ florence: () => 'trickle' })
    const r = await bounded(['diff', '--request-timeout', '2s', '--kubeconfig', kubeconfig])
    assert.is(r.code, 2, r.stderr)
    assert.is(
      r.stderr,
      `nsoffload: cluster "florence" (context florence, ${proxy['florence']?.url}) is unreachable: no complete answer within 2 s (--request-timeout)\n`,
    )
    assert.ok((proxy['florence']?.seen.total ?? 0) >= 2, 'a request cut off is tried again')
  },
)

e2e('a server that never answers: declared unreachable within its budget, with the default time-outs', async () => {
  const { kubeconfig, proxy } = await through({ naples: () => 'hang' })
  const r = await bounded(['status', '--kubeconfig', kubeconfig])
  assert.is(r.code, 2, r.stderr)
  assert.is(
    r.stderr,
    `nsoffload: cluster "naples" (context naples, ${proxy['naples']?.url}) is unreachable: no complete answer within 30 s (--request-timeout)\n`,
  )
})

e2e('--timeout bounds the whole command: reads cut off when it passes, each cluster waited for named, exit 2', async () => {
  const { kubeconfig, proxy } = await through({ venice: () => 'trickle' })
  const r = await bounded(['status', '--timeout', '3s', '--kubeconfig', kubeconfig])
  assert.is(r.code, 2, r.stderr)
  assert.equal(
    lines(r.stderr).map((l) => l.replace(/: GET \S+$/, ': GET …')),
    [`nsoffload: --timeout 3s passed while waiting for cluster "venice" (context venice, ${proxy['venice']?.url}): GET …`],
  )
})

e2e('--timeout while applying: the sync stops there (exit 2, the cluster named); run again, it converges', async () => {
  // florence answers its reads, then trickles every write (the set's parent Secret is its first).
  const { kubeconfig, proxy } = await through({ florence: (_n, method) => (method === 'GET' ? 'none' : 'trickle') })
  const r = await bounded(['sync', '--install-crds', '--timeout', '20s', '--kubeconfig', kubeconfig])
  assert.is(r.code, 2, r.stderr)
  const last = lines(r.stderr).at(-1) ?? ''
  assert.match(
    last,
    new RegExp(
      `^nsoffload: --timeout 20s passed while waiting for cluster "florence" \\(context florence, ${origin(proxy['florence'])}\\): PATCH /api/v1/namespaces/(tl-[a-f]-venice|default/secrets/nsoffload-italy)$`,
    ),
  )
  assert.not.match(r.stderr, /error NSO5007/, 'no action reported failed: the sync was cut off')
  const again = await bounded(['sync', '--kubeconfig', env.kubeconfigPath])
  assert.is(again.code, 0, again.stderr)
})

e2e('sync --wait: --timeout is the whole sync, waiting included; a read it cuts off while waiting is "not ready in time" (exit 1)', async () => {
  assert.is((await bounded(['sync', '--install-crds', '--kubeconfig', env.kubeconfigPath])).code, 0)
  // tl-a unoffloaded with --prune: its twin on florence cannot go (a finalizer), so tl-a stays Terminating.
  await env.kubectl('florence', ['patch', 'ns', 'tl-a-venice', '--type=merge', '-p', '{"metadata":{"finalizers":["nsoffload.test/hold"]}}'])
  fs.rmSync(path.join(work, 'policies', 'tl-a.yaml'))
  let venicesWrites = 0
  // After venice's first write, its reads trickle: the wait's reads are under way when the time is up.
  const { kubeconfig } = await through({
    venice: (_n, method) => {
      if (method !== 'GET') venicesWrites++
      return method === 'GET' && venicesWrites > 0 ? 'trickle' : 'none'
    },
  })
  try {
    const r = await bounded(['sync', '--prune', '--wait', '--timeout', '25s', '--format', 'json', '--kubeconfig', kubeconfig])
    assert.is(r.code, 1, r.stderr)
    const out = JSON.parse(r.stdout) as { timedOut?: boolean; namespaces: { namespace: string; status: { offloadingPhase: string } }[] }
    assert.is(out.timedOut, true)
    assert.is(out.namespaces.find((n) => n.namespace === 'tl-a')?.status.offloadingPhase, 'Terminating')
    assert.ok(venicesWrites > 0, 'venice was written')
  } finally {
    await env.kubectl('florence', ['patch', 'ns', 'tl-a-venice', '--type=merge', '-p', '{"metadata":{"finalizers":null}}'])
    fs.writeFileSync(path.join(work, 'policies', 'tl-a.yaml'), policy('tl-a'))
  }
})

e2e(
  'an API server lost in the middle of a sync (--concurrency 2): retried within its budget, the time left told, then the sync ends naming it; run again, it converges',
  async () => {
    for (const ns of NAMESPACES) await env.deleteNamespace('naples', `${ns}-venice`, 60_000)
    // naples answers its reads and two writes, then is gone.
    let writes = 0
    let lost: FaultProxy | undefined
    const { kubeconfig, proxy } = await through({
      naples: (_n, method) => {
        if (method !== 'GET' && ++writes === 3) void lost?.goDown()
        return 'none'
      },
    })
    lost = proxy['naples']
    const r = await bounded(['sync', '--concurrency', '2', '--kubeconfig', kubeconfig])
    assert.is(r.code, 2, r.stderr)
    const out = lines(r.stderr)
    const progress = out.filter((l) => l.startsWith('naples: PATCH '))
    assert.ok(progress.length > 0, r.stderr)
    for (const l of progress)
      assert.match(l, /^naples: PATCH \S+: ((read )?ECONNRESET|connect ECONNREFUSED); retrying in \d+ ms \(\d+(\.\d)? m?s of retries left\)$/)
    assert.match(
      out.at(-1) ?? '',
      new RegExp(
        `^nsoffload: cluster "naples" \\(context naples, ${origin(lost)}\\) stopped answering: PATCH /api/v1/namespaces/tl-[a-f]-venice: ((read )?ECONNRESET|connect ECONNREFUSED); given up after \\d+(\\.\\d)? m?s of retries$`,
      ),
    )
    assert.not.match(r.stderr, /error NSO5007/, 'one line for the cluster, not one per object')
    const again = await bounded(['sync', '--kubeconfig', env.kubeconfigPath])
    assert.is(again.code, 0, again.stderr)
    for (const ns of NAMESPACES) assert.is((await env.kubectl('naples', ['get', 'ns', `${ns}-venice`, '-o', 'name'])).code, 0)
  },
)

e2e(
  'an exec credential plugin that never ends (a login that cannot come): killed after 30 s, the command ends naming the context, the user and the plugin',
  async () => {
    const plugin = writeTokenPlugin(path.join(work, 'plugin'), 'sso-login', [{ hang: 'open https://sso.example/device and enter the code' }])
    const r = await bounded(['status', '--kubeconfig', withPlugin('login.yaml', plugin.exec)])
    assert.is(r.code, 2, r.stderr)
    assert.is(
      r.stderr,
      `nsoffload: context "florence": exec plugin of user "florence-sso" (${process.execPath}) did not finish within 30 s: ${STOPPED}; it said: open https://sso.example/device and enter the code\n`,
    )
    assert.is(plugin.hung().length, 1)
    assert.equal(await gone(plugin.hung()), [], 'the plugin was killed')
  },
)

e2e('an exec plugin that hangs when run again after a 401: the request fails naming the cluster and the plugin; no token printed', async () => {
  // Its first token is one the API server does not know: the 401 runs it again, and that run never ends.
  const plugin = writeTokenPlugin(path.join(work, 'plugin'), 'sso-refresh', [{ token: 'revoked-sso-token-4f1e' }, { hang: 'refreshing the session…' }])
  const r = await bounded(['status', '--kubeconfig', withPlugin('refresh.yaml', plugin.exec)])
  assert.is(r.code, 2, r.stderr)
  const server = (env.clusters['florence']?.server ?? '').replace(/[.]/g, '\\.')
  assert.match(
    r.stderr,
    new RegExp(
      `^nsoffload: cluster "florence" \\(context florence, ${server}\\): GET /\\S+: exec plugin of user "florence-sso" \\(${process.execPath.replace(/[.]/g, '\\.')}\\) did not finish within 30 s: stopped \\(kubectl would wait for ever; [^)]*\\); it said: refreshing the session…\n$`,
    ),
  )
  assert.not.ok(r.stderr.includes('revoked-sso-token-4f1e'), 'the token is never printed')
  assert.is(plugin.runs(), 2)
  assert.equal(await gone(plugin.hung()), [], 'the plugin was killed')
})

test.run()
