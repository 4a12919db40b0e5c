package main

import (
	"context"
	"fmt"
	"maps"
	"reflect"
	"strconv"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/klog/v2"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/manager"
	"sigs.k8s.io/controller-runtime/pkg/predicate"

	liqov1beta1 "github.com/liqotech/liqo/apis/core/v1beta1"
	offloadingv1beta1 "github.com/liqotech/liqo/apis/offloading/v1beta1"
	"github.com/liqotech/liqo/pkg/consts"
)

// The stand-in for Liqo's CRD replicator (internal/crdReplicator, not importable from outside
// Liqo's module, and needing a ForeignCluster with its identities to run): a consumer's
// NamespaceMap labelled liqo.io/replication=true is copied into the provider named by its
// liqo.io/remoteID label, in the provider's tenant namespace of the consumer, same name, its
// spec as is and its labels rewritten as the replicator's mutateLabelsForRemote does
// (liqo.io/replication=false, liqo.io/replicated=true, liqo.io/originID and
// liqo.io/remote-cluster-id = the consumer, liqo.io/ownership dropped); the provider's status
// (currentMapping, written by Liqo's NamespaceMap controller) is copied back.

func labelSelectorPredicate(sel metav1.LabelSelector) (predicate.Predicate, error) {
	return predicate.LabelSelectorPredicate(sel)
}

func setupSpecReplication(mgr manager.Manager, home *cluster, providers map[string]*cluster) error {
	filter, err := labelSelectorPredicate(metav1.LabelSelector{MatchLabels: map[string]string{consts.ReplicationRequestedLabel: "true"}})
	if err != nil {
		return err
	}
	r := &specReplicator{local: mgr.GetClient(), home: home, providers: providers}
	return ctrl.NewControllerManagedBy(mgr).Named("liqo-loop-namespacemap-replicator").
		For(&offloadingv1beta1.NamespaceMap{}, builder.WithPredicates(filter)).
		Complete(r)
}

type specReplicator struct {
	local     client.Client
	home      *cluster
	providers map[string]*cluster
}

func (r *specReplicator) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	var nm offloadingv1beta1.NamespaceMap
	if err := r.local.Get(ctx, req.NamespacedName, &nm); err != nil {
		return ctrl.Result{}, client.IgnoreNotFound(err)
	}
	provider, ok := r.providers[nm.Labels[consts.ReplicationDestinationLabel]]
	if !ok {
		klog.Warningf("NamespaceMap %s: no provider %q", req, nm.Labels[consts.ReplicationDestinationLabel])
		return ctrl.Result{}, nil
	}
	tenants, err := tenantManager(provider)
	if err != nil {
		return ctrl.Result{}, err
	}
	tenant, err := tenants.GetNamespace(ctx, liqov1beta1.ClusterID(r.home.id))
	if err != nil {
		return ctrl.Result{}, fmt.Errorf("%s: tenant namespace of %s: %w", provider.id, r.home.id, err)
	}
	labels := maps.Clone(nm.Labels)
	labels[consts.ReplicationRequestedLabel] = strconv.FormatBool(false)
	labels[consts.ReplicationStatusLabel] = strconv.FormatBool(true)
	labels[consts.ReplicationOriginLabel] = r.home.id
	labels[consts.RemoteClusterID] = r.home.id
	delete(labels, consts.LocalResourceOwnership)

	key := types.NamespacedName{Namespace: tenant.Name, Name: nm.Name}
	var remote offloadingv1beta1.NamespaceMap
	switch err := provider.direct.Get(ctx, key, &remote); {
	case apierrors.IsNotFound(err):
		if !nm.DeletionTimestamp.IsZero() {
			return ctrl.Result{}, nil
		}
		remote = offloadingv1beta1.NamespaceMap{
			ObjectMeta: metav1.ObjectMeta{Name: key.Name, Namespace: key.Namespace, Labels: labels},
			Spec:       *nm.Spec.DeepCopy(),
		}
		return ctrl.Result{}, provider.direct.Create(ctx, &remote)
	case err != nil:
		return ctrl.Result{}, err
	}
	if !nm.DeletionTimestamp.IsZero() {
		return ctrl.Result{}, client.IgnoreNotFound(provider.direct.Delete(ctx, &remote))
	}
	if reflect.DeepEqual(remote.Spec, nm.Spec) && reflect.DeepEqual(remote.Labels, labels) {
		return ctrl.Result{}, nil
	}
	remote.Labels, remote.Spec = labels, *nm.Spec.DeepCopy()
	return ctrl.Result{}, provider.direct.Update(ctx, &remote)
}

func setupStatusReplication(mgr manager.Manager, provider, home *cluster) error {
	filter, err := labelSelectorPredicate(metav1.LabelSelector{MatchLabels: map[string]string{
		consts.ReplicationStatusLabel: "true",
		consts.ReplicationOriginLabel: home.id,
	}})
	if err != nil {
		return err
	}
	r := &statusReplicator{remote: mgr.GetClient(), provider: provider, home: home}
	return ctrl.NewControllerManagedBy(mgr).Named("liqo-loop-namespacemap-status-"+provider.id).
		For(&offloadingv1beta1.NamespaceMap{}, builder.WithPredicates(filter)).
		Complete(r)
}

type statusReplicator struct {
	remote   client.Client
	provider *cluster
	home     *cluster
}

func (r *statusReplicator) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	var remote offloadingv1beta1.NamespaceMap
	if err := r.remote.Get(ctx, req.NamespacedName, &remote); err != nil {
		return ctrl.Result{}, client.IgnoreNotFound(err)
	}
	tenants, err := tenantManager(r.home)
	if err != nil {
		return ctrl.Result{}, err
	}
	tenant, err := tenants.GetNamespace(ctx, liqov1beta1.ClusterID(r.provider.id))
	if err != nil {
		return ctrl.Result{}, fmt.Errorf("%s: tenant namespace of %s: %w", r.home.id, r.provider.id, err)
	}
	var local offloadingv1beta1.NamespaceMap
	if err := r.home.direct.Get(ctx, types.NamespacedName{Namespace: tenant.Name, Name: remote.Name}, &local); err != nil {
		return ctrl.Result{}, client.IgnoreNotFound(err)
	}
	if reflect.DeepEqual(local.Status, remote.Status) {
		return ctrl.Result{}, nil
	}
	local.Status = *remote.Status.DeepCopy()
	return ctrl.Result{}, r.home.direct.Status().Update(ctx, &local)
}
