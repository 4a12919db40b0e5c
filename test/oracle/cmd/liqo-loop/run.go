package main

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"sync/atomic"
	"time"

	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"k8s.io/apimachinery/pkg/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	"k8s.io/klog/v2"
	"k8s.io/utils/ptr"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	ctrlconfig "sigs.k8s.io/controller-runtime/pkg/config"
	"sigs.k8s.io/controller-runtime/pkg/manager"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"
	"sigs.k8s.io/controller-runtime/pkg/webhook"

	liqov1beta1 "github.com/liqotech/liqo/apis/core/v1beta1"
	offloadingv1beta1 "github.com/liqotech/liqo/apis/offloading/v1beta1"
	"github.com/liqotech/liqo/pkg/consts"
	mapsctrl "github.com/liqotech/liqo/pkg/liqo-controller-manager/offloading/namespacemap-controller"
	nsoffctrl "github.com/liqotech/liqo/pkg/liqo-controller-manager/offloading/namespaceoffloading-controller"
	nsoffwh "github.com/liqotech/liqo/pkg/webhooks/namespaceoffloading"
	podwh "github.com/liqotech/liqo/pkg/webhooks/pod"
)

var scheme = func() *runtime.Scheme {
	s := runtime.NewScheme()
	for _, add := range []func(*runtime.Scheme) error{clientgoscheme.AddToScheme, apiextensionsv1.AddToScheme, offloadingv1beta1.AddToScheme, liqov1beta1.AddToScheme} {
		if err := add(s); err != nil {
			panic(err)
		}
	}
	return s
}()

// cluster is one API server liqo-loop talks to.
type cluster struct {
	id     string
	rest   *rest.Config
	direct client.Client // uncached, for set-up and the replication stand-in
}

func connect(kubeconfig, context, id string) (*cluster, error) {
	cfg, err := clientcmd.NewNonInteractiveDeferredLoadingClientConfig(
		&clientcmd.ClientConfigLoadingRules{ExplicitPath: kubeconfig},
		&clientcmd.ConfigOverrides{CurrentContext: context},
	).ClientConfig()
	if err != nil {
		return nil, fmt.Errorf("kubeconfig context %q: %w", context, err)
	}
	cfg.QPS, cfg.Burst = 100, 200
	cfg.UserAgent = "liqo-loop/" + id
	cl, err := client.New(cfg, client.Options{Scheme: scheme})
	if err != nil {
		return nil, err
	}
	return &cluster{id: id, rest: cfg, direct: cl}, nil
}

