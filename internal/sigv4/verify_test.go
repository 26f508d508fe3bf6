package sigv4

import (
	"bufio"
	"context"
	"crypto/sha256"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/codepipeline"

	"github.com/sluice-cd/sluice/internal/core"
)

func TestVerifyHeaderSigned(t *testing.T) {
	t.Parallel()

	t.Run("CodePipelinePost", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		req := MustNewPost(t)
		MustSign(t, req, jsonBody, signOpts{region: "eu-west-3"})
		sr, body := MustServe(t, req)
		id, err := b.verifier.Verify(context.Background(), sr, body)
		requireIdentity(t, id, Identity{
			AccessKeyID: permanent.AccessKeyID, Account: permanent.Account,
			Region: "eu-west-3", Service: "codepipeline",
		}, err)
	})

	t.Run("SessionToken", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		req := MustNewPost(t)
		MustSign(t, req, jsonBody, signOpts{cred: temporary})
		sr, body := MustServe(t, req)
		id, err := b.verifier.Verify(context.Background(), sr, body)
		requireIdentity(t, id, Identity{
			AccessKeyID: temporary.AccessKeyID, Account: temporary.Account,
			Region: "us-east-1", Service: "codepipeline", SessionToken: temporary.SessionToken,
		}, err)
	})

	t.Run("EmptyBody", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		req := MustNewRequest(t, http.MethodPost, testEndpoint+"/", nil)
		MustSign(t, req, nil, signOpts{})
		sr, body := MustServe(t, req)
		_, err := b.verifier.Verify(context.Background(), sr, body)
		if err != nil {
			t.Fatal(err)
		}
	})

	t.Run("SkewAtTheLimit", func(t *testing.T) {
		t.Parallel()
		for _, at := range []time.Time{testNow.Add(-15 * time.Minute), testNow.Add(15 * time.Minute)} {
			b := setup(t)
			req := MustNewPost(t)
			MustSign(t, req, jsonBody, signOpts{at: at})
			sr, body := MustServe(t, req)
			if _, err := b.verifier.Verify(context.Background(), sr, body); err != nil {
				t.Fatalf("signed at %s: %v", at, err)
			}
		}
	})

	t.Run("QueryAndHeaderCanonicalisation", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		// Repeated keys, a key without value, reserved characters, "+" for
		// a space; a header repeated, with inner runs of spaces.
		req := MustNewRequest(t, http.MethodGet,
			testEndpoint+"/?b=2&a=z&a=y&flag&sp=a+b&odd=%21%2a%27()&uni=%C3%A9&tilde=~x", nil)
		req.Header.Add("X-Amz-Meta-Tags", "  one   two  ")
		req.Header.Add("X-Amz-Meta-Tags", "three")
		req.Header.Set("X-Custom", "a\t b")
		MustSign(t, req, nil, signOpts{})
		sr, body := MustServe(t, req)
		if _, err := b.verifier.Verify(context.Background(), sr, body); err != nil {
			t.Fatal(err)
		}
	})
}

