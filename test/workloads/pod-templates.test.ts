import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { parse, parseAllDocuments } from 'yaml'
import { podSpecsElsewhere, podTemplatePath } from '../../src/workloads/pod-template.ts'
import { runMemory, source } from '../helpers/cli.ts'
import { inventoryYaml, region } from '../helpers/inventory.ts'

/**
 * Every pod template (issue 17 point 5): ReplicationControllers, and custom resources whose
 * template is where a built-in kind keeps its pod template (Argo Rollouts), are patched and
 * placed as Liqo's webhook patches their pods; objects that carry pod specs elsewhere are
 * listed by `plan` as pods it cannot see, and left as they are.
 */

const INVENTORY = inventoryYaml({
  homeNodes: [{ name: 'venice-1', labels: region('north') }],
  remotes: [
    { clusterID: 'florence', labels: region('center') },
    { clusterID: 'naples', labels: region('south') },
  ],
})
const POLICY = source`
  apiVersion: nsoffload.dev/v1alpha1
  kind: OffloadingPolicy
  metadata:
    name: shop
  spec:
    podOffloadingStrategy: Remote
    clusterSelector: [topology.liqo.io/region=south]
    workloads: [../apps/]
`
const containers = '[{name: app, image: "ghcr.io/stefanprodan/podinfo:6.14.1"}]'

/** An Argo Rollout (argoproj.io/v1alpha1), as Argo Rollouts' own examples write one. */
const ROLLOUT = source`
  apiVersion: argoproj.io/v1alpha1
  kind: Rollout
  metadata:
    name: rollouts-demo
  spec:
    replicas: 5
    strategy:
      canary:
        steps: [{setWeight: 20}, {pause: {}}]
    selector: {matchLabels: {app: rollouts-demo}}
    template:
      metadata: {labels: {app: rollouts-demo}}
      spec:
        containers: ${containers}
`
/** A ReplicationController, as Kubernetes' examples still write them. */
const RC = source`
  apiVersion: v1
  kind: ReplicationController
  metadata:
    name: redis-master
  spec:
    replicas: 1
    selector: {app: redis}
    template:
      metadata: {labels: {app: redis}}
      spec:
        containers: [{name: master, image: redis}]
`
/** A CronJob-shaped custom resource (spec.jobTemplate.spec.template.spec). */
const CRON_LIKE = source`
  apiVersion: batch.example.com/v1
  kind: ScheduledTask
  metadata:
    name: report
  spec:
    schedule: "0 3 * * *"
    jobTemplate:
      spec:
        template:
          spec:
            containers: ${containers}
            restartPolicy: OnFailure
`
/** A KEDA ScaledJob: its pod template is at spec.jobTargetRef.template.spec, where no built-in kind keeps one. */
const SCALED_JOB = source`
  apiVersion: keda.sh/v1alpha1
  kind: ScaledJob
  metadata:
    name: queue-worker
  spec:
    jobTargetRef:
      template:
        spec:
          containers: ${containers}
    triggers: [{type: rabbitmq, metadata: {queueName: jobs}}]
`
/** A Rollout that refers to a Deployment instead of holding a template: no pod spec of its own. */
const ROLLOUT_REF = source`
  apiVersion: argoproj.io/v1alpha1
  kind: Rollout
  metadata:
    name: by-ref
  spec:
    workloadRef: {apiVersion: apps/v1, kind: Deployment, name: web}
`
/** PodTemplate (core v1) makes no pod: not patched. */
const POD_TEMPLATE = source`
  apiVersion: v1
  kind: PodTemplate
  metadata:
    name: spare
  template:
    spec:
      containers: ${containers}
`

const files = {
  'inventory.yaml': INVENTORY,
  'policies/shop.yaml': POLICY,
  'apps/rollout.yaml': ROLLOUT,
  'apps/rc.yaml': RC,
  'apps/cron-like.yaml': CRON_LIKE,
  'apps/scaled-job.yaml': SCALED_JOB,
  'apps/rollout-ref.yaml': ROLLOUT_REF,
  'apps/pod-template.yaml': POD_TEMPLATE,
}

const south = { key: 'topology.liqo.io/region', operator: 'In', values: ['south'] }
const typeIn = { key: 'liqo.io/type', operator: 'In', values: ['virtual-node'] }
const toleration = { key: 'virtual-node.liqo.io/not-allowed', operator: 'Exists', effect: 'NoExecute' }
const patched = {
  affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [south, typeIn] }] } } },
  tolerations: [toleration],
}

