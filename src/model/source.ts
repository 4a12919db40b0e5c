/** Where a validated object came from, so later stages can still point at a line. */
export interface SourceRef {
  readonly file: string
  /** 0-based index of the YAML document in its file. */
  readonly docIndex: number
  /** Resolves a YAML path inside that document to a position (1-based). */
  readonly locate: (path: readonly (string | number)[]) => Location
}

export interface Location {
  readonly file: string
  readonly line: number
  readonly column: number
  /** JSON Pointer of the node, e.g. `/spec/clusterSelector/0`. */
  readonly path: string
}
