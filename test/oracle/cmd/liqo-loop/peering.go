package main

import (
	"context"
	"fmt"
	"strconv"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/kubernetes"
	"k8s.io/klog/v2"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	liqov1beta1 "github.com/liqotech/liqo/apis/core/v1beta1"
	offloadingv1beta1 "github.com/liqotech/liqo/apis/offloading/v1beta1"
	"github.com/liqotech/liqo/pkg/consts"
	"github.com/liqotech/liqo/pkg/liqo-controller-manager/offloading/forge"
	tenantnamespace "github.com/liqotech/liqo/pkg/tenantNamespace"
	foreignclusterutils "github.com/liqotech/liqo/pkg/utils/foreigncluster"
	liqonodeprovider "github.com/liqotech/liqo/pkg/virtualKubelet/liqoNodeProvider"
)

// The resources a provider offers (a ResourceSlice's status.resources): the harness' node size.
var offered = corev1.ResourceList{
	corev1.ResourceCPU:    resource.MustParse("8"),
	corev1.ResourceMemory: resource.MustParse("32Gi"),
	corev1.ResourcePods:   resource.MustParse("110"),
}

// peer creates what a Liqo peering of home with each remote would have left behind:
//
//   - the tenant namespaces (Liqo's tenantNamespace manager): liqo-tenant-<remote> on the home
//     cluster, liqo-tenant-<home> on each provider;
//   - per remote, on the home cluster, the VirtualNode Liqo's ResourceSlice controller creates
//     (forge.VirtualNode + forge.MutateVirtualNode from the cluster's labels and resources; with
//     a storage class, as a provider with a default storage class offers one), named after the
//     remote cluster ID as liqoctl peer names it;
//   - the Node that the virtual kubelet would create for it (Liqo's liqonodeprovider, hydrated
//     from that VirtualNode: its labels, taint, capacity and conditions), Ready;
//   - the consumer's NamespaceMap of each remote, as Liqo's VirtualNode controller creates it
//     (name = foreigncluster.UniqueName(remote), in the remote's tenant namespace, its labels).
func peer(ctx context.Context, home *cluster, remotes []*cluster, specs []remoteSpec) error {
	homeTenants, err := tenantManager(home)
	if err != nil {
		return err
	}
	for i, r := range remotes {
		spec := specs[i]
		tenant, err := homeTenants.CreateNamespace(ctx, liqov1beta1.ClusterID(r.id))
		if err != nil {
			return fmt.Errorf("%s: tenant namespace of %s: %w", home.id, r.id, err)
		}
		providerTenants, err := tenantManager(r)
		if err != nil {
			return err
		}
		if _, err := providerTenants.CreateNamespace(ctx, liqov1beta1.ClusterID(home.id)); err != nil {
			return fmt.Errorf("%s: tenant namespace of %s: %w", r.id, home.id, err)
		}

		vn := forge.VirtualNode(r.id, tenant.Name)
		opts := &forge.VirtualNodeOptions{
			ResourceList:   offered,
			StorageClasses: []liqov1beta1.StorageType{{StorageClassName: "liqo", Default: true}},
			NodeLabels:     spec.Labels,
		}
		if err := forge.MutateVirtualNode(ctx, home.direct, vn, liqov1beta1.ClusterID(r.id), opts, ptr.To(true), ptr.To(true), nil); err != nil {
			return fmt.Errorf("forging the VirtualNode of %s: %w", r.id, err)
		}
		if err := createOrReplaceVirtualNode(ctx, home.direct, vn); err != nil {
			return err
		}
		provider := liqonodeprovider.NewLiqoNodeProvider(&liqonodeprovider.InitConfig{
			HomeConfig:      home.rest,
			RemoteConfig:    r.rest,
			HomeClusterID:   liqov1beta1.ClusterID(home.id),
			RemoteClusterID: liqov1beta1.ClusterID(r.id),
			Namespace:       tenant.Name,
			NodeName:        vn.Name,
			InternalIP:      "127.0.0.1",
			DaemonPort:      10250,
			Version:         "v1.2.0",
			VirtualNode:     vn,
		})
		if err := ensureNode(ctx, home.direct, provider.GetNode().DeepCopy()); err != nil {
			return fmt.Errorf("%s: virtual node %s: %w", home.id, vn.Name, err)
		}

		nm := &offloadingv1beta1.NamespaceMap{ObjectMeta: metav1.ObjectMeta{
			Name:      foreignclusterutils.UniqueName(liqov1beta1.ClusterID(r.id)),
			Namespace: tenant.Name,
			Labels: map[string]string{
				consts.RemoteClusterID:             r.id,
				consts.ReplicationRequestedLabel:   strconv.FormatBool(true),
				consts.ReplicationDestinationLabel: r.id,
			},
		}}
		if err := home.direct.Create(ctx, nm); err != nil && !apierrors.IsAlreadyExists(err) {
			return fmt.Errorf("%s: NamespaceMap of %s: %w", home.id, r.id, err)
		}
		klog.Infof("%s: peered with %s (VirtualNode %s/%s, Node %s, NamespaceMap %s/%s)", home.id, r.id, vn.Namespace, vn.Name, vn.Name, nm.Namespace, nm.Name)
	}
	return nil
}

