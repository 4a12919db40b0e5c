import * as fs from 'node:fs'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { markOwned } from '../../src/compile/render-manifests.ts'
import type { Manifest } from '../../src/model/k8s.ts'
import { applyForm } from '../../src/sync/apply-form.ts'
import { applySetFor, asMember } from '../../src/sync/applyset.ts'
import { needsApply } from '../../src/sync/compare.ts'
import { unchangedApply } from '../../src/sync/unchanged-apply.ts'

/**
 * When sync may skip a workload's dry run (issue 19.3): pure. Its inputs are what a real API
 * server wrote: the fixture holds the objects test/e2e/no-op-sync.test.ts found on a real
 * kube-apiserver after each of its steps (and that suite fails when the server writes them
 * otherwise), and the workloads as `build --cluster` rendered them there.
 */
interface Fixture {
  readonly rendered: Record<string, Manifest>
  readonly live: Record<string, Manifest>
}
const fixture = JSON.parse(fs.readFileSync(new URL('fixtures/unchanged-apply.json', import.meta.url), 'utf8')) as Fixture

/** A rendered workload as sync applies it in the e2e's set (the inventory is named no-op-sync): the same three steps as plan-sync's. */
const applied = (key: string): Manifest => {
  const m = fixture.rendered[key]
  if (!m) throw new Error(`no ${key} in the fixture`)
  return asMember(applyForm(markOwned(m)), applySetFor('no-op-sync', '0.0.0'))
}
const liveAfter = (step: string): Manifest => {
  const l = fixture.live[step]
  if (!l) throw new Error(`no step "${step}" in the fixture`)
  return structuredClone(l)
}
type Entry = Record<string, unknown>
const entries = (m: Manifest): Entry[] => (m.metadata as { managedFields: Entry[] }).managedFields
const cfg = applied('ConfigMap/cfg')

test('the fixture is what the e2e recorded: the applied ConfigMap is the live one but what the server adds', () => {
  const l = liveAfter('synced') as { metadata: Record<string, unknown> }
  for (const k of ['uid', 'resourceVersion', 'creationTimestamp', 'managedFields']) delete l.metadata[k]
  assert.equal(l, cfg)
  assert.is(entries(liveAfter('synced')).length, 1)
})

test('after a sync, nsoffload owns every field it applies with the values it applies: no dry run (and the planner agrees)', () => {
  assert.ok(unchangedApply(cfg, liveAfter('synced')))
  assert.not.ok(needsApply(cfg, liveAfter('synced')))
})

test('a list owned whole (a Role\'s rules, "f:rules": {}): no dry run', () => {
  assert.ok(unchangedApply(applied('Role/reader'), liveAfter('synced Role')))
})

test('a Service: an atomic map (selector) and a keyed list the server completes (protocol, targetPort): unsure, dry run', () => {
  assert.not.ok(unchangedApply(applied('Service/web'), liveAfter('synced Service')))
})

test('a field changed by another manager with an update (kubectl patch): dry run', () => {
  assert.ok(entries(liveAfter('patched')).some((e) => e['manager'] === 'kubectl-patch' && e['operation'] === 'Update'))
  assert.not.ok(unchangedApply(cfg, liveAfter('patched')))
})

test('a value taken by a forced apply of another manager: dry run (nsoffload no longer owns it)', () => {
  assert.not.ok(unchangedApply(cfg, liveAfter('forced')))
})

test('another manager applying the same value shares the field: nsoffload still owns all it applies, no dry run', () => {
  assert.is(entries(liveAfter('shared')).length, 2)
  assert.ok(unchangedApply(cfg, liveAfter('shared')))
})

test('a label removed by hand: dry run', () => {
  assert.not.ok(unchangedApply(cfg, liveAfter('unlabelled')))
})

test('a field nsoffload applied before and no longer renders: dry run (the server removes it)', () => {
  const less = structuredClone(cfg) as { data: Record<string, string> }
  delete less.data['size']
  assert.not.ok(unchangedApply(less as unknown as Manifest, liveAfter('synced')))
})

test('a changed rendered value, a new rendered field: dry run', () => {
  assert.not.ok(unchangedApply({ ...cfg, data: { mode: 'slow', size: 'small' } }, liveAfter('synced')))
  assert.not.ok(unchangedApply({ ...cfg, data: { mode: 'fast', size: 'small', extra: 'x' } }, liveAfter('synced')))
})

test('unsure: no managedFields, two entries of nsoffload, another apiVersion, a subresource entry only, a null: dry run', () => {
  const synced = liveAfter('synced')
  const withEntries = (es: Entry[]): Manifest => ({ ...synced, metadata: { ...synced.metadata, managedFields: es } })
  const [ours] = entries(synced)
  assert.ok(ours)
  assert.not.ok(unchangedApply(cfg, withEntries([])))
  assert.not.ok(unchangedApply(cfg, { ...synced, metadata: { name: 'cfg', namespace: 'noop-shop' } }))
  assert.not.ok(unchangedApply(cfg, withEntries([ours, ours])))
  assert.not.ok(unchangedApply(cfg, withEntries([{ ...ours, apiVersion: 'v2' }])))
  assert.not.ok(unchangedApply(cfg, withEntries([{ ...ours, subresource: 'status' }])))
  assert.not.ok(unchangedApply(cfg, withEntries([{ ...ours, operation: 'Update' }])))
  assert.not.ok(unchangedApply({ ...cfg, data: { mode: 'fast', size: null } } as unknown as Manifest, synced))
})

test('a value the server reads back otherwise (a number where it keeps a string): dry run', () => {
  const l = liveAfter('synced') as { data: Record<string, string> }
  l.data['size'] = '1'
  assert.not.ok(unchangedApply({ ...cfg, data: { mode: 'fast', size: 1 } } as unknown as Manifest, l as unknown as Manifest))
})

test.run()
