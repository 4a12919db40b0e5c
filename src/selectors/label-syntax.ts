/**
 * Kubernetes name and label syntax, with the explanations Kubernetes gives, word for word
 * (k8s.io/apimachinery v0.35.2 pkg/api/validate/content: dns.go, kube.go, errors.go; held equal
 * to them by test/differential/selectors.test.ts). Each function returns the list of problems;
 * empty = valid. Lengths are counted in bytes of UTF-8, as Go's `len`.
 */

const DNS1123_LABEL_FMT = '[a-z0-9]([-a-z0-9]*[a-z0-9])?'
const DNS1123_SUBDOMAIN_FMT = `${DNS1123_LABEL_FMT}(\\.${DNS1123_LABEL_FMT})*`
const LABEL_KEY_FMT = '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]'
const LABEL_VALUE_FMT = `(${LABEL_KEY_FMT})?`
const DNS1123_LABEL = new RegExp(`^${DNS1123_LABEL_FMT}$`)
const DNS1123_SUBDOMAIN = new RegExp(`^${DNS1123_SUBDOMAIN_FMT}$`)
const LABEL_KEY = new RegExp(`^${LABEL_KEY_FMT}$`)
const LABEL_VALUE = new RegExp(`^${LABEL_VALUE_FMT}$`)

export const DNS1123_LABEL_MAX = 63
const DNS1123_SUBDOMAIN_MAX = 253
const LABEL_KEY_MAX = 63
const LABEL_VALUE_MAX = 63

const encoder = new TextEncoder()
/** Go's `len(s)`: bytes of UTF-8. */
export const byteLength = (s: string): number => encoder.encode(s).length

const maxLenError = (n: number): string => `must be no more than ${n} bytes`
const emptyError = (): string => 'must be non-empty'
/** `RegexError(msg, fmt, examples...)`. */
function regexError(msg: string, fmt: string, ...examples: string[]): string {
  if (examples.length === 0) return `${msg} (regex used for validation is '${fmt}')`
  return `${msg} (e.g. ${examples.map((e) => `'${e}', `).join(' or ')}regex used for validation is '${fmt}')`
}

const LABEL_KEY_MSG = "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character"

export function dns1123Label(v: string): string[] {
  const errs: string[] = []
  if (byteLength(v) > DNS1123_LABEL_MAX) errs.push(maxLenError(DNS1123_LABEL_MAX))
  if (!DNS1123_LABEL.test(v)) {
    if (DNS1123_SUBDOMAIN.test(v)) errs.push('must not contain dots')
    else
      errs.push(
        regexError(
          "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character",
          DNS1123_LABEL_FMT,
          'my-name',
          '123-abc',
        ),
      )
  }
  return errs
}

export function dns1123Subdomain(v: string): string[] {
  const errs: string[] = []
  if (byteLength(v) > DNS1123_SUBDOMAIN_MAX) errs.push(maxLenError(DNS1123_SUBDOMAIN_MAX))
  if (!DNS1123_SUBDOMAIN.test(v)) {
    errs.push(
      regexError(
        "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character",
        DNS1123_SUBDOMAIN_FMT,
        'example.com',
      ),
    )
  }
  return errs
}

/** A label or annotation key: `[prefix/]name` (`IsQualifiedName`, `IsLabelKey`). */
export function qualifiedName(v: string): string[] {
  const parts = v.split('/')
  const errs: string[] = []
  let name: string
  if (parts.length === 1) name = v
  else if (parts.length === 2) {
    const prefix = parts[0] ?? ''
    name = parts[1] ?? ''
    if (prefix.length === 0) errs.push(`prefix part ${emptyError()}`)
    else errs.push(...dns1123Subdomain(prefix).map((e) => `prefix part ${e}`))
  } else {
    return [
      `a valid label key ${regexError(LABEL_KEY_MSG, LABEL_KEY_FMT, 'MyName', 'my.name', '123-abc')} with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')`,
    ]
  }
  if (name.length === 0) errs.push(`name part ${emptyError()}`)
  else if (byteLength(name) > LABEL_KEY_MAX) errs.push(`name part ${maxLenError(LABEL_KEY_MAX)}`)
  if (!LABEL_KEY.test(name)) errs.push(`name part ${regexError(LABEL_KEY_MSG, LABEL_KEY_FMT, 'MyName', 'my.name', '123-abc')}`)
  return errs
}

export function labelValue(v: string): string[] {
  const errs: string[] = []
  if (byteLength(v) > LABEL_VALUE_MAX) errs.push(maxLenError(LABEL_VALUE_MAX))
  if (!LABEL_VALUE.test(v)) {
    errs.push(
      regexError(
        "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character",
        LABEL_VALUE_FMT,
        'MyValue',
        'my_value',
        '12345',
      ),
    )
  }
  return errs
}