func tenantManager(c *cluster) (tenantnamespace.Manager, error) {
	cs, err := kubernetes.NewForConfig(c.rest)
	if err != nil {
		return nil, err
	}
	return tenantnamespace.NewManager(cs, scheme), nil
}

func createOrReplaceVirtualNode(ctx context.Context, cl client.Client, vn *offloadingv1beta1.VirtualNode) error {
	var cur offloadingv1beta1.VirtualNode
	switch err := cl.Get(ctx, client.ObjectKeyFromObject(vn), &cur); {
	case apierrors.IsNotFound(err):
		return cl.Create(ctx, vn)
	case err != nil:
		return err
	default:
		cur.Labels, cur.Spec = vn.Labels, vn.Spec
		return cl.Update(ctx, &cur)
	}
}

// ensureNode creates the virtual kubelet's Node and brings it to the state the virtual kubelet
// keeps it in: its status (Ready, capacity) and exactly its taints (the API server's
// TaintNodesByCondition admission adds node.kubernetes.io/not-ready at creation; the harness
// runs no node lifecycle controller, so nothing adds it again).
func ensureNode(ctx context.Context, cl client.Client, want *corev1.Node) error {
	status := *want.Status.DeepCopy()
	now := metav1.NewTime(time.Now())
	for i := range status.Conditions {
		status.Conditions[i].LastHeartbeatTime, status.Conditions[i].LastTransitionTime = now, now
	}
	create := want.DeepCopy()
	create.Status = corev1.NodeStatus{}
	if err := cl.Create(ctx, create); err != nil && !apierrors.IsAlreadyExists(err) {
		return err
	}
	return wait.PollUntilContextTimeout(ctx, 100*time.Millisecond, 60*time.Second, true, func(ctx context.Context) (bool, error) {
		var cur corev1.Node
		if err := cl.Get(ctx, types.NamespacedName{Name: want.Name}, &cur); err != nil {
			return false, err
		}
		cur.Labels, cur.Annotations, cur.Spec.Taints = want.Labels, want.Annotations, want.Spec.Taints
		if err := cl.Update(ctx, &cur); err != nil {
			if apierrors.IsConflict(err) {
				return false, nil
			}
			return false, err
		}
		cur.Status = status
		if err := cl.Status().Update(ctx, &cur); err != nil {
			if apierrors.IsConflict(err) {
				return false, nil
			}
			return false, err
		}
		var check corev1.Node
		if err := cl.Get(ctx, types.NamespacedName{Name: want.Name}, &check); err != nil {
			return false, err
		}
		return len(check.Spec.Taints) == len(want.Spec.Taints), nil
	})
}
