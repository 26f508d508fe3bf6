package sigv4

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/sluice-cd/sluice/internal/core"
)

func TestVerifyOpenMode(t *testing.T) {
	t.Parallel()
	open := &Verifier{Clock: core.ClockFunc(func() time.Time { return testNow })}

	cases := []struct {
		name    string
		cred    Credential
		account string
	}{
		{"AccountKey", Credential{AccessKeyID: "111122223333", SecretAccessKey: "anything"}, "111122223333"},
		{"OtherKey", Credential{AccessKeyID: "test", SecretAccessKey: "test"}, core.DefaultAccount},
		{"ThirteenDigits", Credential{AccessKeyID: "1111222233334", SecretAccessKey: "x"}, core.DefaultAccount},
		{"WithToken", Credential{AccessKeyID: "444455556666", SecretAccessKey: "x", SessionToken: "tok"}, "444455556666"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			s := signedPost(t, signOpts{cred: c.cred}, nil)
			id, err := open.Verify(context.Background(), s.r, s.body)
			requireIdentity(t, id, Identity{
				AccessKeyID: c.cred.AccessKeyID, Account: c.account, Region: "us-east-1",
				Service: "codepipeline", SessionToken: c.cred.SessionToken,
			}, err)
		})
	}

	t.Run("SignatureNotChecked", func(t *testing.T) {
		t.Parallel()
		s := withAuthz(signedPost(t, signOpts{}, nil), replaceAuthz("Signature=", "Signature=ff"))
		if _, err := open.Verify(context.Background(), s.r, s.body); err != nil {
			t.Fatal(err)
		}
	})

	t.Run("Presigned", func(t *testing.T) {
		t.Parallel()
		s := presigned(t, "/bucket/key?X-Amz-Expires=60", signOpts{cred: Credential{AccessKeyID: "123412341234", SecretAccessKey: "x"}})
		id, err := open.Verify(context.Background(), s.r, s.body)
		requireIdentity(t, id, Identity{
			AccessKeyID: "123412341234", Account: "123412341234", Region: "us-east-1", Service: "s3", Presigned: true,
		}, err)
	})

	rejects := []struct {
		name  string
		build func(t *testing.T) served
		code  core.Code
	}{
		{"MissingAuth", func(t *testing.T) served {
			r, body := MustServe(t, MustNewPost(t))
			return served{r, body}
		}, core.MissingAuthenticationToken},
		{"Malformed", func(t *testing.T) served {
			return withAuthz(signedPost(t, signOpts{}, nil), replaceAuthz("Credential=", "Cred="))
		}, core.IncompleteSignature},
		{"Skewed", func(t *testing.T) served {
			return signedPost(t, signOpts{at: testNow.Add(-time.Hour)}, nil)
		}, core.InvalidSignature},
		{"PresignedExpired", func(t *testing.T) served {
			return presigned(t, "/bucket/key?X-Amz-Expires=60", signOpts{at: testNow.Add(-2 * time.Minute)})
		}, core.InvalidSignature},
		{"ContentSHAMismatch", func(t *testing.T) served {
			req := MustNewRequest(t, http.MethodPut, testEndpoint+"/bucket/key", []byte("abc"))
			req.Header.Set("X-Amz-Content-Sha256", sha256Hex(nil))
			MustSign(t, req, nil, signOpts{service: "s3", payloadHash: sha256Hex(nil)})
			r, body := MustServe(t, req)
			return served{r, body}
		}, core.InvalidSignature},
	}
	for _, c := range rejects {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			s := c.build(t)
			_, err := open.Verify(context.Background(), s.r, s.body)
			requireCode(t, err, c.code, "")
		})
	}
}
