package sigv4

import (
	"bufio"
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"errors"
	"hash"
	"io"
	"strconv"
	"strings"

	"github.com/sluice-cd/sluice/internal/core"
)

const (
	// chunkedBufSize is the read buffer of the decoder. Reads of at least
	// this size go straight from the connection to the caller.
	chunkedBufSize = 64 << 10
	// maxTrailers bounds the trailer section; clients send one checksum.
	maxTrailers      = 8
	trailerSignature = "x-amz-trailer-signature"
)

// chunkedReader decodes an aws-chunked body:
//
//	<hex size>[;chunk-signature=<sig>]\r\n<data>\r\n
//	...
//	0[;chunk-signature=<sig>]\r\n
//	[<trailer>:<value>\r\n ... [x-amz-trailer-signature:<sig>\r\n]]
//	\r\n
//
// Data is handed on as it arrives, not a chunk at a time, so a chunk's
// signature is checked when its data ends. The next chunk header is parsed
// at once, and when it is the final one the trailers and all the content
// checks follow, so the Read that returns the last byte has checked
// everything.
type chunkedReader struct {
	src    *bufio.Reader
	signed bool         // chunks must carry signatures
	signer *chunkSigner // nil: signatures are not checked (open mode)
	// signedTrailer is true when the trailers carry a signature to check.
	signedTrailer bool
	trailers      []string // names declared in X-Amz-Trailer
	check         contentCheck

	want    int64 // the declared decoded length, -1 when unknown
	got     int64
	left    int64 // data left in the current chunk
	sum     hash.Hash
	claimed [sha256.Size]byte // signature the current chunk claims
	started bool
	err     error // sticky; io.EOF once done
}

func newChunkedReader(src io.Reader, want int64, signed bool) *chunkedReader {
	return &chunkedReader{
		src:    bufio.NewReaderSize(src, chunkedBufSize),
		signed: signed,
		want:   want,
	}
}

// expectTrailer reads X-Amz-Trailer: the checksum named there must come as
// a trailer, and is added to check with its value still unknown.
func (c *chunkedReader) expectTrailer(header string, check *contentCheck) error {
	for name := range strings.SplitSeq(header, ",") {
		name = strings.ToLower(strings.TrimSpace(name))
		if name == "" {
			continue
		}
		sum, ok := newChecksum(name)
		if !ok {
			return core.Errorf(core.IncompleteSignature,
				"The value specified in the x-amz-trailer header is not supported: '%s'.", name)
		}
		check.sums = append(check.sums, sum)
		c.trailers = append(c.trailers, name)
	}
	return nil
}

func (c *chunkedReader) Read(p []byte) (int, error) {
	if c.err != nil {
		return 0, c.err
	}
	if !c.started {
		c.started = true
		if err := c.nextChunk(); err != nil {
			return 0, c.fail(err)
		}
		if c.err != nil {
			return 0, c.err
		}
	}
	if len(p) == 0 {
		return 0, nil
	}
	if int64(len(p)) > c.left {
		p = p[:c.left]
	}
	n, err := c.src.Read(p)
	c.consume(p[:n])
	if err != nil {
		if err == io.EOF {
			err = errTruncated()
		}
		return 0, c.fail(err)
	}
	if c.left > 0 {
		return n, nil
	}
	if err := c.endChunk(); err != nil {
		return 0, c.fail(err)
	}
	return n, c.err // io.EOF after the final chunk
}

func (c *chunkedReader) fail(err error) error {
	c.err = err
	return err
}

func (c *chunkedReader) consume(p []byte) {
	c.got += int64(len(p))
	c.left -= int64(len(p))
	c.check.write(p)
	if c.signer != nil {
		c.sum.Write(p)
	}
}

// endChunk reads the CRLF after a chunk's data, checks its signature and
// goes on to the next chunk.
func (c *chunkedReader) endChunk() error {
	var crlf [2]byte
	if _, err := io.ReadFull(c.src, crlf[:]); err != nil {
		return errTruncated()
	}
	if crlf != [2]byte{'\r', '\n'} {
		return errFraming("chunk data is not followed by CRLF")
	}
	if err := c.checkChunk(); err != nil {
		return err
	}
	return c.nextChunk()
}

