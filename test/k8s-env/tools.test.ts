import { spawnSync } from 'node:child_process'
import * as fs from 'node:fs'
import * as path from 'node:path'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { REPO } from '../helpers/cli.ts'
import { componentCacheDir, etcdPath, K8S_RELEASES, k8sBinDir, k8sRelease, kubectlPath, kustomizePath } from '../helpers/tools.ts'
import { tempDir } from '../helpers/temp.ts'

/**
 * test/helpers/tools.ts finds what scripts/k8s-env/ builds: the same cache dirs as lib.sh (the
 * shell side that builds them), env overrides first, the release under test.
 */

const lib = (fn: string, ...args: string[]): string => {
  const r = spawnSync('bash', ['-c', `source scripts/k8s-env/lib.sh && ${fn} "$@"`, 'lib', ...args], { cwd: REPO, encoding: 'utf8' })
  assert.is(r.status, 0, r.stderr)
  return r.stdout.trim()
}

/** Runs `fn` with the env vars set (undefined: unset), then restores them. */
function withEnv<T>(vars: Record<string, string | undefined>, fn: () => T): T {
  const saved = Object.fromEntries(Object.keys(vars).map((k) => [k, process.env[k]]))
  const set = (v: Record<string, string | undefined>): void => {
    for (const [k, x] of Object.entries(v)) {
      if (x === undefined) delete process.env[k]
      else process.env[k] = x
    }
  }
  set(vars)
  try {
    return fn()
  } finally {
    set(saved)
  }
}

test('the releases are the module dirs, oldest first; the cache dirs are the ones lib.sh builds into', () => {
  assert.equal(K8S_RELEASES, ['1.35', '1.37'])
  const components = lib('printf "%s\\n" "${ALL_COMPONENTS[@]}"').split('\n')
  assert.equal(components, [...K8S_RELEASES.map((r) => `k8s-${r}`), 'etcd', 'kustomize'])
  for (const xdg of [undefined, '/tmp/some-cache']) {
    withEnv({ XDG_CACHE_HOME: xdg }, () => {
      for (const c of components) {
        const r = spawnSync('bash', ['-c', 'source scripts/k8s-env/lib.sh && component_cache_dir "$1"', 'lib', c], {
          cwd: REPO,
          encoding: 'utf8',
          env: { ...process.env },
        })
        assert.is(r.status, 0, r.stderr)
        assert.is(componentCacheDir(c), r.stdout.trim(), `${c}, XDG_CACHE_HOME=${xdg ?? ''}`)
      }
    })
  }
  assert.match(path.basename(componentCacheDir('k8s-1.35')), /^k8s-v1\.35\.\d+-[0-9a-f]{12}$/)
  assert.match(path.basename(componentCacheDir('etcd')), /^etcd-v3\.6\.\d+-[0-9a-f]{12}$/)
  assert.match(path.basename(componentCacheDir('kustomize')), /^kustomize-v5\.\d+\.\d+-[0-9a-f]{12}$/)
})

test('the cache key follows go.sum: another go.sum, another dir', () => {
  const copy = tempDir('nsoffload-k8s-env-')
  fs.cpSync(path.join(REPO, 'scripts', 'k8s-env'), copy, { recursive: true })
  const dirOf = (): string => {
    const r = spawnSync('bash', ['-c', `source ${copy}/lib.sh && component_cache_dir kustomize`], { encoding: 'utf8' })
    assert.is(r.status, 0, r.stderr)
    return r.stdout.trim()
  }
  const before = dirOf()
  assert.is(before, componentCacheDir('kustomize'))
  fs.appendFileSync(path.join(copy, 'modules', 'kustomize', 'go.sum'), 'example.com/x v1.0.0 h1:AAAA=\n')
  assert.is.not(dirOf(), before)
  fs.rmSync(copy, { recursive: true, force: true })
})

test('env overrides come first; NSOFFLOAD_K8S_RELEASE picks the release and is checked', () => {
  withEnv({ NSOFFLOAD_KUBECTL: '/opt/k', NSOFFLOAD_KUSTOMIZE: '/opt/kz', NSOFFLOAD_ETCD: '/opt/e', NSOFFLOAD_K8S_CACHE: '/opt/bin' }, () => {
    assert.is(kubectlPath(), '/opt/k')
    assert.is(kustomizePath(), '/opt/kz')
    assert.is(etcdPath(), '/opt/e')
    assert.is(k8sBinDir(), '/opt/bin')
  })
  withEnv({ NSOFFLOAD_K8S_RELEASE: '1.37', NSOFFLOAD_K8S_CACHE: undefined }, () => {
    assert.is(k8sRelease(), '1.37')
    assert.is(k8sBinDir(), componentCacheDir('k8s-1.37'))
  })
  withEnv({ NSOFFLOAD_K8S_RELEASE: undefined }, () => assert.is(k8sRelease(), '1.35'))
  withEnv({ NSOFFLOAD_K8S_RELEASE: '1.20' }, () =>
    assert.throws(() => k8sRelease(), /NSOFFLOAD_K8S_RELEASE=1\.20: not a release the tests build \(have: 1\.35, 1\.37\)/),
  )
})

test('once built (npm test builds them first), the built kubectl of the release and the built kustomize are preferred', () => {
  withEnv({ NSOFFLOAD_KUBECTL: undefined, NSOFFLOAD_KUSTOMIZE: undefined, NSOFFLOAD_K8S_CACHE: undefined, NSOFFLOAD_ETCD: undefined }, () => {
    const built = (dir: string, bin: string): boolean => fs.existsSync(path.join(dir, bin))
    if (!built(k8sBinDir(), 'kubectl') || !built(componentCacheDir('kustomize'), 'kustomize')) {
      if (process.env['CI']) assert.unreachable('scripts/test-setup.sh did not build kubectl and kustomize')
      return
    }
    assert.is(kubectlPath(), path.join(k8sBinDir(), 'kubectl'))
    assert.is(kustomizePath(), path.join(componentCacheDir('kustomize'), 'kustomize'))
    const v = spawnSync(kubectlPath() ?? '', ['version', '--client', '-o', 'json'], { encoding: 'utf8' })
    assert.is(v.status, 0, v.stderr)
    assert.match(
      (JSON.parse(v.stdout) as { clientVersion: { gitVersion: string } }).clientVersion.gitVersion,
      new RegExp(`^v${k8sRelease().replace('.', '\\.')}\\.\\d+$`),
    )
    const k = spawnSync(kustomizePath() ?? '', ['version'], { encoding: 'utf8' })
    assert.is(k.status, 0, k.stderr)
    assert.match(k.stdout.trim(), /^v5\.\d+\.\d+$/)
  })
})

test.run()
