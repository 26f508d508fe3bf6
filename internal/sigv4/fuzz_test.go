package sigv4

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/sluice-cd/sluice/internal/core"
)

// FuzzVerify feeds arbitrary Authorization headers, query strings, paths and
// dates: Verify must never panic, and every rejection must be a *core.Error.
func FuzzVerify(f *testing.F) {
	post := MustNewPost(f)
	MustSign(f, post, jsonBody, signOpts{cred: temporary})
	get := MustPresign(f, MustNewRequest(f, http.MethodGet, testEndpoint+"/b/k%20x?X-Amz-Expires=60", nil), signOpts{service: "s3"})
	f.Add(post.Header.Get("Authorization"), "", "/", "20261121T003000Z", temporary.SessionToken)
	f.Add("", get.URL.RawQuery, get.URL.EscapedPath(), "", "")
	f.Add("AWS4-HMAC-SHA256 Credential=a/b/c/d/e, SignedHeaders=;, Signature=", "a=%&b", "//../%zz", "20261121T0030Z", "")
	f.Add("AWS4-HMAC-SHA256 ,,,=,=", "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Expires=-1", "*", "Sat, 21 Nov 2026 00:30:00 GMT", "\x00")

	store, err := NewStatic(permanent, temporary)
	if err != nil {
		f.Fatal(err)
	}
	clock := core.ClockFunc(func() time.Time { return testNow })
	verifiers := []*Verifier{{Credentials: store, Clock: clock}, {Clock: clock}}

	f.Fuzz(func(t *testing.T, authz, rawQuery, path, date, token string) {
		r := &http.Request{
			Method:     http.MethodPost,
			URL:        &url.URL{Path: "/", RawQuery: rawQuery},
			RequestURI: path + "?" + rawQuery,
			Host:       "sluice.local:8443",
			Header: http.Header{
				"Content-Type":         {"application/x-amz-json-1.1"},
				"X-Amz-Target":         {"CodePipeline_20150709.GetPipeline"},
				"Content-Length":       {"22"},
				"Authorization":        {authz},
				"X-Amz-Date":           {date},
				"X-Amz-Security-Token": {token},
			},
		}
		if strings.HasPrefix(path, "http") {
			r.RequestURI = path // absolute form
		}
		for _, v := range verifiers {
			_, err := v.Verify(context.Background(), r, jsonBody)
			var e *core.Error
			if err != nil && !errors.As(err, &e) {
				t.Fatalf("non-core error %T: %v", err, err)
			}
		}
	})
}

// FuzzChunked feeds arbitrary aws-chunked bodies, signed and unsigned,
// with and without a trailer: reading must never panic or run past the
// declared length, and every failure must be a *core.Error.
func FuzzChunked(f *testing.F) {
	f.Add([]byte("5\r\nhello\r\n0\r\nx-amz-checksum-crc32:NhCmhg==\r\n\r\n"), int64(5), false, true)
	f.Add([]byte("5;chunk-signature="+strings.Repeat("0", 64)+"\r\nhello\r\n0;chunk-signature="+strings.Repeat("0", 64)+"\r\n\r\n"), int64(5), true, false)
	f.Add([]byte("ffffffffffffff\r\n"), int64(-1), false, false)
	f.Add([]byte("0\r\nx-amz-trailer-signature:zz\r\n"), int64(0), true, true)
	f.Fuzz(func(t *testing.T, body []byte, want int64, signed, trailer bool) {
		c := newChunkedReader(bytes.NewReader(body), want, signed)
		var check contentCheck
		if trailer {
			if err := c.expectTrailer("x-amz-checksum-crc32", &check); err != nil {
				t.Fatal(err)
			}
		}
		c.check = check
		if signed {
			c.signer = newChunkSigner([32]byte{}, "20261121T003000Z", "20261121/us-east-1/s3/aws4_request", [32]byte{})
			c.signedTrailer = trailer
		}
		n, err := io.Copy(io.Discard, c)
		if want >= 0 && n > want {
			t.Fatalf("read %d bytes past the declared %d", n, want)
		}
		var e *core.Error
		if err != nil && !errors.As(err, &e) {
			t.Fatalf("non-core error %T: %v", err, err)
		}
	})
}
