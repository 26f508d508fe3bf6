package sigv4

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/sluice-cd/sluice/internal/core"
)

// served is a request as the handler receives it, with its body.
type served struct {
	r    *http.Request
	body []byte
}

// signedPost is a CodePipeline call signed by the SDK with o, then served.
func signedPost(t *testing.T, o signOpts, edit func(*http.Request)) served {
	t.Helper()
	req := MustNewPost(t)
	MustSign(t, req, jsonBody, o)
	if edit != nil {
		edit(req) // on the client side, after signing
	}
	r, body := MustServe(t, req)
	return served{r, body}
}

// presigned is an S3 GET presigned by the SDK with o, then served.
func presigned(t *testing.T, target string, o signOpts) served {
	t.Helper()
	o.service = "s3"
	req := MustNewRequest(t, http.MethodGet, testEndpoint+target, nil)
	r, body := MustServe(t, MustPresign(t, req, o))
	return served{r, body}
}

func withAuthz(s served, replace func(string) string) served {
	setAuthz(s.r, replace)
	return s
}

func replaceAuthz(old, new string) func(string) string {
	return func(a string) string { return strings.Replace(a, old, new, 1) }
}

// TestVerifyRejects signs valid requests with the SDK, tampers with one
// thing each, and checks the code and message.
func TestVerifyRejects(t *testing.T) {
	t.Parallel()
	const (
		badSig   = "The request signature we calculated does not match"
		badToken = "The security token included in the request is invalid."
	)
	cases := []struct {
		name  string
		build func(t *testing.T) served
		code  core.Code
		msg   string
	}{
		{"BodyChanged", func(t *testing.T) served {
			s := signedPost(t, signOpts{}, nil)
			s.body = []byte(`{"name":"my-pipelinf"}`) // same length
			return s
		}, core.InvalidSignature, badSig},
		{"SignedHeaderChanged", func(t *testing.T) served {
			return signedPost(t, signOpts{}, func(r *http.Request) {
				r.Header.Set("X-Amz-Target", "CodePipeline_20150709.DeletePipeline")
			})
		}, core.InvalidSignature, badSig},
		{"SignedHeaderRemoved", func(t *testing.T) served {
			return signedPost(t, signOpts{}, func(r *http.Request) { r.Header.Del("X-Amz-Target") })
		}, core.InvalidSignature, badSig},
		{"SignedHeaderRepeated", func(t *testing.T) served {
			return signedPost(t, signOpts{}, func(r *http.Request) { r.Header.Add("Content-Type", "text/plain") })
		}, core.InvalidSignature, badSig},
		{"HostChanged", func(t *testing.T) served {
			return signedPost(t, signOpts{}, func(r *http.Request) { r.Host = "other.local:8443" })
		}, core.InvalidSignature, badSig},
		{"AmzDateChangedBySecond", func(t *testing.T) served {
			return signedPost(t, signOpts{}, func(r *http.Request) { r.Header.Set("X-Amz-Date", "20261121T003001Z") })
		}, core.InvalidSignature, badSig},
		{"AmzDateChangedDay", func(t *testing.T) served {
			return signedPost(t, signOpts{}, func(r *http.Request) { r.Header.Set("X-Amz-Date", "20261120T235959Z") })
		}, core.IncompleteSignature, "Date in Credential scope does not match"},
		{"ScopeRegionChanged", func(t *testing.T) served {
			return withAuthz(signedPost(t, signOpts{}, nil), replaceAuthz("/us-east-1/", "/us-west-2/"))
		}, core.InvalidSignature, badSig},
		{"ScopeServiceChanged", func(t *testing.T) served {
			return withAuthz(signedPost(t, signOpts{}, nil), replaceAuthz("/codepipeline/", "/s3/"))
		}, core.InvalidSignature, badSig},
		{"UnknownAccessKey", func(t *testing.T) served {
			return withAuthz(signedPost(t, signOpts{}, nil), replaceAuthz(permanent.AccessKeyID, "AKIAUNKNOWN"))
		}, core.UnrecognizedClient, badToken},
		{"WrongSecret", func(t *testing.T) served {
			c := permanent
			c.SecretAccessKey = "not-the-secret"
			return signedPost(t, signOpts{cred: c}, nil)
		}, core.InvalidSignature, badSig},
		{"SignedHeaderDroppedFromList", func(t *testing.T) served {
			return withAuthz(signedPost(t, signOpts{}, nil), replaceAuthz(";x-amz-target", ""))
		}, core.InvalidSignature, badSig},
		{"SignedHeaderAddedToList", func(t *testing.T) served {
			return withAuthz(signedPost(t, signOpts{}, nil), replaceAuthz("SignedHeaders=", "SignedHeaders=accept;"))
		}, core.InvalidSignature, badSig},
		{"HostDroppedFromList", func(t *testing.T) served {
			return withAuthz(signedPost(t, signOpts{}, nil), replaceAuthz(";host;", ";"))
		}, core.IncompleteSignature, "'Host' or ':authority' must be a 'SignedHeader'"},
		{"SignatureAltered", func(t *testing.T) served {
			return withAuthz(signedPost(t, signOpts{}, nil), func(a string) string {
				last := a[len(a)-1]
				return a[:len(a)-1] + map[bool]string{true: "0", false: "1"}[last != '0']
			})
		}, core.InvalidSignature, badSig},
		{"SignatureNotHex", func(t *testing.T) served {
			return withAuthz(signedPost(t, signOpts{}, nil), func(a string) string { return a[:len(a)-1] + "g" })
		}, core.InvalidSignature, badSig},
		{"SignatureTruncated", func(t *testing.T) served {
			return withAuthz(signedPost(t, signOpts{}, nil), func(a string) string { return a[:len(a)-2] })
		}, core.InvalidSignature, badSig},
		{"QueryAdded", func(t *testing.T) served {
			return signedPost(t, signOpts{}, func(r *http.Request) { r.URL.RawQuery = "a=1" })
		}, core.InvalidSignature, badSig},
		{"QueryValueChanged", func(t *testing.T) served {
			req := MustNewRequest(t, http.MethodGet, testEndpoint+"/?a=1&b=2", nil)
			MustSign(t, req, nil, signOpts{})
			req.URL.RawQuery = "a=1&b=3"
			r, body := MustServe(t, req)
			return served{r, body}
		}, core.InvalidSignature, badSig},
		{"QueryMalformed", func(t *testing.T) served {
			return signedPost(t, signOpts{}, func(r *http.Request) { r.URL.RawQuery = "a=%zz" })
		}, core.IncompleteSignature, "invalid percent-encoding"},
		{"MethodChanged", func(t *testing.T) served {
			return signedPost(t, signOpts{}, func(r *http.Request) { r.Method = http.MethodPut })
		}, core.InvalidSignature, badSig},
		{"PathChanged", func(t *testing.T) served {
			return signedPost(t, signOpts{}, func(r *http.Request) { r.URL.Path = "/admin" })
		}, core.InvalidSignature, badSig},
		{"TokenMissing", func(t *testing.T) served {
			return signedPost(t, signOpts{cred: temporary}, func(r *http.Request) { r.Header.Del("X-Amz-Security-Token") })
		}, core.UnrecognizedClient, badToken},
		{"TokenWrong", func(t *testing.T) served {
			return signedPost(t, signOpts{cred: temporary}, func(r *http.Request) { r.Header.Set("X-Amz-Security-Token", "forged") })
		}, core.UnrecognizedClient, badToken},
		{"TokenOnPermanentKey", func(t *testing.T) served {
			c := permanent
			c.SessionToken = "made-up"
			return signedPost(t, signOpts{cred: c}, nil)
		}, core.UnrecognizedClient, badToken},
		{"DateTooOld", func(t *testing.T) served {
			return signedPost(t, signOpts{at: testNow.Add(-16 * time.Minute)}, nil)
		}, core.InvalidSignature, "Signature expired: 20261121T001400Z is now earlier than 20261121T001500Z (20261121T003000Z - 15 min.)"},
		{"DateInFuture", func(t *testing.T) served {
			return signedPost(t, signOpts{at: testNow.Add(16 * time.Minute)}, nil)
		}, core.InvalidSignature, "Signature not yet current: 20261121T004600Z is still later than 20261121T004500Z (20261121T003000Z + 15 min.)"},
		{"ContentSHAMismatch", func(t *testing.T) served {
			req := MustNewRequest(t, http.MethodPut, testEndpoint+"/bucket/key", []byte("abc"))
			req.Header.Set("X-Amz-Content-Sha256", sha256Hex([]byte("abd")))
			MustSign(t, req, nil, signOpts{service: "s3", payloadHash: sha256Hex([]byte("abd"))})
			r, body := MustServe(t, req)
			return served{r, body}
		}, core.InvalidSignature, "x-amz-content-sha256"},
		// An aws-chunked body is accepted by VerifyStream for s3 only (see
		// stream_test.go); Verify, which has read the body, refuses it.
		{"ContentSHAStreamingOutsideS3", func(t *testing.T) served {
			return signedPost(t, signOpts{payloadHash: streamingSigned}, func(r *http.Request) {
				r.Header.Set("X-Amz-Content-Sha256", streamingSigned)
			})
		}, core.IncompleteSignature, "only accepted by service 's3', not 'codepipeline'"},
		{"ContentSHAStreamingBuffered", func(t *testing.T) served {
			req := MustNewRequest(t, http.MethodPut, testEndpoint+"/bucket/key", []byte("abc"))
			req.Header.Set("X-Amz-Content-Sha256", streamingSigned)
			MustSign(t, req, nil, signOpts{service: "s3", payloadHash: streamingSigned})
			r, body := MustServe(t, req)
			return served{r, body}
		}, core.IncompleteSignature, "only accepted for a streamed body"},
		{"UnsignedPayloadOutsideS3", func(t *testing.T) served {
			return signedPost(t, signOpts{payloadHash: unsignedPayload}, func(r *http.Request) {
				r.Header.Set("X-Amz-Content-Sha256", unsignedPayload)
			})
		}, core.IncompleteSignature, "only accepted by service 's3'"},
		{"PresignedExpired", func(t *testing.T) served {
			return presigned(t, "/bucket/key?X-Amz-Expires=60", signOpts{at: testNow.Add(-61 * time.Second)})
		}, core.InvalidSignature, "Request has expired"},
		{"PresignedNotYetValid", func(t *testing.T) served {
			return presigned(t, "/bucket/key?X-Amz-Expires=60", signOpts{at: testNow.Add(16 * time.Minute)})
		}, core.InvalidSignature, "Request is not valid yet"},
		{"PresignedSignatureAltered", func(t *testing.T) served {
			s := presigned(t, "/bucket/key?X-Amz-Expires=60", signOpts{})
			s.r.URL.RawQuery = strings.Replace(s.r.URL.RawQuery, "X-Amz-Signature=", "X-Amz-Signature=0", 1)
			return s
		}, core.InvalidSignature, badSig},
		{"PresignedPathChanged", func(t *testing.T) served {
			s := presigned(t, "/bucket/key?X-Amz-Expires=60", signOpts{})
			s.r.RequestURI = strings.Replace(s.r.RequestURI, "/key", "/other", 1)
			return s
		}, core.InvalidSignature, badSig},
		{"PresignedTokenMissing", func(t *testing.T) served {
			s := presigned(t, "/bucket/key?X-Amz-Expires=60", signOpts{cred: temporary})
			s.r.URL.RawQuery = dropParam(s.r.URL.RawQuery, "X-Amz-Security-Token")
			return s
		}, core.UnrecognizedClient, badToken},
		{"PresignedExpiresTooLong", func(t *testing.T) served {
			return presigned(t, "/bucket/key?X-Amz-Expires=604801", signOpts{})
		}, core.IncompleteSignature, "less than a week"},
		{"PresignedExpiresZero", func(t *testing.T) served {
			return presigned(t, "/bucket/key?X-Amz-Expires=0", signOpts{})
		}, core.IncompleteSignature, "at least 1 second"},
		{"PresignedExpiresNotNumber", func(t *testing.T) served {
			return presigned(t, "/bucket/key?X-Amz-Expires=soon", signOpts{})
		}, core.IncompleteSignature, "should be a number"},
		{"PresignedMissingParam", func(t *testing.T) served {
			s := presigned(t, "/bucket/key?X-Amz-Expires=60", signOpts{})
			s.r.URL.RawQuery = dropParam(s.r.URL.RawQuery, "X-Amz-SignedHeaders")
			return s
		}, core.IncompleteSignature, "requires the X-Amz-Algorithm"},
		{"PresignedAndHeader", func(t *testing.T) served {
			s := presigned(t, "/bucket/key?X-Amz-Expires=60", signOpts{})
			s.r.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=x")
			return s
		}, core.IncompleteSignature, "Only one auth mechanism allowed"},
		{"ExpiredTemporaryCredential", nil, ExpiredToken, "The security token included in the request is expired"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			b := setup(t)
			var s served
			if c.build == nil { // the expired credential needs the clock moved
				*b.clock = temporary.Expires.Add(time.Second)
				s = signedPost(t, signOpts{cred: temporary, at: *b.clock}, nil)
			} else {
				s = c.build(t)
			}
			_, err := b.verifier.Verify(context.Background(), s.r, s.body)
			requireCode(t, err, c.code, c.msg)
		})
	}
}

