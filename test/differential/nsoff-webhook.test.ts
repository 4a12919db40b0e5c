import { test } from 'uvu'
import * as assert from 'uvu/assert'
import type { Manifest, NodeSelector } from '../../src/model/k8s.ts'
import { planChange } from '../../src/report/plan-change.ts'
import { planDocument } from '../../src/report/plan-report.ts'
import { CASES } from './cases.ts'
import { type Oracle, startOracle } from './oracle.ts'
import { compileProject, errorsOf, HOME, inventoryDocument, policyDocument, type ProjectResult } from './project.ts'
import { type Property, runProperty } from './property.ts'
import type { Rng } from './random.ts'

// Liqo's NamespaceOffloading validating webhook (pkg/webhooks/namespaceoffloading.New().Handle)
// against nsoffload's predictions of it. A policy as the user writes it (an OffloadingPolicy, or a
// NamespaceOffloading such as liqoctl's --output yaml) is edited from a base revision to a head
// revision, both run through nsoffload's own stages:
//   CREATE: Liqo denies the user's NamespaceOffloading exactly when nsoffload refuses it with
//           Liqo's message (NSO3014, NSO3001), and admits every NamespaceOffloading `build` writes;
//   UPDATE: on the object `build` wrote from the base, replaced by the one it writes from the head
//           (what server-side apply sends), Liqo denies or warns exactly as `plan --base` says
//           (planChange's `denied` and `warning`, the same words).

const NAMESPACE = 'team-a'

/** A policy of one revision: its kind, the NamespaceOffloading's name (that kind only) and the spec as written. */
type PolicyInput = {
  readonly kind: 'OffloadingPolicy' | 'NamespaceOffloading'
  readonly name?: string
  readonly spec: Readonly<Record<string, unknown>>
}

/** The home cluster's ID of each revision: a pull request may change the inventory too (with DefaultName, the twin's name then changes). */
type NsoffCase = { readonly base: PolicyInput; readonly head: PolicyInput; readonly homes?: { readonly base: string; readonly head: string } }

const MAPPING = ['EnforceSameName', 'DefaultName', 'SelectedName'] as const
const POD = ['Local', 'Remote', 'LocalAndRemote'] as const
const REMOTE_NAMES = ['twin', 'twin-2', NAMESPACE, `${NAMESPACE}-${HOME}`]

const SELECTORS: readonly NodeSelector[] = [
  { nodeSelectorTerms: [] },
  { nodeSelectorTerms: [{ matchExpressions: [{ key: 'region', operator: 'In', values: ['south'] }] }] },
  { nodeSelectorTerms: [{ matchExpressions: [{ key: 'region', operator: 'NotIn', values: ['south'] }] }] },
  {
    nodeSelectorTerms: [
      { matchExpressions: [{ key: 'region', operator: 'Exists' }] },
      { matchFields: [{ key: 'metadata.name', operator: 'In', values: ['naples'] }] },
    ],
  },
]

type Field = 'namespaceMappingStrategy' | 'podOffloadingStrategy' | 'remoteNamespaceName' | 'clusterSelector'
const FIELDS: readonly Field[] = ['namespaceMappingStrategy', 'podOffloadingStrategy', 'remoteNamespaceName', 'clusterSelector']

/** A value of a spec field; `undefined`: left out (the CRD's default, or none). */
function fieldValue(rng: Rng, f: Field): unknown {
  switch (f) {
    case 'namespaceMappingStrategy':
      return rng.chance(0.2) ? undefined : rng.chance(0.02) ? rng.pick(['Bogus', '', 7]) : rng.pick(MAPPING)
    case 'podOffloadingStrategy':
      return rng.chance(0.2) ? undefined : rng.chance(0.02) ? rng.pick(['Bogus', '']) : rng.pick(POD)
    case 'remoteNamespaceName':
      return rng.chance(0.45) ? undefined : rng.chance(0.1) ? rng.pick(['', 'Not_A_Label']) : rng.pick(REMOTE_NAMES)
    case 'clusterSelector':
      return rng.chance(0.3) ? undefined : rng.pick(SELECTORS)
  }
}

const withField = (spec: Readonly<Record<string, unknown>>, f: Field, v: unknown): Record<string, unknown> => {
  const { [f]: _, ...rest } = spec
  return v === undefined ? rest : { ...rest, [f]: v }
}

