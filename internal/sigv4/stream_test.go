package sigv4

import (
	"bufio"
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"testing/iotest"
	"time"

	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/sluice-cd/sluice/internal/core"
)

// chunked describes an aws-chunked PUT. build signs it with the SDK: the
// seed signature with SignHTTP and every chunk with its StreamSigner, whose
// string to sign for empty headers is S3's chunk string to sign.
type chunked struct {
	declared string // x-amz-content-sha256; default streamingSigned
	content  []byte
	chunk    int    // chunk size; default 64 KiB
	trailer  string // checksum trailer name, "" for none
	cred     Credential
	// edit changes the wire body after signing.
	edit func(body []byte) []byte
	// trailerValue replaces the checksum sent in the trailer.
	trailerValue string
}

func (c chunked) build(tb testing.TB) *http.Request {
	tb.Helper()
	if c.declared == "" {
		c.declared = streamingSigned
	}
	if c.chunk == 0 {
		c.chunk = 64 << 10
	}
	if c.cred.AccessKeyID == "" {
		c.cred = permanent
	}
	// Content-Length is left unsigned, so that edits may change it; the
	// example of AWS in TestVerifyStreamAWSExample signs it.
	req := MustNewRequest(tb, http.MethodPut, testEndpoint+"/artifacts/big.zip", nil)
	req.Header.Set("Content-Encoding", "aws-chunked")
	req.Header.Set("X-Amz-Content-Sha256", c.declared)
	req.Header.Set("X-Amz-Decoded-Content-Length", strconv.Itoa(len(c.content)))
	if c.trailer != "" {
		req.Header.Set("X-Amz-Trailer", c.trailer)
	}
	MustSign(tb, req, nil, signOpts{cred: c.cred, service: "s3", payloadHash: c.declared})
	seed := seedSignature(tb, req)
	signer := v4.NewStreamSigner(awsCreds(c.cred), "s3", "us-east-1", seed)
	prev := hex.EncodeToString(seed)
	chunkSig := func(data []byte) string {
		sig, err := signer.GetSignature(context.Background(), nil, data, testNow)
		if err != nil {
			tb.Fatal(err)
		}
		prev = hex.EncodeToString(sig)
		return prev
	}
	trailerSig := func(canonical string) string {
		return testTrailerSignature(c.cred.SecretAccessKey, prev, canonical)
	}
	var body []byte
	if c.declared == streamingSignedTrailer {
		body = c.encodeSignedTrailer(chunkSig, trailerSig)
	} else {
		body = c.encode(chunkSig, "")
	}
	if c.edit != nil {
		body = c.edit(body)
	}
	req.Body = io.NopCloser(bytes.NewReader(body))
	req.ContentLength = int64(len(body))
	return MustServeStream(tb, req)
}

// encode writes the chunks and the final chunk; for a signed trailer,
// encodeSignedTrailer adds the trailer signature.
func (c chunked) encode(chunkSig func([]byte) string, trailerSig string) []byte {
	signed := c.declared != streamingUnsigned
	var b bytes.Buffer
	for data := range c.chunks() {
		fmt.Fprintf(&b, "%x", len(data))
		if signed {
			b.WriteString(";chunk-signature=" + chunkSig(data))
		}
		b.WriteString("\r\n")
		b.Write(data)
		b.WriteString("\r\n")
	}
	b.WriteString("0")
	if signed {
		b.WriteString(";chunk-signature=" + chunkSig(nil))
	}
	b.WriteString("\r\n")
	if c.trailer != "" {
		b.WriteString(c.trailerLine() + "\r\n")
		if trailerSig != "" && c.declared == streamingSignedTrailer {
			b.WriteString(trailerSignature + ":" + trailerSig + "\r\n")
		}
	}
	b.WriteString("\r\n")
	return b.Bytes()
}

func (c chunked) encodeSignedTrailer(chunkSig func([]byte) string, trailerSig func(string) string) []byte {
	var sig string
	body := c.encode(func(data []byte) string {
		s := chunkSig(data)
		if data == nil { // the final chunk: the trailer's signature chains from it
			sig = trailerSig(c.trailerLine() + "\n")
		}
		return s
	}, "pending")
	return bytes.Replace(body, []byte(trailerSignature+":pending"), []byte(trailerSignature+":"+sig), 1)
}

func (c chunked) chunks() func(func([]byte) bool) {
	return func(yield func([]byte) bool) {
		for rest := c.content; len(rest) > 0; {
			n := min(c.chunk, len(rest))
			if !yield(rest[:n]) {
				return
			}
			rest = rest[n:]
		}
	}
}