func TestVerifyS3(t *testing.T) {
	t.Parallel()

	t.Run("Presigned", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		req := MustNewRequest(t, http.MethodGet, testEndpoint+"/artifacts/MyApp/out.zip?versionId=3&X-Amz-Expires=900", nil)
		sr, body := MustServe(t, MustPresign(t, req, signOpts{service: "s3", at: testNow.Add(-10 * time.Minute)}))
		id, err := b.verifier.Verify(context.Background(), sr, body)
		requireIdentity(t, id, Identity{
			AccessKeyID: permanent.AccessKeyID, Account: permanent.Account,
			Region: "us-east-1", Service: "s3", Presigned: true,
		}, err)
	})

	t.Run("PresignedWithToken", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		req := MustNewRequest(t, http.MethodPut, testEndpoint+"/artifacts/key?X-Amz-Expires=60", nil)
		sr, body := MustServe(t, MustPresign(t, req, signOpts{service: "s3", cred: temporary}))
		id, err := b.verifier.Verify(context.Background(), sr, body)
		requireIdentity(t, id, Identity{
			AccessKeyID: temporary.AccessKeyID, Account: temporary.Account, Region: "us-east-1",
			Service: "s3", SessionToken: temporary.SessionToken, Presigned: true,
		}, err)
	})

	t.Run("PresignedNonS3SignsBodyHash", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		req := MustNewRequest(t, http.MethodGet, testEndpoint+"/?Action=GetCallerIdentity&X-Amz-Expires=60", nil)
		sr, body := MustServe(t, MustPresign(t, req, signOpts{service: "sts", payloadHash: sha256Hex(nil)}))
		if _, err := b.verifier.Verify(context.Background(), sr, body); err != nil {
			t.Fatal(err)
		}
	})

	t.Run("UnsignedPayload", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		req := MustNewRequest(t, http.MethodPut, testEndpoint+"/artifacts/key", []byte("zip bytes"))
		req.Header.Set("X-Amz-Content-Sha256", unsignedPayload)
		MustSign(t, req, nil, signOpts{service: "s3", payloadHash: unsignedPayload})
		sr, body := MustServe(t, req)
		id, err := b.verifier.Verify(context.Background(), sr, body)
		requireIdentity(t, id, Identity{
			AccessKeyID: permanent.AccessKeyID, Account: permanent.Account, Region: "us-east-1", Service: "s3",
		}, err)
		// The body is not part of the signature, so a handler may stream it.
		if _, err := b.verifier.Verify(context.Background(), sr, nil); err != nil {
			t.Fatal(err)
		}
	})

	t.Run("DeclaredPayloadHash", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		content := []byte("zip bytes")
		req := MustNewRequest(t, http.MethodPut, testEndpoint+"/artifacts/key", content)
		req.Header.Set("X-Amz-Content-Sha256", sha256Hex(content))
		MustSign(t, req, content, signOpts{service: "s3"})
		sr, body := MustServe(t, req)
		if _, err := b.verifier.Verify(context.Background(), sr, body); err != nil {
			t.Fatal(err)
		}
	})
}

// TestVerifyPaths checks that our canonical URI matches the SDK's for paths
// that need escaping, for S3 (escaped once) and other services (twice).
func TestVerifyPaths(t *testing.T) {
	t.Parallel()
	paths := []struct{ name, path, rawPath string }{
		{"Spaces", "/bucket/my file.txt", ""},
		{"Unicode", "/bucket/dossier/résumé-€-日本.txt", ""},
		{"Reserved", "/bucket/a+b=c;d:e@f,g$h&i'j(k)l*m!n", ""},
		{"Unreserved", "/bucket/A-Z_a.z~0", ""},
		{"EncodedSlash", "/bucket/a/b", "/bucket/a%2Fb"},
		{"SDKStyleEscaping", "/bucket/a+b=c", "/bucket/a%2Bb%3Dc"},
		{"DoubleSlashAndDots", "/bucket//x/../y/./z", ""},
		{"PercentSign", "/bucket/100%.txt", ""},
	}
	for _, service := range []string{"s3", "codepipeline"} {
		for _, p := range paths {
			t.Run(service+"/"+p.name, func(t *testing.T) {
				t.Parallel()
				b := setup(t)
				u := &url.URL{Scheme: "https", Host: "sluice.local:8443", Path: p.path, RawPath: p.rawPath, RawQuery: "x-id=GetObject"}
				req := MustNewRequest(t, http.MethodGet, u.String(), nil)
				opts := signOpts{service: service}
				if service == "s3" {
					req.Header.Set("X-Amz-Content-Sha256", unsignedPayload)
					opts.payloadHash = unsignedPayload
				}
				sign := func(o *v4.SignerOptions) { o.DisableURIPathEscaping = service == "s3" }
				o := opts.withDefaults(nil)
				if err := v4.NewSigner(sign).SignHTTP(context.Background(), awsCreds(o.cred), req, o.payloadHash, o.service, o.region, o.at); err != nil {
					t.Fatal(err)
				}
				sr, body := MustServe(t, req)
				if _, err := b.verifier.Verify(context.Background(), sr, body); err != nil {
					t.Fatalf("%s (wire %s): %v", p.path, sr.RequestURI, err)
				}
			})
		}
	}
}

