/**
 * ClusterInventory files for tests: one builder instead of a YAML literal in every suite. What a
 * test does not say is the tutorial's: inventory `italy`, home cluster `venice`. The text is
 * block YAML, labels and namespaces in flow style, in the order given. Tests about the text of
 * an inventory itself (its positions, its syntax) keep their own literal.
 */

export interface InventoryNode {
  readonly name: string
  readonly labels?: Readonly<Record<string, string>>
}

export interface InventoryRemote {
  readonly clusterID: string
  readonly labels?: Readonly<Record<string, string>>
  /** Namespaces already offloaded to this cluster outside nsoffload. */
  readonly namespaces?: readonly string[]
}

export interface InventorySpec {
  readonly name?: string
  readonly home?: string
  readonly homeNodes?: readonly InventoryNode[]
  /** A cluster ID alone is a remote without labels. */
  readonly remotes: readonly (string | InventoryRemote)[]
}

const scalar = (s: string): string =>
  /^[A-Za-z0-9][A-Za-z0-9._/-]*$/.test(s) && !/^(y|n|yes|no|on|off|true|false|null|~|[0-9.+-].*)$/i.test(s) ? s : JSON.stringify(s)
const map = (m: Readonly<Record<string, string>>): string =>
  `{${Object.entries(m)
    .map(([k, v]) => `${scalar(k)}: ${scalar(v)}`)
    .join(', ')}}`

/** The text of an inventory file. */
export function inventoryYaml(spec: InventorySpec): string {
  const lines = ['apiVersion: nsoffload.dev/v1alpha1', 'kind: ClusterInventory', `metadata: {name: ${scalar(spec.name ?? 'italy')}}`, 'spec:', '  home:']
  lines.push(`    clusterID: ${scalar(spec.home ?? 'venice')}`)
  if (spec.homeNodes) {
    lines.push('    nodes:')
    for (const n of spec.homeNodes) lines.push(`      - name: ${scalar(n.name)}`, ...(n.labels ? [`        labels: ${map(n.labels)}`] : []))
  }
  if (spec.remotes.length === 0) lines.push('  remotes: []')
  else lines.push('  remotes:')
  for (const r of spec.remotes) {
    const remote = typeof r === 'string' ? { clusterID: r } : r
    lines.push(`    - clusterID: ${scalar(remote.clusterID)}`)
    if (remote.labels) lines.push(`      labels: ${map(remote.labels)}`)
    if (remote.namespaces) lines.push(`      namespaces: [${remote.namespaces.map(scalar).join(', ')}]`)
  }
  return lines.join('\n') + '\n'
}

/** `topology.liqo.io/region: <region>`: how the tutorial's clusters are labelled. */
export const region = (r: string): Readonly<Record<string, string>> => ({ 'topology.liqo.io/region': r })
