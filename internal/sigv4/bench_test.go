package sigv4

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/sluice-cd/sluice/internal/core"
)

// BenchmarkVerify measures one verification of the requests the server sees
// most: a signed CodePipeline call and a presigned S3 GET, with warm caches.
func BenchmarkVerify(b *testing.B) {
	store, err := NewStatic(permanent, temporary)
	if err != nil {
		b.Fatal(err)
	}
	clock := core.ClockFunc(func() time.Time { return testNow })

	post := MustNewPost(b)
	MustSign(b, post, jsonBody, signOpts{cred: temporary})
	postReq, postBody := MustServe(b, post)

	get := MustPresign(b, MustNewRequest(b, http.MethodGet, testEndpoint+"/artifacts/MyApp/out.zip?X-Amz-Expires=900", nil), signOpts{service: "s3"})
	getReq, getBody := MustServe(b, get)

	cases := []struct {
		name string
		v    *Verifier
		r    *http.Request
		body []byte
	}{
		{"HeaderCodePipeline", &Verifier{Credentials: store, Clock: clock}, postReq, postBody},
		{"PresignedS3", &Verifier{Credentials: store, Clock: clock}, getReq, getBody},
		{"OpenMode", &Verifier{Clock: clock}, postReq, postBody},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			ctx := context.Background()
			for b.Loop() {
				if _, err := c.v.Verify(ctx, c.r, c.body); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
	b.Run("HeaderCodePipelineParallel", func(b *testing.B) {
		b.ReportAllocs()
		v := &Verifier{Credentials: store, Clock: clock}
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if _, err := v.Verify(context.Background(), postReq, postBody); err != nil {
					b.Error(err)
					return
				}
			}
		})
	})
}
