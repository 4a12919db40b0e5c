import { spawnSync } from 'node:child_process'
import * as fs from 'node:fs'
import * as path from 'node:path'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { parse, parseAllDocuments } from 'yaml'
import { REPO, runCli, tempTree } from '../helpers/cli.ts'
import { shimEnv } from '../helpers/shim.ts'
import { tempDir } from '../helpers/temp.ts'

/**
 * The Argo CD plugin as Argo CD runs it: plugin.yaml's generate command, in the Application's
 * source folder, with the Application's env prefixed ARGOCD_ENV_, nsoffload on PATH. Argo CD's
 * contract: stdout holds only Kubernetes objects, a non-zero exit fails the generation, logs
 * go to stderr. And the ApplicationSet, repo-server patch and Dockerfile that go with it.
 */

const ARGO = path.join(REPO, 'deploy', 'argocd')
const read = <T>(f: string): T => parse(fs.readFileSync(path.join(ARGO, f), 'utf8')) as T

interface Plugin {
  apiVersion: string
  kind: string
  metadata: { name: string }
  spec: { version?: string; generate: { command: string[]; args?: string[] }; discover?: unknown; init?: unknown }
}
const plugin = read<Plugin>('plugin.yaml')
const pluginName = `${plugin.metadata.name}${plugin.spec.version ? `-${plugin.spec.version}` : ''}`

/**
 * The bundled example, as an Application's source folder, plus a policy whose empty selector
 * term is a warning (NSO3011), so that there is always something to log on stderr.
 */
function example(): string {
  const dir = tempTree({
    'inventory.yaml': fs.readFileSync(path.join(REPO, 'inventory.yaml'), 'utf8'),
    'policies/zz-quiet.yaml':
      'apiVersion: nsoffload.dev/v1alpha1\nkind: OffloadingPolicy\nmetadata:\n  name: quiet\nspec:\n  clusterSelector:\n    nodeSelectorTerms: [{}]\n',
  })
  for (const d of ['policies', 'apps']) fs.cpSync(path.join(REPO, d), path.join(dir, d), { recursive: true })
  return dir
}

/** The sidecar's cache folder (deploy/argocd/Dockerfile sets one), here a temporary one. */
const CACHE = path.join(tempDir('nsoffload-argocd-'), 'cache')

const cacheEntries = (dir: string): number => (fs.existsSync(dir) ? fs.readdirSync(dir).filter((n) => !n.startsWith('.')).length : 0)

/** Runs generate as argocd-cmp-server does: command + args, in the source folder. */
function generate(cwd: string, appEnv: Record<string, string>, cache = CACHE): { status: number | null; stdout: string; stderr: string } {
  const env = shimEnv({ ARGOCD_APP_NAME: 'nsoffload-test', ARGOCD_APP_NAMESPACE: 'argocd', ARGOCD_APP_REVISION: 'abc123', NSOFFLOAD_CACHE_DIR: cache })
  for (const k of Object.keys(env)) if (k.startsWith('ARGOCD_ENV_')) delete env[k]
  for (const [k, v] of Object.entries(appEnv)) env[`ARGOCD_ENV_${k}`] = v
  const [cmd, ...pre] = plugin.spec.generate.command
  const r = spawnSync(cmd ?? 'sh', [...pre, ...(plugin.spec.generate.args ?? [])], { cwd, env, encoding: 'utf8' })
  return { status: r.status, stdout: r.stdout, stderr: r.stderr }
}

/** Argo CD's rule for generate's stdout: only Kubernetes objects, in YAML. */
function assertOnlyObjects(stdout: string): { kind: string; metadata: { name: string; annotations?: Record<string, string> } }[] {
  const docs = parseAllDocuments(stdout)
  const objs = docs.map((d) => {
    assert.is(d.errors.length, 0, String(d.errors[0]))
    return d.toJS() as { apiVersion?: unknown; kind?: unknown; metadata?: { name?: unknown } }
  })
  for (const o of objs) {
    assert.type(o.apiVersion, 'string')
    assert.type(o.kind, 'string')
    assert.type(o.metadata?.name, 'string')
  }
  return objs as { kind: string; metadata: { name: string; annotations?: Record<string, string> } }[]
}

test('plugin.yaml is a sidecar ConfigManagementPlugin, used by name only (no discovery rule)', () => {
  assert.is(plugin.apiVersion, 'argoproj.io/v1alpha1')
  assert.is(plugin.kind, 'ConfigManagementPlugin')
  assert.is(pluginName, 'nsoffload-v1')
  assert.is(plugin.spec.discover, undefined)
  assert.ok(plugin.spec.generate.command.length > 0)
})