func dropParam(raw, key string) string {
	var kept []string
	for _, p := range strings.Split(raw, "&") {
		if !strings.HasPrefix(p, key+"=") {
			kept = append(kept, p)
		}
	}
	return strings.Join(kept, "&")
}

// TestVerifyMalformed feeds hand-written Authorization headers.
func TestVerifyMalformed(t *testing.T) {
	t.Parallel()
	const (
		cred = "Credential=AKIASLUICETEST/20261121/us-east-1/codepipeline/aws4_request"
		sh   = "SignedHeaders=host;x-amz-date"
		sig  = "Signature=0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
	)
	cases := []struct {
		name, authz, date string // date "" means the default X-Amz-Date
		code              core.Code
		msg               string
	}{
		{"NoAuth", "", "", core.MissingAuthenticationToken, "Missing Authentication Token"},
		{"OtherScheme", "Bearer abc", "", core.IncompleteSignature, "Unsupported AWS 'algorithm': 'Bearer'"},
		{"SigV2", "AWS AKIASLUICETEST:c2lnbmF0dXJl", "", core.IncompleteSignature, "Unsupported AWS 'algorithm'"},
		{"AlgorithmOnly", "AWS4-HMAC-SHA256", "", core.IncompleteSignature, "requires 'Credential' parameter. Authorization header requires 'Signature' parameter. Authorization header requires 'SignedHeaders' parameter. Authorization=AWS4-HMAC-SHA256"},
		{"NoSignature", "AWS4-HMAC-SHA256 " + cred + ", " + sh, "", core.IncompleteSignature, "Authorization header requires 'Signature' parameter."},
		{"NoCredential", "AWS4-HMAC-SHA256 " + sh + ", " + sig, "", core.IncompleteSignature, "Authorization header requires 'Credential' parameter."},
		{"NoSignedHeaders", "AWS4-HMAC-SHA256 " + cred + ", " + sig, "", core.IncompleteSignature, "Authorization header requires 'SignedHeaders' parameter."},
		{"NoDate", "AWS4-HMAC-SHA256 " + cred + ", " + sh + ", " + sig, "none", core.IncompleteSignature, "requires existence of either a 'X-Amz-Date' or a 'Date' header"},
		{"BadDate", "AWS4-HMAC-SHA256 " + cred + ", " + sh + ", " + sig, "2026-11-21T00:30:00Z", core.IncompleteSignature, "Date must be in ISO-8601 'basic format'"},
		{"ShortHour", "AWS4-HMAC-SHA256 " + cred + ", " + sh + ", " + sig, "20261121T13000Z", core.IncompleteSignature, "Date must be in ISO-8601 'basic format'"},
		{"PartWithoutEquals", "AWS4-HMAC-SHA256 " + cred + ", " + sh + ", Signature", "", core.IncompleteSignature, "'Signature' not a valid key=value pair"},
		{"FourElementScope", "AWS4-HMAC-SHA256 Credential=AKIASLUICETEST/20261121/us-east-1/aws4_request, " + sh + ", " + sig, "", core.IncompleteSignature, "the Credential is mal-formed"},
		{"SixElementScope", "AWS4-HMAC-SHA256 Credential=AKIASLUICETEST/20261121/us-east-1/codepipeline/aws4_request/x, " + sh + ", " + sig, "", core.IncompleteSignature, "the Credential is mal-formed"},
		{"EmptyAccessKey", "AWS4-HMAC-SHA256 Credential=/20261121/us-east-1/codepipeline/aws4_request, " + sh + ", " + sig, "", core.IncompleteSignature, "the Credential is mal-formed"},
		{"BadScopeDate", "AWS4-HMAC-SHA256 Credential=AKIASLUICETEST/2026-11-21/us-east-1/codepipeline/aws4_request, " + sh + ", " + sig, "", core.IncompleteSignature, "valid date"},
		{"BadRegion", "AWS4-HMAC-SHA256 Credential=AKIASLUICETEST/20261121/US_EAST/codepipeline/aws4_request, " + sh + ", " + sig, "", core.IncompleteSignature, "Credential should be scoped to a valid region, not 'US_EAST'"},
		{"EmptyService", "AWS4-HMAC-SHA256 Credential=AKIASLUICETEST/20261121/us-east-1//aws4_request, " + sh + ", " + sig, "", core.IncompleteSignature, "valid service"},
		{"BadTerminator", "AWS4-HMAC-SHA256 Credential=AKIASLUICETEST/20261121/us-east-1/codepipeline/aws5_request, " + sh + ", " + sig, "", core.IncompleteSignature, "valid terminator: 'aws4_request', not 'aws5_request'"},
		{"ScopeDateMismatch", "AWS4-HMAC-SHA256 Credential=AKIASLUICETEST/20261120/us-east-1/codepipeline/aws4_request, " + sh + ", " + sig, "", core.IncompleteSignature, "'20261120' != '20261121', from '20261121T003000Z'"},
		{"EmptySignedHeader", "AWS4-HMAC-SHA256 " + cred + ", SignedHeaders=host;;x-amz-date, " + sig, "", core.IncompleteSignature, "empty header name"},
		{"NoHostSigned", "AWS4-HMAC-SHA256 " + cred + ", SignedHeaders=x-amz-date, " + sig, "", core.IncompleteSignature, "'Host' or ':authority'"},
		{"WellFormedButWrong", "AWS4-HMAC-SHA256 " + cred + ", " + sh + ", " + sig, "", core.InvalidSignature, "does not match"},
		{"NoSpaces", "AWS4-HMAC-SHA256 " + cred + "," + sh + "," + sig, "", core.InvalidSignature, "does not match"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			b := setup(t)
			r := MustNewRequest(t, http.MethodPost, testEndpoint+"/", nil)
			if c.authz != "" {
				r.Header.Set("Authorization", c.authz)
			}
			switch c.date {
			case "":
				r.Header.Set("X-Amz-Date", "20261121T003000Z")
			case "none":
			default:
				r.Header.Set("X-Amz-Date", c.date)
			}
			_, err := b.verifier.Verify(context.Background(), r, nil)
			requireCode(t, err, c.code, c.msg)
		})
	}
}

// failingStore is a Credentials whose store is down.
type failingStore struct {
	LookupFunc func(context.Context, string) (Credential, bool, error)
}

var _ Credentials = (*failingStore)(nil)

func (f *failingStore) Lookup(ctx context.Context, id string) (Credential, bool, error) {
	return f.LookupFunc(ctx, id)
}

func TestVerifyLookupErrorIsInternal(t *testing.T) {
	t.Parallel()
	down := errors.New("database is down")
	v := &Verifier{
		Credentials: &failingStore{LookupFunc: func(context.Context, string) (Credential, bool, error) {
			return Credential{}, false, down
		}},
		Clock: core.ClockFunc(func() time.Time { return testNow }),
	}
	s := signedPost(t, signOpts{}, nil)
	_, err := v.Verify(context.Background(), s.r, s.body)
	if !errors.Is(err, down) || core.ErrorCode(err) != core.Internal {
		t.Fatalf("want the store's error as internal, got %v", err)
	}
}