func (c chunked) trailerLine() string {
	v := c.trailerValue
	if v == "" {
		v = sumCRC32(c.content)
	}
	return c.trailer + ":" + v
}

func sumCRC32(b []byte) string {
	h := crc32.NewIEEE()
	h.Write(b)
	return base64.StdEncoding.EncodeToString(h.Sum(nil))
}

// testTrailerSignature signs the trailers with crypto/hmac, independently
// of chunkSigner.
func testTrailerSignature(secret, prev, canonical string) string {
	key := deriveKey(secret, "20261121", "us-east-1", "s3")
	sum := sha256.Sum256([]byte(canonical))
	sts := strings.Join([]string{trailerScope, "20261121T003000Z", "20261121/us-east-1/s3/aws4_request", prev, hex.EncodeToString(sum[:])}, "\n")
	h := hmac.New(sha256.New, key[:])
	h.Write([]byte(sts))
	return hex.EncodeToString(h.Sum(nil))
}

func seedSignature(tb testing.TB, req *http.Request) []byte {
	tb.Helper()
	_, sig, ok := strings.Cut(req.Header.Get("Authorization"), "Signature=")
	if !ok {
		tb.Fatal("no signature")
	}
	b, err := hex.DecodeString(sig)
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

// MustServeStream writes req on the wire and reads it back like net/http's
// server, leaving the body unread.
func MustServeStream(tb testing.TB, req *http.Request) *http.Request {
	tb.Helper()
	var wire bytes.Buffer
	if err := req.Write(&wire); err != nil {
		tb.Fatal(err)
	}
	sr, err := http.ReadRequest(bufio.NewReader(&wire))
	if err != nil {
		tb.Fatal(err)
	}
	return sr
}

// readStream verifies r and reads its content the way the S3 endpoint
// does: no further than Length.
func readStream(tb testing.TB, v *Verifier, r *http.Request) ([]byte, error) {
	tb.Helper()
	_, body, err := v.VerifyStream(context.Background(), r)
	if err != nil {
		return nil, err
	}
	var rd io.Reader = body
	if body.Length >= 0 {
		rd = io.LimitReader(body, body.Length)
	}
	return io.ReadAll(rd)
}

func content(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i*7 + i/251)
	}
	return b
}

// TestVerifyStreamAWSExample checks the signed aws-chunked example of AWS's
// S3 documentation ("Signature calculations for the Authorization header:
// transferring payload in multiple chunks"), independent of the SDK.
func TestVerifyStreamAWSExample(t *testing.T) {
	t.Parallel()
	const (
		seed   = "4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9"
		sig1   = "ad80c730a21e5b8d04586a2213dd63b9a0e99e0e2307b0ade35a65485a288648"
		sig2   = "0055627c9e194cb4542bae2aa5492e3c1575bbb81b612b7d234b86a503ef5497"
		sigEnd = "b6c6ea8a5354eaf15b3cb7646744f4275b71ea724fed81ceb9323e279d449df9"
	)
	store, err := NewStatic(Credential{
		AccessKeyID: "AKIAIOSFODNN7EXAMPLE", SecretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", Account: "111122223333",
	})
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2013, 5, 24, 0, 0, 0, 0, time.UTC)
	v := &Verifier{Credentials: store, Clock: core.ClockFunc(func() time.Time { return at })}
	data := bytes.Repeat([]byte{'a'}, 66560)
	body := "10000;chunk-signature=" + sig1 + "\r\n" + string(data[:65536]) + "\r\n" +
		"400;chunk-signature=" + sig2 + "\r\n" + string(data[65536:]) + "\r\n" +
		"0;chunk-signature=" + sigEnd + "\r\n\r\n"
	wire := "PUT /examplebucket/chunkObject.txt HTTP/1.1\r\n" +
		"Host: s3.amazonaws.com\r\n" +
		"x-amz-date: 20130524T000000Z\r\n" +
		"x-amz-storage-class: REDUCED_REDUNDANCY\r\n" +
		"Authorization: AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,SignedHeaders=content-encoding;content-length;host;x-amz-content-sha256;x-amz-date;x-amz-decoded-content-length;x-amz-storage-class,Signature=" + seed + "\r\n" +
		"x-amz-content-sha256: STREAMING-AWS4-HMAC-SHA256-PAYLOAD\r\n" +
		"Content-Encoding: aws-chunked\r\n" +
		"x-amz-decoded-content-length: 66560\r\n" +
		"Content-Length: " + strconv.Itoa(len(body)) + "\r\n\r\n" + body
	if len(body) != 66824 {
		t.Fatalf("encoded length %d, the example says 66824", len(body))
	}
	for name, edit := range map[string]func(string) string{
		"AsPublished":  func(s string) string { return s },
		"ChunkAltered": func(s string) string { return strings.Replace(s, "aaaa\r\n0;", "aaab\r\n0;", 1) },
	} {
		r, err := http.ReadRequest(bufio.NewReader(strings.NewReader(edit(wire))))
		if err != nil {
			t.Fatal(err)
		}
		got, err := readStream(t, v, r)
		if name == "ChunkAltered" {
			requireCode(t, err, core.InvalidSignature, "does not match")
			continue
		}
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if !bytes.Equal(got, data) {
			t.Fatalf("%s: decoded %d bytes, want the %d of the example", name, len(got), len(data))
		}
	}
}

