package main

import (
	"encoding/json"

	"sigs.k8s.io/yaml"
)

// yaml: {"yaml": "…"} → {"json": …, "error": "…", "strictError": "…"}
//
// YAMLToJSON is how kubectl and the API server's YAML serializer read a manifest (go-yaml v2
// scalars: YAML 1.1 booleans, no sexagesimal numbers, timestamps kept as the strings written);
// YAMLToJSONStrict also refuses duplicate keys. "json" is the JSON text itself, so large integers
// keep every digit.
func answerYAML(raw json.RawMessage) (any, error) {
	var q struct {
		YAML string `json:"yaml"`
	}
	if err := json.Unmarshal(raw, &q); err != nil {
		return nil, err
	}
	out := map[string]any{}
	j, err := yaml.YAMLToJSON([]byte(q.YAML))
	if err != nil {
		out["error"] = err.Error()
	} else {
		out["json"] = string(j)
	}
	if _, err := yaml.YAMLToJSONStrict([]byte(q.YAML)); err != nil {
		out["strictError"] = err.Error()
	}
	return out, nil
}
