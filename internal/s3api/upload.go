package s3api

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/rclone/gofakes3"

	"github.com/sluice-cd/sluice/internal/artifact"
)

// Multipart uploads are served here, straight from the store, and never
// by the wire layer: it keeps every upload in progress in its own memory,
// so an upload begun before a restart, or on another server sharing the
// store behind one balancer, would be unknown to it. Here the upload id is
// the one the store returned and each request carries all it needs, so any
// server over the same store can continue an upload another one began.
//
// Nothing lists uploads or their parts: the store keeps no such index, so
// ListMultipartUploads and ListParts answer NotImplemented rather than an
// empty list a client would take for the truth.

// isMultipart reports whether the wire layer would route a request with
// query q as a multipart operation: an uploadId, tested first, or uploads.
func isMultipart(q url.Values) bool {
	return q.Get("uploadId") != "" || q.Has("uploads")
}

// multipart serves a request isMultipart accepts, routed on the method as
// the wire layer routes it. Authorization has been done by serve: a job
// reaches here only for one of its Write objects.
func (s *Server) multipart(w http.ResponseWriter, r *http.Request, loc Location, st *requestState) error {
	ctx := withState(r.Context(), st)
	id := r.URL.Query().Get("uploadId")
	switch {
	case id == "" && r.Method == http.MethodPost:
		return s.createUpload(ctx, w, r, loc)
	case id == "" && r.Method == http.MethodGet:
		return errNotListed("ListMultipartUploads")
	case id == "": // PUT, DELETE or HEAD ?uploads: no such operation
	case r.Method == http.MethodPut:
		return s.uploadPart(ctx, w, r, loc, id)
	case r.Method == http.MethodPost:
		return s.completeUpload(ctx, w, r, loc, id)
	case r.Method == http.MethodDelete:
		return s.abortUpload(ctx, w, loc, id)
	case r.Method == http.MethodGet:
		return errNotListed("ListParts")
	}
	return toS3Error(gofakes3.ErrMethodNotAllowed)
}

// createUpload serves CreateMultipartUpload. The content type and user
// metadata are the store's to keep until the upload completes.
func (s *Server) createUpload(ctx context.Context, w http.ResponseWriter, r *http.Request, loc Location) error {
	opts, err := putOptions(headerMeta(r.Header))
	if err != nil {
		return toS3Error(err)
	}
	id, err := s.Store.CreateUpload(ctx, loc.Bucket, loc.Key, opts)
	if err != nil {
		return s.uploadError(ctx, err, loc)
	}
	return writeXML(w, initiateResult{Xmlns: s3Namespace, Bucket: loc.Bucket, Key: loc.Key, UploadID: id})
}

// uploadPart serves UploadPart, streaming the checked content to the
// store as putObject does.
func (s *Server) uploadPart(ctx context.Context, w http.ResponseWriter, r *http.Request, loc Location, id string) error {
	n, err := strconv.Atoi(r.URL.Query().Get("partNumber"))
	if err != nil || n < 1 || n > artifact.MaxParts {
		return toS3Error(gofakes3.ErrInvalidPart)
	}
	body, err := sizedBody(r)
	if err != nil {
		return err
	}
	etag, err := s.Store.PutPart(ctx, loc.Bucket, loc.Key, id, n, body)
	if err != nil {
		return s.uploadError(ctx, err, loc)
	}
	w.Header().Set("ETag", quote(etag))
	w.WriteHeader(http.StatusOK)
	return nil
}

// completeUpload serves CompleteMultipartUpload: the store joins the
// parts into a new version, which is a committed change.
func (s *Server) completeUpload(ctx context.Context, w http.ResponseWriter, r *http.Request, loc Location, id string) error {
	parts, err := readParts(r.Body)
	if err != nil {
		return err
	}
	o, err := s.Store.CompleteUpload(ctx, loc.Bucket, loc.Key, id, parts)
	if err != nil {
		return s.uploadError(ctx, err, loc)
	}
	if s.OnChange != nil {
		s.OnChange(Event{Bucket: loc.Bucket, Key: loc.Key, Object: o})
	}
	if v := wireVersion(o.VersionID); v != "" {
		w.Header().Set("X-Amz-Version-Id", string(v))
	}
	return writeXML(w, completeResult{Xmlns: s3Namespace, Bucket: loc.Bucket, Key: loc.Key, ETag: quote(o.ETag)})
}

// abortUpload serves AbortMultipartUpload.
func (s *Server) abortUpload(ctx context.Context, w http.ResponseWriter, loc Location, id string) error {
	if err := s.Store.AbortUpload(ctx, loc.Bucket, loc.Key, id); err != nil {
		return s.uploadError(ctx, err, loc)
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// uploadError answers a store error as the rest of the endpoint does, but
// for a part too small. The seam has one error for every bad part, and
// both drivers name S3's EntityTooSmall in its text (the file driver in
// its message, the s3 driver in the service's error it wraps): that text
// is all that tells S3's code apart.
func (s *Server) uploadError(ctx context.Context, err error, loc Location) error {
	if errors.Is(err, artifact.ErrInvalidPart) && strings.Contains(err.Error(), "EntityTooSmall") {
		return &s3Error{code: "EntityTooSmall", status: http.StatusBadRequest, msg: err.Error()}
	}
	return toS3Error(wireError(ctx, s.Log, err, loc.Bucket, loc.Key))
}

// errNotListed answers the listings of uploads in progress, which the
// store cannot give (see the top of this file).
func errNotListed(op string) error {
	return &s3Error{code: "NotImplemented", status: http.StatusNotImplemented,
		msg: op + " is not implemented: the endpoint keeps no list of uploads in progress or of their parts."}
}
