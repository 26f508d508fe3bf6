package sigv4

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/sluice-cd/sluice/internal/core"
)

// ExpiredToken is the code of a request signed with a temporary credential
// whose expiry has passed. core has no constant for it because only
// authentication produces it.
const ExpiredToken core.Code = "ExpiredTokenException"

// DefaultMaxSkew is how far a request's date may be from the server's clock,
// as in AWS.
const DefaultMaxSkew = 15 * time.Minute

// Messages AWS sends for the same failures; clients and people search for them.
const (
	msgMissingToken  = "Missing Authentication Token"
	msgBadSignature  = "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details."
	msgInvalidToken  = "The security token included in the request is invalid."
	msgExpiredToken  = "The security token included in the request is expired"
	msgBadContentSHA = "The provided 'x-amz-content-sha256' header does not match what was computed."
)

// Verifier checks the SigV4 signature of requests. Its fields are read-only
// once Verify has been called; a Verifier must not be copied after first use
// (it holds a cache of signing keys). It is safe for concurrent use.
type Verifier struct {
	// Credentials holds the secrets. When nil the Verifier runs in open
	// mode: it accepts any well-formed, timely signature without checking
	// it, and the account is the access key id when that is 12 digits,
	// core.DefaultAccount otherwise.
	Credentials Credentials
	// Clock tells the time; nil means core.SystemClock.
	Clock core.Clock
	// MaxSkew is how far the request date may be from the clock; zero
	// means DefaultMaxSkew.
	MaxSkew time.Duration

	keys keyCache
}

// Identity is who signed a request and for what scope.
type Identity struct {
	AccessKeyID string
	Account     string
	// Region and Service come from the credential scope; the caller checks
	// that Service names it.
	Region  string
	Service string
	// SessionToken is the X-Amz-Security-Token the request carried, if any.
	SessionToken string
	// Presigned is true when the signature came in the query string.
	Presigned bool
}

// Verify checks the signature of r, whose body the caller has already read
// into body. body is hashed only when the payload hash needs it: an S3
// request with X-Amz-Content-Sha256: UNSIGNED-PAYLOAD or a presigned S3 URL
// may pass nil and stream its body. Verify only reads r.
//
// It returns who signed r, or a *core.Error with one of these codes:
//   - core.MissingAuthenticationToken: r carries no signature at all;
//   - core.IncompleteSignature: the signature is malformed or unsupported;
//   - core.InvalidSignature: the signature, payload hash or date is wrong;
//   - core.UnrecognizedClient: the access key or session token is unknown;
//   - ExpiredToken: the temporary credential has expired.
//
// Any other error comes from Credentials and is internal.
func (v *Verifier) Verify(ctx context.Context, r *http.Request, body []byte) (Identity, error) {
	a, err := parseRequest(r)
	if err != nil {
		return Identity{}, err
	}
	now := v.now()
	if err := v.checkTime(&a, now); err != nil {
		return Identity{}, err
	}
	payload, err := payloadHash(r, &a, body, v.Credentials != nil)
	if err != nil {
		return Identity{}, err
	}
	id := Identity{
		AccessKeyID:  a.accessKeyID,
		Region:       a.region,
		Service:      a.service,
		SessionToken: a.token,
		Presigned:    a.presigned,
	}
	if v.Credentials == nil {
		id.Account = core.DefaultAccount
		if isAccountID(a.accessKeyID) {
			id.Account = a.accessKeyID
		}
		return id, nil
	}
	cred, ok, err := v.Credentials.Lookup(ctx, a.accessKeyID)
	if err != nil {
		return Identity{}, fmt.Errorf("sigv4: look up access key: %w", err)
	}
	if !ok {
		return Identity{}, core.Errorf(core.UnrecognizedClient, msgInvalidToken)
	}
	if err := checkToken(cred, a.token, now); err != nil {
		return Identity{}, err
	}
	if !v.signatureMatches(r, &a, cred.SecretAccessKey, &payload) {
		return Identity{}, core.Errorf(core.InvalidSignature, msgBadSignature)
	}
	id.Account = cred.Account
	return id, nil
}

func (v *Verifier) now() time.Time {
	if v.Clock == nil {
		return time.Now()
	}
	return v.Clock.Now()
}

// checkTime rejects a header signature outside the skew window and a
// presigned URL that has expired or is not valid yet.
func (v *Verifier) checkTime(a *auth, now time.Time) error {
	skew := v.MaxSkew
	if skew <= 0 {
		skew = DefaultMaxSkew
	}
	if a.time.After(now.Add(skew)) {
		if a.presigned {
			return core.Errorf(core.InvalidSignature, "Request is not valid yet")
		}
		return core.Errorf(core.InvalidSignature,
			"Signature not yet current: %s is still later than %s (%s + %s)",
			a.amzDate, formatAmzDate(now.Add(skew)), formatAmzDate(now), formatSkew(skew))
	}
	if a.presigned {
		if now.After(a.time.Add(a.expires)) {
			return core.Errorf(core.InvalidSignature, "Request has expired")
		}
		return nil
	}
	if a.time.Before(now.Add(-skew)) {
		return core.Errorf(core.InvalidSignature,
			"Signature expired: %s is now earlier than %s (%s - %s)",
			a.amzDate, formatAmzDate(now.Add(-skew)), formatAmzDate(now), formatSkew(skew))
	}
	return nil
}

// formatSkew writes the window like AWS ("15 min.") when it is whole minutes.
func formatSkew(d time.Duration) string {
	if d%time.Minute == 0 {
		return fmt.Sprintf("%d min.", d/time.Minute)
	}
	return d.String()
}

// checkToken compares the request's session token with the credential's in
// constant time, then checks the credential's expiry.
func checkToken(c Credential, token string, now time.Time) error {
	if !equalStrings(c.SessionToken, token) {
		return core.Errorf(core.UnrecognizedClient, msgInvalidToken)
	}
	if !c.Expires.IsZero() && now.After(c.Expires) {
		return core.Errorf(ExpiredToken, msgExpiredToken)
	}
	return nil
}
