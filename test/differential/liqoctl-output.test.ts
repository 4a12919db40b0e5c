import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { parseYaml } from '../../src/load/parse-yaml.ts'
import { canonical } from './canonical.ts'
import { type Oracle, startOracle } from './oracle.ts'

// `liqoctl offload namespace a b c --output json|yaml`, run for real by the oracle: since v1.0.1
// liqoctl prints JSON objects back to back for several namespaces (issue 15). nsoffload reads
// either output as the NamespaceOffloadings liqoctl would apply, one document each.

let oracle: Oracle
test.before(() => {
  oracle = startOracle()
})
test.after(() => oracle.close())

for (const namespaces of [['a', 'b'], ['a', 'b', 'c'], ['only']]) {
  test(`liqoctl --output json and yaml for ${namespaces.join(', ')}: one document per namespace, the same data`, async () => {
    const ask = (output: string): Promise<{ stdout?: string; error?: string }> =>
      oracle.ask('liqoctlOutput', { namespaces, selectors: ['region=south'], podOffloadingStrategy: 'Remote', namespaceMappingStrategy: 'DefaultName', output })
    const [json, yaml] = await Promise.all([ask('json'), ask('yaml')])
    assert.type(json.stdout, 'string', json.error)
    assert.type(yaml.stdout, 'string', yaml.error)
    const fromJson = parseYaml('o.json', json.stdout ?? '')
    const fromYaml = parseYaml('o.yaml', yaml.stdout ?? '')
    assert.equal(fromJson.diagnostics, [])
    assert.equal(fromYaml.diagnostics, [])
    assert.equal(
      fromJson.docs.map((d) => (d.value as { metadata: { namespace: string } }).metadata.namespace),
      namespaces,
    )
    // liqoctl's YAML ends with a `---` (an empty document, which nsoffload skips).
    const values = (r: typeof fromJson): unknown[] => r.docs.map((d) => d.value).filter((v) => v !== null && v !== undefined)
    assert.is(canonical(values(fromJson)), canonical(values(fromYaml)))
  })
}

test.run()
