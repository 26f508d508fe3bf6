package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/sluice-cd/sluice/internal/catalog"
	"github.com/sluice-cd/sluice/internal/core"
	"github.com/sluice-cd/sluice/internal/sigv4"
	"github.com/sluice-cd/sluice/internal/store/sqlite"
	"github.com/sluice-cd/sluice/internal/wire"
)

// FuzzAPI sends arbitrary, correctly signed bodies to every operation: no
// input may panic the server or make it answer 500.
func FuzzAPI(f *testing.F) {
	st, err := sqlite.Open(context.Background(), filepath.Join(f.TempDir(), "fuzz.db"))
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { st.Close() })
	cat := &catalog.Service{Store: st, Clock: core.SystemClock{}, PublicURL: "http://127.0.0.1:4747"}
	h := newHandler(&sigv4.Verifier{}, cat, slog.New(slog.NewTextHandler(io.Discard, nil)))

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
	creds := aws.Credentials{AccessKeyID: testAccount, SecretAccessKey: "s"}
	f.Fuzz(func(t *testing.T, op uint8, body []byte) {
		name := names[int(op)%len(names)]
		if op%7 == 0 {
			name = "CreatePipeline"
		}
		req := httptest.NewRequest(http.MethodPost, "http://127.0.0.1:4747/", bytes.NewReader(body))
		req.Header.Set("X-Amz-Target", "CodePipeline_20150709."+name)
		sum := sha256.Sum256(body)
		if err := v4.NewSigner().SignHTTP(context.Background(), creds, req, hex.EncodeToString(sum[:]), "codepipeline", "us-east-1", time.Now()); err != nil {
			t.Fatal(err)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code >= 500 {
			t.Fatalf("%s %q answered %d: %s", name, body, rec.Code, rec.Body.String())
		}
	})
}

const cliPipelineInput = `{"pipeline":` + cliPipeline + `}`
