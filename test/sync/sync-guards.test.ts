import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { runMemory } from '../helpers/cli.ts'
import { inventoryYaml } from '../helpers/inventory.ts'

/**
 * Guards `sync` applies before it contacts a cluster. The kubeconfig below names a server
 * nobody listens on: a run that got as far as a cluster would exit 2 (unreachable), so exit 1
 * with the diagnostic proves no cluster was contacted. The e2e suite holds the same against
 * real API servers, with their audit logs.
 */
const KUBECONFIG = `apiVersion: v1
kind: Config
clusters: [{name: c, cluster: {server: "https://127.0.0.1:9"}}]
users: [{name: u, user: {token: t}}]
contexts: [{name: venice, context: {cluster: c, user: u}}, {name: naples, context: {cluster: c, user: u}}]
current-context: venice
`
const INVENTORY = inventoryYaml({ remotes: ['naples'] })

test('sync --prune with no policy at all is refused (NSO1008, exit 1) unless --allow-empty: rendering nothing would unoffload the whole set', async () => {
  const files = { 'inventory.yaml': INVENTORY, 'kubeconfig.yaml': KUBECONFIG, 'policies/README.md': 'no policies here\n' }
  const r = await runMemory(files, ['sync', '--prune', '--kubeconfig', 'kubeconfig.yaml'])
  assert.is(r.code, 1, r.stderr)
  assert.match(r.stderr, /error NSO1008: no policy found in policies \(working folder [^)]*\)\n/)
  assert.match(r.stderr, /if no policy is meant, give --allow-empty \(rendering nothing makes a GitOps tool that prunes delete what it had applied\)/)
  // Without --prune nothing is deleted anyway; with --allow-empty it is meant: both go on to the clusters (here unreachable: exit 2).
  for (const args of [['sync'], ['sync', '--prune', '--allow-empty']]) {
    const go = await runMemory(files, [...args, '--kubeconfig', 'kubeconfig.yaml', '--timeout', '1s'])
    assert.is(go.code, 2, `${args.join(' ')}: ${go.stderr}`)
    // Unreachable, or --timeout 1s passed while waiting for it: either way the cluster was tried.
    assert.match(go.stderr, /cluster "venice" \(context venice, https:\/\/127\.0\.0\.1:9\)/)
    assert.not.match(go.stderr, /error NSO1008/)
  }
})

test.run()
