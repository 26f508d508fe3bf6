package main

import (
	"bytes"
	"context"
	"io"
	"net/http/httptest"
	"testing"
)

// BenchmarkHandler measures one operation through the whole handler (auth,
// decoding, validation, storage, encoding) without the network.
func BenchmarkHandler(b *testing.B) {
	h := newTestHandler(b)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, signedRequest(b, "http://127.0.0.1", "CreatePipeline", []byte(cliPipelineInput)))
	if rec.Code != 200 {
		b.Fatalf("create: %d %s", rec.Code, rec.Body)
	}
	for _, op := range []struct{ name, body string }{{"GetPipeline", `{"name":"cli"}`}, {"ListPipelines", `{}`}} {
		b.Run(op.name, func(b *testing.B) {
			body := []byte(op.body)
			req := signedRequest(b, "http://127.0.0.1", op.name, body)
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
