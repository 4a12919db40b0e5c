import * as path from 'node:path'
import { diag, type Diagnostic } from '../diagnostics/diagnostic.ts'
import type { Host } from '../host/host.ts'
import type { Policy } from '../model/policy.ts'
import type { Location } from '../model/source.ts'
import { kustomizationFile, renderKustomization } from './kustomize.ts'
import { pointer } from '../diagnostics/json-pointer.ts'
import { type ParsedDoc, parseYaml } from './parse-yaml.ts'
import { confineFile, displayPath, expandPolicyPaths, readYamlFiles } from './read-inputs.ts'
import { type Bound, boundsOf } from './repository.ts'

/**
 * Reads the workload files of every policy (the I/O edge). Each `spec.workloads` entry,
 * relative to its policy file, is a file, or a folder read as policy folders are read
 * (recursively, sorted, hidden entries and what `.nsoffloadignore` lists skipped), with the
 * same strict parser. Inside, a folder holding a `kustomization.yaml` is a kustomize app:
 * what `kustomize build` renders of it (`kustomize.ts`), its files not read one by one; a
 * folder holding a `Chart.yaml`, or files with Helm's `{{ … }}` that are not YAML, is one
 * diagnostic saying to render the chart first. An entry that holds no manifest is a warning.
 * Every file and folder, links resolved, lies inside the policy's repository (`repository.ts`):
 * a link out is an error naming it, and is not read. Paths must have been checked to exist; unreadable files throw InputError.
 */
export function readWorkloadDocs(
  host: Host,
  policies: readonly Policy[],
  texts: Map<string, string>,
): { docs: Map<string, ParsedDoc[]>; diagnostics: Diagnostic[] } {
  const docs = new Map<string, ParsedDoc[]>()
  const diagnostics: Diagnostic[] = []
  // Policies side by side share their repository, and workloads side by side their chart:
  // each is looked for once per folder.
  const repositoryOf = boundsOf(host)
  const charts = new Map<string, string | undefined>()
  for (const p of policies) {
    if (p.workloads.length === 0) continue
    const base = path.dirname(path.resolve(host.cwd, p.source.file))
    const bound = repositoryOf(base)
    const read = new Set<string>()
    const out: ParsedDoc[] = []
    p.workloads.forEach((w, i) => {
      const entry = readEntry(host, path.resolve(base, w), bound, read, texts, charts)
      out.push(...entry.docs)
      diagnostics.push(...entry.diagnostics)
      if (entry.docs.length === 0 && entry.empty !== undefined && !entry.diagnostics.some((d) => d.severity === 'error')) {
        diagnostics.push(
          diag('workloadPathEmpty', `workload path "${w}" holds no manifest (${entry.empty})`, p.source.locate(['spec', 'workloads', i]), {
            hint: 'list files or folders of Kubernetes manifests (*.yaml, *.yml, *.json), or remove the entry',
          }),
        )
      }
    })
    docs.set(p.namespace, out)
  }
  return { docs, diagnostics }
}

const CHART_FILE = 'Chart.yaml'

interface Entry {
  /** The documents that hold something (empty documents left out). */
  readonly docs: ParsedDoc[]
  readonly diagnostics: Diagnostic[]
  /** Why the entry would hold nothing should it give no document (files another entry read already aside). */
  readonly empty?: string
}

/** One workload entry: a file, a kustomization, a chart, or a folder of any of them. */
function readEntry(host: Host, abs: string, bound: Bound, read: Set<string>, texts: Map<string, string>, charts: Charts): Entry {
  const chart = chartAbove(host, abs, charts)
  if (chart) return { docs: [], diagnostics: [helmChart(host, chart)] }
  const st = host.stat(abs)
  let files: string[]
  let packages: string[]
  const diagnostics: Diagnostic[] = []
  if (st?.file && kustomizationFile([path.basename(abs)])) {
    const out = confineFile(host, abs, bound)
    if (out) return { docs: [], diagnostics: [out] }
    files = []
    packages = [path.dirname(abs)]
  } else {
    const isPackage = (names: readonly string[]): boolean => kustomizationFile(names) !== undefined || names.includes(CHART_FILE)
    const e = expandPolicyPaths(host, [abs], { bound, isPackage })
    files = e.files
    packages = e.packages
    diagnostics.push(...e.diagnostics)
  }
  const docs: ParsedDoc[] = []
  const templates: { file: string; at: Location }[] = []
  let fresh = 0
  for (const f of files) {
    if (read.has(f)) continue
    read.add(f)
    fresh++
    const r = readYamlFiles(host, [f], texts)
    const shown = displayPath(host, f)
    const text = texts.get(shown)
    const template = text !== undefined && r.diagnostics.some((d) => d.severity === 'error') ? templateAction(shown, text) : undefined
    if (template) {
      templates.push({ file: shown, at: template })
      continue
    }
    diagnostics.push(...r.diagnostics)
    docs.push(...r.docs.filter((d) => d.value !== undefined && d.value !== null))
  }
  if (templates.length > 0) diagnostics.push(helmTemplates(templates))
  for (const dir of packages) {
    if (read.has(dir)) continue
    read.add(dir)
    fresh++
    const names = host.readDir(dir).map((e) => e.name)
    const k = kustomizationFile(names)
    if (k === undefined) {
      diagnostics.push(helmChart(host, path.join(dir, CHART_FILE)))
      continue
    }
    const r = kustomized(host, dir, k)
    docs.push(...r.docs)
    diagnostics.push(...r.diagnostics)
  }
  let empty: string | undefined
  if (files.length === 0 && packages.length === 0) empty = 'no *.yaml, *.yml or *.json file in it or its subfolders, hidden and ignored entries aside'
  else if (fresh > 0) empty = files.length === 0 ? 'kustomize rendered no object' : 'its files hold only empty documents'
  return { docs, diagnostics, ...(empty !== undefined ? { empty } : {}) }
}