for (const cluster of ['venice', 'florence', 'naples']) {
  test(`generate for ${cluster}: stdout is exactly build --cluster ${cluster} --sync-waves, only objects; logs on stderr`, async () => {
    const cwd = example()
    const r = generate(cwd, { CLUSTER: cluster })
    assert.is(r.status, 0, r.stderr)
    const direct = await runCli(['build', '--cluster', cluster, '--sync-waves'], cwd)
    assert.is(r.stdout, direct.stdout)
    const objs = assertOnlyObjects(r.stdout)
    if (cluster !== 'florence') assert.ok(objs.length > 0, 'the tutorial puts objects on venice and naples')
    if (cluster === 'venice') {
      assert.equal(
        objs.filter((o) => o.kind === 'Namespace').map((o) => o.metadata.annotations?.['argocd.argoproj.io/sync-wave']),
        ['-2', '-2'],
      )
      assert.match(r.stderr, /policies\/zz-quiet\.yaml:7:25: warning NSO3011/, 'the warning went to stderr')
    }
  })
}

test('generate without CLUSTER fails (exit 2) with a message on stderr and nothing on stdout', () => {
  const r = generate(example(), {})
  assert.is(r.status, 2)
  assert.is(r.stdout, '')
  assert.match(r.stderr, /set CLUSTER in the Application's spec\.source\.plugin\.env/)
})

test('generate for a cluster not in the inventory fails (exit 2), suggesting the right one', () => {
  const r = generate(example(), { CLUSTER: 'napels' })
  assert.is(r.status, 2)
  assert.is(r.stdout, '')
  assert.match(r.stderr, /did you mean "naples"/)
})

test('invalid policies fail the generation (exit 1): file:line:col on stderr, no manifest on stdout', () => {
  const cwd = example()
  fs.writeFileSync(
    path.join(cwd, 'policies', 'bad.yaml'),
    'apiVersion: nsoffload.dev/v1alpha1\nkind: OffloadingPolicy\nmetadata:\n  name: bad\nspec:\n  podOffloadingStrategy: Remotee\n',
  )
  const r = generate(cwd, { CLUSTER: 'venice' })
  assert.is(r.status, 1)
  assert.is(r.stdout, '', 'Argo CD must not prune everything because of an empty but successful output')
  assert.match(r.stderr, /policies\/bad\.yaml:6:26: error NSO2004/)
})

test('SYNC_WAVES=false drops the waves; STRICT=true makes warnings fail; POLICIES and INVENTORY move the inputs', () => {
  const cwd = example()
  const plain = generate(cwd, { CLUSTER: 'venice', SYNC_WAVES: 'false' })
  assert.is(plain.status, 0, plain.stderr)
  assert.not.match(plain.stdout, /sync-wave/)
  const strict = generate(cwd, { CLUSTER: 'venice', STRICT: 'true' })
  assert.is(strict.status, 1, 'zz-quiet.yaml has a warning')
  assert.is(strict.stdout, '')
  fs.renameSync(path.join(cwd, 'inventory.yaml'), path.join(cwd, 'clusters.yaml'))
  fs.mkdirSync(path.join(cwd, 'more'))
  fs.writeFileSync(path.join(cwd, 'more', 'quick.yaml'), 'apiVersion: nsoffload.dev/v1alpha1\nkind: OffloadingPolicy\nmetadata:\n  name: quick\nspec: {}\n')
  const moved = generate(cwd, { CLUSTER: 'naples', INVENTORY: 'clusters.yaml', POLICIES: 'policies more' })
  assert.is(moved.status, 0, moved.stderr)
  const names = assertOnlyObjects(moved.stdout).map((o) => `${o.kind}/${o.metadata.name}`)
  assert.equal(names, ['Namespace/liqo-demo', 'Namespace/quick-venice'])
  const missing = generate(cwd, { CLUSTER: 'naples' })
  assert.is(missing.status, 2, 'inventory.yaml is gone')
  assert.match(missing.stderr, /inventory\.yaml: no such file/)
})

test('a value with shell metacharacters in the env is data, not code', () => {
  const cwd = example()
  const r = generate(cwd, { CLUSTER: 'naples; touch pwned', POLICIES: '$(touch pwned2) policies' })
  assert.is(r.status, 2)
  assert.not.ok(fs.existsSync(path.join(cwd, 'pwned')) || fs.existsSync(path.join(cwd, 'pwned2')) || fs.existsSync(path.join(cwd, 'pwned;')))
})

// ---------------------------------------------------------------- ApplicationSet

interface AppSet {
  kind: string
  spec: {
    goTemplate: boolean
    generators: { clusters?: { selector?: { matchExpressions?: { key: string; operator: string }[] } } }[]
    template: {
      metadata: { name: string }
      spec: { source: { path: string; plugin: { name: string; env: { name: string; value: string }[] } }; destination: { server: string } }
    }
  }
}

/** The two Go-template expressions the example uses, evaluated for one cluster Secret, in every string. */
function renderTemplate<T>(v: T, cluster: { server: string; labels: Record<string, string> }): T {
  if (Array.isArray(v)) return v.map((x: unknown) => renderTemplate(x, cluster)) as T
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, renderTemplate(x, cluster)])) as T
  if (typeof v !== 'string') return v
  return v
    .replace(/\{\{\s*index \.metadata\.labels "([^"]+)"\s*\}\}/g, (_m, k: string) => {
      const v = cluster.labels[k]
      if (v === undefined) throw new Error(`missingkey=error: ${k}`)
      return v
    })
    .replace(/\{\{\s*\.server\s*\}\}/g, cluster.server) as T
}

