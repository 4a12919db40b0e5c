import { execFileSync } from 'node:child_process'
import * as fs from 'node:fs'
import * as path from 'node:path'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { parse } from 'yaml'

// The NamespaceOffloading CRD nsoffload bundles (`sync --install-crds`) against Liqo v1.2.0's own,
// read from the Liqo module `go` fetched for the oracle (test/oracle's go.mod; nothing of it is
// copied into the repository): every field of ours is in Liqo's schema with the same type,
// format, default, enum and required fields, and every enum, default and required list of
// Liqo's is in ours. Ours may leave out descriptions, and fields Liqo's controllers write.

const repo = path.resolve(import.meta.dirname, '../..')

function liqoCrd(): Schema {
  const dir = execFileSync('go', ['list', '-mod=readonly', '-m', '-f', '{{.Dir}}', 'github.com/liqotech/liqo'], {
    cwd: path.join(repo, 'test/oracle'),
    encoding: 'utf8',
  }).trim()
  if (dir === '') {
    // Not yet in the module cache: the oracle's build fetches it.
    execFileSync('bash', [path.join(repo, 'scripts/go-tools/build-oracle.sh')], { stdio: ['ignore', 'ignore', 'inherit'] })
    return liqoCrd()
  }
  return versionSchema(fs.readFileSync(path.join(dir, 'deployments/liqo/charts/liqo-crds/crds/offloading.liqo.io_namespaceoffloadings.yaml'), 'utf8'))
}

interface Schema {
  readonly type?: string
  readonly format?: string
  readonly default?: unknown
  readonly enum?: readonly unknown[]
  readonly required?: readonly string[]
  readonly properties?: Readonly<Record<string, Schema>>
  readonly items?: Schema
  readonly additionalProperties?: Schema | boolean
}

function versionSchema(text: string): Schema {
  const crd = parse(text) as { spec: { versions: { name: string; schema: { openAPIV3Schema: Schema } }[] } }
  const v = crd.spec.versions.find((x) => x.name === 'v1beta1')
  if (!v) throw new Error('no v1beta1 version')
  return v.schema.openAPIV3Schema
}

const same = (a: unknown, b: unknown): boolean => JSON.stringify(a ?? null) === JSON.stringify(b ?? null)
const sorted = (xs: readonly string[] | undefined): string[] => [...(xs ?? [])].sort()

function compare(ours: Schema, liqo: Schema | undefined, at: string, out: string[]): void {
  if (!liqo) {
    out.push(`${at}: not in Liqo's schema`)
    return
  }
  for (const k of ['type', 'format', 'default', 'enum'] as const) {
    if (!same(ours[k], liqo[k])) out.push(`${at}: ${k} ${JSON.stringify(ours[k])} here, ${JSON.stringify(liqo[k])} in Liqo's`)
  }
  if (!same(sorted(ours.required), sorted(liqo.required)))
    out.push(`${at}: required ${JSON.stringify(ours.required)} here, ${JSON.stringify(liqo.required)} in Liqo's`)
  for (const [name, s] of Object.entries(ours.properties ?? {})) compare(s, liqo.properties?.[name], `${at}.${name}`, out)
  // Liqo's enums and defaults are ours too, in the fields ours has.
  if (ours.items) compare(ours.items, liqo.items, `${at}[]`, out)
  if (typeof ours.additionalProperties === 'object') {
    compare(ours.additionalProperties, typeof liqo.additionalProperties === 'object' ? liqo.additionalProperties : undefined, `${at}{}`, out)
  }
}

/** Liqo's fields that carry an enum, a default or required fields, which ours must have. */
function constrained(s: Schema, at: string, out: string[]): void {
  if (s.enum !== undefined || s.default !== undefined || (s.required?.length ?? 0) > 0) out.push(at)
  for (const [name, p] of Object.entries(s.properties ?? {})) constrained(p, `${at}.${name}`, out)
  if (s.items) constrained(s.items, `${at}[]`, out)
  if (typeof s.additionalProperties === 'object') constrained(s.additionalProperties, `${at}{}`, out)
}

test("the bundled NamespaceOffloading CRD's schema is Liqo v1.2.0's (no extra enum, default or required field)", () => {
  const ours = versionSchema(fs.readFileSync(path.join(repo, 'schemas/namespaceoffloading-crd.yaml'), 'utf8'))
  const liqo = liqoCrd()
  const problems: string[] = []
  compare(ours, liqo, '', problems)
  const oursAt: string[] = []
  constrained(ours, '', oursAt)
  const liqoAt: string[] = []
  constrained(liqo, '', liqoAt)
  for (const at of liqoAt) if (!oursAt.includes(at)) problems.push(`${at}: constrained in Liqo's schema, not here`)
  assert.equal(problems, [])
  // The enums the issue named are Liqo's: spec's two strategies only.
  assert.ok(liqoAt.includes('.spec.podOffloadingStrategy'))
})

test.run()
