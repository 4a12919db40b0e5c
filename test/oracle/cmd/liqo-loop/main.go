// Command liqo-loop runs Liqo v1.2.0's own offloading controllers and webhooks against the e2e
// harness' real API servers, so that nsoffload's end-to-end suites see what Liqo does:
//
//   - on the home (consumer) cluster, a controller-runtime manager with Liqo's NamespaceOffloading
//     controller (pkg/liqo-controller-manager/offloading/namespaceoffloading-controller) and Liqo's
//     webhook server holding the pod mutating webhook (pkg/webhooks/pod) and the NamespaceOffloading
//     validating webhook (pkg/webhooks/namespaceoffloading), registered with the API server as a real
//     MutatingWebhookConfiguration and ValidatingWebhookConfiguration (TLS, loopback URL);
//   - on every remote (provider) cluster, a manager with Liqo's NamespaceMap controller
//     (pkg/liqo-controller-manager/offloading/namespacemap-controller), which creates the twin
//     namespaces.
//
// What peering would create is made here instead (peering.go; docs/liqo.md lists it): the tenant
// namespaces, one VirtualNode per remote cluster (Liqo's forge.MutateVirtualNode) and its Node
// (Liqo's virtual-kubelet node provider), the consumer's NamespaceMaps, and the copy of each
// NamespaceMap to its provider and of its status back (replicate.go), which Liqo's CRD replicator
// does over a peering.
//
// Usage: liqo-loop --config FILE (JSON, see config). It logs to stderr and answers
// http://127.0.0.1:<probePort>/readyz once everything above is in place; SIGTERM stops it.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"k8s.io/klog/v2"
	ctrl "sigs.k8s.io/controller-runtime"
)

// config is what the harness tells liqo-loop.
type config struct {
	Kubeconfig string       `json:"kubeconfig"`
	Home       clusterRef   `json:"home"`
	Remotes    []remoteSpec `json:"remotes"`
	// CRDDir: Liqo's CRDs (deployments/liqo/charts/liqo-crds/crds of the liqotech/liqo module).
	CRDDir string `json:"crdDir"`
	// CertDir: where the webhook's serving certificate is written.
	CertDir     string `json:"certDir"`
	WebhookPort int    `json:"webhookPort"`
	ProbePort   int    `json:"probePort"`
	// FailurePolicy of the webhooks: Liqo's Helm default is Fail.
	FailurePolicy string `json:"failurePolicy"`
}

type clusterRef struct {
	ClusterID string `json:"clusterID"`
	Context   string `json:"context"`
}

type remoteSpec struct {
	clusterRef
	// Labels: the provider's cluster labels (a ResourceSlice's status.nodeLabels).
	Labels map[string]string `json:"labels"`
}

func main() {
	klog.InitFlags(nil)
	configPath := flag.String("config", "", "the JSON configuration file")
	flag.Parse()
	ctrl.SetLogger(klog.NewKlogr())
	if *configPath == "" {
		fmt.Fprintln(os.Stderr, "liqo-loop: --config is required")
		os.Exit(2)
	}
	raw, err := os.ReadFile(*configPath)
	if err != nil {
		fmt.Fprintf(os.Stderr, "liqo-loop: %v\n", err)
		os.Exit(2)
	}
	var cfg config
	if err := json.Unmarshal(raw, &cfg); err != nil {
		fmt.Fprintf(os.Stderr, "liqo-loop: %s: %v\n", *configPath, err)
		os.Exit(2)
	}
	if cfg.FailurePolicy == "" {
		cfg.FailurePolicy = "Fail"
	}
	ctx, cancel := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer cancel()
	if err := run(ctx, &cfg); err != nil {
		klog.Errorf("liqo-loop: %v", err)
		os.Exit(1)
	}
}
