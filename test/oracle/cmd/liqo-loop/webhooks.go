package main

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"time"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/liqotech/liqo/pkg/consts"
)

// The configurations' name: Helm's liqo.prefixedName of the webhook for a release named liqo.
const webhookConfigName = "liqo-webhook"

// writeServingCert writes a CA and a serving certificate for 127.0.0.1 into dir (tls.crt,
// tls.key, where controller-runtime's webhook server reads them) and returns the CA (PEM), the
// caBundle of the registrations. (Liqo's own secret controller makes certificates for a Service
// DNS name; the API server reaches this webhook by loopback IP.)
func writeServingCert(dir string) ([]byte, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	now := time.Now()
	caTmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "liqo-loop CA"},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(7 * 24 * time.Hour),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		return nil, err
	}
	ca, err := x509.ParseCertificate(caDER)
	if err != nil {
		return nil, err
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(2),
		Subject:      pkix.Name{CommonName: "liqo-webhook"},
		NotBefore:    now.Add(-time.Hour),
		NotAfter:     now.Add(7 * 24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		IPAddresses:  []net.IP{net.ParseIP("127.0.0.1")},
		DNSNames:     []string{"localhost"},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &key.PublicKey, caKey)
	if err != nil {
		return nil, err
	}
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(dir, "tls.crt"), pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(dir, "tls.key"), pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER}), 0o600); err != nil {
		return nil, err
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER}), nil
}

// registerWebhooks registers Liqo's pod mutating webhook and NamespaceOffloading validating
// webhook as Liqo v1.2.0's Helm chart does (deployments/liqo/templates/webhooks/
// liqo-mutating-webhook.yaml, liqo-validating-webhook.yaml: names, paths, rules, selectors,
// sideEffects, failurePolicy = webhook.failurePolicy, default Fail), with a loopback URL in place
// of the chart's Service. Only these two of the chart's webhooks are served.
func registerWebhooks(ctx context.Context, home *cluster, port int, caPEM []byte, failurePolicy string) error {
	policy := admissionregistrationv1.FailurePolicyType(failurePolicy)
	none := admissionregistrationv1.SideEffectClassNone
	url := func(path string) admissionregistrationv1.WebhookClientConfig {
		return admissionregistrationv1.WebhookClientConfig{URL: ptr.To(fmt.Sprintf("https://127.0.0.1:%d%s", port, path)), CABundle: caPEM}
	}
	meta := metav1.ObjectMeta{Name: webhookConfigName, Labels: map[string]string{consts.WebHookLabel: consts.WebHookLabelValue}}
	mutating := &admissionregistrationv1.MutatingWebhookConfiguration{
		ObjectMeta: meta,
		Webhooks: []admissionregistrationv1.MutatingWebhook{{
			Name:                    "pod.mutate.liqo.io",
			AdmissionReviewVersions: []string{"v1", "v1beta1"},
			ClientConfig:            url("/mutate/pod"),
			Rules: []admissionregistrationv1.RuleWithOperations{{
				Operations: []admissionregistrationv1.OperationType{admissionregistrationv1.Create},
				Rule:       admissionregistrationv1.Rule{APIGroups: []string{""}, APIVersions: []string{"v1"}, Resources: []string{"pods"}},
			}},
			SideEffects:       &none,
			FailurePolicy:     &policy,
			NamespaceSelector: &metav1.LabelSelector{MatchLabels: map[string]string{consts.SchedulingLiqoLabel: consts.SchedulingLiqoLabelValue}},
		}},
	}
	validating := &admissionregistrationv1.ValidatingWebhookConfiguration{
		ObjectMeta: *meta.DeepCopy(),
		Webhooks: []admissionregistrationv1.ValidatingWebhook{{
			Name:                    "nsoff.validate.liqo.io",
			AdmissionReviewVersions: []string{"v1", "v1beta1"},
			ClientConfig:            url("/validate/namespace-offloading"),
			Rules: []admissionregistrationv1.RuleWithOperations{{
				Operations: []admissionregistrationv1.OperationType{admissionregistrationv1.Create, admissionregistrationv1.Update},
				Rule:       admissionregistrationv1.Rule{APIGroups: []string{"offloading.liqo.io"}, APIVersions: []string{"v1beta1"}, Resources: []string{"namespaceoffloadings"}},
			}},
			SideEffects:   &none,
			FailurePolicy: &policy,
			ObjectSelector: &metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{
				{Key: "liqo.io/webhook-skip", Operator: metav1.LabelSelectorOpNotIn, Values: []string{"true"}},
			}},
		}},
	}
	for _, obj := range []client.Object{mutating, validating} {
		if err := createOrReplace(ctx, home.direct, obj); err != nil {
			return fmt.Errorf("registering %T: %w", obj, err)
		}
	}
	return nil
}

func createOrReplace(ctx context.Context, cl client.Client, obj client.Object) error {
	err := cl.Create(ctx, obj)
	if !apierrors.IsAlreadyExists(err) {
		return err
	}
	cur := obj.DeepCopyObject().(client.Object)
	if err := cl.Get(ctx, types.NamespacedName{Name: obj.GetName()}, cur); err != nil {
		return err
	}
	obj.SetResourceVersion(cur.GetResourceVersion())
	return cl.Update(ctx, obj)
}

func unregisterWebhooks(ctx context.Context, home *cluster) error {
	for _, obj := range []client.Object{
		&admissionregistrationv1.MutatingWebhookConfiguration{ObjectMeta: metav1.ObjectMeta{Name: webhookConfigName}},
		&admissionregistrationv1.ValidatingWebhookConfiguration{ObjectMeta: metav1.ObjectMeta{Name: webhookConfigName}},
	} {
		if err := client.IgnoreNotFound(home.direct.Delete(ctx, obj)); err != nil {
			return err
		}
	}
	return nil
}
