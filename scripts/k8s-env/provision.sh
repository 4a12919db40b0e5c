#!/usr/bin/env bash
# Provision real Kubernetes control-plane binaries for the e2e tests (no Docker needed).
#
# How (scripts/k8s-env/README.md):
#   - etcd from Debian's `etcd-server` binary package,
#   - kube-apiserver, kube-controller-manager, kube-scheduler v1.20.2 built from Debian's
#     `kubernetes` SOURCE package (vendored tree) with Debian's golang-go,
#   - vendored modern-go/reflect2 replaced by Debian's 1.0.2 (1.0.1 panics on Go >= 1.18).
#
# The three binaries are cached outside the repo in
#   ${NSOFFLOAD_K8S_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/nsoffload/k8s-v1.20.2}
# When they are already there (and etcd is installed) this script exits 0 at once.
#
# Exit codes: 0 ok; 3 = cannot provision on this machine (not root, or no apt-get) while
# something is missing; anything else = provisioning failed.
set -euo pipefail

K8S_VERSION="1.20.2"
CACHE_DIR="${NSOFFLOAD_K8S_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/nsoffload/k8s-v${K8S_VERSION}}"
BINARIES=(kube-apiserver kube-controller-manager kube-scheduler)
APT_PACKAGES=(golang-go etcd-server rsync jq golang-github-modern-go-reflect2-dev openssl make)
REFLECT2_SRC=/usr/share/gocode/src/github.com/modern-go/reflect2
DEB_SRC_FILE=/etc/apt/sources.list.d/nsoffload-deb-src.sources
START_TS=$(date +%s)

log() { printf '[k8s-env %3ss] %s\n' "$(( $(date +%s) - START_TS ))" "$*" >&2; }
die() { printf '[k8s-env] ERROR: %s\n' "$1" >&2; exit "${2:-1}"; }

binaries_ready() {
  local b
  for b in "${BINARIES[@]}"; do
    [[ -x "$CACHE_DIR/$b" ]] || return 1
  done
  return 0
}
etcd_ready() { command -v etcd >/dev/null 2>&1; }

if binaries_ready && etcd_ready; then
  log "ready: $CACHE_DIR (etcd: $(command -v etcd))"
  exit 0
fi

# ---- something is missing: we need root and apt-get ------------------------------------
missing=()
binaries_ready || missing+=("kubernetes binaries in $CACHE_DIR")
etcd_ready || missing+=("etcd (Debian package etcd-server)")
if [[ "$(id -u)" -ne 0 ]]; then
  die "missing: ${missing[*]}; provisioning needs root (apt-get install + build). Run 'sudo $0' or set NSOFFLOAD_K8S_CACHE to a directory holding ${BINARIES[*]}." 3
fi
if ! command -v apt-get >/dev/null 2>&1; then
  die "missing: ${missing[*]}; provisioning needs a Debian machine with apt-get." 3
fi

# Serialize concurrent provisioning runs (two test processes starting at once).
mkdir -p "$(dirname "$CACHE_DIR")"
LOCK_FILE="$(dirname "$CACHE_DIR")/.$(basename "$CACHE_DIR").lock"
exec 9>"$LOCK_FILE"
if ! flock -n 9; then
  log "another provisioning run holds $LOCK_FILE; waiting"
  flock 9
fi
if binaries_ready && etcd_ready; then
  log "ready (provisioned by a concurrent run): $CACHE_DIR"
  exit 0
fi

