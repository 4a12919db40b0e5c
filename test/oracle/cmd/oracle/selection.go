package main

import (
	"context"
	"encoding/json"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/rest"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"

	liqov1beta1 "github.com/liqotech/liqo/apis/core/v1beta1"
	offloadingv1beta1 "github.com/liqotech/liqo/apis/offloading/v1beta1"
	"github.com/liqotech/liqo/pkg/liqo-controller-manager/offloading/forge"
	nsoffctrl "github.com/liqotech/liqo/pkg/liqo-controller-manager/offloading/namespaceoffloading-controller"
	liqonodeprovider "github.com/liqotech/liqo/pkg/virtualKubelet/liqoNodeProvider"
)

var scheme = func() *runtime.Scheme {
	s := runtime.NewScheme()
	if err := corev1.AddToScheme(s); err != nil {
		panic(err)
	}
	if err := offloadingv1beta1.AddToScheme(s); err != nil {
		panic(err)
	}
	return s
}()

// A virtual node as an inventory describes it: the cluster's labels (a ResourceSlice's
// status.nodeLabels) and whether the provider offers storage classes.
type virtualNodeSpec struct {
	Name   string            `json:"name"`
	Labels map[string]string `json:"labels"`
	// Storage: the provider lists storage classes (Liqo then labels the node storage.liqo.io/available=true).
	Storage *bool `json:"storage"`
	// Taints: the VirtualNode's spec.taints (set on the VirtualNode, as `liqoctl create virtualnode` or its author does).
	Taints []corev1.Taint `json:"taints"`
}

// Fake clients live as long as the oracle: building one costs more than the question.
// forgeClient stays empty (MutateVirtualNode is given it and finds nothing, as before the
// ResourceSlice controller has made anything); homeClient holds one question's objects at a time.
var forgeClient, homeClient client.WithWatch

func sharedClient(c *client.WithWatch) client.WithWatch {
	if *c == nil {
		*c = fake.NewClientBuilder().WithScheme(scheme).Build()
	}
	return *c
}

// forgeVirtualNode builds the VirtualNode Liqo's controller manager makes for a cluster
// (forge.MutateVirtualNode, as the ResourceSlice controller calls it) and the Node the virtual
// kubelet creates for it (liqonodeprovider.NewLiqoNodeProvider, hydrated from that VirtualNode).
func forgeVirtualNode(ctx context.Context, cl client.Client, clusterID string, spec virtualNodeSpec) (*offloadingv1beta1.VirtualNode, *corev1.Node, error) {
	tenant := "liqo-tenant-" + clusterID
	vn := forge.VirtualNode(spec.Name, tenant)
	opts := &forge.VirtualNodeOptions{NodeLabels: spec.Labels}
	if spec.Storage == nil || *spec.Storage {
		opts.StorageClasses = []liqov1beta1.StorageType{{StorageClassName: "liqo", Default: true}}
	}
	if err := forge.MutateVirtualNode(ctx, cl, vn, liqov1beta1.ClusterID(clusterID), opts, ptr.To(true), nil, nil); err != nil {
		return nil, nil, fmt.Errorf("MutateVirtualNode: %w", err)
	}
	vn.Spec.Taints = spec.Taints
	// The provider only builds clients here (no request is sent).
	nowhere := &rest.Config{Host: "https://127.0.0.1:9"}
	p := liqonodeprovider.NewLiqoNodeProvider(&liqonodeprovider.InitConfig{
		HomeConfig:      nowhere,
		RemoteConfig:    nowhere,
		HomeClusterID:   "home",
		RemoteClusterID: liqov1beta1.ClusterID(clusterID),
		Namespace:       tenant,
		NodeName:        spec.Name,
		InternalIP:      "127.0.0.1",
		DaemonPort:      10250,
		Version:         "v1.2.0",
		VirtualNode:     vn,
	})
	return vn, p.GetNode().DeepCopy(), nil
}

// virtualNode: {"clusterID", "node": {name, labels, storage}} → {"labels": …, "taints": …}
func answerVirtualNode(raw json.RawMessage) (any, error) {
	var q struct {
		ClusterID string          `json:"clusterID"`
		Node      virtualNodeSpec `json:"node"`
	}
	if err := json.Unmarshal(raw, &q); err != nil {
		return nil, err
	}
	_, n, err := forgeVirtualNode(context.Background(), sharedClient(&forgeClient), q.ClusterID, q.Node)
	if err != nil {
		return nil, err
	}
	return map[string]any{"labels": n.Labels, "taints": n.Spec.Taints}, nil
}

// selectClusters: {"selector": NodeSelector, "remotes": [{"clusterID", "nodes": [virtualNodeSpec]}]}
// → {"remotes": [{"clusterID", "nodes": [{"name", "matched", "error"}]}]}
//
// Every virtual node and its Node are in one fake client, as in a home cluster; each VirtualNode
// is matched as the NamespaceOffloading controller's enforceClusterSelector matches it.
func answerSelectClusters(raw json.RawMessage) (any, error) {
	var q struct {
		Selector corev1.NodeSelector `json:"selector"`
		Remotes  []struct {
			ClusterID string            `json:"clusterID"`
			Nodes     []virtualNodeSpec `json:"nodes"`
		} `json:"remotes"`
	}
	if err := json.Unmarshal(raw, &q); err != nil {
		return nil, err
	}
	ctx := context.Background()
	// The home cluster of this question: the previous question's VirtualNodes and Nodes removed.
	cl := sharedClient(&homeClient)
	if err := cl.DeleteAllOf(ctx, &offloadingv1beta1.VirtualNode{}); err != nil {
		return nil, err
	}
	if err := cl.DeleteAllOf(ctx, &corev1.Node{}); err != nil {
		return nil, err
	}
	type built struct {
		clusterID string
		vns       []*offloadingv1beta1.VirtualNode
	}
	var all []built
	for _, r := range q.Remotes {
		b := built{clusterID: r.ClusterID}
		for _, spec := range r.Nodes {
			vn, n, err := forgeVirtualNode(ctx, sharedClient(&forgeClient), r.ClusterID, spec)
			if err != nil {
				return nil, err
			}
			if err := cl.Create(ctx, vn.DeepCopy()); err != nil {
				return nil, err
			}
			if err := cl.Create(ctx, n); err != nil {
				return nil, err
			}
			b.vns = append(b.vns, vn)
		}
		all = append(all, b)
	}
	type nodeAnswer struct {
		Name    string `json:"name"`
		Matched bool   `json:"matched"`
		Error   string `json:"error,omitempty"`
	}
	type remoteAnswer struct {
		ClusterID string       `json:"clusterID"`
		Nodes     []nodeAnswer `json:"nodes"`
	}
	out := []remoteAnswer{}
	for _, b := range all {
		ra := remoteAnswer{ClusterID: b.clusterID, Nodes: []nodeAnswer{}}
		for _, vn := range b.vns {
			sel := q.Selector.DeepCopy()
			m, err := nsoffctrl.MatchVirtualNodeSelectorTerms(ctx, cl, vn, sel)
			na := nodeAnswer{Name: vn.Name, Matched: m}
			if err != nil {
				na.Error = err.Error()
			}
			ra.Nodes = append(ra.Nodes, na)
		}
		out = append(out, ra)
	}
	return map[string]any{"remotes": out}, nil
}
