// The floor of `nsoffload build`: the same documents parsed and serialised by the same YAML
// library (`yaml`, with the options nsoffload uses), with nothing else. Run by bench/build.ts:
//   node bench/floor.mjs FLEET_DIR OUT_DIR [WRITE_DIR]
// FLEET_DIR holds the inputs (inventory.yaml, policies/, apps/), OUT_DIR what `build -o` wrote.
// Reading the input files is timed apart (readMs); preparing the output objects is not timed. With WRITE_DIR, the output
// files are also written there (mkdir + writeFile, timed apart): the cost of the files alone.
// Prints one JSON line.
import * as fs from 'node:fs'
import * as path from 'node:path'
import { parse, parseAllDocuments, stringify } from 'yaml'

const [fleetDir, outDir, writeDir] = process.argv.slice(2)
if (!fleetDir || !outDir) throw new Error('usage: node bench/floor.mjs FLEET_DIR OUT_DIR [WRITE_DIR]')

function walk(dir, out = []) {
  for (const e of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
    const p = path.join(dir, e.name)
    if (e.isDirectory()) walk(p, out)
    else if (/\.ya?ml$/.test(e.name)) out.push(p)
  }
  return out
}

// Reading the inputs is timed (the parse floor is reading and parsing them); the output documents
// are prepared as plain data, untimed.
let t = performance.now()
const inputs = walk(fleetDir).map((p) => fs.readFileSync(p, 'utf8'))
const readMs = performance.now() - t
const outputFiles = walk(outDir)
const outputs = outputFiles.map((p) => parse(fs.readFileSync(p, 'utf8'), { version: '1.1' }))

const OPTIONS = { version: '1.1', lineWidth: 0, indentSeq: false, aliasDuplicateObjects: false }
let docsIn = 0
t = performance.now()
for (const text of inputs) {
  for (const doc of parseAllDocuments(text, { version: '1.1', uniqueKeys: true })) {
    doc.toJS()
    docsIn++
  }
}
const parseMs = performance.now() - t
t = performance.now()
const texts = outputs.map((o) => stringify(o, OPTIONS))
const serialiseMs = performance.now() - t

let writeMs
if (writeDir) {
  t = performance.now()
  const made = new Set()
  outputFiles.forEach((p, i) => {
    const target = path.join(writeDir, path.relative(outDir, p))
    const parent = path.dirname(target)
    if (!made.has(parent)) {
      fs.mkdirSync(parent, { recursive: true })
      made.add(parent)
    }
    fs.writeFileSync(target, texts[i])
  })
  writeMs = performance.now() - t
}

const bytes = (a) => a.reduce((n, s) => n + Buffer.byteLength(s), 0)
process.stdout.write(
  JSON.stringify({
    readMs,
    parseMs,
    serialiseMs,
    docsIn,
    docsOut: outputs.length,
    bytesIn: bytes(inputs),
    bytesOut: bytes(texts),
    ...(writeMs !== undefined ? { writeMs } : {}),
  }) + '\n',
)