function kindAndName(rng: Rng): Pick<PolicyInput, 'kind' | 'name'> {
  if (rng.chance(0.6)) return { kind: 'OffloadingPolicy' }
  return { kind: 'NamespaceOffloading', name: rng.chance(0.9) ? 'offloading' : rng.pick(['Offloading', 'other', 'offloading-2']) }
}

/**
 * Mostly a policy nsoffload accepts (remoteNamespaceName exactly with SelectedName), so that most
 * edits reach the UPDATE; a fifth of them as generated, to reach the refusals.
 */
function coherent(rng: Rng, spec: Record<string, unknown>): Record<string, unknown> {
  if (rng.chance(0.2)) return spec
  if (spec['namespaceMappingStrategy'] !== 'SelectedName') return withField(spec, 'remoteNamespaceName', undefined)
  const name = spec['remoteNamespaceName']
  return typeof name === 'string' && name !== '' ? spec : withField(spec, 'remoteNamespaceName', rng.pick(REMOTE_NAMES))
}

function policy(rng: Rng): PolicyInput {
  let spec: Record<string, unknown> = {}
  for (const f of FIELDS) spec = withField(spec, f, fieldValue(rng, f))
  return { ...kindAndName(rng), spec: coherent(rng, spec) }
}

/** The head: the base with some fields changed (a few at most, as a pull request does), or another kind of document. */
function edit(rng: Rng, base: PolicyInput): PolicyInput {
  let spec = { ...base.spec }
  const changes = rng.oneOf<number>([
    [1, () => 0],
    [5, () => 1],
    [2, () => 2],
    [1, () => 4],
  ])
  for (const f of rng.subset(FIELDS, changes)) spec = withField(spec, f, fieldValue(rng, f))
  return { ...(rng.chance(0.15) ? kindAndName(rng) : { kind: base.kind, ...(base.name !== undefined ? { name: base.name } : {}) }), spec: coherent(rng, spec) }
}

/** The document the user writes. */
function documentOf(p: PolicyInput): Record<string, unknown> {
  if (p.kind === 'OffloadingPolicy') return policyDocument(NAMESPACE, p.spec)
  return {
    apiVersion: 'offloading.liqo.io/v1beta1',
    kind: 'NamespaceOffloading',
    metadata: { name: p.name ?? 'offloading', namespace: NAMESPACE },
    spec: p.spec,
  }
}

function inventory(home: string): Record<string, unknown> {
  const doc = inventoryDocument({
    remotes: [
      { clusterID: 'florence', labels: { region: 'center' } },
      { clusterID: 'naples', labels: { region: 'south' } },
    ],
  })
  const spec = doc['spec'] as { home: Record<string, unknown> }
  return { ...doc, spec: { ...spec, home: { ...spec.home, clusterID: home } } }
}

const compileOne = (p: PolicyInput, home: string): ProjectResult => compileProject([documentOf(p)], inventory(home))

/** The NamespaceOffloading `build` writes into the home cluster's manifests. */
function rendered(r: ProjectResult, home: string): Manifest | undefined {
  return r.compiled?.namespaces[0]?.manifests.get(home)?.find((m) => m['kind'] === 'NamespaceOffloading')
}

type Verdict = { allowed: boolean; code?: number; message?: string; warnings?: string[] }

/** nsoffload's diagnostics that say Liqo's webhook denies the object (their messages start with Liqo's). */
const WEBHOOK_CODES = new Set(['NSO3001', 'NSO3014'])
/** nsoffload's schema errors (NSO2xxx): the CRD's openAPIV3Schema (crd.test.ts holds it to Liqo's), checked by the API server before admission webhooks. */
const SCHEMA_CODE = /^NSO20\d\d$/

const show = (v: Verdict): string =>
  v.allowed ? `admits it${v.warnings?.length ? ` warning "${v.warnings.join('; ')}"` : ''}` : `denies it (${v.code}): "${v.message}"`

