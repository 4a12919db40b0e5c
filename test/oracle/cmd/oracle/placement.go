package main

import (
	"encoding/json"

	"github.com/go-logr/logr"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	corev1helpers "k8s.io/component-helpers/scheduling/corev1"
	"k8s.io/component-helpers/scheduling/corev1/nodeaffinity"
	"k8s.io/klog/v2"
	ctrllog "sigs.k8s.io/controller-runtime/pkg/log"
)

// silenceLogs keeps klog and controller-runtime off stderr: the webhooks log what they deny.
func silenceLogs() {
	klog.SetLogger(logr.Discard())
	ctrllog.SetLogger(logr.Discard())
}

// placement: {"pod": PodSpec, "nodes": [{"name", "labels", "taints", "unschedulable"}]} →
// {"nodes": [{"name", "affinity", "affinityError", "untoleratedTaint", "unschedulable"}]}
//
// What the kube-scheduler's filters call: NodeAffinity matches
// nodeaffinity.GetRequiredNodeAffinity(pod) (nodeSelector and required node affinity; a parse
// error is a mismatch there), TaintToleration looks for
// FindMatchingUntoleratedTaint among the NoSchedule and NoExecute taints, NodeUnschedulable asks
// whether the pod tolerates node.kubernetes.io/unschedulable:NoSchedule. The alpha feature gate of
// toleration comparison operators is off, as in a default v1.35 scheduler.
func answerPlacement(raw json.RawMessage) (any, error) {
	var q struct {
		Pod   corev1.PodSpec `json:"pod"`
		Nodes []struct {
			Name          string            `json:"name"`
			Labels        map[string]string `json:"labels"`
			Taints        []corev1.Taint    `json:"taints"`
			Unschedulable bool              `json:"unschedulable"`
		} `json:"nodes"`
	}
	if err := json.Unmarshal(raw, &q); err != nil {
		return nil, err
	}
	pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "p", Namespace: "ns"}, Spec: q.Pod}
	required := nodeaffinity.GetRequiredNodeAffinity(pod)
	logger := klog.Background()
	doNotSchedule := func(t *corev1.Taint) bool {
		return t.Effect == corev1.TaintEffectNoSchedule || t.Effect == corev1.TaintEffectNoExecute
	}
	type nodeAnswer struct {
		Name             string        `json:"name"`
		Affinity         bool          `json:"affinity"`
		AffinityError    string        `json:"affinityError,omitempty"`
		UntoleratedTaint *corev1.Taint `json:"untoleratedTaint,omitempty"`
		Unschedulable    bool          `json:"unschedulable"`
	}
	out := []nodeAnswer{}
	for _, n := range q.Nodes {
		node := &corev1.Node{
			ObjectMeta: metav1.ObjectMeta{Name: n.Name, Labels: n.Labels},
			Spec:       corev1.NodeSpec{Taints: n.Taints, Unschedulable: n.Unschedulable},
		}
		a := nodeAnswer{Name: n.Name}
		m, err := required.Match(node)
		a.Affinity = m
		if err != nil {
			a.AffinityError = err.Error()
		}
		if t, found := corev1helpers.FindMatchingUntoleratedTaint(logger, node.Spec.Taints, pod.Spec.Tolerations, doNotSchedule, false); found {
			a.UntoleratedTaint = &t
		}
		if node.Spec.Unschedulable {
			unschedulableTaint := &corev1.Taint{Key: corev1.TaintNodeUnschedulable, Effect: corev1.TaintEffectNoSchedule}
			a.Unschedulable = !corev1helpers.TolerationsTolerateTaint(logger, pod.Spec.Tolerations, unschedulableTaint, false)
		}
		out = append(out, a)
	}
	return map[string]any{"nodes": out}, nil
}