func TestVerifyStreamChunked(t *testing.T) {
	t.Parallel()
	data := content(200_000)
	cases := []struct {
		name string
		c    chunked
	}{
		{"Signed", chunked{content: data}},
		{"SignedSmallChunks", chunked{content: data, chunk: 8 << 10}},
		{"SignedEmpty", chunked{content: nil}},
		{"SignedTemporaryCredential", chunked{content: data, cred: temporary}},
		{"SignedTrailer", chunked{declared: streamingSignedTrailer, content: data, trailer: "x-amz-checksum-crc32"}},
		{"SignedTrailerEmpty", chunked{declared: streamingSignedTrailer, trailer: "x-amz-checksum-crc32"}},
		{"UnsignedTrailer", chunked{declared: streamingUnsigned, content: data, trailer: "x-amz-checksum-crc32"}},
		{"UnsignedOneChunk", chunked{declared: streamingUnsigned, content: data, chunk: len(data), trailer: "x-amz-checksum-crc32"}},
		{"UnsignedNoTrailer", chunked{declared: streamingUnsigned, content: data}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			b := setup(t)
			got, err := readStream(t, b.verifier, c.c.build(t))
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, c.c.content) {
				t.Fatalf("decoded %d bytes, want %d", len(got), len(c.c.content))
			}
		})
	}

	t.Run("OneByteReads", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		c := chunked{declared: streamingSignedTrailer, content: data[:5000], chunk: 1000, trailer: "x-amz-checksum-crc32"}
		_, body, err := b.verifier.VerifyStream(context.Background(), c.build(t))
		if err != nil {
			t.Fatal(err)
		}
		got, err := io.ReadAll(iotest.OneByteReader(body))
		if err != nil || !bytes.Equal(got, c.content) {
			t.Fatalf("got %d bytes, err %v", len(got), err)
		}
	})

	t.Run("Identity", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		id, body, err := b.verifier.VerifyStream(context.Background(), chunked{content: data, cred: temporary}.build(t))
		requireIdentity(t, id, Identity{
			AccessKeyID: temporary.AccessKeyID, Account: temporary.Account, Region: "us-east-1",
			Service: "s3", SessionToken: temporary.SessionToken,
		}, err)
		if !body.Chunked || body.Length != int64(len(data)) {
			t.Fatalf("body: chunked %v, length %d", body.Chunked, body.Length)
		}
	})
}

