package sigv4

import (
	"errors"

	"github.com/sluice-cd/sluice/internal/core"
)

// Reasons that S3 answers with codes of their own where the JSON services
// share one core code. An error carrying a reason is still a *core.Error for
// errors.As, with the same code and message, so the JSON API is unaffected;
// errors.Is(err, ErrTimeSkewed) lets the S3 endpoint pick its code.
var (
	// ErrTimeSkewed: the request's date is outside the allowed skew
	// (S3 answers RequestTimeTooSkewed).
	ErrTimeSkewed = errors.New("sigv4: request time too skewed")
	// ErrPresignExpired: a presigned URL has expired or is not valid yet
	// (S3 answers AccessDenied).
	ErrPresignExpired = errors.New("sigv4: presigned request expired")
	// ErrContentSHA256: the body does not hash to the declared
	// X-Amz-Content-Sha256 (S3 answers XAmzContentSHA256Mismatch).
	ErrContentSHA256 = errors.New("sigv4: x-amz-content-sha256 mismatch")
	// ErrChecksum: the body does not match its x-amz-checksum-* header or
	// trailer (S3 answers BadDigest).
	ErrChecksum = errors.New("sigv4: checksum mismatch")
	// ErrIncompleteBody: the body is shorter or longer than it declared, or
	// its aws-chunked framing is broken (S3 answers IncompleteBody).
	ErrIncompleteBody = errors.New("sigv4: incomplete body")
)

// reasonError is a *core.Error with one of the reasons above.
type reasonError struct {
	err    *core.Error
	reason error
}

func withReason(reason error, err *core.Error) error {
	return &reasonError{err: err, reason: reason}
}

func (e *reasonError) Error() string { return e.err.Error() }

// Unwrap gives errors.As the *core.Error and errors.Is the reason.
func (e *reasonError) Unwrap() []error { return []error{e.err, e.reason} }
