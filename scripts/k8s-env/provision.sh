#!/usr/bin/env bash
# Provisions what the e2e tests run, built from Go modules (see README.md beside this file):
#   - kube-apiserver, kube-controller-manager, kube-scheduler, kubectl of Kubernetes v1.35.4 and
#     v1.37.2 (modules/k8s-1.35, modules/k8s-1.37: k8s.io/kubernetes + its staging modules),
#   - etcd v3.6.16 (modules/etcd: go.etcd.io/etcd/server/v3),
#   - kustomize v5.8.2 (modules/kustomize: sigs.k8s.io/kustomize/kustomize/v5),
# each cached in ${XDG_CACHE_HOME:-$HOME/.cache}/nsoffload/<name>-v<version>-<key> (lib.sh).
#
#   bash scripts/k8s-env/provision.sh                # all of them
#   bash scripts/k8s-env/provision.sh k8s-1.35 etcd  # only these
#
# A quick no-op when the cache holds them. Otherwise builds the missing ones one after the
# other (build.sh; two Kubernetes builds at once on 2 cores are not faster, see README.md).
# Needs `go` (1.26) and the Go module proxy; no root.
# Exit codes: 0 ok; 3 = cannot build here (no go); anything else = a build failed.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=lib.sh
source "$here/lib.sh"

comps=("$@")
[[ ${#comps[@]} -gt 0 ]] || comps=("${ALL_COMPONENTS[@]}")
START_TS=$(date +%s)
log() { printf '[k8s-env %4ss] %s\n' "$(($(date +%s) - START_TS))" "$*" >&2; }

missing=()
for c in "${comps[@]}"; do
  component_main_module "$c" >/dev/null || { echo "unknown component $c (have: ${ALL_COMPONENTS[*]})" >&2; exit 2; }
  component_ready "$c" || missing+=("$c")
done
if [[ ${#missing[@]} -eq 0 ]]; then
  log "ready: ${comps[*]} in $(cache_root)"
  exit 0
fi
if ! command -v go >/dev/null 2>&1; then
  printf '[k8s-env] ERROR: missing %s in %s and no `go` on PATH to build them (Go 1.26 and the module proxy are needed)\n' "${missing[*]}" "$(cache_root)" >&2
  exit 3
fi
log "building ${missing[*]} (once; cached in $(cache_root))"
for c in "${missing[@]}"; do
  t=$(date +%s)
  nice -n 5 bash "$here/build.sh" "$c"
  log "$c: $(($(date +%s) - t)) s"
done
log "ready: ${comps[*]}"
