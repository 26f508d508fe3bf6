package s3api

import (
	"context"
	"errors"
	"io"
	"log/slog"

	"github.com/rclone/gofakes3"

	"github.com/sluice-cd/sluice/internal/artifact"
)

// backend is the wire layer's storage: its Backend and VersionedBackend
// over an artifact.Store (multipart uploads never reach the wire layer;
// see upload.go). Bodies stream both ways: a PUT body goes to the store
// as it arrives, and a GET body is the store's reader. Every committed
// change is reported to onChange.
type backend struct {
	store    artifact.Store
	owners   Owners // nil when buckets have no owners
	onChange func(Event)
	log      *slog.Logger
}

var (
	_ gofakes3.Backend          = (*backend)(nil)
	_ gofakes3.VersionedBackend = (*backend)(nil)
)

func (b *backend) changed(bucket, key string, o artifact.Object, deleted bool) {
	if b.onChange != nil {
		b.onChange(Event{Bucket: bucket, Key: key, Object: o, Deleted: deleted})
	}
}

func (b *backend) fail(ctx context.Context, err error, bucket, key string) error {
	return wireError(ctx, b.log, err, bucket, key)
}

func (b *backend) ListBuckets(ctx context.Context) ([]gofakes3.BucketInfo, error) {
	buckets, err := b.store.ListBuckets(ctx)
	if err == nil {
		buckets, err = b.visible(ctx, buckets)
	}
	if err != nil {
		return nil, b.fail(ctx, err, "", "")
	}
	out := make([]gofakes3.BucketInfo, len(buckets))
	for i, bk := range buckets {
		out[i] = gofakes3.BucketInfo{Name: bk.Name, CreationDate: gofakes3.NewContentTime(bk.Created)}
	}
	return out, nil
}

// CreateBucket claims the bucket for the caller before making it, so two
// accounts creating one name at once never both get it. A bucket that
// exists already is the caller's once claimed: its own, or one nobody
// owned (made before buckets had owners).
func (b *backend) CreateBucket(ctx context.Context, name string) error {
	claimed, err := b.claim(ctx, name)
	if err != nil {
		return err
	}
	err = b.store.CreateBucket(ctx, name)
	if claimed && errors.Is(err, artifact.ErrBucketExists) {
		return alreadyOwned(ctx)
	}
	if err != nil {
		return b.fail(ctx, err, name, "")
	}
	return nil
}

func (b *backend) BucketExists(ctx context.Context, name string) (bool, error) {
	_, err := b.store.BucketInfo(ctx, name)
	if errors.Is(err, artifact.ErrBucketNotFound) {
		return false, nil
	}
	if err != nil {
		return false, b.fail(ctx, err, name, "")
	}
	return true, nil
}

// DeleteBucket releases the caller's claim once the bucket is gone: the
// name is free again, for any account.
func (b *backend) DeleteBucket(ctx context.Context, name string) error {
	if err := b.store.DeleteBucket(ctx, name); err != nil {
		return b.fail(ctx, err, name, "")
	}
	return b.release(ctx, name)
}

func (b *backend) GetObject(ctx context.Context, bucket, key string, rng *gofakes3.ObjectRangeRequest) (*gofakes3.Object, error) {
	return b.get(ctx, bucket, key, "", rng)
}

// get reads a version, or part of it. The store describes the whole
// version whatever the range, so the range it served is worked out again
// for Content-Range.
func (b *backend) get(ctx context.Context, bucket, key, version string, rng *gofakes3.ObjectRangeRequest) (*gofakes3.Object, error) {
	var r *artifact.Range
	if rng != nil {
		r = &artifact.Range{Start: rng.Start, End: rng.End} // RangeNoEnd is -1, as in artifact.Range
		if rng.FromEnd {
			if rng.End == 0 {
				return nil, gofakes3.ErrInvalidRange // "bytes=-0" asks for nothing
			}
			r = &artifact.Range{Start: -rng.End, End: -1}
		}
	}
	o, body, err := b.store.Get(ctx, bucket, key, version, r)
	if errors.Is(err, artifact.ErrNotFound) && o.DeleteMarker {
		return wireObject(o, nil), nil // the wire layer answers NoSuchKey with x-amz-delete-marker
	}
	if err != nil {
		return nil, b.notFound(ctx, err, bucket, key, version)
	}
	obj := wireObject(o, body)
	if r != nil {
		off, n, err := r.Bounds(o.Size)
		if err != nil {
			body.Close()
			return nil, gofakes3.ErrInvalidRange
		}
		obj.Range = &gofakes3.ObjectRange{Start: off, Length: n}
	}
	return obj, nil
}