test('podTemplatePath: built-in kinds by name, custom resources by the shape of a standard template, nothing else', () => {
  const obj = (t: string) => parse(t) as Record<string, unknown>
  assert.equal(podTemplatePath(obj(ROLLOUT)), ['spec', 'template', 'spec'])
  assert.equal(podTemplatePath(obj(CRON_LIKE)), ['spec', 'jobTemplate', 'spec', 'template', 'spec'])
  assert.equal(podTemplatePath(obj(RC)), ['spec', 'template', 'spec'])
  for (const t of [SCALED_JOB, ROLLOUT_REF, POD_TEMPLATE]) assert.is(podTemplatePath(obj(t)), undefined)
  // A custom resource's spec.template without containers is not a pod template.
  assert.is(podTemplatePath({ apiVersion: 'x.io/v1', kind: 'Thing', spec: { template: { spec: { size: 3 } } } }), undefined)
  // A built-in group's kinds are known by name only: a Deployment-shaped ConfigMap is a ConfigMap.
  assert.is(podTemplatePath({ apiVersion: 'v1', kind: 'ConfigMap', spec: { template: { spec: { containers: [{ name: 'a', image: 'b' }] } } } }), undefined)
  assert.equal(podSpecsElsewhere(obj(SCALED_JOB)), ['spec.jobTargetRef.template.spec'])
  for (const t of [ROLLOUT, ROLLOUT_REF, POD_TEMPLATE, RC]) assert.equal(podSpecsElsewhere(obj(t)), [])
})

test('build: the Rollout, the ReplicationController and the CronJob-shaped resource are patched as Liqo would patch their pods; the others are as written', async () => {
  const r = await runMemory(files, ['build', '--cluster', 'venice'])
  assert.is(r.code, 0, r.stderr)
  const objs = parseAllDocuments(r.stdout).map((d) => d.toJS() as Record<string, any>)
  const by = (kind: string, name: string) => objs.find((o) => o['kind'] === kind && o['metadata'].name === name)
  for (const [kind, name, path] of [
    ['Rollout', 'rollouts-demo', ['spec', 'template', 'spec']],
    ['ReplicationController', 'redis-master', ['spec', 'template', 'spec']],
    ['ScheduledTask', 'report', ['spec', 'jobTemplate', 'spec', 'template', 'spec']],
  ] as const) {
    const spec = path.reduce((o: any, k) => o?.[k], by(kind, name))
    assert.equal({ affinity: spec?.affinity, tolerations: spec?.tolerations }, patched, `${kind}/${name}`)
  }
  assert.is(by('ScaledJob', 'queue-worker')?.['spec'].jobTargetRef.template.spec.tolerations, undefined)
  assert.is(by('PodTemplate', 'spare')?.['template'].spec.tolerations, undefined)
  assert.equal(by('Rollout', 'by-ref')?.['spec'], { workloadRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' } })
})

test('plan: the patched ones are placed like built-in kinds; the ScaledJob is listed as pods nsoffload cannot see, in text and JSON', async () => {
  const r = await runMemory(files, ['plan', '--format', 'json'])
  assert.is(r.code, 0, r.stderr)
  const ns = (JSON.parse(r.stdout) as { namespaces: { workloads: { kind: string; name: string; nodes: string[] }[]; podsNotSeen?: unknown }[] }).namespaces[0]
  assert.equal(
    ns?.workloads.map((w) => [w.kind, w.name, w.nodes]),
    [
      ['ReplicationController', 'redis-master', ['naples']],
      ['Rollout', 'rollouts-demo', ['naples']],
      ['ScheduledTask', 'report', ['naples']],
    ],
  )
  assert.equal(ns?.podsNotSeen, [{ apiVersion: 'keda.sh/v1alpha1', kind: 'ScaledJob', name: 'queue-worker', podSpecs: ['spec.jobTargetRef.template.spec'] }])
  const text = await runMemory(files, ['plan'])
  assert.is(text.code, 0, text.stderr)
  assert.match(text.stdout, /    Rollout\/rollouts-demo +-> naples\n/)
  assert.match(
    text.stdout,
    /  pods not previewed \(where they run is up to Liqo's webhook at their creation[^\n]*\n    ScaledJob\/queue-worker  pod spec at spec\.jobTargetRef\.template\.spec\n/,
  )
  const md = await runMemory(files, ['plan', '--format', 'markdown'])
  assert.match(md.stdout, /ScaledJob\/queue-worker/)
})

test('fn: a Rollout item is patched like a Deployment', async () => {
  const list = `apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n${ROLLOUT.replace(/^/gm, '  ')
    .replace(/^  apiVersion/, '- apiVersion')
    .replace('  metadata:\n    name: rollouts-demo', '  metadata:\n    name: rollouts-demo\n    namespace: shop')}`
  const r = await runMemory(files, ['fn'], list)
  assert.is(r.code, 0, r.stderr)
  const out = parse(r.stdout) as { items: Record<string, any>[] }
  const spec = out.items[0]?.['spec'].template.spec
  assert.equal({ affinity: spec.affinity, tolerations: spec.tolerations }, patched)
})

test.run()
