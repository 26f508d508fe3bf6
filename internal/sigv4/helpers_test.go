package sigv4

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/sluice-cd/sluice/internal/core"
)

// testNow is the server's clock in every test.
var testNow = time.Date(2026, 11, 21, 0, 30, 0, 0, time.UTC)

var (
	permanent = Credential{
		AccessKeyID:     "AKIASLUICETEST",
		SecretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
		Account:         "123456789012",
	}
	temporary = Credential{
		AccessKeyID:     "ASIASLUICETEMP",
		SecretAccessKey: "temporary-secret",
		SessionToken:    "FwoGZXIvYXdzEBYaD+token/with=chars",
		Account:         "210987654321",
		Expires:         testNow.Add(time.Hour),
	}
)

const testEndpoint = "https://sluice.local:8443"

// testBundle is what setup gives each test.
type testBundle struct {
	verifier *Verifier
	store    *Static
	clock    *time.Time // the verifier's clock reads it; tests may move it
}

func setup(t *testing.T) *testBundle {
	t.Helper()
	store, err := NewStatic(permanent, temporary)
	if err != nil {
		t.Fatal(err)
	}
	now := testNow
	b := &testBundle{store: store, clock: &now}
	b.verifier = &Verifier{
		Credentials: store,
		Clock:       core.ClockFunc(func() time.Time { return *b.clock }),
	}
	return b
}

// signOpts says how the SDK signs a request; zero fields take defaults.
type signOpts struct {
	cred        Credential
	service     string
	region      string
	at          time.Time
	payloadHash string // default: SHA-256 of the body
}

func (o signOpts) withDefaults(body []byte) signOpts {
	if o.cred.AccessKeyID == "" {
		o.cred = permanent
	}
	if o.service == "" {
		o.service = "codepipeline"
	}
	if o.region == "" {
		o.region = "us-east-1"
	}
	if o.at.IsZero() {
		o.at = testNow
	}
	if o.payloadHash == "" {
		o.payloadHash = sha256Hex(body)
	}
	return o
}

func awsCreds(c Credential) aws.Credentials {
	return aws.Credentials{AccessKeyID: c.AccessKeyID, SecretAccessKey: c.SecretAccessKey, SessionToken: c.SessionToken}
}

// MustSign signs req in place with the SDK signer, our oracle.
func MustSign(tb testing.TB, req *http.Request, body []byte, o signOpts) {
	tb.Helper()
	o = o.withDefaults(body)
	err := v4.NewSigner().SignHTTP(context.Background(), awsCreds(o.cred), req, o.payloadHash, o.service, o.region, o.at)
	if err != nil {
		tb.Fatal(err)
	}
}

// MustPresign returns a request for the URL the SDK presigns from req.
func MustPresign(tb testing.TB, req *http.Request, o signOpts) *http.Request {
	tb.Helper()
	if o.payloadHash == "" {
		o.payloadHash = unsignedPayload
	}
	o = o.withDefaults(nil)
	signed, _, err := v4.NewSigner().PresignHTTP(context.Background(), awsCreds(o.cred), req, o.payloadHash, o.service, o.region, o.at)
	if err != nil {
		tb.Fatal(err)
	}
	out, err := http.NewRequest(req.Method, signed, nil)
	if err != nil {
		tb.Fatal(err)
	}
	return out
}

// MustNewRequest builds a client request with an optional body.
func MustNewRequest(tb testing.TB, method, url string, body []byte) *http.Request {
	tb.Helper()
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequest(method, url, rd)
	if err != nil {
		tb.Fatal(err)
	}
	return req
}

// jsonBody is a CodePipeline request body.
var jsonBody = []byte(`{"name":"my-pipeline"}`)

// MustNewPost builds a CodePipeline JSON 1.1 call.
func MustNewPost(tb testing.TB) *http.Request {
	tb.Helper()
	req := MustNewRequest(tb, http.MethodPost, testEndpoint+"/", jsonBody)
	req.Header.Set("Content-Type", "application/x-amz-json-1.1")
	req.Header.Set("X-Amz-Target", "CodePipeline_20150709.GetPipeline")
	return req
}

// MustServe writes req on the wire and reads it back the way net/http's
// server does, so the verifier sees what a handler sees (Host moved out of
// the header map, the request line in RequestURI).
func MustServe(tb testing.TB, req *http.Request) (*http.Request, []byte) {
	tb.Helper()
	var wire bytes.Buffer
	if err := req.Write(&wire); err != nil {
		tb.Fatal(err)
	}
	sr, err := http.ReadRequest(bufio.NewReader(&wire))
	if err != nil {
		tb.Fatal(err)
	}
	body, err := io.ReadAll(sr.Body)
	if err != nil {
		tb.Fatal(err)
	}
	return sr, body
}

// requireCode fails unless err is a *core.Error with code and a message
// containing msg.
func requireCode(tb testing.TB, err error, code core.Code, msg string) {
	tb.Helper()
	var e *core.Error
	if !errors.As(err, &e) {
		tb.Fatalf("want *core.Error %s, got %v", code, err)
	}
	if e.Code != code || !strings.Contains(e.Message, msg) {
		tb.Fatalf("want %s containing %q, got %s: %s", code, msg, e.Code, e.Message)
	}
}

func requireIdentity(tb testing.TB, got, want Identity, err error) {
	tb.Helper()
	if err != nil {
		tb.Fatalf("verify: %v", err)
	}
	if got != want {
		tb.Fatalf("identity:\n got %+v\nwant %+v", got, want)
	}
}

func sha256Hex(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// setAuthz rewrites the Authorization header of a served request.
func setAuthz(r *http.Request, replace func(string) string) {
	r.Header.Set("Authorization", replace(r.Header.Get("Authorization")))
}
