import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { loadProject } from '../../src/cli/project.ts'
import { memoryHost } from '../../src/host/memory-host.ts'
import type { Manifest } from '../../src/model/k8s.ts'
import { diffMarkdown } from '../../src/report/change-markdown.ts'
import { applyForm } from '../../src/sync/apply-form.ts'
import { maskSecrets, sameObject } from '../../src/sync/compare.ts'
import { diffClusters, diffPlanOptions } from '../../src/sync/diff.ts'
import { type LiveCluster, objectKey } from '../../src/sync/live-state.ts'
import { applySetFor } from '../../src/sync/applyset.ts'
import { LABEL_PART_OF } from '../../src/model/applyset.ts'
import { candidatesOf, draftSync, dryRunTargets, planSync, settleWorkloads } from '../../src/sync/plan-sync.ts'
import { codes } from '../../src/diagnostics/codes.ts'
import { MEMORY_CWD, source } from '../helpers/cli.ts'
import { inventoryYaml, region } from '../helpers/inventory.ts'

/**
 * Workloads are compared with the server's answer to a dry-run apply (as `kubectl diff` does),
 * and Secret values are masked in diffs as kubectl masks them. The e2e suite sends the dry runs
 * to a real API server; here the planner is fed their answers.
 */

const SECRET = source`
  apiVersion: v1
  kind: Secret
  metadata: {name: creds, namespace: shop}
  stringData: {password: hunter2, user: admin}
`
const DEPLOY = source`
  apiVersion: apps/v1
  kind: Deployment
  metadata: {name: web, namespace: shop}
  spec:
    selector: {matchLabels: {app: web}}
    template:
      metadata: {labels: {app: web}}
      spec:
        containers:
          - name: web
            image: nginx
            resources: {requests: {cpu: 1, memory: 1024Mi}}
`

function project() {
  const files = {
    'inventory.yaml': inventoryYaml({ remotes: [{ clusterID: 'naples', labels: region('south') }] }),
    'policies/shop.yaml':
      'apiVersion: nsoffload.dev/v1alpha1\nkind: OffloadingPolicy\nmetadata: {name: shop}\nspec:\n  namespaceMappingStrategy: EnforceSameName\n  workloads: [../apps/shop/]\n',
    'apps/shop/secret.yaml': SECRET,
    'apps/shop/deploy.yaml': DEPLOY,
  }
  const p = loadProject(
    memoryHost({ cwd: MEMORY_CWD, files }),
    { policies: ['policies'], inventory: 'inventory.yaml', inventoryExplicit: false, strict: false },
    true,
  )
  if (!p.compiled || !p.validated.inventory) throw new Error(JSON.stringify(p.diagnostics))
  return { compiled: p.compiled, inv: p.validated.inventory }
}

const b64 = (s: string): string => Buffer.from(s).toString('base64')
const ours = { 'nsoffload.dev/managed-by': 'nsoffload' }
/** The label of the members of the inventory's set (`nsoffload-italy`). */
const member = { [LABEL_PART_OF]: applySetFor('italy', '0.0.0').id }
/** The Secret as the server keeps it: stringData turned into data. */
const liveSecret = (password: string, extra: Record<string, unknown> = {}): Manifest => ({
  apiVersion: 'v1',
  kind: 'Secret',
  metadata: {
    name: 'creds',
    namespace: 'shop',
    labels: member,
    annotations: ours,
    uid: 'u1',
    resourceVersion: '7',
    managedFields: [{ manager: 'nsoffload', operation: 'Apply' }],
    ...extra,
  },
  type: 'Opaque',
  data: { password: b64(password), user: b64('admin') },
})
const liveDeploy = (cpu: string): Manifest => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: {
    name: 'web',
    namespace: 'shop',
    labels: member,
    annotations: { ...ours, 'deployment.kubernetes.io/revision': '1' },
    generation: 1,
    resourceVersion: '9',
  },
  spec: {
    replicas: 1,
    selector: { matchLabels: { app: 'web' } },
    template: {
      metadata: { labels: { app: 'web' } },
      spec: { containers: [{ name: 'web', image: 'nginx', resources: { requests: { cpu, memory: '1Gi' } }, imagePullPolicy: 'Always' }] },
    },
  },
  status: { replicas: 1 },
})

