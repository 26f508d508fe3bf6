package s3api

import (
	"bytes"
	"crypto/md5"
	"encoding/base64"
	"errors"
	"hash"
	"io"
	"net/http"

	"github.com/rclone/gofakes3"
)

// putObject serves PutObject itself instead of through the wire layer,
// which hashes every body with MD5 for the ETag while the store does the
// same: on a 100 MiB upload that second MD5 was the largest single cost.
// Everything else about the request has been done by serve.
func (s *Server) putObject(w http.ResponseWriter, r *http.Request, loc Location, st *requestState) error {
	body, err := sizedBody(r)
	if err != nil {
		return err
	}
	opts, err := putOptions(headerMeta(r.Header))
	if err != nil {
		return toS3Error(err)
	}
	ctx := withState(r.Context(), st)
	o, err := s.Store.Put(ctx, loc.Bucket, loc.Key, body, opts)
	if err != nil {
		return toS3Error(wireError(ctx, s.Log, err, loc.Bucket, loc.Key))
	}
	if s.OnChange != nil {
		s.OnChange(Event{Bucket: loc.Bucket, Key: loc.Key, Object: o})
	}
	if v := wireVersion(o.VersionID); v != "" {
		w.Header().Set("X-Amz-Version-Id", string(v))
	}
	w.Header().Set("ETag", quote(o.ETag))
	w.WriteHeader(http.StatusOK)
	return nil
}

// sizedBody is the content of an object or part upload: exactly
// Content-Length bytes, checked against Content-MD5 when the client sent
// one, so that a store never commits a short or altered body.
func sizedBody(r *http.Request) (io.Reader, error) {
	if r.ContentLength < 0 {
		return nil, &s3Error{code: "MissingContentLength", status: http.StatusLengthRequired,
			msg: "You must provide the Content-Length HTTP header."}
	}
	var body io.Reader = &exactReader{r: r.Body, left: r.ContentLength}
	if _, ok := r.Header["Content-Md5"]; ok {
		return newMD5Check(body, r.Header.Get("Content-Md5"))
	}
	return body, nil
}

// headerMeta gives the headers in the form the wire layer hands the
// backend: the first value of each, by canonical name.
func headerMeta(h http.Header) map[string]string {
	meta := make(map[string]string, len(h))
	for k, v := range h {
		if len(v) > 0 {
			meta[k] = v[0]
		}
	}
	return meta
}

// toS3Error turns the wire layer's errors, which the backend's helpers
// return, into ours; a failed check of the body stays as it is for the
// response writer, and anything else is internal.
func toS3Error(err error) error {
	var we gofakes3.Error
	if !errors.As(err, &we) {
		return err
	}
	code := we.ErrorCode()
	msg := code.Message()
	var er *gofakes3.ErrorResponse
	if errors.As(err, &er) && er.Message != "" {
		msg = er.Message
	}
	if msg == "" {
		msg = string(code)
	}
	status, ok := statusOf[string(code)]
	if !ok {
		status = code.Status()
	}
	return &s3Error{code: string(code), status: status, msg: msg}
}

// md5Check fails the read that ends the body when the body's MD5 is not
// the Content-MD5 the client sent, so that the store does not commit it.
type md5Check struct {
	r    io.Reader
	h    hash.Hash
	want []byte
}

func newMD5Check(r io.Reader, contentMD5 string) (io.Reader, error) {
	want, err := base64.StdEncoding.DecodeString(contentMD5)
	if err != nil || len(want) != md5.Size {
		return nil, &s3Error{code: "InvalidDigest", status: http.StatusBadRequest,
			msg: "The Content-MD5 you specified is not valid."}
	}
	return &md5Check{r: r, h: md5.New(), want: want}, nil
}

func (c *md5Check) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.h.Write(p[:n])
	if err == io.EOF && !bytes.Equal(c.h.Sum(nil), c.want) {
		return n, gofakes3.ErrorMessage(gofakes3.ErrBadDigest, "The Content-MD5 you specified did not match what we received.")
	}
	return n, err
}
