package api

import (
	"strings"
	"testing"

	"github.com/sluice-cd/sluice/internal/core"
	"github.com/sluice-cd/sluice/internal/wire"
)

func TestDecode(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, body, want string
	}{
		{"empty body is an empty input", "", ""},
		{"null is an empty input", "null", ""},
		{"object", `{"maxResults": 5}`, ""},
		{"wrong member type names JSON types", `{"maxResults": "5"}`, "Value of 'maxResults' has the wrong type: expected a number, got a JSON string"},
		{"array", `[]`, "must be a JSON object"},
		{"syntax", `{"maxResults": }`, "not valid JSON"},
		{"trailing", `{} []`, "data after the JSON object"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := decode([]byte(tt.body), &wire.ListPipelinesInput{})
			if tt.want == "" {
				if err != nil {
					t.Fatalf("err = %v", err)
				}
				return
			}
			if core.ErrorCode(err) != core.Serialization || !strings.Contains(core.ErrorMessage(err), tt.want) {
				t.Fatalf("err = %v, want SerializationException with %q", err, tt.want)
			}
		})
	}
}

func TestStatus(t *testing.T) {
	t.Parallel()
	for code, want := range map[core.Code]int{
		core.Validation: 400, core.PipelineNotFound: 400, core.Conflict: 409,
		core.MissingAuthenticationToken: 403, core.IncompleteSignature: 400, core.InvalidSignature: 403,
		core.Internal: 500,
	} {
		if got := status(code); got != want {
			t.Errorf("status(%s) = %d, want %d", code, got, want)
		}
	}
}
