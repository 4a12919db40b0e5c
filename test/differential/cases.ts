/**
 * Generated cases per run of each differential property (test/differential/*.test.ts): at least
 * 20,000 in all (cases.test.ts holds the sum to that). `NSO_CASES=10 npm test` runs ten times as many.
 */
export const CASES = {
  'liqoctl-selectors': 4000,
  'virtual-nodes': 2000,
  'cluster-selection': 3000,
  'yaml-scalars': 6000,
  placement: 4000,
  'pod-webhook': 3000,
  'nsoff-webhook': 2000,
} as const satisfies Record<string, number>
