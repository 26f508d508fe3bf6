package main

import (
	"net/http/httptest"
	"testing"

	"github.com/sluice-cd/sluice/internal/wire"
)

// FuzzAPI sends arbitrary, correctly signed bodies to every operation: no
// input may panic the server or make it answer 500.
func FuzzAPI(f *testing.F) {
	h := newTestHandler(f)
	var names []string
	for name := range wire.Operations {
		names = append(names, name)
	}
	for i, seed := range []string{`{}`, cliPipelineInput, `{"name":"cli","version":1}`, `{"maxResults":0}`,
		`{"resourceArn":"arn:aws:codepipeline:us-east-1:123456789012:cli","tags":[{"key":"a","value":"b"}]}`,
		`{"webhook":{"name":"w","targetPipeline":"cli","targetAction":"Source","filters":[],"authentication":"IP","authenticationConfiguration":{"AllowedIPRange":"10.0.0.0/8"}}}`,
		`{"category":"Build","provider":"P","version":"1","inputArtifactDetails":{"minimumCount":0,"maximumCount":1},"outputArtifactDetails":{"minimumCount":0,"maximumCount":1}}`,
	} {
		f.Add(uint8(i), []byte(seed))
	}
	f.Fuzz(func(t *testing.T, op uint8, body []byte) {
		name := names[int(op)%len(names)]
		if op%7 == 0 {
			name = "CreatePipeline"
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, signedRequest(t, "http://127.0.0.1:4747", name, body))
		if rec.Code >= 500 {
			t.Fatalf("%s %q answered %d: %s", name, body, rec.Code, rec.Body.String())
		}
	})
}

const cliPipelineInput = `{"pipeline":` + cliPipeline + `}`
