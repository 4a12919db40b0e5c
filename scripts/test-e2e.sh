#!/usr/bin/env bash
# The e2e suites (test/e2e/*.test.ts) once per Kubernetes release the tests build
# (scripts/k8s-env/modules/k8s-<release>/), oldest first, each in its own uvu process with its
# own control planes (NSOFFLOAD_K8S_RELEASE=<release>). Runs every release even when one
# fails; exits 1 if any did.
#   bash scripts/test-e2e.sh                      # all suites, all releases
#   NSOFFLOAD_K8S_RELEASES=1.37 bash scripts/test-e2e.sh '^sync\.test\.ts$'
set -uo pipefail
cd "$(dirname "$0")/.."
pattern="${1:-\\.test\\.ts\$}"
releases="${NSOFFLOAD_K8S_RELEASES:-$(find scripts/k8s-env/modules -maxdepth 1 -name 'k8s-1.*' -printf '%f\n' | sed 's/^k8s-//' | sort -V | tr '\n' ' ')}"
failed=()
for r in $releases; do
  printf '\n==================== e2e suites on Kubernetes %s ====================\n' "$r"
  t=$(date +%s)
  if NSOFFLOAD_K8S_RELEASE="$r" node --import tsx node_modules/uvu/bin.js test/e2e "$pattern"; then
    printf '==================== Kubernetes %s: e2e passed (%s s) ====================\n' "$r" "$(($(date +%s) - t))"
  else
    printf '==================== Kubernetes %s: e2e FAILED (%s s) ====================\n' "$r" "$(($(date +%s) - t))"
    failed+=("$r")
  fi
done
if [[ ${#failed[@]} -gt 0 ]]; then
  echo "e2e failed on Kubernetes ${failed[*]}" >&2
  exit 1
fi
