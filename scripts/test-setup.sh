#!/usr/bin/env bash
# Runs before `npm test` (npm's pretest): makes sure what the suites need is on this machine.
# A quick no-op when everything is there; on a fresh machine (CI) it installs:
#   - lua5.1 and openssl (Debian; as root), for the Argo CD health-check tests and credentials;
#   - the Go tools of the tests (below), built from Go modules and cached outside the repo.
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

# ---- Go tools of the tests (each a quick no-op when its cache is complete) -------------------
# Kubernetes v1.35.4 and v1.37.2 (control planes + kubectl), etcd, kustomize: scripts/k8s-env/.
if ! bash "$here/k8s-env/provision.sh"; then
  if [ -n "${CI:-}" ]; then
    echo "test-setup: could not build the Kubernetes control planes, etcd or kustomize" >&2
    exit 1
  fi
  echo "test-setup: WARNING: no Kubernetes control planes here: the e2e suites will say they did not run" >&2
fi
# The oracle of the differential tests (test/oracle: Liqo v1.2.0 and k8s.io v0.35.2).
bash "$here/go-tools/build-oracle.sh" >/dev/null || { echo "test-setup: could not build the oracle of the differential tests (test/oracle)" >&2; [ -z "${CI:-}" ] || exit 1; }
# Liqo v1.2.0's controllers and webhooks for the e2e suite liqo-loop (same module).
bash "$here/go-tools/build-oracle.sh" liqo-loop >/dev/null || { echo "test-setup: could not build liqo-loop (test/oracle/cmd/liqo-loop)" >&2; [ -z "${CI:-}" ] || exit 1; }
