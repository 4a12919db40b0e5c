#!/usr/bin/env bash
# Builds one component of the e2e tests (see lib.sh) from its wrapper Go module into the cache:
#   bash scripts/k8s-env/build.sh k8s-1.35|k8s-1.37|etcd|kustomize
# Modules come from the Go module proxy (checked against the committed go.sum); `go build
# -trimpath -ldflags=-s -w` (CGO off, the release's version stamped into the Kubernetes
# binaries as its own build does) into a temp dir next to the cache dir, which is then renamed
# into place. Serialized per component with flock: a second run waits and then finds it built.
# Exit 0 when built (or found built), 1 when the build failed.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=lib.sh
source "$here/lib.sh"

comp="${1:?usage: $0 <component: ${ALL_COMPONENTS[*]}>}"
component_main_module "$comp" >/dev/null || { echo "unknown component $comp (have: ${ALL_COMPONENTS[*]})" >&2; exit 2; }
START_TS=$(date +%s)
log() { printf '[k8s-env %s %4ss] %s\n' "$comp" "$(($(date +%s) - START_TS))" "$*" >&2; }
die() { printf '[k8s-env %s] ERROR: %s\n' "$comp" "$1" >&2; exit 1; }

command -v go >/dev/null 2>&1 || die "go is not on PATH"
mod_dir="$K8S_MODULES_DIR/$comp"
version=$(component_version "$comp")
dest=$(component_cache_dir "$comp")
root=$(dirname "$dest")
mkdir -p "$root"

exec 9>"$root/.$(basename "$dest").lock"
if ! flock -n 9; then
  log "another run is building $dest; waiting"
  flock 9
fi
if component_ready "$comp"; then
  log "ready: $dest"
  exit 0
fi

# Everything below runs in the module dir, with the proxy's modules and the machine's Go.
cd "$mod_dir"
export GOTOOLCHAIN=local GOFLAGS="-mod=readonly -buildvcs=false" CGO_ENABLED=0
# (No module needs a Go newer than 1.26: k8s.io/kubernetes v1.37.2 says `go 1.26.0`. Were it
# otherwise, GOTOOLCHAIN=go1.27.3 would go here, for that component only.)

stage=""
heartbeat=""
build_pid=""
cleanup() {
  [[ -n "$heartbeat" ]] && kill "$heartbeat" 2>/dev/null || true
  if [[ -n "$build_pid" ]]; then
    kill -TERM -- "-$build_pid" 2>/dev/null || true
    sleep 1
    kill -KILL -- "-$build_pid" 2>/dev/null || true
  fi
  [[ -n "$stage" && -d "$stage" ]] && rm -rf "$stage"
  return 0
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

log "go mod download ($(go version | awk '{print $3}'), GOPROXY=$(go env GOPROXY))"
go mod download || die "go mod download failed"

# Every k8s.io staging module at the release's v0.<minor>.<patch> (the replace lines), checked
# before building: `go list -m all` shows each module's effective version.
if [[ "$comp" == k8s-* ]]; then
  IFS=. read -r major minor patch <<<"$version"
  want="v0.$minor.$patch"
  bad=$(go list -m -f '{{.Path}} {{if .Replace}}{{.Replace.Version}}{{else}}{{.Version}}{{end}}' all |
    awk -v want="$want" -v mf="$mod_dir/go.mod" '
      BEGIN { while ((getline l < mf) > 0) if (l ~ /=> k8s\.io\//) { split(l, a, " "); staging[a[1]] = 1 } }
      ($1 in staging) && $2 != want { print }')
  [[ -z "$bad" ]] || die "k8s.io staging modules not at $want: $bad"
fi

ldflags="-s -w"
if [[ "$comp" == k8s-* ]]; then
  # What hack/lib/version.sh stamps (gitCommit stays unset: the module carries no commit).
  build_date=$(go list -m -f '{{with .Time}}{{.UTC.Format "2006-01-02T15:04:05Z"}}{{end}}' k8s.io/kubernetes)
  for p in k8s.io/client-go/pkg/version k8s.io/component-base/version; do
    ldflags+=" -X $p.gitVersion=v$version -X $p.gitMajor=$major -X $p.gitMinor=$minor -X $p.buildDate=$build_date -X $p.gitTreeState=clean"
  done
fi

stage=$(mktemp -d "$root/.$(basename "$dest").building.XXXXXX")
read -r -a pkgs <<<"$(component_packages "$comp")"
read -r -a bins <<<"$(component_binaries "$comp")"
out="$stage/"
[[ ${#pkgs[@]} -eq 1 ]] && out="$stage/${bins[0]}"
tags=()
[[ "$comp" == k8s-* ]] && tags=(-tags=selinux,notest)
log "building ${bins[*]} v$version into $dest (cold: k8s ~10-20 min on 2 cores, etcd/kustomize ~1-3 min)"
(while sleep 60 >/dev/null 2>&1; do log "  ...still building"; done) &
heartbeat=$!
# Own process group (setsid), so that cleanup stops every compiler on a signal.
setsid go build -trimpath "${tags[@]}" -ldflags="$ldflags" -o "$out" "${pkgs[@]}" </dev/null &
build_pid=$!
set +e
wait "$build_pid"
rc=$?
set -e
build_pid=""
kill "$heartbeat" 2>/dev/null || true
wait "$heartbeat" 2>/dev/null || true
heartbeat=""
[[ $rc -eq 0 ]] || die "go build failed (exit $rc)"

for b in "${bins[@]}"; do
  [[ -x "$stage/$b" ]] || die "go build finished but $b is missing"
done
case "$comp" in
  k8s-*) "$stage/kube-apiserver" --version >&2 && "$stage/kubectl" version --client >&2 ;;
  etcd) "$stage/etcd" --version >&2 ;;
  kustomize) "$stage/kustomize" version >&2 ;;
esac || die "the built binaries do not run"
chmod 0755 "$stage"
rm -rf "$dest"
mv "$stage" "$dest"
stage=""
log "done: $(du -sh "$dest" | cut -f1) in $dest"
