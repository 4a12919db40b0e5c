#!/usr/bin/env bash
# Builds a Go program of the tests' Go module (test/oracle/, Liqo v1.2.0 + k8s.io v0.35.2) and
# prints the path of the binary on stdout. Usage: build-oracle.sh [PROGRAM] (default: oracle,
# the judge of test/differential/; PROGRAM is a folder of test/oracle/cmd/).
#
# The binary is cached outside the repository, keyed by what it is built from:
#   ${XDG_CACHE_HOME:-$HOME/.cache}/nsoffload/PROGRAM-<sha256 of go.mod, go.sum, the .go files of
#   cmd/PROGRAM and those of the module outside cmd/ (packages the programs may share)>/PROGRAM
# so a change to one program does not rebuild the others.
# A cached binary makes this a quick no-op; otherwise `go` builds it (fetching the modules through
# the Go module proxy), under a temporary name renamed in when complete, so concurrent runs and
# interrupted builds never leave a half-written binary where it is looked for.
set -euo pipefail
program=${1:-oracle}
here=$(cd "$(dirname "$0")" && pwd)
module=$(cd "$here/../../test/oracle" && pwd)
case "$program" in
  '' | */* | .*) echo "build-oracle: not a program name: $program" >&2; exit 2 ;;
esac
if [ ! -d "$module/cmd/$program" ]; then
  echo "build-oracle: no program $program in $module/cmd" >&2
  exit 2
fi
# The key: each file's path and contents, in a fixed order (this program's files, not the others').
key=$(cd "$module" && { printf '%s\n' go.mod go.sum; find . -path ./cmd -prune -o -name '*.go' -type f -print; find "./cmd/$program" -name '*.go' -type f; } | LC_ALL=C sort |
  while IFS= read -r f; do printf '%s\0' "$f"; sha256sum <"$f"; done | sha256sum | cut -c1-16)
dir="${XDG_CACHE_HOME:-$HOME/.cache}/nsoffload/$program-$key"
bin="$dir/$program"
if [ -x "$bin" ]; then
  echo "$bin"
  exit 0
fi
if ! command -v go >/dev/null 2>&1; then
  echo "build-oracle: the Go toolchain (go) is not installed: cannot build $program" >&2
  exit 1
fi
mkdir -p "$dir"
tmp="$dir/.$program.tmp.$$"
trap 'rm -f "$tmp"' EXIT
echo "build-oracle: building $program ($(go version | cut -d' ' -f3), module test/oracle) into $dir" >&2
(cd "$module" && nice go build -mod=readonly -trimpath -buildvcs=false -o "$tmp" "./cmd/$program") >&2
mv -f "$tmp" "$bin"
echo "$bin"
