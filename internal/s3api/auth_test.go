package s3api

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/base64"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/sluice-cd/sluice/internal/sigv4"
)

var account = sigv4.Credential{AccessKeyID: "AKIAACCOUNTKEY", SecretAccessKey: "account-secret", Account: "111122223333"}

func setupAccounts(t *testing.T) *testBundle {
	t.Helper()
	static, err := sigv4.NewStatic(account)
	must(t, err)
	return setup(t, setupOpts{accounts: &sigv4.Verifier{Credentials: static}})
}

func TestAccountCredentials(t *testing.T) {
	t.Parallel()
	b := setupAccounts(t)
	right := b.clientAs(t, account.AccessKeyID, account.SecretAccessKey, "")
	_, err := right.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("acct")})
	must(t, err)
	mustPut(t, right, "acct", "k", []byte("v"))

	_, err = b.clientAs(t, account.AccessKeyID, "wrong", "").GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("acct"), Key: aws.String("k")})
	requireAPIError(t, err, "SignatureDoesNotMatch")
	requireStatus(t, err, http.StatusForbidden)
	_, err = b.clientAs(t, "AKIAUNKNOWN", account.SecretAccessKey, "").GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("acct"), Key: aws.String("k")})
	requireAPIError(t, err, "InvalidAccessKeyId")
	requireStatus(t, err, http.StatusForbidden)
}

func TestOpenMode(t *testing.T) {
	t.Parallel()
	b := setup(t, setupOpts{})
	for i, secret := range []string{"anything", "something else"} {
		c := b.clientAs(t, "AKIAWHOEVER", secret, "")
		bucket := []string{"first", "second"}[i]
		_, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: &bucket})
		must(t, err)
	}

	req, err := http.NewRequest(http.MethodGet, b.srv.URL+"/first", nil)
	must(t, err)
	resp, body := do(t, b.srv.Client(), req)
	e := s3ErrorOf(t, body)
	if resp.StatusCode != http.StatusForbidden || e.Code != "AccessDenied" || e.RequestID == "" || e.RequestID != resp.Header.Get("X-Amz-Request-Id") {
		t.Fatalf("unsigned GET: %d %+v", resp.StatusCode, e)
	}
	req, err = http.NewRequest(http.MethodPut, b.srv.URL+"/first/k", strings.NewReader("x"))
	must(t, err)
	if resp, _ := do(t, b.srv.Client(), req); resp.StatusCode != http.StatusForbidden {
		t.Fatalf("unsigned PUT: %d", resp.StatusCode)
	}
	req, err = http.NewRequest(http.MethodHead, b.srv.URL+"/first/k", nil)
	must(t, err)
	if resp, _ := do(t, b.srv.Client(), req); resp.StatusCode != http.StatusForbidden {
		t.Fatalf("unsigned HEAD: %d", resp.StatusCode)
	}
}

func TestNoAccounts(t *testing.T) {
	t.Parallel()
	b := setup(t, setupOpts{noAccounts: true})
	_, err := b.client(t).ListBuckets(ctx, &s3.ListBucketsInput{})
	requireAPIError(t, err, "InvalidAccessKeyId")
	g := jobGrant(time.Now().Add(time.Hour))
	b.jobs.add(g)
	job := b.clientAs(t, g.Credential.AccessKeyID, g.Credential.SecretAccessKey, g.Credential.SessionToken)
	_, err = job.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("artifacts"), Key: aws.String("pipe/in.zip")})
	requireAPIError(t, err, "NoSuchBucket") // authorized; the bucket was never made
}

// signed builds a raw request signed by the SDK's signer for account, for
// what the S3 client would not send.
func signed(t *testing.T, b *testBundle, method, path string, body []byte, payload string, edit func(*http.Request)) *http.Request {
	t.Helper()
	req, err := http.NewRequest(method, b.srv.URL+path, bytes.NewReader(body))
	must(t, err)
	req.Header.Set("X-Amz-Content-Sha256", payload)
	if edit != nil {
		edit(req)
	}
	creds := aws.Credentials{AccessKeyID: account.AccessKeyID, SecretAccessKey: account.SecretAccessKey}
	must(t, v4.NewSigner().SignHTTP(context.Background(), creds, req, payload, "s3", "us-east-1", time.Now()))
	return req
}