const SECRET_KEY = objectKey('v1', 'Secret', 'shop', 'creds')
const DEPLOY_KEY = objectKey('apps/v1', 'Deployment', 'shop', 'web')

function liveState(objects: [string, Manifest][]): Map<string, LiveCluster> {
  const ns = (name: string): Manifest => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } })
  return new Map<string, LiveCluster>([
    [
      'venice',
      {
        clusterID: 'venice',
        namespaces: new Map([['shop', ns('shop')]]),
        offloadings: new Map(),
        objects: new Map(objects),
      },
    ],
    ['naples', { clusterID: 'naples', namespaces: new Map(), objects: new Map() }],
  ])
}

/** The workload actions of the plan settled on the server's dry-run answers (`applied`, by key). */
const workloadActions = (live: Map<string, LiveCluster>, applied: [string, Manifest][] = []) => {
  const { compiled, inv } = project()
  return planSync(compiled, inv, live, { prune: false, allowDestructive: false }, new Map(applied)).actions.filter((a) => a.step === 'workloads')
}
/** `diff` of that plan (planned as if pruning). */
const diffOf = (live: Map<string, LiveCluster>, applied: [string, Manifest][] = [], showSecrets = false) => {
  const { compiled, inv } = project()
  return diffClusters(planSync(compiled, inv, live, diffPlanOptions(false), new Map(applied)), showSecrets)
}
/** The candidates of the draft plan: the workloads the server is asked about. */
const dryRunCandidates = (live: Map<string, LiveCluster>) => {
  const { compiled, inv } = project()
  return candidatesOf(draftSync(compiled, inv, live, { prune: false, allowDestructive: false }))
}

test("dry-run targets: the existing workloads of ours only (new ones are created as rendered, others' left alone)", () => {
  const theirs = { ...liveDeploy('1'), metadata: { name: 'web', namespace: 'shop' } }
  assert.equal(dryRunCandidates(liveState([])), [])
  const targets = dryRunCandidates(
    liveState([
      [SECRET_KEY, liveSecret('hunter2')],
      [DEPLOY_KEY, theirs],
    ]),
  )
  assert.equal(
    targets.map((t) => t.key),
    [SECRET_KEY],
  )
  // The manifest sync would apply: with its ownership annotation and the set's label.
  assert.equal((targets[0]?.manifest['metadata'] as { annotations: object }).annotations, ours)
  assert.equal((targets[0]?.manifest['metadata'] as { labels: object }).labels, member)
  const gone = dryRunCandidates(liveState([[SECRET_KEY, liveSecret('hunter2', { deletionTimestamp: '2026-01-01T00:00:00Z' })]]))
  assert.equal(gone, [])
})

test('client-side alone, memory: 1024Mi (stored as 1Gi) looks changed: why the server is asked', () => {
  const actions = workloadActions(
    liveState([
      [SECRET_KEY, liveSecret('hunter2')],
      [DEPLOY_KEY, liveDeploy('1')],
    ]),
  )
  assert.equal(
    actions.map((a) => `${a.op} ${a.op !== 'delete' ? String(a.manifest['kind']) : ''}`),
    ['update Deployment'],
  )
})

