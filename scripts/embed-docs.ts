/**
 * Copies files of the repository into the Markdown pages that show them, so what users copy
 * from the docs is exactly what the tests run:
 *   <!-- embed: deploy/argocd/plugin.yaml -->
 *   ```yaml
 *   …replaced by the file's content…
 *   ```
 * Run `npm run docs:embed` after changing an embedded file; test/docs/embedded-files.test.ts
 * fails while a page is stale.
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

const MARKER = /^<!-- embed: (\S+) -->$/

/** The page with every embedded block refreshed from `read(path)`. */
export function embedFiles(markdown: string, read: (file: string) => string): string {
  const lines = markdown.split('\n')
  const out: string[] = []
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? ''
    out.push(line)
    const m = MARKER.exec(line)
    if (!m?.[1]) continue
    const open = lines[i + 1] ?? ''
    const fence = /^(`{3,})[\w-]*$/.exec(open)?.[1]
    if (!fence) throw new Error(`line ${i + 1}: an embed marker must be followed by a fenced code block`)
    let end = i + 2
    while (end < lines.length && lines[end] !== fence) end++
    if (end >= lines.length) throw new Error(`line ${i + 2}: the code block is not closed`)
    out.push(open, ...read(m[1]).replace(/\n$/, '').split('\n'), fence)
    i = end
  }
  return out.join('\n')
}

/** The files a page embeds. */
export const embeddedFiles = (markdown: string): string[] =>
  markdown.split('\n').flatMap((l) => {
    const m = MARKER.exec(l)
    return m?.[1] ? [m[1]] : []
  })

export const ROOT = fileURLToPath(new URL('../', import.meta.url))
export const readRepoFile = (f: string): string => readFileSync(new URL(f, new URL('../', import.meta.url)), 'utf8')

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const docs = new URL('../docs/', import.meta.url)
  for (const f of readdirSync(docs).filter((x) => x.endsWith('.md'))) {
    const page = new URL(f, docs)
    const before = readFileSync(page, 'utf8')
    const after = embedFiles(before, readRepoFile)
    if (after !== before) {
      writeFileSync(page, after)
      process.stderr.write(`updated docs/${f}\n`)
    }
  }
}
