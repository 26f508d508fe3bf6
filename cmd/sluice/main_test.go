package main

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"os"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/codepipeline"
	"github.com/aws/smithy-go"

	"github.com/sluice-cd/sluice/internal/store/postgres/pgtest"
)

// testAccount is the account of requests signed by newClient's default key
// in open mode: a 12-digit access key id is the account.
const testAccount = "123456789012"

// MustOpen starts a server on a free loopback port with its own data dir.
func MustOpen(tb testing.TB, mutate ...func(*Config)) *Main {
	tb.Helper()
	cfg := DefaultConfig()
	cfg.Listen, cfg.DataDir = "127.0.0.1:0", tb.TempDir()
	if os.Getenv("SLUICE_TEST_STORE") == "postgres" {
		cfg.Store = pgtest.Schema(tb) // the same tests, on PostgreSQL
	}
	for _, f := range mutate {
		f(&cfg)
	}
	m, err := Open(context.Background(), cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		tb.Fatalf("open: %v", err)
	}
	tb.Cleanup(func() { m.Close() })
	return m
}

// clientOpts tunes a test client.
type clientOpts struct {
	accessKey, secret, region string
}

// newClient returns the real CodePipeline SDK client pointed at m, signing
// as the given access key (testAccount by default) in us-east-1.
func newClient(m *Main, opts ...clientOpts) *codepipeline.Client {
	o := clientOpts{accessKey: testAccount, secret: "secret", region: "us-east-1"}
	if len(opts) > 0 {
		o = opts[0]
	}
	return codepipeline.New(codepipeline.Options{
		Region:           o.region,
		BaseEndpoint:     aws.String(m.URL()),
		Credentials:      credentials.NewStaticCredentialsProvider(o.accessKey, o.secret, ""),
		RetryMaxAttempts: 1,
	}, func(o *codepipeline.Options) { o.HTTPClient = bufferedBody{o.HTTPClient} })
}

// bufferedBody hands the transport its own copy of each request body. The
// SDK closes the body it gave the transport as soon as response headers
// arrive; net/http's write loop then reads an error and closes the
// connection while the response is still being read, which fails a few
// large answers in a thousand from a fast local server. No retries here
// hide it, so the tests would flake.
type bufferedBody struct{ next codepipeline.HTTPClient }

func (c bufferedBody) Do(r *http.Request) (*http.Response, error) {
	if r.Body != nil && r.Body != http.NoBody {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			return nil, err
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
	}
	return c.next.Do(r)
}

// wantAPIError asserts err is the AWS error code, with a message holding
// every given fragment.
func wantAPIError(tb testing.TB, err error, code string, fragments ...string) {
	tb.Helper()
	var apiErr smithy.APIError
	if !errors.As(err, &apiErr) {
		tb.Fatalf("error = %v, want API error %s", err, code)
	}
	if apiErr.ErrorCode() != code {
		tb.Fatalf("error code = %s (%s), want %s", apiErr.ErrorCode(), apiErr.ErrorMessage(), code)
	}
	for _, f := range fragments {
		if !strings.Contains(apiErr.ErrorMessage(), f) {
			tb.Fatalf("message %q does not contain %q", apiErr.ErrorMessage(), f)
		}
	}
}

func must[T any](tb testing.TB) func(T, error) T {
	return func(v T, err error) T {
		tb.Helper()
		if err != nil {
			tb.Fatalf("unexpected error: %v", err)
		}
		return v
	}
}
