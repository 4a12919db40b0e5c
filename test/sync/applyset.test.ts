import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { loadProject } from '../../src/cli/project.ts'
import { memoryHost } from '../../src/host/memory-host.ts'
import type { Manifest } from '../../src/model/k8s.ts'
import {
  ANNOTATION_ADDITIONAL_NAMESPACES,
  ANNOTATION_GROUP_KINDS,
  ANNOTATION_POLICY_FILE,
  ANNOTATION_TOOLING,
  type ApplySet,
  applySetFor,
  applySetID,
  asMember,
} from '../../src/sync/applyset.ts'
import { LABEL_APPLYSET_ID, LABEL_PART_OF } from '../../src/model/applyset.ts'
import type { LiveCluster } from '../../src/sync/live-state.ts'
import { planSync, type PolicyScope } from '../../src/sync/plan-sync.ts'
import { MEMORY_CWD } from '../helpers/cli.ts'
import { inventoryYaml, region } from '../helpers/inventory.ts'

/**
 * Ownership with identity: kubectl's ApplySet. The planner is pure; these tests feed it live
 * states. The e2e suite (test/e2e/applyset.test.ts) holds the same rules against real API
 * servers and a real kubectl.
 */

function project(policies: Record<string, string>, inventoryName = 'italy') {
  const files: Record<string, string> = {
    'inventory.yaml': inventoryYaml({ name: inventoryName, remotes: [{ clusterID: 'naples', labels: region('south') }] }),
  }
  for (const [k, v] of Object.entries(policies)) files[`policies/${k}.yaml`] = v
  const p = loadProject(
    memoryHost({ cwd: MEMORY_CWD, files }),
    { policies: ['policies'], inventory: 'inventory.yaml', inventoryExplicit: false, strict: false },
    true,
  )
  if (!p.compiled || !p.validated.inventory) throw new Error(JSON.stringify(p.diagnostics))
  return { compiled: p.compiled, inv: p.validated.inventory }
}

const policy = (name: string): string =>
  `apiVersion: nsoffload.dev/v1alpha1\nkind: OffloadingPolicy\nmetadata: {name: ${name}}\nspec: {namespaceMappingStrategy: EnforceSameName}\n`

const SET = applySetFor('italy', '0.1.0')
const OTHER = applySetFor('other-repo', '0.1.0')

/** What a previous sync of `set` left on the clusters for namespace `ns` (policy file `file`). */
function synced(ns: string, set: ApplySet, file: string, extra: Record<string, string> = {}): { home: Manifest[]; nso: Manifest; twin: Manifest } {
  const labels = { 'app.kubernetes.io/managed-by': 'nsoffload', ...extra }
  return {
    home: [asMember({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns, labels } }, set)],
    nso: asMember(
      {
        apiVersion: 'offloading.liqo.io/v1beta1',
        kind: 'NamespaceOffloading',
        metadata: { name: 'offloading', namespace: ns, labels },
        spec: { namespaceMappingStrategy: 'EnforceSameName', podOffloadingStrategy: 'LocalAndRemote', clusterSelector: { nodeSelectorTerms: [] } },
      },
      set,
      file,
    ),
    twin: asMember(
      {
        apiVersion: 'v1',
        kind: 'Namespace',
        metadata: {
          name: ns,
          labels: { ...labels, 'liqo.io/remote-cluster-id': 'venice' },
          annotations: { 'liqo.io/managed-by-namespace-map': 'liqo-tenant-venice/naples', 'liqo.io/original-name': ns },
        },
      },
      set,
      file,
    ),
  }
}

function liveOf(
  parts: { home: Manifest[]; nso: Manifest; twin: Manifest }[],
  parents: { venice?: Manifest; naples?: Manifest } = {},
): Map<string, LiveCluster> {
  const byName = (ms: Manifest[]): Map<string, Manifest> => new Map(ms.map((m) => [String((m['metadata'] as { name: string }).name), m]))
  return new Map<string, LiveCluster>([
    [
      'venice',
      {
        clusterID: 'venice',
        namespaces: byName(parts.flatMap((p) => p.home)),
        offloadings: new Map(parts.map((p) => [String((p.nso['metadata'] as { namespace: string }).namespace), p.nso])),
        objects: new Map(),
        ...(parents.venice ? { parent: parents.venice } : {}),
      },
    ],
    [
      'naples',
      { clusterID: 'naples', namespaces: byName(parts.map((p) => p.twin)), objects: new Map(), ...(parents.naples ? { parent: parents.naples } : {}) },
    ],
  ])
}

const deletes = (plan: ReturnType<typeof planSync>): string[] =>
  plan.actions.flatMap((a) => (a.op === 'delete' ? [`${a.cluster} ${String(a.live['kind'])}/${String((a.live['metadata'] as { name: string }).name)}`] : []))