// checkChunk checks the signature of the chunk just read.
func (c *chunkedReader) checkChunk() error {
	if c.signer == nil {
		return nil
	}
	var sum [sha256.Size]byte
	c.sum.Sum(sum[:0])
	c.sum.Reset()
	if !c.signer.next(payloadScope, emptySHA256Hex, sum, c.claimed) {
		return core.Errorf(core.InvalidSignature, msgBadSignature)
	}
	return nil
}

// nextChunk parses a chunk header; the final chunk ends the body.
func (c *chunkedReader) nextChunk() error {
	line, err := c.line()
	if err == io.EOF {
		return errTruncated() // the body ended without its final chunk
	}
	if err != nil {
		return err
	}
	size, sig, err := parseChunkHeader(line, c.signed)
	if err != nil {
		return err
	}
	if c.want >= 0 && size > c.want-c.got {
		return withReason(ErrIncompleteBody, core.Errorf(core.IncompleteSignature,
			"The chunks hold more than the %d bytes of x-amz-decoded-content-length.", c.want))
	}
	c.left, c.claimed = size, sig
	if c.signer != nil && c.sum == nil {
		c.sum = sha256.New()
	}
	if size > 0 {
		return nil
	}
	if err := c.checkChunk(); err != nil {
		return err
	}
	return c.finish()
}

// finish reads the trailers and checks the whole content.
func (c *chunkedReader) finish() error {
	if err := c.readTrailers(); err != nil {
		return err
	}
	if c.want >= 0 && c.got != c.want {
		return withReason(ErrIncompleteBody, core.Errorf(core.IncompleteSignature,
			"You did not provide the number of bytes specified by the x-amz-decoded-content-length header: %d of %d.", c.got, c.want))
	}
	if err := c.check.verify(); err != nil {
		return err
	}
	c.err = io.EOF
	return nil
}

// readTrailers reads trailer lines up to the empty line that ends the body
// (or its end, which some clients leave at that), fills in the declared
// checksums and checks the trailer signature.
func (c *chunkedReader) readTrailers() error {
	var canonical []byte
	var sig string
	for range maxTrailers + 2 {
		line, err := c.line()
		if err == io.EOF || (err == nil && len(line) == 0) {
			return c.endTrailers(canonical, sig)
		}
		if err != nil {
			return err
		}
		name, value, ok := strings.Cut(string(line), ":")
		if !ok {
			return errFraming("a trailer is not name:value")
		}
		name, value = strings.ToLower(strings.TrimSpace(name)), strings.TrimSpace(value)
		if name == trailerSignature {
			sig = value
			continue
		}
		if !c.setTrailer(name, value) {
			return errFraming("trailer '" + name + "' was not declared in x-amz-trailer")
		}
		canonical = append(append(append(append(canonical, name...), ':'), value...), '\n')
	}
	return errFraming("too many trailers")
}

func (c *chunkedReader) setTrailer(name, value string) bool {
	for i := range c.check.sums {
		s := &c.check.sums[i]
		if s.name == name && s.want == "" && c.declared(name) {
			s.want = value
			return true
		}
	}
	return false
}

func (c *chunkedReader) declared(name string) bool {
	for _, t := range c.trailers {
		if t == name {
			return true
		}
	}
	return false
}

// endTrailers checks that every declared trailer came, and its signature.
func (c *chunkedReader) endTrailers(canonical []byte, sig string) error {
	for _, s := range c.check.sums {
		if s.want == "" && c.declared(s.name) {
			return withReason(ErrIncompleteBody, core.Errorf(core.IncompleteSignature,
				"The trailer '%s' declared in x-amz-trailer is missing.", s.name))
		}
	}
	if !c.signedTrailer || c.signer == nil {
		return nil
	}
	var claimed [sha256.Size]byte
	if !decodeHex(sig, &claimed) {
		return core.Errorf(core.InvalidSignature, msgBadSignature)
	}
	if !c.signer.next(trailerScope, "", sha256.Sum256(canonical), claimed) {
		return core.Errorf(core.InvalidSignature, msgBadSignature)
	}
	return nil
}

