// Command oracle answers questions about Liqo v1.2.0 and Kubernetes v1.35 by running their own
// code: it is the judge of nsoffload's differential tests (test/differential/).
//
// It reads one JSON question per line on stdin and writes one JSON answer per line on stdout,
// in order, each carrying the question's "id". A question names what it asks in "q":
//
//	selectors        liqoctl's (*offload.Options).ParseClusterSelectors on --selector strings
//	liqoctlOutput    `liqoctl offload namespace … --output json|yaml` (the real Run, stdout captured)
//	virtualNode      the Node Liqo's virtual kubelet makes of a cluster's labels (forge.MutateVirtualNode, liqonodeprovider)
//	selectClusters   nsoffctrl.MatchVirtualNodeSelectorTerms over those virtual nodes (controller-runtime's fake client)
//	podWebhook       Liqo's pod mutating webhook (pkg/webhooks/pod.New(client, "liqo").Handle)
//	nsoffWebhook     Liqo's NamespaceOffloading validating webhook (pkg/webhooks/namespaceoffloading.New().Handle)
//	placement        the kube-scheduler's NodeAffinity, TaintToleration and NodeUnschedulable filters (component-helpers)
//	yaml             sigs.k8s.io/yaml's YAMLToJSON and YAMLToJSONStrict
//	canonPodSpec     pod specs decoded into core/v1 PodSpec and encoded again, as Go writes them
//
// A question the oracle cannot read is answered with "oracleError" (a bug of the test, never a
// verdict). Nothing here restates Liqo's or Kubernetes' logic: each answer is what their
// functions return, with only the glue needed to call them.
package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"os"
)

type question struct {
	ID int64  `json:"id"`
	Q  string `json:"q"`
}

type handler func(raw json.RawMessage) (any, error)

var handlers = map[string]handler{
	"selectors":      answerSelectors,
	"liqoctlOutput":  answerLiqoctlOutput,
	"virtualNode":    answerVirtualNode,
	"selectClusters": answerSelectClusters,
	"podWebhook":     answerPodWebhook,
	"nsoffWebhook":   answerNsoffWebhook,
	"placement":      answerPlacement,
	"yaml":           answerYAML,
	"canonPodSpec":   answerCanonPodSpec,
}

func main() {
	// Captured before any handler swaps os.Stdout (liqoctlOutput does, to read what liqoctl prints).
	out := bufio.NewWriterSize(os.Stdout, 1<<16)
	in := bufio.NewReaderSize(os.Stdin, 1<<20)
	silenceLogs()
	for {
		line, readErr := in.ReadBytes('\n')
		if len(bytes.TrimSpace(line)) == 0 {
			if readErr != nil {
				break
			}
			continue
		}
		answer := respond(line)
		b, err := json.Marshal(answer)
		if err != nil {
			b, _ = json.Marshal(map[string]any{"id": answer["id"], "oracleError": "cannot encode the answer: " + err.Error()})
		}
		out.Write(b)
		out.WriteByte('\n')
		// Flush when no more input is waiting: a batch is answered in one write, a single question at once.
		if in.Buffered() == 0 {
			out.Flush()
		}
		if readErr != nil {
			break
		}
	}
	if err := out.Flush(); err != nil {
		fmt.Fprintln(os.Stderr, "oracle:", err)
		os.Exit(1)
	}
}

func respond(line []byte) (answer map[string]any) {
	var q question
	if err := json.Unmarshal(line, &q); err != nil {
		return map[string]any{"id": nil, "oracleError": "not a question: " + err.Error()}
	}
	defer func() {
		if r := recover(); r != nil {
			answer = map[string]any{"id": q.ID, "oracleError": fmt.Sprintf("panic: %v", r)}
		}
	}()
	h, ok := handlers[q.Q]
	if !ok {
		return map[string]any{"id": q.ID, "oracleError": fmt.Sprintf("unknown question %q", q.Q)}
	}
	res, err := h(line)
	if err != nil {
		return map[string]any{"id": q.ID, "oracleError": err.Error()}
	}
	return map[string]any{"id": q.ID, "answer": res}
}