func run(ctx context.Context, cfg *config) error {
	home, err := connect(cfg.Kubeconfig, cfg.Home.Context, cfg.Home.ClusterID)
	if err != nil {
		return err
	}
	remotes := make([]*cluster, 0, len(cfg.Remotes))
	byID := map[string]*cluster{}
	for _, r := range cfg.Remotes {
		c, err := connect(cfg.Kubeconfig, r.Context, r.ClusterID)
		if err != nil {
			return err
		}
		remotes = append(remotes, c)
		byID[r.ClusterID] = c
	}

	// 1. Liqo's CRDs, from the module.
	if err := installCRDs(ctx, home, cfg.CRDDir, homeCRDs); err != nil {
		return err
	}
	for _, r := range remotes {
		if err := installCRDs(ctx, r, cfg.CRDDir, providerCRDs); err != nil {
			return err
		}
	}
	// 2. What peering would have created.
	if err := peer(ctx, home, remotes, cfg.Remotes); err != nil {
		return err
	}
	klog.Infof("peering stand-ins in place: home %s, remotes %d", home.id, len(remotes))

	// 3. The managers.
	skip := ctrlconfig.Controller{SkipNameValidation: ptr.To(true)}
	var ready atomic.Bool
	homeMgr, err := ctrl.NewManager(home.rest, ctrl.Options{
		Scheme:                 scheme,
		Metrics:                metricsserver.Options{BindAddress: "0"},
		HealthProbeBindAddress: "127.0.0.1:" + strconv.Itoa(cfg.ProbePort),
		Controller:             skip,
		WebhookServer: webhook.NewServer(webhook.Options{
			Host:    "127.0.0.1",
			Port:    cfg.WebhookPort,
			CertDir: cfg.CertDir,
		}),
	})
	if err != nil {
		return fmt.Errorf("home manager: %w", err)
	}
	if err := homeMgr.AddHealthzCheck("healthz", func(*http.Request) error { return nil }); err != nil {
		return err
	}
	if err := homeMgr.AddReadyzCheck("liqo-loop", func(*http.Request) error {
		if !ready.Load() {
			return errors.New("setting up")
		}
		return nil
	}); err != nil {
		return err
	}

	// Liqo's NamespaceOffloading controller, as cmd/liqo-controller-manager/modules/offloading.go sets it up.
	nsoff := &nsoffctrl.NamespaceOffloadingReconciler{
		Client:       homeMgr.GetClient(),
		Recorder:     homeMgr.GetEventRecorderFor("namespaceoffloading-controller"), //nolint:staticcheck // as Liqo v1.2.0 does
		LocalCluster: liqov1beta1.ClusterID(home.id),
	}
	if err := nsoff.SetupWithManager(homeMgr); err != nil {
		return fmt.Errorf("namespaceoffloading controller: %w", err)
	}
	// Liqo's webhooks, as cmd/webhook/main.go registers them (the Liqo runtime class is Helm's default, liqo).
	caPEM, err := writeServingCert(cfg.CertDir)
	if err != nil {
		return err
	}
	homeMgr.GetWebhookServer().Register("/mutate/pod", podwh.New(homeMgr.GetClient(), consts.LiqoRuntimeClassName))
	homeMgr.GetWebhookServer().Register("/validate/namespace-offloading", nsoffwh.New())
	// The stand-in for the CRD replicator: consumer NamespaceMaps to their providers.
	if err := setupSpecReplication(homeMgr, home, byID); err != nil {
		return err
	}

	providerMgrs := make([]manager.Manager, 0, len(remotes))
	for _, r := range remotes {
		m, err := ctrl.NewManager(r.rest, ctrl.Options{
			Scheme:                 scheme,
			Metrics:                metricsserver.Options{BindAddress: "0"},
			HealthProbeBindAddress: "0",
			Controller:             skip,
		})
		if err != nil {
			return fmt.Errorf("manager of %s: %w", r.id, err)
		}
		// Liqo's NamespaceMap controller, as the provider's liqo-controller-manager runs it.
		if err := (&mapsctrl.NamespaceMapReconciler{Client: m.GetClient()}).SetupWithManager(m); err != nil {
			return fmt.Errorf("namespacemap controller of %s: %w", r.id, err)
		}
		// The replicator's other half: the provider's status back to the consumer's NamespaceMap.
		if err := setupStatusReplication(m, r, home); err != nil {
			return err
		}
		providerMgrs = append(providerMgrs, m)
	}

	errs := make(chan error, 1+len(providerMgrs))
	runCtx, stop := context.WithCancel(ctx)
	defer stop()
	for i, m := range append([]manager.Manager{homeMgr}, providerMgrs...) {
		name := home.id
		if i > 0 {
			name = remotes[i-1].id
		}
		go func() {
			if err := m.Start(runCtx); err != nil {
				errs <- fmt.Errorf("manager of %s: %w", name, err)
				return
			}
			errs <- nil
		}()
	}

	// 4. Ready: caches synced, the webhook server serving, the webhooks registered.
	setup := func() error {
		for _, m := range append([]manager.Manager{homeMgr}, providerMgrs...) {
			if !m.GetCache().WaitForCacheSync(runCtx) {
				return errors.New("caches did not sync")
			}
		}
		checker := homeMgr.GetWebhookServer().StartedChecker()
		for checker(nil) != nil {
			select {
			case <-runCtx.Done():
				return runCtx.Err()
			case <-time.After(100 * time.Millisecond):
			}
		}
		return registerWebhooks(runCtx, home, cfg.WebhookPort, caPEM, cfg.FailurePolicy)
	}
	go func() {
		if err := setup(); err != nil {
			errs <- fmt.Errorf("set-up: %w", err)
			return
		}
		ready.Store(true)
		klog.Infof("liqo-loop ready: webhook https://127.0.0.1:%d, probes http://127.0.0.1:%d", cfg.WebhookPort, cfg.ProbePort)
	}()

	var first error
	select {
	case <-ctx.Done():
	case first = <-errs:
	}
	stop()
	// Unregister the webhooks: with failurePolicy Fail, pods could not be created once we are gone.
	cleanup, done := context.WithTimeout(context.Background(), 10*time.Second)
	defer done()
	if err := unregisterWebhooks(cleanup, home); err != nil {
		klog.Warningf("unregistering the webhooks: %v", err)
	}
	return first
}
