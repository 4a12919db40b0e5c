/**
 * Small readers of plain JSON data (parsed YAML, API answers): a value of the expected shape,
 * or an empty one. They never throw; what a wrong shape means is the caller's to say.
 */

/** A JSON object (a YAML mapping). */
export type Obj = Readonly<Record<string, unknown>>

/** A mapping: not `null`, not a list. */
export const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v)

/** `v` when it is a mapping, else `{}`. */
export const obj = (v: unknown): Obj => (isObj(v) ? v : {})

/** `v` when it is a list, else `[]`. */
export const list = (v: unknown): readonly unknown[] => (Array.isArray(v) ? v : [])

/** `v` when it is a string, else `''`. */
export const str = (v: unknown): string => (typeof v === 'string' ? v : '')
