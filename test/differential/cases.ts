/**
 * Generated cases per run of each differential property (test/differential/*.test.ts): at least
 * 20,000 in all (cases.test.ts holds the sum to that). `NSO_CASES=10 npm test` runs ten times as many.
 */
export const CASES = {
  'liqoctl-selectors': 4000,
} as const satisfies Record<string, number>
