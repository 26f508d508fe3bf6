package sigv4

import (
	"context"
	"io"
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

// BenchmarkVerifyStream measures decoding and checking 16 MiB bodies: a
// signed aws-chunked one (a SHA-256 and an HMAC per 64 KiB chunk), an
// unsigned one with a CRC32 trailer (what the SDK sends over TLS), and a
// plain one with a declared SHA-256 (the SDK over plain HTTP).
func BenchmarkVerifyStream(b *testing.B) {
	data := content(16 << 20)
	cases := []struct {
		name  string
		build func(tb testing.TB) *http.Request
	}{
		{"SignedChunks", chunked{content: data}.build},
		{"UnsignedTrailer", chunked{declared: streamingUnsigned, content: data, chunk: len(data), trailer: "x-amz-checksum-crc32"}.build},
		{"DeclaredSHA256", func(tb testing.TB) *http.Request {
			req := MustNewRequest(tb, http.MethodPut, testEndpoint+"/artifacts/key", data)
			req.Header.Set("X-Amz-Content-Sha256", sha256Hex(data))
			MustSign(tb, req, nil, signOpts{service: "s3", payloadHash: sha256Hex(data)})
			return MustServeStream(tb, req)
		}},
	}
	store, err := NewStatic(permanent)
	if err != nil {
		b.Fatal(err)
	}
	v := &Verifier{Credentials: store, Clock: core.ClockFunc(func() time.Time { return testNow })}
	buf := make([]byte, 256<<10)
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			b.SetBytes(int64(len(data)))
			for b.Loop() {
				b.StopTimer()
				r := c.build(b)
				b.StartTimer()
				_, body, err := v.VerifyStream(context.Background(), r)
				if err != nil {
					b.Fatal(err)
				}
				if _, err := io.CopyBuffer(io.Discard, io.LimitReader(body, body.Length), buf); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