WORK_DIR=""
HEARTBEAT_PID=""
MAKE_PID=""
cleanup() {
  if [[ -n "$HEARTBEAT_PID" ]]; then kill "$HEARTBEAT_PID" 2>/dev/null || true; fi
  if [[ -n "$MAKE_PID" ]]; then
    # make runs in its own session/process group: stop it and every compiler it started.
    kill -TERM -- "-$MAKE_PID" 2>/dev/null || true
    sleep 1
    kill -KILL -- "-$MAKE_PID" 2>/dev/null || true
  fi
  if [[ -n "$WORK_DIR" && -d "$WORK_DIR" ]]; then
    # Go's module/build caches are written read-only; make them removable first.
    chmod -R u+w "$WORK_DIR" 2>/dev/null || true
    rm -rf "$WORK_DIR"
  fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

export DEBIAN_FRONTEND=noninteractive

# ---- 1. packages ------------------------------------------------------------------------
log "apt-get update"
apt-get update -qq >&2 || die "apt-get update failed"
log "apt-get install ${APT_PACKAGES[*]}"
apt-get install -y -qq --no-install-recommends "${APT_PACKAGES[@]}" >&2 \
  || die "apt-get install failed"
etcd_ready || die "etcd not found on PATH after installing etcd-server"

if binaries_ready; then
  log "ready: $CACHE_DIR (etcd: $(command -v etcd))"
  exit 0
fi

# ---- 2. deb-src entry (deb822), copied from the existing debian.sources -----------------
has_deb_src() {
  grep -rqsE '^[[:space:]]*(Types:.*deb-src|deb-src[[:space:]])' \
    /etc/apt/sources.list /etc/apt/sources.list.d/ 2>/dev/null
}
if ! has_deb_src; then
  MAIN_SOURCES=/etc/apt/sources.list.d/debian.sources
  if [[ -f "$MAIN_SOURCES" ]]; then
    log "adding deb-src entries to $DEB_SRC_FILE (copied from $MAIN_SOURCES)"
    # For every stanza whose Types include 'deb', emit the same URIs/Suites/Components/
    # Signed-By with 'Types: deb-src'. Stanzas are separated by blank lines.
    awk '
      function flush() {
        if (isdeb && uris != "" && suites != "") {
          if (n++) print "";
          print "Types: deb-src";
          print "URIs: " uris;
          print "Suites: " suites;
          print "Components: " (comps != "" ? comps : "main");
          if (signed != "") print "Signed-By: " signed;
        }
        isdeb = 0; uris = ""; suites = ""; comps = ""; signed = "";
      }
      /^[[:space:]]*$/ { flush(); next }
      /^#/ { next }
      /^Types:/      { sub(/^Types:[[:space:]]*/, "");      isdeb = ($0 ~ /(^|[[:space:]])deb([[:space:]]|$)/); next }
      /^URIs:/       { sub(/^URIs:[[:space:]]*/, "");       uris = $0; next }
      /^Suites:/     { sub(/^Suites:[[:space:]]*/, "");     suites = $0; next }
      /^Components:/ { sub(/^Components:[[:space:]]*/, ""); comps = $0; next }
      /^Signed-By:/  { sub(/^Signed-By:[[:space:]]*/, "");  signed = $0; next }
      END { flush() }
    ' "$MAIN_SOURCES" > "$DEB_SRC_FILE.tmp"
    [[ -s "$DEB_SRC_FILE.tmp" ]] || { rm -f "$DEB_SRC_FILE.tmp"; die "could not derive deb-src entries from $MAIN_SOURCES"; }
    mv "$DEB_SRC_FILE.tmp" "$DEB_SRC_FILE"
  else
    # Fallback: a classic sources.list machine. Use the release codename and Debian's archive.
    codename="$(. /etc/os-release && echo "${VERSION_CODENAME:-bookworm}")"
    log "no $MAIN_SOURCES; adding a deb-src entry for $codename to $DEB_SRC_FILE"
    {
      echo "Types: deb-src"
      echo "URIs: http://deb.debian.org/debian"
      echo "Suites: $codename"
      echo "Components: main"
      [[ -f /usr/share/keyrings/debian-archive-keyring.gpg ]] \
        && echo "Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg"
    } > "$DEB_SRC_FILE"
  fi
  log "apt-get update (with deb-src)"
  apt-get update -qq >&2 || die "apt-get update (deb-src) failed"
fi

# ---- 3. download and unpack the kubernetes source package -------------------------------
WORK_DIR="$(mktemp -d "${TMPDIR:-/tmp}/nsoffload-k8s-build.XXXXXX")"
cd "$WORK_DIR"
log "apt-get source --download-only kubernetes (in $WORK_DIR)"
apt-get source -qq --download-only kubernetes >&2 || die "apt-get source kubernetes failed"
shopt -s nullglob
origs=(kubernetes_*.orig.tar.*)
shopt -u nullglob
[[ ${#origs[@]} -ge 1 ]] || die "no kubernetes_*.orig.tar.* downloaded (got: $(ls))"
log "unpacking ${origs[0]}"
tar -xf "${origs[0]}"
SRC_DIR="$WORK_DIR/kubernetes-$K8S_VERSION"
if [[ ! -d "$SRC_DIR" ]]; then
  found=$(find "$WORK_DIR" -maxdepth 1 -mindepth 1 -type d -name 'kubernetes-*' | head -n1)
  die "expected $SRC_DIR after unpacking, found '${found:-nothing}' (source package version changed?)"
fi

# ---- 4. replace vendored reflect2 1.0.1 with Debian's 1.0.2 ------------------------------
[[ -d "$REFLECT2_SRC" ]] || die "$REFLECT2_SRC missing (package golang-github-modern-go-reflect2-dev)"
VENDOR_REFLECT2="$SRC_DIR/vendor/github.com/modern-go/reflect2"
log "replacing $VENDOR_REFLECT2 with Debian's reflect2"
rm -rf "$VENDOR_REFLECT2"
mkdir -p "$VENDOR_REFLECT2"
n_copied=0
for f in "$REFLECT2_SRC"/*.go "$REFLECT2_SRC"/*.s; do
  [[ -f "$f" ]] || continue
  [[ "$f" == *_test.go ]] && continue
  cp "$(readlink -f "$f")" "$VENDOR_REFLECT2/$(basename "$f")"
  n_copied=$((n_copied + 1))
done
[[ $n_copied -gt 0 ]] || die "no reflect2 sources copied from $REFLECT2_SRC"

# ---- 5. build (GOPATH mode, as debian/rules does) ----------------------------------------
cd "$SRC_DIR"
export GOPATH="$SRC_DIR/.go" CGO_ENABLED=0
# hack/lib/golang.sh points GOCACHE into _output; set it anyway so nothing lands in $HOME.
export GOCACHE="$WORK_DIR/go-build-cache"
export GOFLAGS=""
mkdir -p .go/src/k8s.io
ln -sfn ../../.. .go/src/k8s.io/kubernetes
BUILD_LOG="$WORK_DIR/build.log"
log "building ${BINARIES[*]} with $(go version | awk '{print $3}') (about 3-4 min on 2 cores; log: $BUILD_LOG)"
what=""
for b in "${BINARIES[@]}"; do what+="cmd/$b "; done
(
  # heartbeat so CI logs show progress
  while sleep 30; do log "  ...still building ($(du -sh _output 2>/dev/null | cut -f1) in _output)"; done
) &
HEARTBEAT_PID=$!
# In the background (own session, so cleanup can stop the whole build) and `wait`ed for, so
# that a SIGTERM/SIGINT to this script is handled at once.
setsid make WHAT="${what% }" >"$BUILD_LOG" 2>&1 </dev/null &
MAKE_PID=$!
set +e
wait "$MAKE_PID"
rc=$?
set -e
MAKE_PID=""
kill "$HEARTBEAT_PID" 2>/dev/null || true
wait "$HEARTBEAT_PID" 2>/dev/null || true
HEARTBEAT_PID=""
if [[ $rc -ne 0 ]]; then
  echo "----- last 60 lines of $BUILD_LOG -----" >&2
  tail -n 60 "$BUILD_LOG" >&2
  die "make WHAT=\"${what% }\" failed (exit $rc)"
fi

# ---- 6. cache the binaries atomically -----------------------------------------------------
STAGE="$(mktemp -d "$(dirname "$CACHE_DIR")/.$(basename "$CACHE_DIR").stage.XXXXXX")"
for b in "${BINARIES[@]}"; do
  src="$SRC_DIR/_output/bin/$b"
  [[ -x "$src" ]] || { rm -rf "$STAGE"; die "build finished but $src is missing"; }
  cp "$src" "$STAGE/$b"
  chmod 0755 "$STAGE/$b"
done
"$STAGE/kube-apiserver" --version >&2 || { rm -rf "$STAGE"; die "built kube-apiserver does not run"; }
chmod 0755 "$STAGE"
rm -rf "$CACHE_DIR"
mv "$STAGE" "$CACHE_DIR"
log "done: ${BINARIES[*]} in $CACHE_DIR"
