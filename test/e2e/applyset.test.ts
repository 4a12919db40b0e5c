import * as fs from 'node:fs'
import * as path from 'node:path'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { applySetID } from '../../src/sync/applyset.ts'
import { runCli, tempTree } from '../helpers/cli.ts'
import { type ControlPlaneEnv, e2eSkipReason, getSharedEnv } from './harness/control-plane.ts'

/**
 * Ownership with identity, against real API servers and a real kubectl: two repositories (two
 * inventories, two ApplySets) syncing to one home cluster prune only their own namespaces; a
 * `-p` that reads part of a set prunes nothing of the rest; kubectl's own ApplySets
 * (`kubectl apply --prune --applyset`, KUBECTL_APPLYSET=true) and nsoffload's leave each
 * other's objects alone, and kubectl computes the same set ID as nsoffload.
 */
const skip = e2eSkipReason('applyset')
const e2e = skip === null ? test : test.skip
let env: ControlPlaneEnv
let repoA: string
let repoB: string

const ALPHA = 'as-alpha'
const BETA = 'as-beta'
const GAMMA = 'as-gamma'
const VN = 'as-naples'
const KUBECTL_PARENT = 'as-kubectl-owned'
const CLUSTERS = ['venice', 'naples'] as const

/** An inventory of venice offloading to naples through its virtual node `as-naples`; its name names the set. */
const inventory = (name: string): string =>
  `apiVersion: nsoffload.dev/v1alpha1\nkind: ClusterInventory\nmetadata:\n  name: ${name}\nspec:\n  home:\n    clusterID: venice\n  remotes:\n    - clusterID: naples\n      labels: {topology.liqo.io/region: south}\n      virtualNodes: [{name: ${VN}}]\n`
const policy = (ns: string, workloads = false): string =>
  `apiVersion: nsoffload.dev/v1alpha1\nkind: OffloadingPolicy\nmetadata:\n  name: ${ns}\nspec:\n  namespaceMappingStrategy: EnforceSameName\n${workloads ? `  workloads: [../apps/${ns}/]\n` : ''}`
const configMap = (name: string, ns?: string): string =>
  `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\n${ns ? `  namespace: ${ns}\n` : ''}data:\n  k: v\n`

const saved = process.env['KUBECTL_APPLYSET']

test.before(async () => {
  if (skip !== null) return
  env = await getSharedEnv()
  // kubectl's ApplySet flags are behind this variable (kubectl >= 1.27).
  process.env['KUBECTL_APPLYSET'] = 'true'
  repoA = tempTree({
    'inventory.yaml': inventory('fleet-a'),
    [`policies/${ALPHA}.yaml`]: policy(ALPHA, true),
    [`apps/${ALPHA}/config.yaml`]: configMap('app-config'),
    [`policies/${BETA}.yaml`]: policy(BETA),
  })
  repoB = tempTree({ 'inventory.yaml': inventory('fleet-b'), [`policies/${GAMMA}.yaml`]: policy(GAMMA) })
  const r = await env.kubectl('venice', ['apply', '-f', '-'], crd())
  assert.is(r.code, 0, r.stderr)
  await env.createNodes('venice', [
    {
      name: VN,
      labels: { 'liqo.io/type': 'virtual-node', 'liqo.io/remote-cluster-id': 'naples', 'topology.liqo.io/region': 'south' },
      taints: [{ key: 'virtual-node.liqo.io/not-allowed', value: 'true', effect: 'NoExecute' }],
    },
  ])
})

test.after(async () => {
  if (saved === undefined) delete process.env['KUBECTL_APPLYSET']
  else process.env['KUBECTL_APPLYSET'] = saved
  if (skip !== null || (env as ControlPlaneEnv | undefined) === undefined) return
  for (const c of CLUSTERS) {
    for (const ns of [ALPHA, BETA, GAMMA]) await env.deleteNamespace(c, ns, 30_000).catch(() => false)
    for (const s of ['nsoffload-fleet-a', 'nsoffload-fleet-b', KUBECTL_PARENT])
      await env.kubectl(c, ['delete', 'secret', s, '-n', 'default', '--ignore-not-found']).catch(() => undefined)
    await env.kubectl(c, ['delete', 'configmap', 'as-k-three', 'intruder', '-n', 'default', '--ignore-not-found']).catch(() => undefined)
  }
  await env.deleteNodes('venice', [VN]).catch(() => undefined)
})

