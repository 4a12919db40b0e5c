# Shared by provision.sh and build.sh (sourced): what each component of the e2e tests is, where
# its build is cached, whether the cache holds it. test/helpers/tools.ts computes the same paths.
#
# A component is a wrapper Go module under modules/:
#   k8s-1.35, k8s-1.37  k8s.io/kubernetes (a release of the e2e suites: one per dir): kube-apiserver, kube-controller-manager, kube-scheduler, kubectl
#   etcd                go.etcd.io/etcd/server/v3 (etcdmain.Main): etcd
#   kustomize           sigs.k8s.io/kustomize/kustomize/v5: kustomize
# Its cache dir: ${XDG_CACHE_HOME:-$HOME/.cache}/nsoffload/<name>-v<version>-<key>, where <key> is
# the first 12 hex digits of the SHA-256 of the module's files (go.mod, go.sum, *.go; each as
# "<file name>\0<content>\0", in byte order of the names): another go.sum, another dir.

K8S_ENV_DIR="${K8S_ENV_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)}"
K8S_MODULES_DIR="$K8S_ENV_DIR/modules"
# Every Kubernetes release with a module dir (oldest first), then etcd and kustomize.
mapfile -t ALL_COMPONENTS < <(find "$K8S_MODULES_DIR" -maxdepth 1 -name 'k8s-1.*' -printf '%f\n' | sort -V)
ALL_COMPONENTS+=(etcd kustomize)

cache_root() { printf '%s\n' "${XDG_CACHE_HOME:-$HOME/.cache}/nsoffload"; }

# The module the component is built from (its version names the cache dir).
component_main_module() {
  case "$1" in
    k8s-*) echo k8s.io/kubernetes ;;
    etcd) echo go.etcd.io/etcd/server/v3 ;;
    kustomize) echo sigs.k8s.io/kustomize/kustomize/v5 ;;
    *) return 1 ;;
  esac
}
component_name() { case "$1" in k8s-*) echo k8s ;; *) echo "$1" ;; esac; }
component_binaries() {
  case "$1" in
    k8s-*) echo kube-apiserver kube-controller-manager kube-scheduler kubectl ;;
    etcd) echo etcd ;;
    kustomize) echo kustomize ;;
    *) return 1 ;;
  esac
}
# The Go packages to build, in the order of component_binaries.
component_packages() {
  case "$1" in
    k8s-*) echo k8s.io/kubernetes/cmd/kube-apiserver k8s.io/kubernetes/cmd/kube-controller-manager k8s.io/kubernetes/cmd/kube-scheduler k8s.io/kubernetes/cmd/kubectl ;;
    etcd) echo nsoffload.test/k8s-env/etcd ;;
    kustomize) echo sigs.k8s.io/kustomize/kustomize/v5 ;;
    *) return 1 ;;
  esac
}

# The version the wrapper module requires, from its go.mod ("1.35.4", "3.6.16", "5.8.2").
component_version() {
  local mod
  mod=$(component_main_module "$1") || return 1
  sed -n -E "s#^[[:space:]]*(require[[:space:]]+)?${mod//./\\.}[[:space:]]+v([^[:space:]]+).*#\\2#p" "$K8S_MODULES_DIR/$1/go.mod" | head -n1
}

component_key() {
  local dir="$K8S_MODULES_DIR/$1" f
  (
    cd "$dir"
    for f in $(find . -maxdepth 1 -type f \( -name go.mod -o -name go.sum -o -name '*.go' \) -printf '%f\n' | LC_ALL=C sort); do
      printf '%s\0' "$f"
      cat "$f"
      printf '\0'
    done
  ) | sha256sum | cut -c1-12
}

component_cache_dir() {
  local version key
  version=$(component_version "$1") || return 1
  [[ -n "$version" ]] || { echo "no version of $(component_main_module "$1") in $K8S_MODULES_DIR/$1/go.mod" >&2; return 1; }
  key=$(component_key "$1")
  printf '%s/%s-v%s-%s\n' "$(cache_root)" "$(component_name "$1")" "$version" "$key"
}

component_ready() {
  local dir b
  dir=$(component_cache_dir "$1") || return 1
  for b in $(component_binaries "$1"); do
    [[ -x "$dir/$b" && -f "$dir/$b" ]] || return 1
  done
}
