package s3api

import (
	"context"
	"io"
	"sort"

	"github.com/rclone/gofakes3"

	"github.com/sluice-cd/sluice/internal/artifact"
)

// Multipart uploads go to the store part by part, so the wire layer's
// in-memory uploader never holds a part. The wire layer still keeps the
// list of uploads in progress (for ListMultipartUploads and to route parts
// to this backend) in memory: an upload begun before a restart is unknown
// after it.

func (b *backend) CreateMultipartUpload(ctx context.Context, bucket, key string, meta map[string]string) (gofakes3.UploadID, error) {
	opts, err := putOptions(meta)
	if err != nil {
		return "", err
	}
	id, err := b.store.CreateUpload(ctx, bucket, key, opts)
	if err != nil {
		return "", b.fail(ctx, err, bucket, key)
	}
	return gofakes3.UploadID(id), nil
}

// UploadPart stores one part. The wire layer does not check that the body
// held contentLength bytes; exactReader does.
func (b *backend) UploadPart(ctx context.Context, bucket, key string, id gofakes3.UploadID, n int, contentLength int64, body io.Reader) (string, error) {
	etag, err := b.store.PutPart(ctx, bucket, key, string(id), n, &exactReader{r: body, left: contentLength})
	if err != nil {
		return "", b.fail(ctx, err, bucket, key)
	}
	return quote(etag), nil
}

func (b *backend) CompleteMultipartUpload(ctx context.Context, bucket, key string, id gofakes3.UploadID, in *gofakes3.CompleteMultipartUploadRequest) (gofakes3.VersionID, string, error) {
	if !sort.SliceIsSorted(in.Parts, func(i, j int) bool { return in.Parts[i].PartNumber < in.Parts[j].PartNumber }) {
		return "", "", gofakes3.ErrInvalidPartOrder
	}
	parts := make([]artifact.Part, len(in.Parts))
	for i, p := range in.Parts {
		parts[i] = artifact.Part{Number: p.PartNumber, ETag: unquote(p.ETag)}
	}
	o, err := b.store.CompleteUpload(ctx, bucket, key, string(id), parts)
	if err != nil {
		return "", "", b.fail(ctx, err, bucket, key)
	}
	b.changed(bucket, key, o, false)
	return wireVersion(o.VersionID), quote(o.ETag), nil
}

func (b *backend) AbortMultipartUpload(ctx context.Context, bucket, key string, id gofakes3.UploadID) error {
	if err := b.store.AbortUpload(ctx, bucket, key, string(id)); err != nil {
		return b.fail(ctx, err, bucket, key)
	}
	return nil
}
