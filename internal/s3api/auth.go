package s3api

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/sluice-cd/sluice/internal/core"
	"github.com/sluice-cd/sluice/internal/sigv4"
)

// principal is who signed a request: an account, with its own buckets and
// those nobody owns, or a job, limited to its grant.
type principal struct {
	grant   *Grant // nil for an account
	account string // the signer's account
	region  string // of the signature's scope
}

// authenticate verifies r's signature and returns its signer and the body
// to read. A key the job credentials know is always checked against its
// grant, even when the account verifier runs in open mode.
func (s *Server) authenticate(r *http.Request, st *requestState) (principal, sigv4.Body, error) {
	presigned := r.Header.Get("Authorization") == ""
	akid, err := sigv4.AccessKeyID(r)
	if err != nil {
		return principal{}, sigv4.Body{}, authError(err, presigned, false)
	}
	v, err := s.verifierFor(r.Context(), akid, st)
	if err != nil {
		return principal{}, sigv4.Body{}, err
	}
	id, body, err := v.VerifyStream(withState(r.Context(), st), r)
	if err != nil {
		return principal{}, sigv4.Body{}, authError(err, presigned, st.grant != nil || hasToken(r))
	}
	if id.Service != "s3" {
		return principal{}, sigv4.Body{}, &s3Error{code: codeAuthHeaderMalformed, status: http.StatusBadRequest,
			msg: fmt.Sprintf("The authorization header is malformed; incorrect service %q. This endpoint belongs to \"s3\".", id.Service)}
	}
	return principal{grant: st.grant, account: id.Account, region: id.Region}, body, nil
}

// verifierFor picks the verifier of an access key: the job verifier with
// the key's grant in st, or the account verifier.
func (s *Server) verifierFor(ctx context.Context, akid string, st *requestState) (*sigv4.Verifier, error) {
	if s.Jobs != nil {
		g, ok, err := s.Jobs.Grant(ctx, akid)
		if err != nil {
			return nil, fmt.Errorf("resolve job credential: %w", err)
		}
		if ok {
			st.grant = &g
			return s.jobs, nil
		}
	}
	if s.Accounts == nil || (s.JobKeyPrefix != "" && strings.HasPrefix(akid, s.JobKeyPrefix)) {
		// A job's key that no longer opens anything must not pass as an
		// account's, even where any account signature would.
		return nil, errInvalidAccessKey()
	}
	return s.Accounts, nil
}

func hasToken(r *http.Request) bool {
	return r.Header.Get("X-Amz-Security-Token") != "" || r.URL.Query().Get("X-Amz-Security-Token") != ""
}

// grantCredentials is the job verifier's credential store: the grant that
// verifierFor put in the request's state, for its access key only.
type grantCredentials struct{}

func (grantCredentials) Lookup(ctx context.Context, akid string) (sigv4.Credential, bool, error) {
	g := stateOf(ctx).grant
	if g == nil || g.Credential.AccessKeyID != akid {
		return sigv4.Credential{}, false, nil
	}
	return g.Credential, true, nil
}

// authError turns a verification failure into S3's error. token says
// whether the request used a temporary credential, whose unknown session
// token S3 calls InvalidToken rather than an unknown key.
func authError(err error, presigned, token bool) error {
	var ce *core.Error
	if !errors.As(err, &ce) {
		return err // the credential store failed: internal
	}
	switch ce.Code {
	case core.MissingAuthenticationToken:
		return errAccessDenied("Access Denied")
	case core.IncompleteSignature:
		if presigned {
			return &s3Error{code: "AuthorizationQueryParametersError", status: http.StatusBadRequest, msg: ce.Message}
		}
		return &s3Error{code: codeAuthHeaderMalformed, status: http.StatusBadRequest, msg: ce.Message}
	case core.UnrecognizedClient:
		if token {
			return &s3Error{code: "InvalidToken", status: http.StatusBadRequest, msg: "The provided token is malformed or otherwise invalid."}
		}
		return errInvalidAccessKey()
	case sigv4.ExpiredToken:
		return &s3Error{code: "ExpiredToken", status: http.StatusBadRequest, msg: "The provided token has expired."}
	}
	return signatureError(err, ce)
}

// signatureError answers an InvalidSignature failure, which S3 splits by
// its reason; body checks share it.
func signatureError(err error, ce *core.Error) error {
	switch {
	case errors.Is(err, sigv4.ErrTimeSkewed):
		return &s3Error{code: "RequestTimeTooSkewed", status: http.StatusForbidden,
			msg: "The difference between the request time and the current time is too large."}
	case errors.Is(err, sigv4.ErrPresignExpired):
		return errAccessDenied(ce.Message)
	case errors.Is(err, sigv4.ErrContentSHA256):
		return &s3Error{code: "XAmzContentSHA256Mismatch", status: http.StatusBadRequest, msg: ce.Message}
	case errors.Is(err, sigv4.ErrChecksum):
		return &s3Error{code: "BadDigest", status: http.StatusBadRequest, msg: ce.Message}
	case errors.Is(err, sigv4.ErrIncompleteBody):
		return &s3Error{code: "IncompleteBody", status: http.StatusBadRequest, msg: ce.Message}
	case ce.Code == core.InvalidSignature:
		return &s3Error{code: "SignatureDoesNotMatch", status: http.StatusForbidden, msg: ce.Message}
	}
	return &s3Error{code: "InvalidRequest", status: http.StatusBadRequest, msg: ce.Message}
}
