import { stringify } from 'yaml'
import type { Manifest } from '../model/k8s.ts'
import { YAML_VERSION } from '../load/parse-yaml.ts'

/**
 * Map keys sorted at every level, lists kept in order: the canonical form kubectl (`-o yaml`)
 * and kustomize write, which also puts apiVersion, kind, metadata, spec, status in that order.
 */
export function canonical(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(canonical)
  if (v !== null && typeof v === 'object') {
    const o = v as Record<string, unknown>
    const out: Record<string, unknown> = {}
    for (const k of Object.keys(o).sort()) if (o[k] !== undefined) out[k] = canonical(o[k])
    return out
  }
  return v
}

/**
 * Serialises one manifest the way kubectl and kustomize write YAML: canonical key order, block
 * style, sequences not indented under their key, no line folding. Written as YAML 1.1 so that
 * strings such as "yes" or "0777" stay quoted for Kubernetes' YAML 1.1 readers.
 */
export function toYaml(m: Manifest | Readonly<Record<string, unknown>>): string {
  return stringify(canonical(m), { version: YAML_VERSION, lineWidth: 0, indentSeq: false, aliasDuplicateObjects: false })
}

/** A YAML stream: documents separated by `---`. */
export function toYamlStream(ms: readonly Manifest[]): string {
  return ms.map(toYaml).join('---\n')
}
