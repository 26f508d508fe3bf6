package s3api

import (
	"context"
	"encoding/hex"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"strings"

	"github.com/rclone/gofakes3"

	"github.com/sluice-cd/sluice/internal/artifact"
)

const (
	metaPrefix = "X-Amz-Meta-"
	// maxUserMetadata is S3's limit on the x-amz-meta-* headers of an
	// object, names and values together.
	maxUserMetadata = 2 << 10
	// defaultContentType is what S3 answers for an object stored without one.
	defaultContentType = "binary/octet-stream"
)

// putOptions takes what a write records from the request headers the wire
// layer passes on (every Content-* and X-Amz-* header, canonical keys).
// The store keeps the content type and user metadata, which are what
// pipelines read back.
func putOptions(meta map[string]string) (artifact.PutOptions, error) {
	opts := artifact.PutOptions{ContentType: meta["Content-Type"]}
	size := 0
	for k, v := range meta {
		if name, ok := strings.CutPrefix(k, metaPrefix); ok {
			if opts.Metadata == nil {
				opts.Metadata = make(map[string]string)
			}
			opts.Metadata[strings.ToLower(name)] = v
			size += len(name) + len(v)
		}
	}
	if size > maxUserMetadata {
		return artifact.PutOptions{}, gofakes3.ErrMetadataTooLarge
	}
	return opts, nil
}

// wireObject describes o to the wire layer, whose response headers are
// its Metadata.
func wireObject(o artifact.Object, body io.ReadCloser) *gofakes3.Object {
	if body == nil {
		body = http.NoBody
	}
	ct := o.ContentType
	if ct == "" {
		ct = defaultContentType
	}
	meta := map[string]string{
		"Content-Type":  ct,
		"Last-Modified": o.Modified.UTC().Format(http.TimeFormat),
		hdrETag:         quote(o.ETag),
	}
	for k, v := range o.Metadata {
		meta[metaPrefix+k] = v
	}
	hash, _ := hex.DecodeString(o.ETag) // nil for a multipart ETag; hdrETag has it
	return &gofakes3.Object{
		Name:           o.Key,
		Metadata:       meta,
		Size:           o.Size,
		Contents:       body,
		Hash:           hash,
		VersionID:      wireVersion(o.VersionID),
		IsDeleteMarker: o.DeleteMarker,
	}
}

// wireVersion hides the null version, as S3 sends no version id for an
// object of a bucket that never had versioning.
func wireVersion(v string) gofakes3.VersionID {
	if v == artifact.NullVersion {
		return ""
	}
	return gofakes3.VersionID(v)
}

func quote(etag string) string { return `"` + etag + `"` }

func unquote(etag string) string { return strings.Trim(etag, `"`) }

// wireError turns a store error into the wire layer's error for S3's code.
// What has no S3 code is logged with the request id and answered as an
// internal error.
func wireError(ctx context.Context, log *slog.Logger, err error, bucket, key string) error {
	switch {
	case errors.Is(err, artifact.ErrBucketNotFound):
		return gofakes3.BucketNotFound(bucket)
	case errors.Is(err, artifact.ErrBucketExists):
		return gofakes3.ResourceError(gofakes3.ErrBucketAlreadyExists, bucket)
	case errors.Is(err, artifact.ErrBucketNotEmpty):
		return gofakes3.ResourceError(gofakes3.ErrBucketNotEmpty, bucket)
	case errors.Is(err, artifact.ErrNotFound):
		return gofakes3.KeyNotFound(key)
	case errors.Is(err, artifact.ErrUploadNotFound):
		return gofakes3.ErrNoSuchUpload
	case errors.Is(err, artifact.ErrInvalidPart):
		return gofakes3.ErrorMessage(gofakes3.ErrInvalidPart, strings.TrimPrefix(err.Error(), "artifact: "))
	case errors.Is(err, artifact.ErrInvalidRange):
		return gofakes3.ErrInvalidRange
	case errors.Is(err, artifact.ErrInvalidBucketName):
		return gofakes3.ResourceError(gofakes3.ErrInvalidBucketName, bucket)
	case errors.Is(err, artifact.ErrInvalidKey):
		return gofakes3.ResourceError(gofakes3.ErrKeyTooLong, key)
	}
	var we gofakes3.Error
	if errors.As(err, &we) { // a check of ours or the wire layer's, failing a read of the body
		return we
	}
	st := stateOf(ctx)
	if st.bodyErr != nil {
		return st.bodyErr // the response writer answers it
	}
	log.ErrorContext(ctx, "s3 request failed", "request_id", st.id, "bucket", bucket, "key", key, "err", err)
	return gofakes3.ErrInternal
}
