#!/usr/bin/env bash
# Runs before `npm test` (npm's pretest): makes sure what the suites need is on this machine.
# A quick no-op when everything is there; on a fresh machine (CI) it installs, as root:
#   - lua5.1 (Debian), for the Argo CD health-check tests;
#   - the Kubernetes v1.20.2 control-plane binaries and etcd (scripts/k8s-env/provision.sh,
#     cached outside the repo), for the end-to-end tests against real API servers.
# Without root, outside CI, it warns and the suites that need a missing piece say so loudly.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
missing=()
command -v lua5.1 >/dev/null 2>&1 || missing+=(lua5.1)
command -v openssl >/dev/null 2>&1 || missing+=(openssl)
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "test-setup: installing ${missing[*]}" >&2
    apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >&2
  elif [ -n "${CI:-}" ]; then
    echo "test-setup: missing ${missing[*]} and cannot install them (not root)" >&2
    exit 1
  else
    echo "test-setup: WARNING: missing ${missing[*]}; some tests will fail or say they did not run" >&2
  fi
fi
if ! bash "$here/k8s-env/provision.sh"; then
  if [ -n "${CI:-}" ]; then
    echo "test-setup: could not provision the Kubernetes control planes" >&2
    exit 1
  fi
  echo "test-setup: WARNING: no Kubernetes control planes here: the e2e suites will say they did not run" >&2
fi
bash "$here/go-tools/build-oracle.sh" >/dev/null || { echo "test-setup: could not build the oracle of the differential tests (test/oracle)" >&2; [ -z "${CI:-}" ] || exit 1; }