// TestVerifyAWSVectors checks two requests of AWS's published SigV4 test
// suite, independent of the SDK.
func TestVerifyAWSVectors(t *testing.T) {
	t.Parallel()
	vectors := []struct{ name, target, signature string }{
		{"get-vanilla", "/", "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"},
		{"get-vanilla-query-order-key-case", "/?Param2=value2&Param1=value1", "b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500"},
	}
	for _, vec := range vectors {
		t.Run(vec.name, func(t *testing.T) {
			t.Parallel()
			store, err := NewStatic(Credential{
				AccessKeyID: "AKIDEXAMPLE", SecretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", Account: "111122223333",
			})
			if err != nil {
				t.Fatal(err)
			}
			at := time.Date(2015, 8, 30, 12, 36, 0, 0, time.UTC)
			v := &Verifier{Credentials: store, Clock: core.ClockFunc(func() time.Time { return at })}
			wire := "GET " + vec.target + " HTTP/1.1\r\nHost: example.amazonaws.com\r\nX-Amz-Date: 20150830T123600Z\r\n" +
				"Authorization: AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=" +
				vec.signature + "\r\n\r\n"
			r, err := http.ReadRequest(bufio.NewReader(strings.NewReader(wire)))
			if err != nil {
				t.Fatal(err)
			}
			if _, err := v.Verify(context.Background(), r, nil); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// TestVerifyDateHeader covers clients that date requests with the HTTP Date
// header instead of X-Amz-Date; the SDK cannot produce those, so the request
// is signed with this package's own canonicaliser.
func TestVerifyDateHeader(t *testing.T) {
	t.Parallel()
	b := setup(t)
	r := MustNewRequest(t, http.MethodPost, testEndpoint+"/", jsonBody)
	r.Header.Set("Date", testNow.Add(-time.Minute).Format(http.TimeFormat))
	r.Host = "sluice.local:8443"
	a := auth{
		accessKeyID: permanent.AccessKeyID, scope: "20261121/us-east-1/codepipeline/aws4_request",
		date: "20261121", region: "us-east-1", service: "codepipeline", signedHeaders: "date;host",
		amzDate: "20261121T002900Z",
	}
	p := payload{sum: sha256.Sum256(jsonBody)}
	sig := testSignature(&a, r, permanent.SecretAccessKey, &p)
	r.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential="+permanent.AccessKeyID+"/"+a.scope+", SignedHeaders=date;host, Signature="+sig)
	sr, body := MustServe(t, r)
	if _, err := b.verifier.Verify(context.Background(), sr, body); err != nil {
		t.Fatal(err)
	}
}

// TestVerifyCodePipelineClient drives the verifier with the real
// CodePipeline client over HTTPS, the way workers and the CLI will.
func TestVerifyCodePipelineClient(t *testing.T) {
	t.Parallel()
	// The SDK signs with the real time, so neither the test clock nor the
	// test credential's expiry can be used here.
	cred := temporary
	cred.Expires = time.Time{}
	store, err := NewStatic(cred)
	if err != nil {
		t.Fatal(err)
	}
	v := &Verifier{Credentials: store}
	ids := make(chan Identity, 1)
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		id, err := v.Verify(r.Context(), r, body)
		if err != nil {
			w.Header().Set("Content-Type", "application/x-amz-json-1.1")
			w.WriteHeader(http.StatusForbidden)
			fmt.Fprintf(w, `{"__type":%q,"message":%q}`, core.ErrorCode(err), core.ErrorMessage(err))
			return
		}
		ids <- id
		w.Header().Set("Content-Type", "application/x-amz-json-1.1")
		io.WriteString(w, `{"pipelines":[]}`)
	}))
	t.Cleanup(srv.Close)

	client := codepipeline.New(codepipeline.Options{
		Region:       "ap-southeast-2",
		BaseEndpoint: aws.String(srv.URL),
		HTTPClient:   srv.Client(),
		Credentials:  credentials.NewStaticCredentialsProvider(temporary.AccessKeyID, temporary.SecretAccessKey, temporary.SessionToken),
	})
	if _, err := client.ListPipelines(context.Background(), &codepipeline.ListPipelinesInput{}); err != nil {
		t.Fatal(err)
	}
	got := <-ids
	want := Identity{AccessKeyID: temporary.AccessKeyID, Account: temporary.Account, Region: "ap-southeast-2",
		Service: "codepipeline", SessionToken: temporary.SessionToken}
	if got != want {
		t.Fatalf("identity:\n got %+v\nwant %+v", got, want)
	}
}

// TestVerifyConcurrent shares one Verifier and Static between goroutines
// while credentials are added, for the race detector.
func TestVerifyConcurrent(t *testing.T) {
	t.Parallel()
	b := setup(t)
	s := signedPost(t, signOpts{}, nil)
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for i := range 8 {
		wg.Go(func() {
			for j := range 50 {
				if err := b.store.Add(Credential{AccessKeyID: fmt.Sprintf("K%d-%d", i, j), SecretAccessKey: "s", Account: "123456789012"}); err != nil {
					errs <- err
					return
				}
				if _, err := b.verifier.Verify(context.Background(), s.r, s.body); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
}