test("the ID is kubectl's form, a function of the parent's name, namespace, kind and group", () => {
  assert.match(SET.id, /^applyset-[A-Za-z0-9_-]{43}-v1$/)
  assert.is(SET.id, applySetID('nsoffload-italy', 'default', 'Secret', ''))
  assert.is.not(SET.id, applySetID('nsoffload-italy', 'default', 'ConfigMap', ''))
  assert.is.not(SET.id, applySetID('nsoffload-italy', 'kube-system', 'Secret', ''))
  assert.is(applySetFor('italy', '0.1.0', 'configmaps/team-a').id, applySetID('team-a', 'default', 'ConfigMap', ''))
  assert.is(applySetFor('italy', '0.1.0', 'team-a').kind, 'Secret')
  assert.is(SET.tooling, 'nsoffload/v0.1.0')
  assert.throws(() => applySetFor('italy', '0.1.0', 'deployments.apps/x'), /a Secret or a ConfigMap that nsoffload creates/)
  assert.throws(() => applySetFor('italy', '0.1.0', 'Bad_Name'), /--applyset Bad_Name: the name/)
})

test('two sets on one home cluster: each prunes only its own namespaces', () => {
  const mine = synced('alpha', SET, 'policies/alpha.yaml')
  const theirs = synced('beta', OTHER, 'policies/beta.yaml')
  const { compiled, inv } = project({ gamma: policy('gamma') })
  const plan = planSync(compiled, inv, liveOf([mine, theirs]), { prune: true, allowDestructive: false, set: SET })
  assert.equal(deletes(plan), ['naples Namespace/alpha', 'venice NamespaceOffloading/offloading'])
  assert.equal(plan.pruned, ['alpha'])
  assert.not.ok(plan.actions.some((a) => a.namespace === 'beta'))
  // The other set sees it the other way round.
  const other = planSync(compiled, inv, liveOf([mine, theirs]), { prune: true, allowDestructive: false, set: OTHER })
  assert.equal(other.pruned, ['beta'])
})

test('a -p that reads part of the set prunes nothing of the rest, and says so', () => {
  const alpha = synced('alpha', SET, 'policies/alpha.yaml')
  const beta = synced('beta', SET, 'policies/beta.yaml')
  const { compiled, inv } = project({ alpha: policy('alpha') })
  const only: PolicyScope = { files: new Map([['alpha', 'policies/alpha.yaml']]), inputs: [{ path: 'policies/alpha.yaml', folder: false }] }
  const plan = planSync(compiled, inv, liveOf([alpha, beta]), { prune: true, allowDestructive: false, set: SET, scope: only })
  assert.equal(deletes(plan), [])
  assert.equal(plan.pruned, [])
  const f = plan.findings.find((x) => x.code === 'NSO5023')
  assert.ok(f, JSON.stringify(plan.findings))
  assert.match(f?.message ?? '', /^beta is in this set but its policy \(policies\/beta\.yaml\) was not read in this run: left alone/)
  // The whole folder read, beta's file gone: beta is unoffloaded.
  const all: PolicyScope = { files: only.files, inputs: [{ path: 'policies', folder: true }] }
  const whole = planSync(compiled, inv, liveOf([alpha, beta]), { prune: true, allowDestructive: false, set: SET, scope: all })
  assert.equal(whole.pruned, ['beta'])
  assert.equal(deletes(whole), ['naples Namespace/beta', 'venice NamespaceOffloading/offloading'])
  // A folder that merely starts with the same letters does not hold the file.
  const near: PolicyScope = { files: only.files, inputs: [{ path: 'polic', folder: true }] }
  assert.equal(planSync(compiled, inv, liveOf([alpha, beta]), { prune: true, allowDestructive: false, set: SET, scope: near }).pruned, [])
})

