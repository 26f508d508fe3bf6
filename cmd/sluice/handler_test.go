package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"log/slog"
	"net/http"
	"path/filepath"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/sluice-cd/sluice/internal/api"
	"github.com/sluice-cd/sluice/internal/catalog"
	"github.com/sluice-cd/sluice/internal/core"
	"github.com/sluice-cd/sluice/internal/engine"
	"github.com/sluice-cd/sluice/internal/sigv4"
	"github.com/sluice-cd/sluice/internal/store/sqlite"
)

// newTestHandler is the whole API handler over a fresh SQLite store, in
// open mode, for tests that call it without a network.
func newTestHandler(tb testing.TB) http.Handler {
	tb.Helper()
	st, err := sqlite.Open(context.Background(), filepath.Join(tb.TempDir(), "sluice.db"))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { st.Close() })
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	cat := &catalog.Service{Store: st, Clock: core.SystemClock{}, PublicURL: "http://127.0.0.1:4747"}
	eng := engine.New(st, cat, log)
	cat.Runner = eng
	h := &api.Handler{Verifier: &sigv4.Verifier{}, Operations: operations(cat, eng), Webhooks: eng, Log: log}
	return h.New()
}

// signedRequest builds a request for op at url, signed as testAccount in
// us-east-1 with the SDK's own signer.
func signedRequest(tb testing.TB, url, op string, body []byte) *http.Request {
	tb.Helper()
	req, err := http.NewRequest(http.MethodPost, url+"/", bytes.NewReader(body))
	if err != nil {
		tb.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-amz-json-1.1")
	if op != "" {
		req.Header.Set("X-Amz-Target", "CodePipeline_20150709."+op)
	}
	sum := sha256.Sum256(body)
	creds := aws.Credentials{AccessKeyID: testAccount, SecretAccessKey: "s"}
	if err := v4.NewSigner().SignHTTP(context.Background(), creds, req, hex.EncodeToString(sum[:]), "codepipeline", "us-east-1", time.Now()); err != nil {
		tb.Fatal(err)
	}
	return req
}
