package s3api

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// FuzzS3 sends the endpoint signed requests of any method, path, query,
// headers and body: whatever they hold, the answer is never a 5xx and
// nothing panics. A few objects and an upload exist, so requests reach
// the store's code and not only the router's refusals.
func FuzzS3(f *testing.F) {
	for _, seed := range []struct{ method, path, query, header, body string }{
		{"GET", "/", "", "", ""},
		{"PUT", "/fuzz", "", "", ""},
		{"PUT", "/fuzz/a/b.txt", "", "Content-Type: text/plain", "hello"},
		{"GET", "/fuzz/a/b.txt", "", "Range: bytes=1-2", ""},
		{"GET", "/fuzz", "list-type=2&prefix=a/&delimiter=/&max-keys=1", "", ""},
		{"GET", "/fuzz", "versions&key-marker=a&version-id-marker=x", "", ""},
		{"PUT", "/fuzz", "versioning", "", "<VersioningConfiguration><Status>Enabled</Status></VersioningConfiguration>"},
		{"POST", "/fuzz/big", "uploads", "", ""},
		{"PUT", "/fuzz/big", "partNumber=1&uploadId=x", "", "part"},
		{"POST", "/fuzz/big", "uploadId=x", "", "<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>\"x\"</ETag></Part></CompleteMultipartUpload>"},
		{"POST", "/fuzz", "delete", "", "<Delete><Object><Key>a/b.txt</Key></Object></Delete>"},
		{"PUT", "/fuzz/copy", "", "X-Amz-Copy-Source: /fuzz/a/b.txt", ""},
		{"DELETE", "/fuzz/a/b.txt", "versionId=null", "", ""},
		{"HEAD", "/fuzz/a/b.txt", "", "If-None-Match: *", ""},
	} {
		f.Add(seed.method, seed.path, seed.query, seed.header, []byte(seed.body))
	}
	b := setup(f, setupOpts{})
	c := b.client(f)
	if _, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("fuzz")}); err != nil {
		f.Fatal(err)
	}
	mustPut(f, c, "fuzz", "a/b.txt", []byte("hello"))
	signer := v4.NewSigner()
	creds := aws.Credentials{AccessKeyID: "123456789012", SecretAccessKey: "secret"}
	f.Fuzz(func(t *testing.T, method, path, query, header string, body []byte) {
		if !validMethod(method) || !strings.HasPrefix(path, "/") || strings.ContainsAny(path+query, " \r\n#") {
			return
		}
		req, err := http.NewRequest(method, b.srv.URL+path+"?"+query, bytes.NewReader(body))
		if err != nil {
			return
		}
		if k, v, ok := strings.Cut(header, ":"); ok && validHeader(k, v) {
			req.Header.Set(strings.TrimSpace(k), strings.TrimSpace(v))
		}
		sum := sha256.Sum256(body)
		payload := hex.EncodeToString(sum[:])
		req.Header.Set("X-Amz-Content-Sha256", payload)
		if err := signer.SignHTTP(ctx, creds, req, payload, "s3", "us-east-1", time.Now()); err != nil {
			return
		}
		resp, err := b.srv.Client().Do(req)
		if err != nil {
			return // the client refused to send it
		}
		resp.Body.Close()
		if resp.StatusCode >= 500 && resp.StatusCode != http.StatusNotImplemented {
			t.Fatalf("%s %s?%s (%q): HTTP %d", method, path, query, header, resp.StatusCode)
		}
	})
}

func validMethod(m string) bool {
	switch m {
	case "GET", "HEAD", "PUT", "POST", "DELETE":
		return true
	}
	return false
}

// validHeader keeps headers net/http would refuse to send.
func validHeader(k, v string) bool {
	k = strings.TrimSpace(k)
	if k == "" || strings.ContainsAny(k+v, "\r\n\x00") {
		return false
	}
	for _, r := range k {
		if r <= ' ' || r >= 0x7f || strings.ContainsRune("()<>@,;:\\\"/[]?={}", r) {
			return false
		}
	}
	return !strings.EqualFold(k, "Content-Length") && !strings.EqualFold(k, "Host") && !strings.EqualFold(k, "Transfer-Encoding")
}
