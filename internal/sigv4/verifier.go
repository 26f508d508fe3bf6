package sigv4

import (
	"context"
	"crypto/sha256"
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
	a, err := v.parse(r)
	if err != nil {
		return Identity{}, err
	}
	payload, err := payloadHash(r, &a, body, v.Credentials != nil)
	if err != nil {
		return Identity{}, err
	}
	id, _, err := v.authenticate(ctx, r, &a, &payload)
	return id, err
}

// AccessKeyID returns the access key id r claims to be signed with,
// having checked only the form of its signature, so that a server with
// more than one kind of credential can choose the Verifier (the S3 endpoint
// tells per-job credentials from account credentials this way). Its errors
// are those Verify gives for a missing or malformed signature.
func AccessKeyID(r *http.Request) (string, error) {
	a, err := parseRequest(r)
	if err != nil {
		return "", err
	}
	return a.accessKeyID, nil
}

// parse reads r's signature and checks its dates against the clock.
func (v *Verifier) parse(r *http.Request) (auth, error) {
	a, err := parseRequest(r)
	if err != nil {
		return auth{}, err
	}
	if err := v.checkTime(&a, v.now()); err != nil {
		return auth{}, err
	}
	return a, nil
}

// proof is what checking a request's signature leaves for checking the
// signatures of its body's chunks, which chain from it. In open mode
// nothing was checked and checked is false.
type proof struct {
	key     [sha256.Size]byte
	checked bool
}

// authenticate finds the signer of r and checks the session token and the
// signature over p. In open mode it checks neither.
func (v *Verifier) authenticate(ctx context.Context, r *http.Request, a *auth, p *payload) (Identity, proof, error) {
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
		return id, proof{}, nil
	}
	cred, ok, err := v.Credentials.Lookup(ctx, a.accessKeyID)
	if err != nil {
		return Identity{}, proof{}, fmt.Errorf("sigv4: look up access key: %w", err)
	}
	if !ok {
		return Identity{}, proof{}, core.Errorf(core.UnrecognizedClient, msgInvalidToken)
	}
	if err := checkToken(cred, a.token, v.now()); err != nil {
		return Identity{}, proof{}, err
	}
	key := v.keys.signingKey(cred.SecretAccessKey, a.date, a.region, a.service)
	if !signatureMatches(r, a, &key, p) {
		return Identity{}, proof{}, core.Errorf(core.InvalidSignature, msgBadSignature)
	}
	id.Account = cred.Account
	return id, proof{key: key, checked: true}, nil
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
			return withReason(ErrPresignExpired, core.Errorf(core.InvalidSignature, "Request is not valid yet"))
		}
		return withReason(ErrTimeSkewed, core.Errorf(core.InvalidSignature,
			"Signature not yet current: %s is still later than %s (%s + %s)",
			a.amzDate, formatAmzDate(now.Add(skew)), formatAmzDate(now), formatSkew(skew)))
	}
	if a.presigned {
		if now.After(a.time.Add(a.expires)) {
			return withReason(ErrPresignExpired, core.Errorf(core.InvalidSignature, "Request has expired"))
		}
		return nil
	}
	if a.time.Before(now.Add(-skew)) {
		return withReason(ErrTimeSkewed, core.Errorf(core.InvalidSignature,
			"Signature expired: %s is now earlier than %s (%s - %s)",
			a.amzDate, formatAmzDate(now.Add(-skew)), formatAmzDate(now), formatSkew(skew)))
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
