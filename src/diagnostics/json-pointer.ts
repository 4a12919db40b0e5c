/**
 * JSON Pointers (RFC 6901): how a diagnostic names the node it is about (`Diagnostic.path`,
 * `Location.path`) and how ajv names the value an error is about (`instancePath`). The one
 * place that escapes (`~` as `~0`, `/` as `~1`) and unescapes them.
 */

/** The pointer of a path of keys and indexes: `['metadata', 'labels', 'a/b']` is `/metadata/labels/a~1b`; `[]` is `''`. */
export const pointer = (path: readonly (string | number)[]): string => path.map((p) => '/' + String(p).replace(/~/g, '~0').replace(/\//g, '~1')).join('')

/** The steps of a pointer, unescaped: the inverse of `pointer` (indexes come back as strings). */
export const pointerSteps = (p: string): string[] =>
  p === ''
    ? []
    : p
        .slice(1)
        .split('/')
        .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