// TestVerifyStreamChunkedRejects tampers with signed and unsigned bodies.
// Every failure must show at the latest on the Read that reaches Length.
func TestVerifyStreamChunkedRejects(t *testing.T) {
	t.Parallel()
	data := content(150_000)
	flipLast := func(b []byte) []byte { // the last byte of the last chunk's data
		i := bytes.LastIndex(b, []byte("\r\n0"))
		b[i-1] ^= 1
		return b
	}
	signed := func(edit func([]byte) []byte) chunked {
		return chunked{content: data, edit: edit}
	}
	flipSig := func(b []byte) []byte { // a hex digit of the first chunk's signature
		i := bytes.Index(b, []byte("chunk-signature=")) + len("chunk-signature=")
		b[i] = map[bool]byte{true: '1', false: '0'}[b[i] == '0']
		return b
	}
	cases := []struct {
		name   string
		c      chunked
		code   core.Code
		reason error
		msg    string
	}{
		{"DataAltered", signed(flipLast), core.InvalidSignature, nil, "does not match"},
		{"ChunkSignatureAltered", signed(flipSig), core.InvalidSignature, nil, "does not match"},
		{"ChunkSignatureMissing", signed(func(b []byte) []byte {
			i := bytes.Index(b, []byte(";chunk-signature="))
			return append(b[:i:i], b[i+len(";chunk-signature=")+64:]...)
		}), core.InvalidSignature, nil, "no chunk-signature"},
		{"ChunksSwapped", chunked{content: data, chunk: 75_000, edit: func(b []byte) []byte {
			// Two chunks of equal size, data swapped: each signature still
			// covers the right bytes in the wrong place.
			i := bytes.Index(b, []byte("\r\n")) + 2
			j := bytes.Index(b[i+75_000+2:], []byte("\r\n")) + i + 75_000 + 4
			first := bytes.Clone(b[i : i+75_000])
			copy(b[i:], b[j:j+75_000])
			copy(b[j:], first)
			return b
		}}, core.InvalidSignature, nil, "does not match"},
		{"FinalChunkMissing", signed(func(b []byte) []byte {
			return b[:bytes.LastIndex(b, []byte("0;chunk-signature="))]
		}), core.IncompleteSignature, ErrIncompleteBody, "terminated unexpectedly"},
		{"Truncated", signed(func(b []byte) []byte { return b[:len(b)/2] }), core.IncompleteSignature, ErrIncompleteBody, "terminated unexpectedly"},
		{"BadFraming", signed(func(b []byte) []byte {
			i := bytes.Index(b, []byte("\r\n")) + 2 + 64<<10 // the CRLF after the first chunk's data
			b[i] = 'x'
			return b
		}), core.IncompleteSignature, ErrIncompleteBody, "not followed by CRLF"},
		{"TrailerChecksumWrong", chunked{declared: streamingUnsigned, content: data, trailer: "x-amz-checksum-crc32", trailerValue: "AAAAAA=="},
			core.InvalidSignature, ErrChecksum, "The CRC32 you specified did not match"},
		{"SignedTrailerChecksumWrong", chunked{declared: streamingSignedTrailer, content: data, trailer: "x-amz-checksum-crc32", trailerValue: "AAAAAA=="},
			core.InvalidSignature, ErrChecksum, "The CRC32 you specified"},
		{"TrailerMissing", chunked{declared: streamingUnsigned, content: data, trailer: "x-amz-checksum-crc32", edit: func(b []byte) []byte {
			i := bytes.LastIndex(b, []byte("x-amz-checksum-crc32:"))
			return append(b[:i:i], "\r\n"...)
		}}, core.IncompleteSignature, ErrIncompleteBody, "declared in x-amz-trailer is missing"},
		{"TrailerSignatureAltered", chunked{declared: streamingSignedTrailer, content: data, trailer: "x-amz-checksum-crc32", edit: func(b []byte) []byte {
			i := bytes.LastIndex(b, []byte(trailerSignature+":")) + len(trailerSignature) + 1
			b[i] ^= 1
			return b
		}}, core.InvalidSignature, nil, "does not match"},
		{"UndeclaredTrailer", chunked{declared: streamingUnsigned, content: data, edit: func(b []byte) []byte {
			return append(b[:len(b)-2:len(b)-2], "x-amz-checksum-sha1:AAAA\r\n\r\n"...)
		}}, core.IncompleteSignature, ErrIncompleteBody, "not declared"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			b := setup(t)
			_, err := readStream(t, b.verifier, c.c.build(t))
			requireCode(t, err, c.code, c.msg)
			if c.reason != nil && !errors.Is(err, c.reason) {
				t.Fatalf("want reason %v, got %v", c.reason, err)
			}
		})
	}

	t.Run("DecodedLengthWrong", func(t *testing.T) {
		t.Parallel()
		for _, n := range []int{len(data) - 1, len(data) + 1} {
			b := setup(t)
			r := chunked{content: data}.build(t)
			r.Header.Set("X-Amz-Decoded-Content-Length", strconv.Itoa(n)) // signed, so only in open mode
			_, err := readStream(t, &Verifier{Clock: b.verifier.Clock}, r)
			requireCode(t, err, core.IncompleteSignature, "x-amz-decoded-content-length")
		}
	})

	t.Run("OpenModeSkipsChunkSignatures", func(t *testing.T) {
		t.Parallel()
		b := setup(t)
		open := &Verifier{Clock: b.verifier.Clock}
		got, err := readStream(t, open, signed(flipSig).build(t))
		if err != nil || !bytes.Equal(got, data) {
			t.Fatalf("open mode: %d bytes, %v", len(got), err)
		}
		_, err = readStream(t, open, chunked{declared: streamingUnsigned, content: data, trailer: "x-amz-checksum-crc32", trailerValue: "AAAAAA=="}.build(t))
		if !errors.Is(err, ErrChecksum) {
			t.Fatalf("open mode must still check checksums, got %v", err)
		}
	})
}

