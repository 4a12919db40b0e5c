/**
 * A small, strict XML 1.0 reader for tests: it throws on anything that is not well-formed
 * (unbalanced or crossed tags, raw `<` or `&` in text, unknown entities, duplicate or unquoted
 * attributes, characters XML does not allow, text or a second element after the root), which
 * is what a JUnit consumer (GitLab, Jenkins) would choke on. No DTDs, namespaces or PIs
 * beyond the XML declaration.
 */
export interface XmlElement {
  readonly name: string
  readonly attrs: Readonly<Record<string, string>>
  readonly children: readonly XmlElement[]
  /** The element's own text (entities decoded), children's text excluded. */
  readonly text: string
}

const NAME = /^[A-Za-z_:][-A-Za-z0-9_.:]*/
const INVALID_CHAR = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u

function decode(s: string, at: number): string {
  return s.replace(/&([^;]*);?/g, (m, ref: string) => {
    if (!m.endsWith(';')) throw new Error(`unterminated entity reference near offset ${at}`)
    const named: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" }
    if (ref in named) return named[ref] ?? ''
    const num = /^#x([0-9A-Fa-f]+)$/.exec(ref) ?? /^#([0-9]+)$/.exec(ref)
    if (!num || num[1] === undefined) throw new Error(`unknown entity &${ref}; near offset ${at}`)
    const cp = parseInt(num[1], ref.startsWith('#x') ? 16 : 10)
    const ch = String.fromCodePoint(cp)
    if (INVALID_CHAR.test(ch)) throw new Error(`character reference &${ref}; is not allowed in XML`)
    return ch
  })
}

export function parseXml(src: string): XmlElement {
  const bad = INVALID_CHAR.exec(src)
  if (bad) throw new Error(`character U+${bad[0].codePointAt(0)?.toString(16)} is not allowed in XML (offset ${bad.index})`)
  let i = 0
  const skipWs = (): void => {
    while (i < src.length && /\s/.test(src[i] ?? '')) i++
  }
  const skipMisc = (): void => {
    for (;;) {
      skipWs()
      if (src.startsWith('<!--', i)) {
        const end = src.indexOf('-->', i + 4)
        if (end < 0) throw new Error('unterminated comment')
        i = end + 3
      } else return
    }
  }
  if (src.startsWith('<?xml', i)) {
    const end = src.indexOf('?>', i)
    if (end < 0) throw new Error('unterminated XML declaration')
    i = end + 2
  }
  skipMisc()
  const element = (): XmlElement => {
    if (src[i] !== '<') throw new Error(`expected "<" at offset ${i}`)
    i++
    const name = NAME.exec(src.slice(i))?.[0]
    if (!name) throw new Error(`bad element name at offset ${i}`)
    i += name.length
    const attrs: Record<string, string> = {}
    for (;;) {
      const before = i
      skipWs()
      if (src.startsWith('/>', i)) {
        i += 2
        return { name, attrs, children: [], text: '' }
      }
      if (src[i] === '>') {
        i++
        break
      }
      if (i === before) throw new Error(`expected whitespace before attribute at offset ${i}`)
      const an = NAME.exec(src.slice(i))?.[0]
      if (!an) throw new Error(`bad attribute name at offset ${i}`)
      i += an.length
      skipWs()
      if (src[i] !== '=') throw new Error(`expected "=" after attribute ${an}`)
      i++
      skipWs()
      const q = src[i]
      if (q !== '"' && q !== "'") throw new Error(`unquoted attribute ${an}`)
      const end = src.indexOf(q, i + 1)
      if (end < 0) throw new Error(`unterminated attribute ${an}`)
      const raw = src.slice(i + 1, end)
      if (raw.includes('<')) throw new Error(`raw "<" in attribute ${an}`)
      if (an in attrs) throw new Error(`duplicate attribute ${an} on <${name}>`)
      // Attribute-value normalisation: literal whitespace becomes a space; references survive.
      attrs[an] = decode(raw.replace(/[\t\n\r]/g, ' '), i)
      i = end + 1
    }
    const children: XmlElement[] = []
    let text = ''
    for (;;) {
      if (i >= src.length) throw new Error(`unclosed <${name}>`)
      if (src.startsWith('</', i)) {
        i += 2
        const close = NAME.exec(src.slice(i))?.[0]
        if (close !== name) throw new Error(`</${close ?? '?'}> closes <${name}>`)
        i += close.length
        skipWs()
        if (src[i] !== '>') throw new Error(`bad closing tag </${name}`)
        i++
        return { name, attrs, children, text }
      }
      if (src.startsWith('<!--', i)) {
        const end = src.indexOf('-->', i + 4)
        if (end < 0) throw new Error('unterminated comment')
        i = end + 3
        continue
      }
      if (src.startsWith('<![CDATA[', i)) {
        const end = src.indexOf(']]>', i)
        if (end < 0) throw new Error('unterminated CDATA')
        text += src.slice(i + 9, end)
        i = end + 3
        continue
      }
      if (src[i] === '<') {
        children.push(element())
        continue
      }
      const next = src.indexOf('<', i)
      const raw = src.slice(i, next < 0 ? src.length : next)
      if (raw.includes(']]>')) throw new Error('"]]>" in text')
      text += decode(raw, i)
      i += raw.length
    }
  }
  const root = element()
  skipMisc()
  if (i !== src.length) throw new Error(`content after the root element at offset ${i}`)
  return root
}

/** The children of an element with a given name. */
export const childrenNamed = (e: XmlElement, name: string): XmlElement[] => e.children.filter((c) => c.name === name)
