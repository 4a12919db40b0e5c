import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { parseYaml } from '../../src/load/parse-yaml.ts'
import { toYaml } from '../../src/render/to-yaml.ts'
import { isObj } from '../../src/util/plain-data.ts'
import { CASES } from './cases.ts'
import { deviationCodes } from './deviations.ts'
import { type Oracle, startOracle } from './oracle.ts'
import { type Property, runProperty } from './property.ts'
import type { Rng } from './random.ts'

// YAML as the API server reads it: sigs.k8s.io/yaml's YAMLToJSONStrict (what kubectl's default
// strict validation and the API server's decoder say) on what the user wrote, against the same
// function on what nsoffload writes of it (parseYaml → toYaml, the load and render of `build`).
// Every manifest written must mean, to Kubernetes, what the user wrote; what Kubernetes cannot
// read nsoffload refuses with a diagnostic.

type YamlCase = { readonly yaml: string }

/** Plain scalars whose meaning differs between YAML 1.1, YAML 1.2, go-yaml v2 and the `yaml` library's schemas. */
const SCALARS = [
  // timestamps and base 60
  '2024-01-15',
  '2024-1-5',
  '2024-01-15T10:00:00Z',
  '2024-01-15 10:00:00',
  '2024-01-15t10:00:00.5+02:00',
  '02:00',
  '4:30',
  '1:30:00',
  '-1:30',
  '190:20:30.15',
  '12:60',
  // integers
  '0',
  '-0',
  '+5',
  '007',
  '0777',
  '08',
  '0o17',
  '0x1F',
  '0x_1F',
  '-0x10',
  '0b101',
  '-0b11',
  '1_000',
  '_1',
  '9007199254740991',
  '9007199254740993',
  '9223372036854775807',
  '9223372036854775808',
  '18446744073709551615',
  '18446744073709551616',
  '-9223372036854775809',
  '99999999999999999999',
  // floats
  '1.5',
  '1.',
  '.5',
  '+.5',
  '1e3',
  '1E-2',
  '6.8523015e+5',
  '685.230_15e+03',
  '1_0.5',
  '0.1e',
  '1e',
  // booleans and null
  'yes',
  'No',
  'ON',
  'off',
  'y',
  'N',
  'true',
  'False',
  'TRUE',
  'tRue',
  '~',
  'null',
  'Null',
  'NULL',
  '',
  // strings
  'hello',
  'a b',
  '=',
  '<<',
  'x:y',
  'v1.2.0',
  '1.2.3',
  '0.0.0.0',
  '10.0.0.1/8',
  'é',
]

const KEYS = [
  'a',
  'name',
  'value',
  'yes',
  'no',
  'on',
  'y',
  'n',
  'true',
  '1',
  '01',
  '0x10',
  '1.0',
  '1.5',
  '2024-01-15',
  '4:30',
  '~',
  'null',
  '1e3',
  '.inf',
  'key with space',
]

/** What Kubernetes refuses as a value (JSON has no infinity or NaN): rare, or every document would be refused. */
const NOT_JSON = ['.inf', '-.Inf', '+.INF', '.NaN', '.nan']
const NAMES = ['metadata', 'labels', 'acme.io/last-reviewed', 'env', 'image', 'replicas', 'port', 'schedule', 'b', 'c', 'd', 'e', 'f', 'g']

function scalar(rng: Rng, keyish = false): string {
  const s = keyish ? (rng.chance(0.5) ? rng.pick(NAMES) : rng.pick(KEYS)) : rng.chance(0.01) ? rng.pick(NOT_JSON) : rng.pick(SCALARS)
  return rng.oneOf<string>([
    [8, () => s],
    [1, () => `'${s}'`],
    [1, () => JSON.stringify(s)],
    [keyish ? 0 : 1, () => `!!str ${s}`],
  ])
}