test("the server's dry-run answer equal to live: no action, no diff", () => {
  const live = liveState([
    [SECRET_KEY, liveSecret('hunter2')],
    [DEPLOY_KEY, liveDeploy('1')],
  ])
  // What the server answers: the live object, its managedFields and resourceVersion aside.
  const applied: [string, Manifest][] = [
    [SECRET_KEY, liveSecret('hunter2', { resourceVersion: '8', managedFields: [] })],
    [DEPLOY_KEY, { ...liveDeploy('1'), metadata: { ...(liveDeploy('1')['metadata'] as object), generation: 2 } }],
  ]
  assert.equal(workloadActions(live, applied), [])
  assert.equal(
    diffOf(live, applied).diffs.filter((d) => /^(secret|deployment)\/shop\//.test(d.object)),
    [],
  )
})

test("a workload with nsoffload's old marker and no set is adopted: updated with the set's label, said so", () => {
  const legacy = liveSecret('hunter2')
  const md = legacy['metadata'] as Record<string, unknown>
  delete md['labels']
  const actions = workloadActions(liveState([[SECRET_KEY, legacy]]), [[SECRET_KEY, liveSecret('hunter2')]])
  const adopted = actions.find((a) => a.op === 'update' && a.manifest['kind'] === 'Secret')
  assert.ok(adopted && adopted.op === 'update' && adopted.adopt === true)
  // Another set's workload is never touched.
  const theirs = liveSecret('hunter2', { labels: { [LABEL_PART_OF]: 'applyset-other-v1' } })
  const { compiled, inv } = project()
  const plan = planSync(compiled, inv, liveState([[SECRET_KEY, theirs]]), { prune: true, allowDestructive: false })
  assert.not.ok(plan.actions.some((a) => a.op !== 'delete' && a.manifest['kind'] === 'Secret'))
  assert.ok(plan.findings.some((f) => f.code === 'NSO5021' && /belongs to another ApplySet/.test(f.message)))
})

test("a real change: an update whose diff is the server's answer, exactly the change", () => {
  const live = liveState([[DEPLOY_KEY, liveDeploy('500m')]])
  const applied: [string, Manifest][] = [[DEPLOY_KEY, liveDeploy('1')]]
  const actions = workloadActions(live, applied)
  assert.equal(
    actions.map((a) => `${a.op} ${a.op !== 'delete' ? String(a.manifest['kind']) : ''}`),
    ['update Deployment', 'create Secret'],
  )
  const d = diffOf(live, applied).diffs.find((x) => x.object === 'deployment/shop/web')
  assert.ok(d)
  const changed = (d?.diff ?? '').split('\n').filter((l) => /^[-+][^-+]/.test(l))
  assert.equal(changed, ['-            cpu: 500m', '+            cpu: "1"'])
})

/** What each action of a plan is, in order (a candidate named so). */
const ops = (actions: readonly { op: string; cluster: string; manifest?: Manifest; live?: Manifest }[]): string[] =>
  actions.map(
    (a) => `${a.op} ${a.cluster} ${String((a.manifest ?? a.live)?.['kind'])}/${String(((a.manifest ?? a.live)?.['metadata'] as { name?: string }).name)}`,
  )

test('settleWorkloads: a candidate whose dry-run answer is the live object is no action; one that differs, the update in its place', () => {
  const { compiled, inv } = project()
  const live = liveState([[DEPLOY_KEY, liveDeploy('500m')]])
  const draft = draftSync(compiled, inv, live, { prune: false, allowDestructive: false })
  const at = draft.actions.findIndex((a) => a.op === 'candidate')
  assert.equal(
    candidatesOf(draft).map((c) => c.key),
    [DEPLOY_KEY],
  )
  // Something is planned before the candidate and after it: the order is checked on both sides.
  assert.ok(at > 0 && at < draft.actions.length - 1, ops(draft.actions).join(', '))
  const unchanged = settleWorkloads(
    draft,
    new Map([[DEPLOY_KEY, { ...liveDeploy('500m'), metadata: { ...(liveDeploy('500m')['metadata'] as object), resourceVersion: '10' } }]]),
  )
  assert.equal(ops(unchanged.actions), ops(draft.actions.filter((a) => a.op !== 'candidate')))
  const changed = settleWorkloads(draft, new Map([[DEPLOY_KEY, liveDeploy('1')]]))
  assert.equal(changed.actions.length, draft.actions.length)
  assert.equal(
    ops(changed.actions),
    ops(draft.actions).map((o, i) => (i === at ? o.replace(/^candidate/, 'update') : o)),
  )
  const update = changed.actions[at]
  assert.ok(update?.op === 'update' && update.after !== undefined && update.live === draft.actions[at]?.live)
  // Everything else is the draft's: findings, parents, what is pruned.
  assert.equal({ ...changed, actions: [] }, { ...draft, actions: [] })
  // No answer (its dry run failed): the client-side comparison, which sees 1024Mi against 1Gi as a change.
  assert.equal(ops(settleWorkloads(draft, new Map()).actions), ops(changed.actions))
})

test('dryRunTargets: a refused plan (a blocking finding) sends no dry run at all; diff asks all the same', () => {
  const { compiled, inv } = project()
  const live = liveState([[DEPLOY_KEY, liveDeploy('500m')]])
  const opts = { prune: false, allowDestructive: false }
  assert.equal(
    dryRunTargets(draftSync(compiled, inv, live, opts)).map((c) => c.key),
    [DEPLOY_KEY],
  )
  // The set's parent on venice exists without the tooling annotation: the whole sync is refused (NSO5020).
  const venice = live.get('venice')
  if (!venice) throw new Error('no venice')
  live.set('venice', { ...venice, parent: { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'nsoffload-italy', namespace: 'default' } } })
  const refused = draftSync(compiled, inv, live, opts)
  assert.ok(refused.findings.some((f) => f.blocking && f.code === codes.applySetParent.code && f.cluster === 'venice'))
  assert.equal(
    candidatesOf(refused).map((c) => c.key),
    [DEPLOY_KEY],
  )
  assert.equal(dryRunTargets(refused), [])
  assert.equal(
    dryRunTargets(refused, { evenIfRefused: true }).map((c) => c.key),
    [DEPLOY_KEY],
  )
})