// notFound answers a missing version NoSuchVersion, as S3 does.
func (b *backend) notFound(ctx context.Context, err error, bucket, key, version string) error {
	if version != "" && errors.Is(err, artifact.ErrNotFound) {
		return gofakes3.ResourceError(gofakes3.ErrNoSuchVersion, key)
	}
	return b.fail(ctx, err, bucket, key)
}

// HeadObject serves HEAD with or without versionId: the wire layer drops
// the version, so it comes from the request's state.
func (b *backend) HeadObject(ctx context.Context, bucket, key string) (*gofakes3.Object, error) {
	return b.head(ctx, bucket, key, stateOf(ctx).versionID)
}

func (b *backend) head(ctx context.Context, bucket, key, version string) (*gofakes3.Object, error) {
	o, err := b.store.Head(ctx, bucket, key, version)
	if errors.Is(err, artifact.ErrNotFound) && o.DeleteMarker {
		return wireObject(o, nil), nil
	}
	if err != nil {
		return nil, b.notFound(ctx, err, bucket, key, version)
	}
	return wireObject(o, nil), nil
}

func (b *backend) PutObject(ctx context.Context, bucket, key string, meta map[string]string, input io.Reader, size int64) (gofakes3.PutObjectResult, error) {
	opts, err := putOptions(meta)
	if err != nil {
		return gofakes3.PutObjectResult{}, err
	}
	o, err := b.store.Put(ctx, bucket, key, &exactReader{r: input, left: size}, opts)
	if err != nil {
		return gofakes3.PutObjectResult{}, b.fail(ctx, err, bucket, key)
	}
	b.changed(bucket, key, o, false)
	return gofakes3.PutObjectResult{VersionID: wireVersion(o.VersionID)}, nil
}

func (b *backend) DeleteObject(ctx context.Context, bucket, key string) (gofakes3.ObjectDeleteResult, error) {
	return b.delete(ctx, bucket, key, "")
}

func (b *backend) delete(ctx context.Context, bucket, key, version string) (gofakes3.ObjectDeleteResult, error) {
	o, err := b.store.Delete(ctx, bucket, key, version)
	if err != nil {
		return gofakes3.ObjectDeleteResult{}, b.fail(ctx, err, bucket, key)
	}
	b.changed(bucket, key, o, true)
	return gofakes3.ObjectDeleteResult{IsDeleteMarker: o.DeleteMarker, VersionID: wireVersion(o.VersionID)}, nil
}

func (b *backend) DeleteMulti(ctx context.Context, bucket string, keys ...string) (gofakes3.MultiDeleteResult, error) {
	var res gofakes3.MultiDeleteResult
	for _, key := range keys {
		if _, err := b.delete(ctx, bucket, key, ""); err != nil {
			res.Error = append(res.Error, gofakes3.ErrorResultFromError(err))
			res.Error[len(res.Error)-1].Key = key
			continue
		}
		res.Deleted = append(res.Deleted, gofakes3.ObjectID{Key: key})
	}
	return res, nil
}

// CopyObject copies the latest version. The source's content type and
// metadata go with it unless the request says REPLACE.
func (b *backend) CopyObject(ctx context.Context, srcBucket, srcKey, dstBucket, dstKey string, meta map[string]string) (gofakes3.CopyObjectResult, error) {
	var opts *artifact.PutOptions
	if meta["X-Amz-Metadata-Directive"] == "REPLACE" {
		o, err := putOptions(meta)
		if err != nil {
			return gofakes3.CopyObjectResult{}, err
		}
		opts = &o
	}
	o, err := b.store.Copy(ctx, srcBucket, srcKey, dstBucket, dstKey, opts)
	if err != nil {
		return gofakes3.CopyObjectResult{}, b.fail(ctx, err, dstBucket, dstKey)
	}
	b.changed(dstBucket, dstKey, o, false)
	return gofakes3.CopyObjectResult{ETag: quote(o.ETag), LastModified: gofakes3.NewContentTime(o.Modified)}, nil
}

// exactReader ends a body of a known size: reaching EOF early is an
// incomplete body, so that a store never commits a short object.
type exactReader struct {
	r    io.Reader
	left int64
}

func (e *exactReader) Read(p []byte) (int, error) {
	n, err := e.r.Read(p)
	e.left -= int64(n)
	if err == io.EOF && e.left > 0 {
		return n, gofakes3.ErrIncompleteBody
	}
	return n, err
}