func TestVerifyStreamPlain(t *testing.T) {
	t.Parallel()
	data := content(100_000)
	put := func(t *testing.T, declared string, edit func(*http.Request)) *http.Request {
		req := MustNewRequest(t, http.MethodPut, testEndpoint+"/artifacts/key", data)
		req.Header.Set("X-Amz-Content-Sha256", declared)
		if edit != nil {
			edit(req)
		}
		MustSign(t, req, nil, signOpts{service: "s3", payloadHash: declared})
		return MustServeStream(t, req)
	}
	cases := []struct {
		name   string
		r      func(t *testing.T) *http.Request
		reason error // nil: accepted
	}{
		{"UnsignedPayload", func(t *testing.T) *http.Request { return put(t, unsignedPayload, nil) }, nil},
		{"DeclaredSHA256", func(t *testing.T) *http.Request { return put(t, sha256Hex(data), nil) }, nil},
		{"DeclaredSHA256Wrong", func(t *testing.T) *http.Request { return put(t, sha256Hex(data[1:]), nil) }, ErrContentSHA256},
		{"ChecksumHeader", func(t *testing.T) *http.Request {
			return put(t, unsignedPayload, func(r *http.Request) { r.Header.Set("X-Amz-Checksum-Crc32", sumCRC32(data)) })
		}, nil},
		{"ChecksumHeaderWrong", func(t *testing.T) *http.Request {
			return put(t, unsignedPayload, func(r *http.Request) { r.Header.Set("X-Amz-Checksum-Crc32", sumCRC32(data[1:])) })
		}, ErrChecksum},
		{"SHA256HeaderWrong", func(t *testing.T) *http.Request {
			return put(t, unsignedPayload, func(r *http.Request) { r.Header.Set("X-Amz-Checksum-Sha256", "AAAA") })
		}, ErrChecksum},
		{"Presigned", func(t *testing.T) *http.Request {
			req := MustNewRequest(t, http.MethodPut, testEndpoint+"/artifacts/key?X-Amz-Expires=60", nil)
			signed := MustPresign(t, req, signOpts{service: "s3"})
			signed.Method = http.MethodPut
			signed.Body = io.NopCloser(bytes.NewReader(data))
			signed.ContentLength = int64(len(data))
			return MustServeStream(t, signed)
		}, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			b := setup(t)
			got, err := readStream(t, b.verifier, c.r(t))
			if c.reason != nil {
				if !errors.Is(err, c.reason) {
					t.Fatalf("want %v, got %v", c.reason, err)
				}
				return
			}
			if err != nil || !bytes.Equal(got, data) {
				t.Fatalf("read %d bytes: %v", len(got), err)
			}
		})
	}
}

func TestVerifyStreamRefuses(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		r    func(t *testing.T) *http.Request
		msg  string
	}{
		{"StreamingOutsideS3", func(t *testing.T) *http.Request {
			req := MustNewPost(t)
			req.Header.Set("X-Amz-Content-Sha256", streamingUnsigned)
			MustSign(t, req, nil, signOpts{payloadHash: streamingUnsigned})
			return MustServeStream(t, req)
		}, "only accepted by service 's3', not 'codepipeline'"},
		{"NoPayloadHash", func(t *testing.T) *http.Request {
			req := MustNewRequest(t, http.MethodGet, testEndpoint+"/artifacts/key", nil)
			MustSign(t, req, nil, signOpts{service: "s3"})
			return MustServeStream(t, req)
		}, "Missing required header for this request: x-amz-content-sha256"},
		{"ECDSA", func(t *testing.T) *http.Request {
			const declared = "STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD"
			req := MustNewRequest(t, http.MethodPut, testEndpoint+"/artifacts/key", nil)
			req.Header.Set("X-Amz-Content-Sha256", declared)
			MustSign(t, req, nil, signOpts{service: "s3", payloadHash: declared})
			return MustServeStream(t, req)
		}, "is not supported"},
		{"UnknownTrailer", func(t *testing.T) *http.Request {
			r := chunked{declared: streamingUnsigned, content: []byte("x"), trailer: "x-amz-checksum-md5"}.build(t)
			return r
		}, "x-amz-trailer header is not supported"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			b := setup(t)
			_, _, err := b.verifier.VerifyStream(context.Background(), c.r(t))
			requireCode(t, err, core.IncompleteSignature, c.msg)
		})
	}
}
