package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/klog/v2"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/yaml"
)

// The CRDs each side needs: the home cluster's controllers watch NamespaceOffloadings,
// NamespaceMaps and VirtualNodes; a provider's NamespaceMap controller only NamespaceMaps.
var (
	homeCRDs     = []string{"offloading.liqo.io_namespaceoffloadings.yaml", "offloading.liqo.io_namespacemaps.yaml", "offloading.liqo.io_virtualnodes.yaml"}
	providerCRDs = []string{"offloading.liqo.io_namespacemaps.yaml"}
)

// installCRDs creates (or updates) Liqo's CRD files from dir and waits until they are Established.
func installCRDs(ctx context.Context, c *cluster, dir string, files []string) error {
	for _, f := range files {
		raw, err := os.ReadFile(filepath.Join(dir, f))
		if err != nil {
			return fmt.Errorf("reading Liqo's CRD: %w", err)
		}
		var crd apiextensionsv1.CustomResourceDefinition
		if err := yaml.UnmarshalStrict(raw, &crd); err != nil {
			return fmt.Errorf("%s: %w", f, err)
		}
		crd.TypeMeta.APIVersion, crd.TypeMeta.Kind = "apiextensions.k8s.io/v1", "CustomResourceDefinition"
		var cur apiextensionsv1.CustomResourceDefinition
		switch err := c.direct.Get(ctx, types.NamespacedName{Name: crd.Name}, &cur); {
		case apierrors.IsNotFound(err):
			err = c.direct.Create(ctx, &crd)
			if err != nil {
				return fmt.Errorf("%s: installing %s: %w", c.id, crd.Name, err)
			}
		case err != nil:
			return fmt.Errorf("%s: reading %s: %w", c.id, crd.Name, err)
		default:
			crd.ResourceVersion = cur.ResourceVersion
			if err := c.direct.Update(ctx, &crd); err != nil {
				return fmt.Errorf("%s: updating %s: %w", c.id, crd.Name, err)
			}
		}
		if err := wait.PollUntilContextTimeout(ctx, 100*time.Millisecond, 60*time.Second, true, func(ctx context.Context) (bool, error) {
			var cur apiextensionsv1.CustomResourceDefinition
			if err := c.direct.Get(ctx, types.NamespacedName{Name: crd.Name}, &cur); err != nil {
				return false, client.IgnoreNotFound(err)
			}
			for _, cond := range cur.Status.Conditions {
				if cond.Type == apiextensionsv1.Established && cond.Status == apiextensionsv1.ConditionTrue {
					return true, nil
				}
			}
			return false, nil
		}); err != nil {
			return fmt.Errorf("%s: CRD %s not established: %w", c.id, crd.Name, err)
		}
		klog.Infof("%s: CRD %s established", c.id, crd.Name)
	}
	return nil
}
