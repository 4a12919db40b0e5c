package main

import (
	"context"
	"encoding/json"
	"fmt"

	jsonpatch "gopkg.in/evanphx/json-patch.v4"
	admissionv1 "k8s.io/api/admission/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"
	"sigs.k8s.io/controller-runtime/pkg/webhook/admission"

	offloadingv1beta1 "github.com/liqotech/liqo/apis/offloading/v1beta1"
	nsoffwh "github.com/liqotech/liqo/pkg/webhooks/namespaceoffloading"
	podwh "github.com/liqotech/liqo/pkg/webhooks/pod"
)

var podWebhookClient client.WithWatch

type admissionAnswer struct {
	Allowed  bool     `json:"allowed"`
	Code     int32    `json:"code,omitempty"`
	Message  string   `json:"message,omitempty"`
	Warnings []string `json:"warnings,omitempty"`
}

func verdict(resp admission.Response) admissionAnswer {
	a := admissionAnswer{Allowed: resp.Allowed, Warnings: resp.Warnings}
	if resp.Result != nil {
		a.Code = resp.Result.Code
		a.Message = resp.Result.Message
	}
	return a
}

// podWebhook: {"namespace", "offloading": NamespaceOffloadingSpec, "pod": Pod} →
// {"allowed", "code", "message", "spec": the pod's spec after the webhook's patch, as Go writes it}
//
// The NamespaceOffloading `offloading` of the namespace is in a fake client, as the webhook reads
// it; the pod is sent as a CREATE request and the JSON patch of the answer is applied the way the
// API server applies it (evanphx/json-patch).
func answerPodWebhook(raw json.RawMessage) (any, error) {
	var q struct {
		Namespace  string                                    `json:"namespace"`
		Offloading offloadingv1beta1.NamespaceOffloadingSpec `json:"offloading"`
		Pod        json.RawMessage                           `json:"pod"`
	}
	if err := json.Unmarshal(raw, &q); err != nil {
		return nil, err
	}
	nsoff := &offloadingv1beta1.NamespaceOffloading{
		ObjectMeta: metav1.ObjectMeta{Name: "offloading", Namespace: q.Namespace},
		Spec:       q.Offloading,
	}
	// One fake client for every question (building one costs more than the webhook): the
	// previous question's NamespaceOffloading is replaced by this one's.
	if podWebhookClient == nil {
		podWebhookClient = fake.NewClientBuilder().WithScheme(scheme).Build()
	}
	cl := podWebhookClient
	if err := cl.DeleteAllOf(context.Background(), &offloadingv1beta1.NamespaceOffloading{}, client.InNamespace(q.Namespace)); err != nil {
		return nil, err
	}
	if err := cl.Create(context.Background(), nsoff); err != nil {
		return nil, err
	}
	wh := podwh.New(cl, "liqo")
	req := admission.Request{AdmissionRequest: admissionv1.AdmissionRequest{
		UID:       types.UID("oracle"),
		Kind:      metav1.GroupVersionKind{Version: "v1", Kind: "Pod"},
		Resource:  metav1.GroupVersionResource{Version: "v1", Resource: "pods"},
		Namespace: q.Namespace,
		Operation: admissionv1.Create,
		Object:    runtime.RawExtension{Raw: q.Pod},
	}}
	resp := wh.Handle(context.Background(), req)
	a := verdict(resp)
	out := map[string]any{"allowed": a.Allowed, "code": a.Code, "message": a.Message}
	if !resp.Allowed {
		return out, nil
	}
	patched := []byte(q.Pod)
	if len(resp.Patch) > 0 {
		p, err := jsonpatch.DecodePatch(resp.Patch)
		if err != nil {
			return nil, fmt.Errorf("the webhook's patch does not decode: %w", err)
		}
		if patched, err = p.Apply(patched); err != nil {
			return nil, fmt.Errorf("the webhook's patch does not apply: %w", err)
		}
	}
	var pod corev1.Pod
	if err := json.Unmarshal(patched, &pod); err != nil {
		return nil, err
	}
	out["spec"] = pod.Spec
	out["patched"] = len(resp.Patch) > 0
	return out, nil
}

// canonPodSpec: {"specs": [PodSpec…]} → {"specs": [PodSpec…]}: each decoded into core/v1 PodSpec and
// encoded again, the form Liqo's webhook answers in (empty fields dropped, fields in Go's order).
func answerCanonPodSpec(raw json.RawMessage) (any, error) {
	var q struct {
		Specs []corev1.PodSpec `json:"specs"`
	}
	if err := json.Unmarshal(raw, &q); err != nil {
		return nil, err
	}
	if q.Specs == nil {
		q.Specs = []corev1.PodSpec{}
	}
	return map[string]any{"specs": q.Specs}, nil
}

// nsoffWebhook: {"operation": "CREATE"|"UPDATE", "object": NamespaceOffloading, "oldObject": …} →
// {"allowed", "code", "message", "warnings"}
func answerNsoffWebhook(raw json.RawMessage) (any, error) {
	var q struct {
		Operation string          `json:"operation"`
		Object    json.RawMessage `json:"object"`
		OldObject json.RawMessage `json:"oldObject"`
	}
	if err := json.Unmarshal(raw, &q); err != nil {
		return nil, err
	}
	req := admission.Request{AdmissionRequest: admissionv1.AdmissionRequest{
		UID:       types.UID("oracle"),
		Kind:      metav1.GroupVersionKind{Group: "offloading.liqo.io", Version: "v1beta1", Kind: "NamespaceOffloading"},
		Resource:  metav1.GroupVersionResource{Group: "offloading.liqo.io", Version: "v1beta1", Resource: "namespaceoffloadings"},
		Operation: admissionv1.Operation(q.Operation),
		Object:    runtime.RawExtension{Raw: q.Object},
	}}
	if len(q.OldObject) > 0 {
		req.OldObject = runtime.RawExtension{Raw: q.OldObject}
	}
	return verdict(nsoffwh.New().Handle(context.Background(), req)), nil
}
