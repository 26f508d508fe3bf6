package sigv4

import (
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"strings"

	"github.com/sluice-cd/sluice/internal/core"
)

const unsignedPayload = "UNSIGNED-PAYLOAD"

// payload is the last line of the canonical request: a literal the client
// sent (UNSIGNED-PAYLOAD, or the hash it declared) or the body's SHA-256.
// It is kept as an array so that hashing does not allocate.
type payload struct {
	literal string
	sum     [sha256.Size]byte
}

func (p *payload) append(buf []byte) []byte {
	if p.literal != "" {
		return append(buf, p.literal...)
	}
	return hex.AppendEncode(buf, p.sum[:])
}

// payloadHash decides the payload hash of the canonical request and checks
// a declared X-Amz-Content-Sha256 against body. When verifying is false
// (open mode) it hashes body only to check a declared hash.
func payloadHash(r *http.Request, a *auth, body []byte, verifying bool) (payload, error) {
	if a.presigned {
		// A presigned URL is made before the body exists. S3 signs the
		// literal; other services (RDS, EKS tokens) sign the body's hash.
		if a.service == "s3" {
			return payload{literal: unsignedPayload}, nil
		}
		return hashed(body, verifying), nil
	}
	declared := firstHeader(r.Header, hdrContentSH)
	switch {
	case declared == "":
		return hashed(body, verifying), nil
	case declared == unsignedPayload:
		if a.service != "s3" {
			return payload{}, core.Errorf(core.IncompleteSignature,
				"x-amz-content-sha256 'UNSIGNED-PAYLOAD' is only accepted by service 's3', not '%s'.", a.service)
		}
		return payload{literal: declared}, nil
	case strings.HasPrefix(declared, "STREAMING-"):
		// Verify has read the body already; only VerifyStream decodes
		// aws-chunked bodies, as they arrive.
		if a.service != "s3" {
			return payload{}, core.Errorf(core.IncompleteSignature,
				"x-amz-content-sha256 '%s' is only accepted by service 's3', not '%s'.", declared, a.service)
		}
		return payload{}, core.Errorf(core.IncompleteSignature,
			"x-amz-content-sha256 '%s' is only accepted for a streamed body; send the payload in one piece with its SHA-256 or UNSIGNED-PAYLOAD.", declared)
	}
	p := payload{sum: sha256.Sum256(body)}
	var want [sha256.Size]byte
	if !decodeHex(declared, &want) || want != p.sum {
		return payload{}, withReason(ErrContentSHA256, core.Errorf(core.InvalidSignature, msgBadContentSHA))
	}
	if a.service == "s3" {
		p.literal = declared // S3 signs the header exactly as sent
	}
	return p, nil
}

func hashed(body []byte, verifying bool) payload {
	if !verifying {
		return payload{}
	}
	return payload{sum: sha256.Sum256(body)}
}

// decodeHex decodes exactly 64 hex digits of either case into out without
// the allocation of converting s to []byte.
func decodeHex(s string, out *[sha256.Size]byte) bool {
	if len(s) != 2*len(out) {
		return false
	}
	for i := range out {
		hi, lo := s[2*i], s[2*i+1]
		if !isHex(hi) || !isHex(lo) {
			return false
		}
		out[i] = unhex(hi)<<4 | unhex(lo)
	}
	return true
}

func isHex(c byte) bool { return isUpperHex(c) || 'a' <= c && c <= 'f' }
