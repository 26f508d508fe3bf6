package sigv4

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/sluice-cd/sluice/internal/core"
)

// Payload hashes of aws-chunked bodies, as S3 clients declare them.
const (
	streamingSigned        = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD"
	streamingSignedTrailer = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER"
	streamingUnsigned      = "STREAMING-UNSIGNED-PAYLOAD-TRAILER"
)

const (
	hdrDecodedLength = "X-Amz-Decoded-Content-Length"
	hdrTrailer       = "X-Amz-Trailer"
)

// Body is the content of a request whose body streams, to be read in place
// of r.Body.
type Body struct {
	// Reader yields the content. A failed check (payload hash, chunk
	// signature, checksum, length) is an error from Read, a *core.Error
	// with one of the reasons of reason.go, returned no later than the Read
	// that would return the last byte, so a reader that stops after Length
	// bytes still sees it. What was read before such an error must be
	// thrown away.
	io.Reader
	// Length is the length of the content: X-Amz-Decoded-Content-Length for
	// an aws-chunked body, r.ContentLength otherwise; -1 when unknown.
	Length int64
	// Chunked is true when the wire body is aws-chunked and Reader decodes
	// it; a handler that passes the request on should drop aws-chunked from
	// its Content-Encoding.
	Chunked bool
}

// VerifyStream checks the signature of r like Verify, for a request whose
// body is read as it arrives instead of first: the S3 endpoint's uploads.
// The header form must declare X-Amz-Content-Sha256, as S3 requires:
//   - UNSIGNED-PAYLOAD (s3 only) and presigned URLs: the content is r.Body;
//   - a SHA-256: r.Body, hashed as it is read and checked at its end;
//   - STREAMING-AWS4-HMAC-SHA256-PAYLOAD, STREAMING-UNSIGNED-PAYLOAD-TRAILER
//     and STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER (s3 only): the decoded
//     aws-chunked body, each chunk's signature checked against the chain
//     seeded by the request's signature, and the trailing checksum (and
//     its signature) checked at the end.
//
// Any x-amz-checksum-* header is checked against the content too. In open
// mode nothing signed is checked, chunk signatures included, but hashes,
// checksums and lengths are. VerifyStream reads neither r nor its body; it
// returns the errors of Verify.
func (v *Verifier) VerifyStream(ctx context.Context, r *http.Request) (Identity, Body, error) {
	a, err := v.parse(r)
	if err != nil {
		return Identity{}, Body{}, err
	}
	declared, p, err := streamPayload(r, &a)
	if err != nil {
		return Identity{}, Body{}, err
	}
	id, pr, err := v.authenticate(ctx, r, &a, &p)
	if err != nil {
		return Identity{}, Body{}, err
	}
	body, err := streamBody(r, &a, declared, pr)
	if err != nil {
		return Identity{}, Body{}, err
	}
	return id, body, nil
}

// streamPayload decides the payload line of the canonical request of a
// streamed request, and returns the declared X-Amz-Content-Sha256 ("" for
// a presigned URL).
func streamPayload(r *http.Request, a *auth) (string, payload, error) {
	if a.presigned {
		if a.service != "s3" {
			return "", payload{}, core.Errorf(core.IncompleteSignature,
				"A presigned request of service '%s' signs its body, which cannot be streamed.", a.service)
		}
		return "", payload{literal: unsignedPayload}, nil
	}
	declared := firstHeader(r.Header, hdrContentSH)
	switch declared {
	case "":
		return "", payload{}, core.Errorf(core.IncompleteSignature,
			"Missing required header for this request: x-amz-content-sha256")
	case unsignedPayload, streamingSigned, streamingSignedTrailer, streamingUnsigned:
		if a.service != "s3" {
			return "", payload{}, core.Errorf(core.IncompleteSignature,
				"x-amz-content-sha256 '%s' is only accepted by service 's3', not '%s'.", declared, a.service)
		}
		return declared, payload{literal: declared}, nil
	}
	if strings.HasPrefix(declared, "STREAMING-") {
		return "", payload{}, core.Errorf(core.IncompleteSignature,
			"x-amz-content-sha256 '%s' is not supported.", declared)
	}
	p := payload{}
	if !decodeHex(declared, &p.sum) {
		return "", payload{}, core.Errorf(core.IncompleteSignature,
			"x-amz-content-sha256 must be UNSIGNED-PAYLOAD, a STREAMING- value or a valid SHA-256, not '%s'.", declared)
	}
	if a.service == "s3" {
		p.literal = declared // S3 signs the header exactly as sent
	}
	return declared, p, nil
}

// streamBody wraps r.Body in what checks and decodes it.
func streamBody(r *http.Request, a *auth, declared string, pr proof) (Body, error) {
	src := r.Body
	if src == nil {
		src = http.NoBody
	}
	var check contentCheck
	check.headerChecksums(r)
	switch declared {
	case "", unsignedPayload:
	case streamingSigned, streamingSignedTrailer, streamingUnsigned:
		return chunkedBody(r, a, declared, pr, src, check)
	default:
		check.sha256 = sha256.New()
		decodeHex(declared, &check.want) // streamPayload has checked it
	}
	if check.empty() {
		return Body{Reader: src, Length: r.ContentLength}, nil
	}
	return Body{Reader: &plainReader{src: src, left: r.ContentLength, check: check}, Length: r.ContentLength}, nil
}

// chunkedBody sets up the decoder of an aws-chunked body.
func chunkedBody(r *http.Request, a *auth, declared string, pr proof, src io.Reader, check contentCheck) (Body, error) {
	length := int64(-1)
	if s := firstHeader(r.Header, hdrDecodedLength); s != "" {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil || n < 0 {
			return Body{}, core.Errorf(core.IncompleteSignature,
				"x-amz-decoded-content-length must be a non-negative number, not '%s'.", s)
		}
		length = n
	}
	c := newChunkedReader(src, length, declared != streamingUnsigned)
	if declared != streamingSigned {
		if err := c.expectTrailer(firstHeader(r.Header, hdrTrailer), &check); err != nil {
			return Body{}, err
		}
	}
	c.check = check
	if pr.checked && declared != streamingUnsigned {
		var seed [sha256.Size]byte
		decodeHex(a.signature, &seed) // it matched, so it is hex
		c.signer = newChunkSigner(pr.key, a.amzDate, a.scope, seed)
		c.signedTrailer = declared == streamingSignedTrailer
	}
	return Body{Reader: c, Length: length, Chunked: true}, nil
}

// plainReader checks a body that is not aws-chunked once it has all been
// read: at EOF, or as soon as r.ContentLength bytes have come, because a
// reader limited to that length never asks for the EOF.
type plainReader struct {
	src   io.Reader
	left  int64 // -1 when the length is unknown
	check contentCheck
	err   error
}

func (p *plainReader) Read(b []byte) (int, error) {
	if p.err != nil {
		return 0, p.err
	}
	n, err := p.src.Read(b)
	p.check.write(b[:n])
	if p.left >= 0 {
		p.left -= int64(n)
	}
	if err == io.EOF || (err == nil && p.left == 0) {
		if verr := p.check.verify(); verr != nil {
			p.err = verr
			return 0, verr
		}
		p.err = io.EOF
		return n, io.EOF
	}
	if err != nil {
		p.err = err
	}
	return n, err
}

// hexSignature is a signature in the lower-case hex of strings to sign.
type hexSignature [2 * sha256.Size]byte

func toHex(sum [sha256.Size]byte) hexSignature {
	var h hexSignature
	hex.Encode(h[:], sum[:])
	return h
}