/** The CRD as nsoffload ships it. */
function crd(): string {
  return fs.readFileSync(path.join(path.dirname(new URL(import.meta.url).pathname), '..', '..', 'schemas', 'namespaceoffloading-crd.yaml'), 'utf8')
}

const nsoffload = (repo: string, args: string[]) => runCli([...args, '--kubeconfig', env.kubeconfigPath], repo)
const exists = async (cluster: string, args: string[]): Promise<boolean> =>
  (await env.kubectl(cluster, ['get', ...args, '--ignore-not-found', '-o', 'name'])).stdout.trim() !== ''
async function json(cluster: string, args: string[]): Promise<Record<string, unknown>> {
  const r = await env.kubectl(cluster, [...args, '-o', 'json'])
  assert.is(r.code, 0, r.stderr)
  return JSON.parse(r.stdout) as Record<string, unknown>
}
const meta = (o: Record<string, unknown>): { labels?: Record<string, string>; annotations?: Record<string, string> } =>
  o['metadata'] as { labels?: Record<string, string>; annotations?: Record<string, string> }

async function offsets(): Promise<Record<string, number>> {
  const out: Record<string, number> = {}
  for (const c of CLUSTERS) out[c] = await env.auditOffset(c)
  return out
}
/** Writes (dry runs apart) nsoffload and kubectl sent since the offsets: `cluster verb resource/namespace/name`. */
async function writes(since: Record<string, number>): Promise<string[]> {
  const out: string[] = []
  for (const c of CLUSTERS) {
    for (const w of await env.auditWrites(c, since[c]))
      if (!w.dryRun && /^(nsoffload|kubectl)/.test(w.userAgent)) out.push(`${c} ${w.verb} ${w.resource}/${w.namespace}/${w.name}`)
  }
  return out
}
/** Writes that touch a namespace of the given names (its objects, or the namespace itself). */
const touching = (ws: string[], names: readonly string[]): string[] => ws.filter((w) => names.some((n) => w.includes(`/${n}/`)))

e2e('two repositories sync to one home cluster: one parent per cluster each, every member labelled with its own set', async () => {
  const a = await nsoffload(repoA, ['sync'])
  assert.is(a.code, 0, a.stderr + a.stdout)
  const b = await nsoffload(repoB, ['sync'])
  assert.is(b.code, 0, b.stderr + b.stdout)
  const idA = applySetID('nsoffload-fleet-a', 'default', 'Secret', '')
  const idB = applySetID('nsoffload-fleet-b', 'default', 'Secret', '')
  for (const c of CLUSTERS) {
    const parent = meta(await json(c, ['get', 'secret', 'nsoffload-fleet-a', '-n', 'default']))
    assert.is(parent.labels?.['applyset.kubernetes.io/id'], idA)
    assert.match(parent.annotations?.['applyset.kubernetes.io/tooling'] ?? '', /^nsoffload\/v\d+\.\d+\.\d+/)
  }
  const homeParent = meta(await json('venice', ['get', 'secret', 'nsoffload-fleet-a', '-n', 'default']))
  assert.is(homeParent.annotations?.['applyset.kubernetes.io/contains-group-kinds'], 'ConfigMap,Namespace,NamespaceOffloading.offloading.liqo.io')
  assert.is(homeParent.annotations?.['applyset.kubernetes.io/additional-namespaces'], `${ALPHA},${BETA}`)
  assert.is(
    meta(await json('naples', ['get', 'secret', 'nsoffload-fleet-a', '-n', 'default'])).annotations?.['applyset.kubernetes.io/contains-group-kinds'],
    'Namespace',
  )
  for (const [c, args, id] of [
    ['venice', ['namespace', ALPHA], idA],
    ['venice', ['nso', 'offloading', '-n', ALPHA], idA],
    ['venice', ['configmap', 'app-config', '-n', ALPHA], idA],
    ['naples', ['namespace', BETA], idA],
    ['venice', ['nso', 'offloading', '-n', GAMMA], idB],
    ['naples', ['namespace', GAMMA], idB],
  ] as const)
    assert.is(meta(await json(c, ['get', ...args])).labels?.['applyset.kubernetes.io/part-of'], id, `${c} ${args.join(' ')}`)
  // Nothing changed: a second sync of either sends no write.
  const since = await offsets()
  assert.is((await nsoffload(repoA, ['sync'])).code, 0)
  assert.is((await nsoffload(repoB, ['sync'])).code, 0)
  assert.equal(await writes(since), [])
})

