import * as fs from 'node:fs'
import * as path from 'node:path'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { createTwoFilesPatch } from 'diff'
import { embeddedFiles, embedFiles, readRepoFile } from '../../scripts/embed-docs.ts'
import { REPO } from '../helpers/cli.ts'

const DOCS = path.join(REPO, 'docs')
const pages = fs
  .readdirSync(DOCS)
  .filter((f) => f.endsWith('.md'))
  .sort()
const page = (f: string): string => fs.readFileSync(path.join(DOCS, f), 'utf8')

test('the files shown in the docs are copies of the tested files (npm run docs:embed)', () => {
  for (const f of pages) {
    const text = page(f)
    const fresh = embedFiles(text, readRepoFile)
    if (fresh !== text)
      assert.unreachable(`docs/${f} is stale: run \`npm run docs:embed\` and commit it\n${createTwoFilesPatch(`docs/${f}`, 'embedded', text, fresh)}`)
  }
})

test('every recipe file under deploy/ is shown in docs/gitops.md, or named there', () => {
  const gitops = page('gitops.md')
  const shown = new Set(embeddedFiles(gitops))
  const files: string[] = []
  const walk = (d: string): void => {
    for (const e of fs.readdirSync(path.join(REPO, d), { withFileTypes: true })) {
      const p = `${d}/${e.name}`
      if (e.isDirectory()) {
        if (e.name !== 'testdata') walk(p)
      } else files.push(p)
    }
  }
  walk('deploy')
  assert.ok(files.length >= 10, files.join(', '))
  for (const f of files) assert.ok(shown.has(f) || gitops.includes(f), `${f} is shown or named in docs/gitops.md`)
})

test('embedFiles replaces exactly the block after a marker and rejects a marker without a block', () => {
  const md = 'a\n<!-- embed: x -->\n```yaml\nold\n```\nb\n'
  assert.is(
    embedFiles(md, () => 'new: 1\n'),
    'a\n<!-- embed: x -->\n```yaml\nnew: 1\n```\nb\n',
  )
  assert.throws(() => embedFiles('<!-- embed: x -->\ntext\n', () => ''), /fenced code block/)
})

/** GitHub's heading anchors: lower case, punctuation dropped, spaces to dashes. */
const slug = (h: string): string =>
  h
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N} _-]/gu, '')
    .replace(/ /g, '-')

test('links between the docs pages point at pages and headings that exist', () => {
  for (const f of pages) {
    for (const m of page(f).matchAll(/\]\(([^)\s]+)\)/g)) {
      const target = m[1] ?? ''
      if (/^[a-z]+:/.test(target)) continue
      const [file, anchor] = target.split('#')
      const dest = file ? path.resolve(DOCS, file) : path.join(DOCS, f)
      assert.ok(fs.existsSync(dest), `docs/${f}: link to ${target}`)
      if (anchor && dest.endsWith('.md')) {
        const heads = fs
          .readFileSync(dest, 'utf8')
          .split('\n')
          .filter((l) => l.startsWith('#'))
          .map((l) => slug(l.replace(/^#+/, '')))
        assert.ok(heads.includes(anchor), `docs/${f}: anchor #${anchor} in ${file || f} (have ${heads.join(', ')})`)
      }
    }
  }
})

// The shell blocks of every page run in shell-blocks.test.ts.

test.run()