/** The objects kustomize renders of the kustomization in `dir`; positions point at its kustomization file. */
function kustomized(host: Host, dir: string, file: string): { docs: ParsedDoc[]; diagnostics: Diagnostic[] } {
  const r = renderKustomization(host, dir, file)
  if ('diagnostic' in r) return { docs: [], diagnostics: [r.diagnostic] }
  const shown = displayPath(host, path.join(dir, file))
  // kustomize's output is not a file of the repository: what is said of its objects points at
  // the kustomization that made them, and names the object.
  const at = (p: readonly (string | number)[] = []): Location => ({ file: shown, line: 1, column: 1, path: pointer(p) })
  const parsed = parseYaml(shown, r.text)
  return {
    docs: parsed.docs
      .filter((d) => d.value !== undefined && d.value !== null)
      .map((d) => ({ ...d, source: { file: shown, docIndex: d.index, locate: (p: readonly (string | number)[]) => at(p) } })),
    diagnostics: parsed.diagnostics.map((d) => ({ ...d, ...at(), message: `in the output of kustomize: ${d.message}` })),
  }
}

/** What `chartAbove` found for each folder it started from or passed. */
type Charts = Map<string, string | undefined>

/** The `Chart.yaml` of the Helm chart that holds `abs` (the folder itself or one above it, up to the repository's root), if any. */
function chartAbove(host: Host, abs: string, charts: Charts): string | undefined {
  const passed: string[] = []
  let found: string | undefined
  for (let dir = host.stat(abs)?.dir ? abs : path.dirname(abs); ; dir = path.dirname(dir)) {
    if (charts.has(dir)) {
      found = charts.get(dir)
      break
    }
    passed.push(dir)
    const chart = path.join(dir, CHART_FILE)
    if (host.stat(chart)?.file) {
      found = chart
      break
    }
    if (host.stat(path.join(dir, '.git')) || path.dirname(dir) === dir) break
  }
  for (const dir of passed) charts.set(dir, found)
  return found
}

const HELM_HINT =
  'render the chart first, e.g. `helm template RELEASE CHART --namespace NAMESPACE > apps/RELEASE.yaml`, and list the rendered file under workloads (or render it with a kustomization that has helmCharts:)'

function helmChart(host: Host, chart: string): Diagnostic {
  return diag(
    'helmChart',
    `${displayPath(host, path.dirname(chart))} is a Helm chart: nsoffload reads manifests, and a chart's templates are not manifests until Helm renders them`,
    { file: displayPath(host, chart), line: 1, column: 1, path: '' },
    { hint: HELM_HINT },
  )
}

/** Where the first template action (`{{`) of a text is, when the text has one. */
function templateAction(file: string, text: string): Location | undefined {
  const i = text.indexOf('{{')
  if (i < 0) return undefined
  const before = text.slice(0, i)
  const line = before.split('\n').length
  return { file, line, column: i - before.lastIndexOf('\n'), path: '' }
}

function helmTemplates(ts: readonly { file: string; at: Location }[]): Diagnostic {
  const [first, ...rest] = ts
  const others = rest.length === 0 ? '' : ` (and ${rest.length} other file${rest.length === 1 ? '' : 's'} like it: ${rest.map((t) => t.file).join(', ')})`
  return diag('helmChart', `${first?.file ?? ''} is a template, not YAML: it holds Helm's {{ … }} actions${others}`, first?.at ?? { file: '' }, {
    hint: HELM_HINT,
  })
}