test("nsoffload's old marker and no set: adopted when rendered (said so), never pruned", () => {
  const strip = (m: Manifest): Manifest => {
    const md = { ...(m['metadata'] as Record<string, unknown>) }
    const labels = { ...(md['labels'] as Record<string, string>) }
    delete labels[LABEL_PART_OF]
    const annotations = { ...(md['annotations'] as Record<string, string> | undefined) }
    delete annotations[ANNOTATION_POLICY_FILE]
    return { ...m, metadata: { ...md, labels, annotations } }
  }
  const legacy = (ns: string) => {
    const s = synced(ns, SET, '')
    return { home: s.home.map(strip), nso: strip(s.nso), twin: strip(s.twin) }
  }
  const { compiled, inv } = project({ alpha: policy('alpha') })
  const plan = planSync(compiled, inv, liveOf([legacy('alpha'), legacy('old')]), { prune: true, allowDestructive: false, set: SET })
  // alpha is rendered: its namespace, NamespaceOffloading and twin are adopted into the set.
  const adopted = plan.actions.filter((a) => a.op === 'update' && a.adopt).map((a) => `${a.cluster} ${a.step}`)
  assert.equal(adopted, ['venice namespace', 'venice offloading', 'naples twins'])
  for (const a of plan.actions) if (a.op !== 'delete') assert.is((a.manifest['metadata'] as { labels: Record<string, string> }).labels[LABEL_PART_OF], SET.id)
  // old is not rendered: nothing of it is deleted, and the report says why.
  assert.equal(deletes(plan), [])
  assert.ok(plan.findings.some((f) => f.code === 'NSO5022' && f.namespace === 'old'))
})

test("the parent is checked as kubectl checks it: another tool's, another ID, another home's parent stops everything", () => {
  const { compiled, inv } = project({ alpha: policy('alpha') })
  const parent = (labels: Record<string, string>, annotations: Record<string, string>): Manifest => ({
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: SET.name, namespace: 'default', labels, annotations },
  })
  const cases: [Manifest, RegExp][] = [
    [parent({}, {}), /already exists and is missing required annotation applyset\.kubernetes\.io\/tooling/],
    [parent({ [LABEL_APPLYSET_ID]: SET.id }, { [ANNOTATION_TOOLING]: 'kubectl/v1.32.0' }), /is managed by tooling "kubectl" instead of "nsoffload"/],
    [parent({}, { [ANNOTATION_TOOLING]: 'nsoffload/v0.0.9' }), /does not have required label applyset\.kubernetes\.io\/id/],
    [parent({ [LABEL_APPLYSET_ID]: OTHER.id }, { [ANNOTATION_TOOLING]: 'nsoffload/v0.1.0' }), /has incorrect value for label applyset\.kubernetes\.io\/id/],
    [
      parent({ [LABEL_APPLYSET_ID]: SET.id }, { [ANNOTATION_TOOLING]: 'nsoffload/v0.1.0', 'nsoffload.dev/home-cluster': 'rome' }),
      /is the set of home cluster rome, not venice/,
    ],
  ]
  for (const [p, why] of cases) {
    const plan = planSync(compiled, inv, liveOf([], { naples: p }), { prune: true, allowDestructive: false, set: SET })
    const f = plan.findings.find((x) => x.blocking)
    assert.ok(f, why.source)
    assert.is(f?.code, 'NSO5020')
    assert.is(f?.cluster, 'naples')
    assert.match(f?.message ?? '', why)
  }
})

test("the parent records the set's group-kinds and namespaces as kubectl writes them, before and after the writes", () => {
  const { compiled, inv } = project({ alpha: policy('alpha'), beta: policy('beta') })
  const plan = planSync(compiled, inv, liveOf([]), { prune: false, allowDestructive: false, set: SET })
  const home = plan.parents.find((p) => p.cluster === 'venice')
  const annotations = (m: Manifest | undefined): Record<string, string> => (m?.['metadata'] as { annotations: Record<string, string> }).annotations
  assert.ok(home?.before && !home.after, 'one write: the superset is the set itself')
  assert.is(annotations(home?.before)[ANNOTATION_GROUP_KINDS], 'Namespace,NamespaceOffloading.offloading.liqo.io')
  assert.is(annotations(home?.before)[ANNOTATION_ADDITIONAL_NAMESPACES], 'alpha,beta')
  const remote = plan.parents.find((p) => p.cluster === 'naples')
  assert.is(annotations(remote?.before)[ANNOTATION_GROUP_KINDS], 'Namespace')
  assert.is(annotations(remote?.before)[ANNOTATION_ADDITIONAL_NAMESPACES], '')
  // A parent that recorded a namespace since unoffloaded: the superset first, the set itself once done.
  const gone = synced('old', SET, 'policies/old.yaml')
  const recorded = { ...(home?.before ?? {}) }
  recorded['metadata'] = {
    ...(home?.before?.['metadata'] as object),
    annotations: { ...annotations(home?.before), [ANNOTATION_ADDITIONAL_NAMESPACES]: 'alpha,beta,old' },
  }
  const live = liveOf([{ ...gone, home: [] }], { venice: recorded })
  const later = planSync(compiled, inv, live, { prune: true, allowDestructive: false, set: SET })
  const h = later.parents.find((p) => p.cluster === 'venice')
  assert.is(h?.before, undefined, 'the live parent already holds the superset')
  assert.is(annotations(h?.after)[ANNOTATION_ADDITIONAL_NAMESPACES], 'alpha,beta')
})

test.run()
