// The etcd binary of the e2e tests: etcd's own entry point, etcdmain.Main, as the etcd
// release's server/main.go calls it. Built by scripts/k8s-env/build.sh.
package main

import (
	"os"

	"go.etcd.io/etcd/server/v3/etcdmain"
)

func main() { etcdmain.Main(os.Args) }