// line reads one CRLF-terminated line without its CRLF. io.EOF means the
// body ended cleanly before it.
func (c *chunkedReader) line() ([]byte, error) {
	line, err := c.src.ReadSlice('\n')
	switch {
	case err == io.EOF && len(line) == 0:
		return nil, io.EOF
	case errors.Is(err, bufio.ErrBufferFull):
		return nil, errFraming("a chunk header or trailer is too long")
	case err != nil:
		return nil, errTruncated()
	}
	line = bytes.TrimSuffix(line[:len(line)-1], []byte{'\r'})
	return line, nil
}

// parseChunkHeader reads "<hex size>[;ext...]". A signed chunk must carry
// chunk-signature=<64 hex>; other extensions are ignored.
func parseChunkHeader(line []byte, signed bool) (int64, [sha256.Size]byte, error) {
	var sig [sha256.Size]byte
	sizeHex, exts, _ := bytes.Cut(line, []byte{';'})
	if len(sizeHex) == 0 || len(sizeHex) > 15 {
		return 0, sig, errFraming("bad chunk size")
	}
	size, err := strconv.ParseInt(string(sizeHex), 16, 64)
	if err != nil {
		return 0, sig, errFraming("bad chunk size")
	}
	if !signed {
		return size, sig, nil
	}
	for ext := range bytes.SplitSeq(exts, []byte{';'}) {
		if v, ok := bytes.CutPrefix(ext, []byte("chunk-signature=")); ok && decodeHex(string(v), &sig) {
			return size, sig, nil
		}
	}
	return 0, sig, core.Errorf(core.InvalidSignature, "A chunk of a signed aws-chunked body has no chunk-signature.")
}

func errTruncated() error {
	return withReason(ErrIncompleteBody, core.Errorf(core.IncompleteSignature,
		"The request body terminated unexpectedly."))
}

func errFraming(what string) error {
	return withReason(ErrIncompleteBody, core.Errorf(core.IncompleteSignature,
		"The aws-chunked body is malformed: %s.", what))
}

// The first line of the string to sign of a chunk and of the trailers.
const (
	payloadScope = "AWS4-HMAC-SHA256-PAYLOAD"
	trailerScope = "AWS4-HMAC-SHA256-TRAILER"
	// emptySHA256Hex stands for the chunk's headers, which S3 chunks have none of.
	emptySHA256Hex = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
)

// chunkSigner checks the chain of signatures of an aws-chunked body: each
// signs its chunk and the signature before it, the first the request's.
type chunkSigner struct {
	mac     hash.Hash
	amzDate string
	scope   string
	prev    hexSignature
	buf     []byte
}

func newChunkSigner(key [sha256.Size]byte, amzDate, scope string, seed [sha256.Size]byte) *chunkSigner {
	return &chunkSigner{
		mac:     hmac.New(sha256.New, key[:]),
		amzDate: amzDate,
		scope:   scope,
		prev:    toHex(seed),
	}
}

// next checks claimed against the signature of
// "<first>\n<date>\n<scope>\n<previous>\n[<extra>\n]<hex sum>" and, when
// it matches, makes it the previous signature.
func (s *chunkSigner) next(first, extra string, sum, claimed [sha256.Size]byte) bool {
	b := append(s.buf[:0], first...)
	b = append(append(b, '\n'), s.amzDate...)
	b = append(append(b, '\n'), s.scope...)
	b = append(append(b, '\n'), s.prev[:]...)
	b = append(b, '\n')
	if extra != "" {
		b = append(append(b, extra...), '\n')
	}
	sumHex := toHex(sum)
	b = append(b, sumHex[:]...)
	s.buf = b
	s.mac.Reset()
	s.mac.Write(b)
	var got [sha256.Size]byte
	s.mac.Sum(got[:0])
	if !hmac.Equal(got[:], claimed[:]) {
		return false
	}
	s.prev = toHex(claimed)
	return true
}