test('the ApplicationSet makes one Application per labelled cluster, rendered by the plugin for that cluster', async () => {
  const set = read<AppSet>('applicationset.yaml')
  assert.is(set.kind, 'ApplicationSet')
  assert.is(set.spec.goTemplate, true)
  const expr = set.spec.generators[0]?.clusters?.selector?.matchExpressions?.[0]
  assert.equal(expr, { key: 'nsoffload.dev/cluster-id', operator: 'Exists' })
  const tpl = set.spec.template
  assert.is(tpl.spec.source.plugin.name, pluginName, 'the Application names the plugin as <name>-<version>')
  const cwd = example()
  const cache = path.join(tempDir('nsoffload-argocd-'), 'cache')
  for (const [id, server] of [
    ['venice', 'https://kubernetes.default.svc'],
    ['naples', 'https://naples.example.com:6443'],
  ] as const) {
    const app = renderTemplate(tpl, { server, labels: { 'nsoffload.dev/cluster-id': id } })
    assert.not.match(JSON.stringify(app), /\{\{/, 'every template expression was rendered')
    assert.is(app.metadata.name, `nsoffload-${id}`)
    assert.is(app.spec.destination.server, server)
    const env = Object.fromEntries(app.spec.source.plugin.env.map((e) => [e.name, e.value]))
    assert.equal(env, { CLUSTER: id })
    const r = generate(path.join(cwd, app.spec.source.path), env, cache)
    assert.is(r.status, 0, r.stderr)
    assert.is(r.stdout, (await runCli(['build', '--cluster', id, '--sync-waves'], cwd)).stdout)
  }
  // The second Application's render was served by the first one's compiled fleet: one entry.
  assert.is(cacheEntries(cache), 1)
})

// ---------------------------------------------------------------- sidecar

test('the repo-server patch runs argocd-cmp-server as user 999 with the volumes Argo CD expects', () => {
  const patch = read<{
    kind: string
    metadata: { name: string }
    spec: {
      template: {
        spec: {
          containers: {
            name: string
            image: string
            command: string[]
            securityContext: { runAsUser: number; runAsNonRoot: boolean }
            volumeMounts: { mountPath: string; name: string }[]
          }[]
          volumes: { name: string; emptyDir?: object }[]
        }
      }
    }
  }>('repo-server-patch.yaml')
  assert.is(patch.kind, 'Deployment')
  assert.is(patch.metadata.name, 'argocd-repo-server')
  const c = patch.spec.template.spec.containers[0]
  assert.ok(c)
  assert.equal(c.command, ['/var/run/argocd/argocd-cmp-server'])
  assert.is(c.securityContext.runAsUser, 999)
  const mounts = Object.fromEntries(c.volumeMounts.map((m) => [m.mountPath, m.name]))
  assert.is(mounts['/var/run/argocd'], 'var-files')
  assert.is(mounts['/home/argocd/cmp-server/plugins'], 'plugins')
  assert.ok(mounts['/tmp'] && mounts['/tmp'] !== 'tmp', "a /tmp of its own, not the repo-server's")
  assert.ok(patch.spec.template.spec.volumes.some((v) => v.name === mounts['/tmp'] && v.emptyDir))
})

test('the Dockerfile bakes plugin.yaml where argocd-cmp-server reads it, puts nsoffload on PATH, runs as 999', () => {
  const df = fs.readFileSync(path.join(ARGO, 'Dockerfile'), 'utf8')
  assert.match(df, /^COPY deploy\/argocd\/plugin\.yaml \/home\/argocd\/cmp-server\/config\/plugin\.yaml$/m)
  assert.match(df, /> \/usr\/local\/bin\/nsoffload/)
  assert.match(df, /^USER 999$/m)
  // The cache of build --cluster: set (user 999 has no home folder), below the sidecar's own /tmp emptyDir.
  assert.match(df, /^ENV NSOFFLOAD_CACHE_DIR=\/tmp\/[a-z-]+$/m)
  for (const src of [...df.matchAll(/^COPY (?!--from)(.+) \S+$/gm)].flatMap((m) => (m[1] ?? '').split(' '))) {
    assert.ok(fs.existsSync(path.join(REPO, src)), `COPY ${src}: exists in the repository (build context = repository root)`)
  }
})

test.run()