e2e("sync --prune in each repository unoffloads only its own namespaces: never the other set's", async () => {
  // Repository B prunes with its one policy: A's namespaces are not B's to prune.
  let since = await offsets()
  const b = await nsoffload(repoB, ['sync', '--prune'])
  assert.is(b.code, 0, b.stderr + b.stdout)
  assert.equal(touching(await writes(since), [ALPHA, BETA]), [])
  assert.ok(await exists('naples', ['namespace', ALPHA]))
  // Repository A drops beta's policy: beta is unoffloaded, gamma (B's) untouched.
  fs.rmSync(path.join(repoA, 'policies', `${BETA}.yaml`))
  since = await offsets()
  const a = await nsoffload(repoA, ['sync', '--prune', '--wait', '--timeout', '60s'])
  assert.is(a.code, 0, a.stderr + a.stdout)
  const ws = await writes(since)
  assert.equal(touching(ws, [GAMMA]), [], 'nothing of the other set is written')
  assert.ok(ws.includes(`venice delete namespaceoffloadings/${BETA}/offloading`), ws.join('\n'))
  assert.ok(ws.includes(`naples delete namespaces/${BETA}/${BETA}`), ws.join('\n'))
  assert.ok(await exists('naples', ['namespace', GAMMA]))
  assert.ok(await exists('venice', ['nso', 'offloading', '-n', GAMMA]))
  // The parent no longer records beta's NamespaceOffloading (its home namespace stays, a member, cluster-scoped).
  const parent = meta(await json('venice', ['get', 'secret', 'nsoffload-fleet-a', '-n', 'default']))
  assert.is(parent.annotations?.['applyset.kubernetes.io/additional-namespaces'], ALPHA)
  assert.is(
    meta(await json('venice', ['get', 'namespace', BETA])).labels?.['applyset.kubernetes.io/part-of'],
    applySetID('nsoffload-fleet-a', 'default', 'Secret', ''),
  )
})

e2e('a -p that reads part of the set prunes nothing of the rest', async () => {
  fs.writeFileSync(path.join(repoA, 'policies', `${BETA}.yaml`), policy(BETA))
  const back = await nsoffload(repoA, ['sync', '--wait', '--timeout', '60s'])
  assert.is(back.code, 0, back.stderr + back.stdout)
  const since = await offsets()
  const r = await nsoffload(repoA, ['sync', '--prune', '-p', `policies/${ALPHA}.yaml`])
  assert.is(r.code, 0, r.stderr + r.stdout)
  assert.match(r.stderr, new RegExp(`${BETA} is in this set but its policy \\(policies/${BETA}\\.yaml\\) was not read in this run: left alone`))
  assert.equal(touching(await writes(since), [BETA]), [])
  assert.ok(await exists('venice', ['nso', 'offloading', '-n', BETA]))
  assert.ok(await exists('naples', ['namespace', BETA]))
})

