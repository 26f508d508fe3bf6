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
)

// BenchmarkHandler measures one operation through the whole handler (auth,
// decoding, validation, storage, encoding) without the network.
func BenchmarkHandler(b *testing.B) {
	st, err := sqlite.Open(context.Background(), filepath.Join(b.TempDir(), "bench.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	cat := &catalog.Service{Store: st, Clock: core.SystemClock{}}
	h := newHandler(&sigv4.Verifier{}, cat, slog.New(slog.NewTextHandler(io.Discard, nil)))
	creds := aws.Credentials{AccessKeyID: testAccount, SecretAccessKey: "s"}
	signed := func(op, body string) *http.Request {
		req := httptest.NewRequest(http.MethodPost, "http://127.0.0.1/", bytes.NewReader([]byte(body)))
		req.Header.Set("X-Amz-Target", "CodePipeline_20150709."+op)
		sum := sha256.Sum256([]byte(body))
		_ = v4.NewSigner().SignHTTP(context.Background(), creds, req, hex.EncodeToString(sum[:]), "codepipeline", "us-east-1", time.Now())
		return req
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, signed("CreatePipeline", cliPipelineInput))
	if rec.Code != 200 {
		b.Fatalf("create: %d %s", rec.Code, rec.Body)
	}
	for _, op := range []struct{ name, body string }{{"GetPipeline", `{"name":"cli"}`}, {"ListPipelines", `{}`}} {
		b.Run(op.name, func(b *testing.B) {
			req := signed(op.name, op.body)
			body := []byte(op.body)
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					r := req.Clone(context.Background())
					r.Body = io.NopCloser(bytes.NewReader(body))
					w := httptest.NewRecorder()
					h.ServeHTTP(w, r)
					if w.Code != 200 {
						b.Errorf("%s: %d %s", op.name, w.Code, w.Body)
						return
					}
				}
			})
		})
	}
}