/** A value at `indent` (a block mapping or list below, or a scalar or flow collection on the line). */
function value(rng: Rng, indent: number, depth: number, anchors: string[]): string {
  const pad = ' '.repeat(indent + 2)
  return rng.oneOf<string>([
    [6, () => ` ${scalar(rng)}`],
    [depth > 0 ? 2 : 0, () => `\n${mapping(rng, indent + 2, depth - 1, anchors)}`],
    [depth > 0 ? 1 : 0, () => `\n${rng.list(1, 3, () => `${pad}-${value(rng, indent + 2, depth - 1, anchors).replace(/^\n {1,}/, ' ')}`).join('\n')}`],
    [1, () => ` [${rng.list(0, 3, () => scalar(rng)).join(', ')}]`],
    [1, () => ` {${rng.list(0, 2, () => `${scalar(rng, true)}: ${scalar(rng)}`).join(', ')}}`],
    [anchors.length > 0 ? 1 : 0, () => ` *${rng.pick(anchors)}`],
    [
      1,
      () => {
        const name = `a${anchors.length}`
        const v = value(rng, indent, Math.max(0, depth - 1), anchors)
        anchors.push(name)
        return ` &${name}${v}`
      },
    ],
  ])
}

function mapping(rng: Rng, indent: number, depth: number, anchors: string[]): string {
  const pad = ' '.repeat(indent)
  const lines = rng.list(1, 4, () => `${pad}${scalar(rng, true)}:${value(rng, indent, depth, anchors)}`)
  if (anchors.length > 0 && rng.chance(0.15)) lines.push(`${pad}<<: *${rng.pick(anchors)}`)
  return lines.join('\n')
}

/** A manifest-like document: a mapping of generated keys and values. */
function document(rng: Rng): YamlCase {
  return { yaml: `kind: ConfigMap\n${mapping(rng, 0, 2, [])}\n` }
}

type YamlAnswer = { json?: string; error?: string; strictError?: string }

const yamlScalars: Property<YamlCase> = {
  name: 'yaml-scalars',
  cases: CASES['yaml-scalars'],
  generate: document,
  async check(c, oracle, tally) {
    const liqo = await oracle.ask<YamlAnswer>('yaml', { yaml: c.yaml })
    const k8sError = liqo.strictError ?? liqo.error
    const parsed = parseYaml('w.yaml', c.yaml)
    const errors = parsed.diagnostics.filter((d) => d.severity === 'error')
    if (k8sError !== undefined) {
      tally.add('refused by Kubernetes')
      return errors.length > 0 ? undefined : `Kubernetes cannot read it (${k8sError}); nsoffload reads it`
    }
    if (errors.length > 0) {
      const allowed = new Set([...deviationCodes('yaml-unsafe-integers'), ...deviationCodes('yaml-keys-alike')])
      const kept = errors.filter((d) => !allowed.has(d.code))
      tally.add(kept.length > 0 ? 'refused by nsoffload only' : 'refused by nsoffload (docs/deviations.md)')
      return kept.length > 0 ? `Kubernetes reads it as ${liqo.json}; nsoffload refuses it: ${kept.map((d) => `${d.code} ${d.message}`).join('; ')}` : undefined
    }
    const doc = parsed.docs[0]?.value
    if (!isObj(doc)) return `nsoffload reads no mapping: ${JSON.stringify(doc)}`
    const written = toYaml(doc)
    const back = await oracle.ask<YamlAnswer>('yaml', { yaml: written })
    tally.add('compared')
    if (back.json === undefined) return `Kubernetes cannot read what nsoffload writes (${back.strictError ?? back.error}):\n${written}`
    return back.json === liqo.json
      ? undefined
      : `what nsoffload writes means another thing:\n      written:   ${liqo.json}\n      nsoffload: ${back.json}\n      yaml: ${JSON.stringify(written)}`
  },
}

let oracle: Oracle
test.before(() => {
  oracle = startOracle()
})
test.after(() => oracle.close())

test('YAML: what nsoffload writes of a manifest means to sigs.k8s.io/yaml what the user wrote', async () => {
  assert.ok((await runProperty(oracle, yamlScalars)).cases > 0)
})

test.run()
