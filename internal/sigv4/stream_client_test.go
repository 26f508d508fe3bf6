package sigv4

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// TestVerifyStreamS3Client sends uploads with the real S3 client and
// checks what VerifyStream decodes. Over TLS the client streams
// STREAMING-UNSIGNED-PAYLOAD-TRAILER with a CRC32 trailer; over plain HTTP
// it signs the body's SHA-256 and sends the CRC32 as a header.
func TestVerifyStreamS3Client(t *testing.T) {
	t.Parallel()
	data := content(300_000)
	cases := []struct {
		name     string
		tls      bool
		body     func() io.Reader
		declared string
	}{
		{"TLSUnseekable", true, func() io.Reader { return io.MultiReader(bytes.NewReader(data)) }, streamingUnsigned},
		{"TLSSeekable", true, func() io.Reader { return bytes.NewReader(data) }, streamingUnsigned},
		{"PlainHTTPSeekable", false, func() io.Reader { return bytes.NewReader(data) }, sha256Hex(data)},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			store, err := NewStatic(Credential{AccessKeyID: "AKIASTREAM", SecretAccessKey: "stream-secret", Account: "123456789012"})
			if err != nil {
				t.Fatal(err)
			}
			v := &Verifier{Credentials: store} // the SDK signs with the real time
			type result struct {
				declared string
				content  []byte
				err      error
			}
			results := make(chan result, 1)
			handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				_, body, err := v.VerifyStream(r.Context(), r)
				var got []byte
				if err == nil {
					got, err = io.ReadAll(io.LimitReader(body, body.Length))
				}
				results <- result{r.Header.Get("X-Amz-Content-Sha256"), got, err}
				if err != nil {
					http.Error(w, err.Error(), http.StatusForbidden)
					return
				}
				w.Header().Set("ETag", `"x"`)
			})
			srv := httptest.NewUnstartedServer(handler)
			if c.tls {
				srv.StartTLS()
			} else {
				srv.Start()
			}
			t.Cleanup(srv.Close)
			client := s3.New(s3.Options{
				Region:       "us-east-1",
				BaseEndpoint: aws.String(srv.URL),
				UsePathStyle: true,
				HTTPClient:   srv.Client(),
				Credentials:  credentials.NewStaticCredentialsProvider("AKIASTREAM", "stream-secret", ""),
				// What config.LoadDefaultConfig gives; a bare Options
				// computes no checksum.
				RequestChecksumCalculation: aws.RequestChecksumCalculationWhenSupported,
			})
			_, err = client.PutObject(context.Background(), &s3.PutObjectInput{
				Bucket: aws.String("artifacts"), Key: aws.String("out.zip"),
				Body: c.body(), ContentLength: aws.Int64(int64(len(data))),
			})
			got := <-results
			if err != nil || got.err != nil {
				t.Fatalf("client: %v; server: %v", err, got.err)
			}
			if got.declared != c.declared {
				t.Fatalf("client declared %q, want %q", got.declared, c.declared)
			}
			if !bytes.Equal(got.content, data) {
				t.Fatalf("decoded %d bytes, want %d", len(got.content), len(data))
			}
		})
	}
}