test('sameObject ignores what the server manages, not the rest', () => {
  assert.ok(sameObject(liveSecret('a', { resourceVersion: '1', generation: 3 }), liveSecret('a')))
  assert.not.ok(sameObject(liveSecret('a'), liveSecret('b')))
  assert.not.ok(sameObject({ ...liveSecret('a'), type: 'kubernetes.io/tls' }, liveSecret('a')))
})

test("maskSecrets: kubectl diff's masking, for data and stringData", () => {
  const s = (data: Record<string, string> | undefined, stringData?: Record<string, string>) => ({
    apiVersion: 'v1',
    kind: 'Secret',
    ...(data ? { data } : {}),
    ...(stringData ? { stringData } : {}),
  })
  // Unchanged: masked on both sides.
  assert.equal(maskSecrets(s({ u: 'abc', p: '123' }), s({ u: 'abc', p: '123' })), [s({ u: '***', p: '***' }), s({ u: '***', p: '***' })])
  // Changed: the suffixes keep the change visible.
  assert.equal(maskSecrets(s({ u: 'abc', p: '123' }), s({ u: 'abc', p: '456' })), [s({ u: '***', p: '*** (before)' }), s({ u: '***', p: '*** (after)' })])
  // Added, removed, created, deleted: no suffix.
  assert.equal(maskSecrets(s({ u: 'abc' }), s({ u: 'abc', p: '1' })), [s({ u: '***' }), s({ u: '***', p: '***' })])
  assert.equal(maskSecrets(s({ u: 'abc', p: '1' }), s({ u: 'abc' })), [s({ u: '***', p: '***' }), s({ u: '***' })])
  assert.equal(maskSecrets(undefined, s({ p: '1' })), [undefined, s({ p: '***' })])
  assert.equal(maskSecrets(s({ p: '1' }), undefined), [s({ p: '***' }), undefined])
  assert.equal(maskSecrets(s(undefined), s({ p: '1' })), [s(undefined), s({ p: '***' })])
  // stringData, as data.
  assert.equal(maskSecrets(s(undefined, { p: 'x' }), s(undefined, { p: 'y' })), [s(undefined, { p: '*** (before)' }), s(undefined, { p: '*** (after)' })])
  // Other kinds untouched.
  const cm = { apiVersion: 'v1', kind: 'ConfigMap', data: { p: '1' } }
  assert.equal(maskSecrets(cm, cm), [cm, cm])
})

