import { test } from 'uvu'
import * as assert from 'uvu/assert'
import type { Manifest } from '../../src/model/k8s.ts'
import { needsApply } from '../../src/sync/compare.ts'
import { unchangedApply } from '../../src/sync/unchanged-apply.ts'

/** When sync may skip a workload's dry run (issue 19.3): pure. The e2e suite (test/e2e/no-op-sync.test.ts) asks real API servers. */

const rendered: Manifest = {
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name: 'cfg', namespace: 'shop', labels: { app: 'shop' } },
  data: { a: '1' },
}

const entry = (manager: string, fields: Record<string, unknown>, extra: Record<string, unknown> = {}): Record<string, unknown> => ({
  manager,
  operation: 'Apply',
  apiVersion: 'v1',
  fieldsType: 'FieldsV1',
  fieldsV1: fields,
  ...extra,
})

const OURS = { 'f:data': { 'f:a': {} }, 'f:metadata': { 'f:labels': { 'f:app': {} } } }

const live = (managedFields: Record<string, unknown>[], over: Record<string, unknown> = {}): Manifest => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name: 'cfg', namespace: 'shop', labels: { app: 'shop' }, resourceVersion: '7', managedFields },
  data: { a: '1' },
  ...over,
})

test('nsoffload owning every field it applies, values as live: no dry run needed', () => {
  const l = live([entry('nsoffload', OURS)])
  assert.ok(unchangedApply(rendered, l))
  assert.not.ok(needsApply(rendered, l))
})

test('another manager added a field of its own: still unchanged (applying leaves it)', () => {
  const l = live([entry('nsoffload', OURS), { manager: 'kubectl-edit', operation: 'Update', apiVersion: 'v1', fieldsV1: { 'f:data': { 'f:b': {} } } }], {
    data: { a: '1', b: '2' },
  })
  assert.ok(unchangedApply(rendered, l))
})

test('a field changed by another manager with an update: dry run', () => {
  const l = live(
    [
      entry('nsoffload', { 'f:metadata': { 'f:labels': { 'f:app': {} } } }),
      { manager: 'kubectl-edit', operation: 'Update', apiVersion: 'v1', fieldsV1: { 'f:data': { 'f:a': {} } } },
    ],
    { data: { a: '2' } },
  )
  assert.not.ok(unchangedApply(rendered, l))
})

test('the same value taken by a forced apply of another manager: dry run (nsoffload no longer owns it)', () => {
  const l = live([entry('nsoffload', { 'f:metadata': { 'f:labels': { 'f:app': {} } } }), entry('other', { 'f:data': { 'f:a': {} } })])
  assert.not.ok(unchangedApply(rendered, l))
})

test('a label removed: dry run', () => {
  const l = live([entry('nsoffload', { 'f:data': { 'f:a': {} } })])
  delete (l.metadata as { labels?: unknown }).labels
  assert.not.ok(unchangedApply(rendered, l))
})

test('a field nsoffload applied before and no longer renders: dry run (the server removes it)', () => {
  const l = live([entry('nsoffload', { ...OURS, 'f:data': { 'f:a': {}, 'f:old': {} } })], { data: { a: '1', old: 'x' } })
  assert.not.ok(unchangedApply(rendered, l))
})

test('a changed rendered value: dry run', () => {
  assert.not.ok(unchangedApply({ ...rendered, data: { a: '9' } }, live([entry('nsoffload', OURS)])))
})

test('unsure: no entry, two entries, another apiVersion, a subresource entry only, a null: dry run', () => {
  assert.not.ok(unchangedApply(rendered, live([])))
  assert.not.ok(unchangedApply(rendered, { ...live([]), metadata: { name: 'cfg' } }))
  assert.not.ok(unchangedApply(rendered, live([entry('nsoffload', OURS), entry('nsoffload', OURS)])))
  assert.not.ok(unchangedApply(rendered, live([entry('nsoffload', OURS, { apiVersion: 'v2' })])))
  assert.not.ok(unchangedApply(rendered, live([entry('nsoffload', OURS, { subresource: 'status' })])))
  assert.not.ok(unchangedApply({ ...rendered, data: { a: '1', b: null } } as Manifest, live([entry('nsoffload', OURS)])))
})

test('lists count as one field; a value the server would read back otherwise (a number) means a dry run', () => {
  const dep: Manifest = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', namespace: 'shop' },
    spec: { template: { spec: { containers: [{ name: 'c', image: 'nginx' }] } } },
  }
  const fields = { 'f:spec': { 'f:template': { 'f:spec': { 'f:containers': { 'k:{"name":"c"}': { '.': {}, 'f:image': {}, 'f:name': {} } } } } } }
  const l: Manifest = {
    ...structuredClone(dep),
    metadata: { name: 'web', namespace: 'shop', managedFields: [entry('nsoffload', fields, { apiVersion: 'apps/v1' })] },
  }
  assert.ok(unchangedApply(dep, l))
  const other = structuredClone(l) as { spec: { template: { spec: { containers: { image: string }[] } } } }
  other.spec.template.spec.containers[0]!.image = 'httpd'
  assert.not.ok(unchangedApply(dep, other as Manifest))
  const cpu = { ...dep, spec: { template: { spec: { containers: [{ name: 'c', image: 'nginx', resources: { limits: { cpu: 1 } } }] } } } }
  const liveCpu = {
    ...structuredClone(cpu),
    metadata: l.metadata,
    spec: { template: { spec: { containers: [{ name: 'c', image: 'nginx', resources: { limits: { cpu: '1' } } }] } } },
  }
  assert.not.ok(unchangedApply(cpu as Manifest, liveCpu as Manifest))
})

test.run()