const nsoffWebhook: Property<NsoffCase> = {
  name: 'nsoff-webhook',
  cases: CASES['nsoff-webhook'],
  generate(rng) {
    const base = policy(rng)
    return { base, head: edit(rng, base), ...(rng.chance(0.1) ? { homes: { base: HOME, head: 'rome' } } : {}) }
  },
  async check(c, oracle, tally) {
    const ask = (body: Record<string, unknown>): Promise<Verdict> => oracle.ask<Verdict>('nsoffWebhook', body)
    const problems: string[] = []
    const homes = c.homes ?? { base: HOME, head: HOME }
    const results = { base: compileOne(c.base, homes.base), head: compileOne(c.head, homes.head) }
    // CREATE, of each revision.
    for (const rev of ['base', 'head'] as const) {
      const p = c[rev]
      const r = results[rev]
      const errors = errorsOf(r, 'policies/p0.yaml')
      if (p.kind === 'NamespaceOffloading') {
        const liqo = await ask({ operation: 'CREATE', object: documentOf(p) })
        const predicted = errors.filter((d) => WEBHOOK_CODES.has(d.code))
        tally.add(
          liqo.allowed ? 'user NamespaceOffloading admitted' : liqo.code === 400 ? 'user NamespaceOffloading undecodable' : 'user NamespaceOffloading denied',
        )
        if (!liqo.allowed && liqo.code === 400) {
          // The webhook cannot decode it (a field of the wrong type): nsoffload refuses it too, by its schema.
          if (errors.length === 0) problems.push(`${rev}: Liqo's webhook cannot decode the NamespaceOffloading (${liqo.message}); nsoffload accepts it`)
        } else if (!liqo.allowed) {
          // The API server checks the CRD's schema before it calls validating webhooks: a schema error is what the user sees then.
          if (errors.some((d) => SCHEMA_CODE.test(d.code))) tally.add('denied, refused by the schema first')
          else if (!errors.some((d) => d.message.startsWith(liqo.message ?? '')))
            problems.push(`${rev}: Liqo's webhook ${show(liqo)}; nsoffload says: ${errors.map((d) => `${d.code} ${d.message}`).join('; ') || 'nothing'}`)
        } else if (predicted.length > 0) {
          problems.push(
            `${rev}: Liqo's webhook admits the NamespaceOffloading; nsoffload predicts a denial: ${predicted.map((d) => `${d.code} ${d.message}`).join('; ')}`,
          )
        }
      }
      if (errors.length > 0) continue
      const out = rendered(r, homes[rev])
      if (!out) {
        problems.push(`${rev}: nsoffload compiles the policy but writes no NamespaceOffloading`)
        continue
      }
      const liqo = await ask({ operation: 'CREATE', object: out })
      if (!liqo.allowed || (liqo.warnings ?? []).length > 0) problems.push(`${rev}: on the NamespaceOffloading nsoffload writes, Liqo's webhook ${show(liqo)}`)
    }
    // UPDATE from what the base wrote to what the head writes.
    const before = rendered(results.base, homes.base)
    const after = rendered(results.head, homes.head)
    if (errorsOf(results.base, 'policies/p0.yaml').length > 0 || errorsOf(results.head, 'policies/p0.yaml').length > 0 || !before || !after) {
      tally.add('update not compared (a revision is refused)')
      return problems.length > 0 ? problems.join('\n    ') : undefined
    }
    const liqo = await ask({ operation: 'UPDATE', object: after, oldObject: before })
    const plan = (rev: 'base' | 'head'): ReturnType<typeof planDocument> =>
      planDocument(homes[rev], results[rev].compiled ?? { namespaces: [], clusters: new Map(), diagnostics: [] }, [])
    const change = planChange({ ref: 'base', commit: '0'.repeat(40), plan: plan('base') }, plan('head')).namespaces.find((n) => n.namespace === NAMESPACE)
    const warnings = liqo.warnings ?? []
    tally.add(!liqo.allowed ? 'update denied' : warnings.length > 0 ? 'update warned' : 'update admitted')
    const says = `plan --base says ${change?.denied ? `denied "${change.denied}"` : change?.warning ? `warning "${change.warning}"` : 'nothing'}`
    if (!liqo.allowed) {
      if (change?.denied !== liqo.message) problems.push(`update: Liqo's webhook ${show(liqo)}; ${says}`)
    } else if (change?.denied !== undefined) {
      problems.push(`update: Liqo's webhook ${show(liqo)}; ${says}`)
    } else if (warnings.length > 1 || (warnings[0] ?? undefined) !== change?.warning) {
      problems.push(`update: Liqo's webhook ${show(liqo)}; ${says}`)
    }
    return problems.length > 0 ? problems.join('\n    ') : undefined
  },
}

let oracle: Oracle
test.before(() => {
  oracle = startOracle()
})
test.after(() => oracle.close())

test("NamespaceOffloading webhook: Liqo's webhook denies and warns where nsoffload and plan --base say it does", async () => {
  assert.ok((await runProperty(oracle, nsoffWebhook)).cases > 0)
})

test.run()