/** A Secret changed in Git (new password) against the live one, as the three formats print it. */
function secretChange(showSecrets: boolean) {
  const live = liveState([
    [SECRET_KEY, liveSecret('old-pass')],
    [DEPLOY_KEY, liveDeploy('1')],
  ])
  const applied: [string, Manifest][] = [
    [SECRET_KEY, liveSecret('hunter2')],
    [DEPLOY_KEY, liveDeploy('1')],
  ]
  return diffOf(live, applied, showSecrets)
}

test('diff masks Secret values in text, JSON and Markdown; --show-secrets shows them', () => {
  const masked = secretChange(false)
  const text = masked.diffs.map((d) => d.diff).join('\n')
  const json = JSON.stringify({ diffs: masked.diffs, findings: masked.findings }, null, 2)
  const md = diffMarkdown(masked)
  for (const [format, out] of [
    ['text', text],
    ['json', json],
    ['markdown', md],
  ] as const) {
    assert.not.ok(
      out.includes(b64('hunter2')) || out.includes(b64('old-pass')) || out.includes(b64('admin')) || out.includes('hunter2'),
      `${format} shows no value`,
    )
    assert.ok(out.includes('password: "*** (before)"') || out.includes('password: \\"*** (before)\\"'), `${format}: the changed key is marked`)
    assert.ok(out.includes('*** (after)'), format)
    assert.ok(/user: "?\*\*\*"?/.test(out) || out.includes('user: \\"***\\"'), `${format}: an unchanged key is masked and still listed`)
  }
  assert.match(text, /-  password: "\*\*\* \(before\)"\n\+  password: "\*\*\* \(after\)"/)
  const shown = secretChange(true)
  const shownText = shown.diffs.map((d) => d.diff).join('\n')
  assert.match(shownText, new RegExp(`-  password: ${b64('old-pass')}\\n\\+  password: ${b64('hunter2')}`))
  assert.ok(diffMarkdown(shown).includes(b64('hunter2')))
})

test('a Secret to create is masked too', () => {
  const d = diffOf(liveState([])).diffs.find((x) => x.object === 'secret/shop/creds')
  assert.ok(d)
  assert.match(d?.diff ?? '', /\+data:\n\+  password: "\*\*\*"\n\+  user: "\*\*\*"/)
  assert.not.ok(d?.diff.includes('hunter2'))
})

test("applyForm: a Secret's stringData as the data the server stores; ports and quantities as written", () => {
  assert.equal(applyForm({ apiVersion: 'v1', kind: 'Secret', data: { a: b64('old'), b: b64('keep') }, stringData: { a: 'new', c: 'ü' } }), {
    apiVersion: 'v1',
    kind: 'Secret',
    data: { a: b64('new'), b: b64('keep'), c: b64('ü') },
  })
  // Taken as they are by server-side apply since 1.22 (the e2e sync suite applies them on 1.35 and 1.37): the very same object.
  const deploy = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    spec: { template: { spec: { containers: [{ name: 'c', ports: [{ containerPort: 80 }], resources: { requests: { cpu: 1 } } }] } } },
  }
  assert.is(applyForm(deploy), deploy)
  const svc = { apiVersion: 'v1', kind: 'Service', spec: { ports: [{ port: 80 }] } }
  assert.is(applyForm(svc), svc)
  const quota = { apiVersion: 'v1', kind: 'ResourceQuota', spec: { hard: { pods: 10 } } }
  assert.is(applyForm(quota), quota)
  const plainSecret = { apiVersion: 'v1', kind: 'Secret', data: { a: b64('x') } }
  assert.is(applyForm(plainSecret), plainSecret)
})

test.run()
