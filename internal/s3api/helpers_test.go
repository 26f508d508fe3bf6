package s3api

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/xml"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go"

	"github.com/sluice-cd/sluice/internal/artifact"
	"github.com/sluice-cd/sluice/internal/artifact/file"
	"github.com/sluice-cd/sluice/internal/sigv4"
)

var ctx = context.Background()

// testBundle is what setup gives each test: an endpoint over a file store
// in a temp dir, served over TLS or plain HTTP.
type testBundle struct {
	server *Server
	srv    *httptest.Server
	store  artifact.Store
	jobs   *staticJobs
	events *eventLog
	// payloads records the X-Amz-Content-Sha256 of every request, to
	// show which body forms a client sent.
	payloads *stringSet
}

// setupOpts changes what setup builds; the zero value is an open-mode
// endpoint over plain HTTP.
type setupOpts struct {
	tls      bool
	accounts *sigv4.Verifier
	// noAccounts leaves Server.Accounts nil: job credentials only.
	noAccounts bool
	// store, when set, is served instead of a new file store, so that
	// two endpoints can share one.
	store artifact.Store
	// owners, when set, gives buckets owners.
	owners Owners
}

func setup(t testing.TB, o setupOpts) *testBundle {
	t.Helper()
	store := o.store
	if store == nil {
		store = mustFileStore(t, filepath.Join(t.TempDir(), "artifacts"))
	}
	if o.accounts == nil {
		o.accounts = &sigv4.Verifier{}
	}
	b := &testBundle{store: store, jobs: &staticJobs{}, events: &eventLog{}, payloads: &stringSet{}}
	b.server = &Server{
		Store:    store,
		Accounts: o.accounts,
		Jobs:     b.jobs,
		OnChange: b.events.add,
		Log:      slog.New(slog.NewTextHandler(io.Discard, nil)),
	}
	if o.owners != nil {
		b.server.Owners = o.owners
	}
	if o.noAccounts {
		b.server.Accounts = nil
	}
	h := b.server.Handler()
	b.srv = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b.payloads.add(r.Header.Get("X-Amz-Content-Sha256"))
		h.ServeHTTP(w, r)
	}))
	if o.tls {
		b.srv.StartTLS()
	} else {
		b.srv.Start()
	}
	t.Cleanup(b.srv.Close)
	return b
}

// mustFileStore opens the file store under dir.
func mustFileStore(t testing.TB, dir string) *file.Store {
	t.Helper()
	store, err := file.Open(dir)
	must(t, err)
	return store
}

// client returns an S3 client of an account in open mode.
func (b *testBundle) client(t testing.TB) *s3.Client {
	return b.clientAs(t, "123456789012", "open-mode-secret", "")
}

// clientAs returns an S3 client signing with the given credential, set up
// as config.LoadDefaultConfig would (checksums when supported) and without
// retries, so that a failure shows at once.
func (b *testBundle) clientAs(t testing.TB, akid, secret, token string) *s3.Client {
	t.Helper()
	return s3.New(s3.Options{
		Region:                     "us-east-1",
		BaseEndpoint:               aws.String(b.srv.URL),
		UsePathStyle:               true,
		HTTPClient:                 b.srv.Client(),
		Credentials:                credentials.NewStaticCredentialsProvider(akid, secret, token),
		RequestChecksumCalculation: aws.RequestChecksumCalculationWhenSupported,
		ResponseChecksumValidation: aws.ResponseChecksumValidationWhenSupported,
		Retryer:                    aws.NopRetryer{},
	})
}

// staticJobs is a JobCredentials over a map.
type staticJobs struct {
	mu     sync.Mutex
	grants map[string]Grant
}

var _ JobCredentials = (*staticJobs)(nil)

func (j *staticJobs) add(g Grant) {
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.grants == nil {
		j.grants = make(map[string]Grant)
	}
	j.grants[g.Credential.AccessKeyID] = g
}

func (j *staticJobs) Grant(_ context.Context, akid string) (Grant, bool, error) {
	j.mu.Lock()
	defer j.mu.Unlock()
	g, ok := j.grants[akid]
	return g, ok, nil
}

// eventLog collects OnChange events.
type eventLog struct {
	mu     sync.Mutex
	events []Event
}

func (l *eventLog) add(e Event) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.events = append(l.events, e)
}

func (l *eventLog) all() []Event {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]Event(nil), l.events...)
}

// stringSet collects strings from concurrent requests.
type stringSet struct {
	mu   sync.Mutex
	seen map[string]bool
}

func (s *stringSet) add(v string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.seen == nil {
		s.seen = make(map[string]bool)
	}
	s.seen[v] = true
}

func (s *stringSet) has(v string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.seen[v]
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// mustPut stores content at bucket/key through the client.
func mustPut(t testing.TB, c *s3.Client, bucket, key string, content []byte) *s3.PutObjectOutput {
	t.Helper()
	out, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: &bucket, Key: &key, Body: bytes.NewReader(content)})
	must(t, err)
	return out
}

// mustGet reads bucket/key through the client.
func mustGet(t testing.TB, c *s3.Client, in *s3.GetObjectInput) ([]byte, *s3.GetObjectOutput) {
	t.Helper()
	out, err := c.GetObject(ctx, in)
	must(t, err)
	defer out.Body.Close()
	b, err := io.ReadAll(out.Body)
	must(t, err)
	return b, out
}

// requireAPIError fails unless err is an S3 error with code.
func requireAPIError(t testing.TB, err error, code string) {
	t.Helper()
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		t.Fatalf("want S3 error %s, got %v", code, err)
	}
	if ae.ErrorCode() != code {
		t.Fatalf("want S3 error %s, got %s: %s", code, ae.ErrorCode(), ae.ErrorMessage())
	}
}

// requireStatus fails unless err is an HTTP response error with status.
func requireStatus(t testing.TB, err error, status int) {
	t.Helper()
	var re interface{ HTTPStatusCode() int }
	if !errors.As(err, &re) || re.HTTPStatusCode() != status {
		t.Fatalf("want HTTP %d, got %v", status, err)
	}
}

// content is n bytes that are not all the same, so a misplaced part or
// chunk shows.
func content(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i*31 + i/4093)
	}
	return b
}

func sum(b []byte) [sha256.Size]byte { return sha256.Sum256(b) }

// s3ErrorOf decodes an S3 XML error body.
func s3ErrorOf(t testing.TB, body []byte) errorBody {
	t.Helper()
	var e errorBody
	if err := xml.Unmarshal(body, &e); err != nil {
		t.Fatalf("error body %q: %v", body, err)
	}
	return e
}

// do sends req and returns the status, headers and body.
func do(t testing.TB, client *http.Client, req *http.Request) (*http.Response, []byte) {
	t.Helper()
	resp, err := client.Do(req)
	must(t, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	must(t, err)
	return resp, body
}

func hexOf(b []byte) string { return hex.EncodeToString(b) }
