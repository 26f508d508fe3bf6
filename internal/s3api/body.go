package s3api

import (
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/sluice-cd/sluice/internal/sigv4"
)

// prepareBody puts the verified content in place of r's wire body and
// rewrites the headers to describe it, so the wire layer sees a plain
// upload: it would otherwise decode aws-chunked framing a second time (or,
// for the signed-trailer form it does not know, store the framing).
func prepareBody(r *http.Request, body sigv4.Body, st *requestState) {
	r.Body = &checkedBody{r: body.Reader, c: r.Body, st: st}
	// The session token has been checked; left in, it would count as
	// object metadata.
	r.Header.Del("X-Amz-Security-Token")
	if !body.Chunked {
		return
	}
	h := r.Header
	h.Set("X-Amz-Content-Sha256", "UNSIGNED-PAYLOAD")
	h.Del("X-Amz-Decoded-Content-Length")
	h.Del("X-Amz-Trailer")
	dropAWSChunked(h)
	r.TransferEncoding = nil
	r.ContentLength = body.Length
	if body.Length < 0 {
		h.Del("Content-Length") // the wire layer answers MissingContentLength, as S3 does
		return
	}
	h.Set("Content-Length", strconv.FormatInt(body.Length, 10))
}

// dropAWSChunked removes aws-chunked from Content-Encoding, keeping any
// encoding of the content itself (a gzip object stays gzip).
func dropAWSChunked(h http.Header) {
	var kept []string
	for _, v := range h.Values("Content-Encoding") {
		for enc := range strings.SplitSeq(v, ",") {
			if enc = strings.TrimSpace(enc); enc != "" && !strings.EqualFold(enc, "aws-chunked") {
				kept = append(kept, enc)
			}
		}
	}
	h.Del("Content-Encoding")
	if len(kept) > 0 {
		h.Set("Content-Encoding", strings.Join(kept, ","))
	}
}

// checkedBody is the request body the wire layer reads. It remembers the
// first failed check, which the wire layer would report as an internal
// error, so that the response writer can answer it instead.
type checkedBody struct {
	r  io.Reader
	c  io.Closer
	st *requestState
}

func (b *checkedBody) Read(p []byte) (int, error) {
	n, err := b.r.Read(p)
	if err != nil && err != io.EOF && b.st.bodyErr == nil {
		b.st.bodyErr = err
	}
	return n, err
}

func (b *checkedBody) Close() error { return b.c.Close() }