// TestRequestRejects sends requests the endpoint must refuse with S3's
// code, and checks that nothing was written. The endpoint checks account
// credentials, so that chunk signatures are checked.
func TestRequestRejects(t *testing.T) {
	t.Parallel()
	data := []byte("the real content")
	sha := func(b []byte) string { s := sum(b); return hexOf(s[:]) }
	cases := []struct {
		name   string
		req    func(t *testing.T, b *testBundle) *http.Request
		status int
		code   string
	}{
		{"PayloadHashMismatch", func(t *testing.T, b *testBundle) *http.Request {
			return signed(t, b, http.MethodPut, "/rejects/k", data, sha([]byte("other")), nil)
		}, http.StatusBadRequest, "XAmzContentSHA256Mismatch"},
		{"ChecksumMismatch", func(t *testing.T, b *testBundle) *http.Request {
			return signed(t, b, http.MethodPut, "/rejects/k", data, "UNSIGNED-PAYLOAD", func(r *http.Request) {
				r.Header.Set("X-Amz-Checksum-Sha256", base64.StdEncoding.EncodeToString(make([]byte, 32)))
			})
		}, http.StatusBadRequest, "BadDigest"},
		{"ContentMD5Mismatch", func(t *testing.T, b *testBundle) *http.Request {
			return signed(t, b, http.MethodPut, "/rejects/k", data, "UNSIGNED-PAYLOAD", func(r *http.Request) {
				m := md5.Sum([]byte("other"))
				r.Header.Set("Content-Md5", base64.StdEncoding.EncodeToString(m[:]))
			})
		}, http.StatusBadRequest, "BadDigest"},
		{"ChunkSignatureWrong", func(t *testing.T, b *testBundle) *http.Request {
			body := "10;chunk-signature=" + strings.Repeat("0", 64) + "\r\n" + string(data) + "\r\n0;chunk-signature=" + strings.Repeat("0", 64) + "\r\n\r\n"
			return signed(t, b, http.MethodPut, "/rejects/k", []byte(body), "STREAMING-AWS4-HMAC-SHA256-PAYLOAD", func(r *http.Request) {
				r.Header.Set("Content-Encoding", "aws-chunked")
				r.Header.Set("X-Amz-Decoded-Content-Length", "16")
			})
		}, http.StatusForbidden, "SignatureDoesNotMatch"},
		{"ChunkedTruncated", func(t *testing.T, b *testBundle) *http.Request {
			body := "10\r\n" + string(data)
			return signed(t, b, http.MethodPut, "/rejects/k", []byte(body), "STREAMING-UNSIGNED-PAYLOAD-TRAILER", func(r *http.Request) {
				r.Header.Set("Content-Encoding", "aws-chunked")
				r.Header.Set("X-Amz-Decoded-Content-Length", "16")
			})
		}, http.StatusBadRequest, "IncompleteBody"},
		{"WrongService", func(t *testing.T, b *testBundle) *http.Request {
			req, err := http.NewRequest(http.MethodGet, b.srv.URL+"/rejects/k", nil)
			must(t, err)
			req.Header.Set("X-Amz-Content-Sha256", "UNSIGNED-PAYLOAD")
			must(t, v4.NewSigner().SignHTTP(ctx, aws.Credentials{AccessKeyID: account.AccessKeyID, SecretAccessKey: account.SecretAccessKey}, req, "UNSIGNED-PAYLOAD", "codepipeline", "us-east-1", time.Now()))
			return req
		}, http.StatusBadRequest, "AuthorizationHeaderMalformed"},
		{"TimeSkewed", func(t *testing.T, b *testBundle) *http.Request {
			req, err := http.NewRequest(http.MethodGet, b.srv.URL+"/rejects/k", nil)
			must(t, err)
			req.Header.Set("X-Amz-Content-Sha256", "UNSIGNED-PAYLOAD")
			must(t, v4.NewSigner().SignHTTP(ctx, aws.Credentials{AccessKeyID: account.AccessKeyID, SecretAccessKey: account.SecretAccessKey}, req, "UNSIGNED-PAYLOAD", "s3", "us-east-1", time.Now().Add(-time.Hour)))
			return req
		}, http.StatusForbidden, "RequestTimeTooSkewed"},
		{"MissingPayloadHash", func(t *testing.T, b *testBundle) *http.Request {
			req, err := http.NewRequest(http.MethodGet, b.srv.URL+"/rejects/k", nil)
			must(t, err)
			must(t, v4.NewSigner().SignHTTP(ctx, aws.Credentials{AccessKeyID: account.AccessKeyID, SecretAccessKey: account.SecretAccessKey}, req, sha(nil), "s3", "us-east-1", time.Now()))
			return req
		}, http.StatusBadRequest, "AuthorizationHeaderMalformed"},
		{"UnsupportedSubresource", func(t *testing.T, b *testBundle) *http.Request {
			return signed(t, b, http.MethodPut, "/rejects/k?tagging", []byte("<Tagging/>"), "UNSIGNED-PAYLOAD", nil)
		}, http.StatusNotImplemented, "NotImplemented"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			b := setupAccounts(t)
			admin := b.clientAs(t, account.AccessKeyID, account.SecretAccessKey, "")
			_, err := admin.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("rejects")})
			must(t, err)
			mustPut(t, admin, "rejects", "k", []byte("before"))
			resp, body := do(t, b.srv.Client(), c.req(t, b))
			e := s3ErrorOf(t, body)
			if resp.StatusCode != c.status || e.Code != c.code || e.RequestID != resp.Header.Get("X-Amz-Request-Id") {
				t.Fatalf("%d %+v, want %d %s", resp.StatusCode, e, c.status, c.code)
			}
			got, _ := mustGet(t, admin, &s3.GetObjectInput{Bucket: aws.String("rejects"), Key: aws.String("k")})
			if string(got) != "before" {
				t.Fatalf("the object was overwritten with %q", got)
			}
		})
	}
}