e2e("kubectl's ApplySet and nsoffload's: the same ID computed, and neither touches the other's objects", async () => {
  // A kubectl set whose parent lives in a namespace of set A, with members there.
  const k1 = await env.kubectl('venice', ['apply', '--server-side', '--prune', '--applyset=secrets/kset', '-n', ALPHA, '-f', '-'], configMap('k-one', ALPHA))
  assert.is(k1.code, 0, k1.stderr)
  const kparent = meta(await json('venice', ['get', 'secret', 'kset', '-n', ALPHA]))
  assert.is(kparent.labels?.['applyset.kubernetes.io/id'], applySetID('kset', ALPHA, 'Secret', ''), "kubectl's ID is nsoffload's computation")
  assert.match(kparent.annotations?.['applyset.kubernetes.io/tooling'] ?? '', /^kubectl\//)
  // nsoffload prunes its set: kubectl's parent and member stay.
  fs.rmSync(path.join(repoA, 'policies', `${BETA}.yaml`))
  const since = await offsets()
  const pruned = await nsoffload(repoA, ['sync', '--prune'])
  assert.is(pruned.code, 0, pruned.stderr + pruned.stdout)
  assert.equal(
    (await writes(since)).filter((w) => w.includes('k-one') || w.includes('/kset')),
    [],
  )
  assert.ok(await exists('venice', ['configmap', 'k-one', '-n', ALPHA]))
  // kubectl prunes its set (k-one replaced by k-two): nsoffload's ConfigMap in the same namespace stays.
  const k2 = await env.kubectl('venice', ['apply', '--server-side', '--prune', '--applyset=secrets/kset', '-n', ALPHA, '-f', '-'], configMap('k-two', ALPHA))
  assert.is(k2.code, 0, k2.stderr)
  assert.match(k2.stdout, /configmap\/k-one pruned/)
  assert.not.ok(await exists('venice', ['configmap', 'k-one', '-n', ALPHA]))
  assert.ok(await exists('venice', ['configmap', 'app-config', '-n', ALPHA]), "nsoffload's member is not kubectl's to prune")
  assert.ok(await exists('venice', ['nso', 'offloading', '-n', ALPHA]))
})

e2e("kubectl refuses to prune with nsoffload's parent, and nsoffload refuses kubectl's: nothing written either way", async () => {
  const before = await offsets()
  const k = await env.kubectl(
    'venice',
    ['apply', '--server-side', '--prune', '--applyset=secrets/nsoffload-fleet-a', '-n', 'default', '-f', '-'],
    configMap('intruder'),
  )
  assert.not.equal(k.code, 0)
  assert.match(k.stderr, /is managed by tooling "nsoffload" instead of "kubectl"/)
  assert.equal(await writes(before), [])
  // A kubectl set whose parent is in `default`; nsoffload told to use it as its own parent.
  const made = await env.kubectl(
    'venice',
    ['apply', '--server-side', '--prune', `--applyset=secrets/${KUBECTL_PARENT}`, '-n', 'default', '-f', '-'],
    configMap('as-k-three'),
  )
  assert.is(made.code, 0, made.stderr)
  const since = await offsets()
  const r = await nsoffload(repoA, ['sync', '--applyset', KUBECTL_PARENT])
  assert.is(r.code, 1, r.stderr)
  assert.match(
    r.stderr,
    /venice: error NSO5020: ApplySet parent object secrets\/as-kubectl-owned in namespace default already exists and is managed by tooling "kubectl" instead of "nsoffload"/,
  )
  assert.equal(await writes(since), [], 'nothing written, not even on naples')
})

e2e('sync --prune with an empty policies folder is refused (exit 1, nothing sent); --allow-empty unoffloads the whole set', async () => {
  fs.rmSync(path.join(repoB, 'policies', `${GAMMA}.yaml`))
  const since = await offsets()
  const r = await nsoffload(repoB, ['sync', '--prune'])
  assert.is(r.code, 1, r.stderr + r.stdout)
  assert.match(r.stderr, /error NSO1008: no policy found in policies \(working folder [^)]*\)\n/)
  for (const c of CLUSTERS)
    assert.equal(
      (await env.auditEvents(c, since[c])).filter((e) => e.userAgent.startsWith('nsoffload')),
      [],
      `${c}: not even a read`,
    )
  assert.ok(await exists('venice', ['nso', 'offloading', '-n', GAMMA]))
  const meant = await nsoffload(repoB, ['sync', '--prune', '--allow-empty', '--wait', '--timeout', '60s'])
  assert.is(meant.code, 0, meant.stderr + meant.stdout)
  assert.not.ok(await exists('venice', ['nso', 'offloading', '-n', GAMMA]))
  assert.ok(await exists('venice', ['nso', 'offloading', '-n', ALPHA]), "the other set's namespaces are not this set's")
})

test.run()
