package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"sort"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	offloadingv1beta1 "github.com/liqotech/liqo/apis/offloading/v1beta1"
	"github.com/liqotech/liqo/pkg/liqoctl/factory"
	"github.com/liqotech/liqo/pkg/liqoctl/offload"
	"github.com/liqotech/liqo/pkg/liqoctl/output"
)

// selectors: {"selectors": ["k=v", …]} → {"nodeSelector": …} | {"error": "…"}
//
// liqoctl turns the parsed requirements into NodeSelector terms in an unexported function
// (toNodeSelector, a field-for-field copy), which liqoctlOutput runs for real; here the copy is
// the same one-to-one. liqoctl appends a selector's `k=v` requirements in Go map order, which
// changes from run to run: the answer lists them by key, one of the orders liqoctl may print.
func answerSelectors(raw json.RawMessage) (any, error) {
	var q struct {
		Selectors []string `json:"selectors"`
	}
	if err := json.Unmarshal(raw, &q); err != nil {
		return nil, err
	}
	o := &offload.Options{}
	if err := o.ParseClusterSelectors(q.Selectors); err != nil {
		return map[string]any{"error": err.Error()}, nil
	}
	terms := []corev1.NodeSelectorTerm{}
	for i, reqs := range o.ClusterSelector {
		s, err := metav1.ParseToLabelSelector(q.Selectors[i])
		if err != nil {
			return nil, fmt.Errorf("selector %q parsed once but not twice: %w", q.Selectors[i], err)
		}
		tail := reqs[len(reqs)-len(s.MatchLabels):]
		sort.SliceStable(tail, func(a, b int) bool { return tail[a].Key < tail[b].Key })
		var out []corev1.NodeSelectorRequirement
		for _, r := range reqs {
			out = append(out, corev1.NodeSelectorRequirement{Key: r.Key, Operator: corev1.NodeSelectorOperator(r.Operator), Values: r.Values})
		}
		terms = append(terms, corev1.NodeSelectorTerm{MatchExpressions: out})
	}
	return map[string]any{"nodeSelector": corev1.NodeSelector{NodeSelectorTerms: terms}}, nil
}

// liqoctlOutput: {"namespaces": […], "selectors": […], "podOffloadingStrategy", "namespaceMappingStrategy",
// "remoteNamespaceName", "output": "json"|"yaml"} → {"stdout": "…"} | {"error": "…"}
//
// Runs liqoctl's own (*offload.Options).Run with an output format, which prints the
// NamespaceOffloading of each namespace instead of applying it; what it prints on stdout is read
// back. With a single selector the `k=v` order is liqoctl's own (Go map order): callers give at
// most one equality requirement per selector when they compare texts.
func answerLiqoctlOutput(raw json.RawMessage) (any, error) {
	var q struct {
		Namespaces               []string `json:"namespaces"`
		Selectors                []string `json:"selectors"`
		PodOffloadingStrategy    string   `json:"podOffloadingStrategy"`
		NamespaceMappingStrategy string   `json:"namespaceMappingStrategy"`
		RemoteNamespaceName      string   `json:"remoteNamespaceName"`
		Output                   string   `json:"output"`
	}
	if err := json.Unmarshal(raw, &q); err != nil {
		return nil, err
	}
	f := factory.NewForLocal()
	f.Printer = output.NewFakePrinter(io.Discard)
	o := &offload.Options{
		Factory:                  f,
		Namespaces:               q.Namespaces,
		PodOffloadingStrategy:    offloadingv1beta1.PodOffloadingStrategyType(q.PodOffloadingStrategy),
		NamespaceMappingStrategy: offloadingv1beta1.NamespaceMappingStrategyType(q.NamespaceMappingStrategy),
		RemoteNamespaceName:      q.RemoteNamespaceName,
		OutputFormat:             q.Output,
		Timeout:                  10 * time.Second,
	}
	if err := o.ParseClusterSelectors(q.Selectors); err != nil {
		return map[string]any{"error": err.Error()}, nil
	}
	text, err := captureStdout(func() error { return o.Run(context.Background()) })
	if err != nil {
		return map[string]any{"error": err.Error()}, nil
	}
	return map[string]any{"stdout": text}, nil
}

// captureStdout runs fn with os.Stdout pointed at a temporary file and returns what was written.
func captureStdout(fn func() error) (string, error) {
	tmp, err := os.CreateTemp("", "oracle-stdout-")
	if err != nil {
		return "", err
	}
	defer os.Remove(tmp.Name())
	defer tmp.Close()
	saved := os.Stdout
	os.Stdout = tmp
	runErr := fn()
	os.Stdout = saved
	if runErr != nil {
		return "", runErr
	}
	if _, err := tmp.Seek(0, io.SeekStart); err != nil {
		return "", err
	}
	b, err := io.ReadAll(tmp)
	return string(b), err
}
