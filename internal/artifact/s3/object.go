package s3

import (
	"context"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	awss3 "github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go/middleware"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/sluice-cd/sluice/internal/artifact"
)

// Put sends the body in one request, or in parts when S3 would not take
// it in one.
func (s *Store) Put(ctx context.Context, bucket, key string, body io.Reader, opts artifact.PutOptions) (artifact.Object, error) {
	if err := checkObject(bucket, key); err != nil {
		return artifact.Object{}, err
	}
	b, err := seekable(ctx, body)
	if err != nil {
		return artifact.Object{}, fmt.Errorf("put %s/%s: %w", bucket, key, err)
	}
	defer b.close()
	if b.size > s.singlePut {
		return s.putParts(ctx, bucket, key, b, opts)
	}
	out, err := s.client.PutObject(ctx, &awss3.PutObjectInput{
		Bucket: aws.String(bucket), Key: aws.String(key), Body: b, ContentLength: aws.Int64(b.size),
		ContentType: nonEmpty(opts.ContentType), Metadata: opts.Metadata,
	})
	if err != nil {
		return artifact.Object{}, interpret(fmt.Sprintf("put %s/%s", bucket, key), err, artifact.ErrBucketNotFound)
	}
	return artifact.Object{
		Key: key, VersionID: versionOf(out.VersionId), Size: b.size, ETag: etag(out.ETag),
		Modified: answered(out.ResultMetadata), ContentType: opts.ContentType, Metadata: lowerKeys(opts.Metadata),
	}, nil
}

// putParts uploads a body too large for one request as a multipart upload
// of sections of it.
func (s *Store) putParts(ctx context.Context, bucket, key string, b sized, opts artifact.PutOptions) (artifact.Object, error) {
	partSize := max(s.partSize, (b.size+artifact.MaxParts-1)/artifact.MaxParts)
	id, err := s.CreateUpload(ctx, bucket, key, opts)
	if err != nil {
		return artifact.Object{}, err
	}
	var parts []artifact.Part
	for off, n := int64(0), 1; off < b.size; off, n = off+partSize, n+1 {
		etag, err := s.PutPart(ctx, bucket, key, id, n, b.section(off, min(partSize, b.size-off)))
		if err != nil {
			s.AbortUpload(context.WithoutCancel(ctx), bucket, key, id)
			return artifact.Object{}, err
		}
		parts = append(parts, artifact.Part{Number: n, ETag: etag})
	}
	return s.CompleteUpload(ctx, bucket, key, id, parts)
}

// Get reads a version, or a range of it.
func (s *Store) Get(ctx context.Context, bucket, key, versionID string, rng *artifact.Range) (artifact.Object, io.ReadCloser, error) {
	if err := checkObject(bucket, key); err != nil {
		return artifact.Object{}, nil, err
	}
	in := &awss3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(key), VersionId: nonEmpty(versionID)}
	if rng != nil {
		h, err := rangeHeader(*rng)
		if err != nil {
			return artifact.Object{}, nil, err
		}
		in.Range = aws.String(h)
	}
	out, err := s.client.GetObject(ctx, in)
	if err != nil {
		return artifact.Object{}, nil, s.keyError(ctx, fmt.Sprintf("get %s/%s", bucket, key), bucket, err)
	}
	obj := artifact.Object{
		Key: key, VersionID: versionOf(out.VersionId), Size: aws.ToInt64(out.ContentLength), ETag: etag(out.ETag),
		Modified: aws.ToTime(out.LastModified), ContentType: aws.ToString(out.ContentType), Metadata: lowerKeys(out.Metadata),
	}
	if total, ok := rangeTotal(aws.ToString(out.ContentRange)); ok {
		obj.Size = total
	}
	return obj, out.Body, nil
}

// Head describes a version.
func (s *Store) Head(ctx context.Context, bucket, key, versionID string) (artifact.Object, error) {
	if err := checkObject(bucket, key); err != nil {
		return artifact.Object{}, err
	}
	out, err := s.client.HeadObject(ctx, &awss3.HeadObjectInput{Bucket: aws.String(bucket), Key: aws.String(key), VersionId: nonEmpty(versionID)})
	if err != nil {
		return artifact.Object{}, s.keyError(ctx, fmt.Sprintf("head %s/%s", bucket, key), bucket, err)
	}
	return artifact.Object{
		Key: key, VersionID: versionOf(out.VersionId), Size: aws.ToInt64(out.ContentLength), ETag: etag(out.ETag),
		Modified: aws.ToTime(out.LastModified), ContentType: aws.ToString(out.ContentType), Metadata: lowerKeys(out.Metadata),
	}, nil
}

// keyError interprets an error on a key. A 404 without a code (HEAD has
// no body) may be the bucket's or the key's; asking for the bucket tells.
func (s *Store) keyError(ctx context.Context, op, bucket string, err error) error {
	err = interpret(op, err, artifact.ErrNotFound)
	if !isCodeless404(err) {
		return err
	}
	if _, herr := s.client.HeadBucket(ctx, &awss3.HeadBucketInput{Bucket: aws.String(bucket)}); herr != nil {
		return interpret(op, herr, artifact.ErrBucketNotFound)
	}
	return err
}

// Delete removes a version, or has the service write a delete marker.
func (s *Store) Delete(ctx context.Context, bucket, key, versionID string) (artifact.Object, error) {
	if err := checkObject(bucket, key); err != nil {
		return artifact.Object{}, err
	}
	out, err := s.client.DeleteObject(ctx, &awss3.DeleteObjectInput{Bucket: aws.String(bucket), Key: aws.String(key), VersionId: nonEmpty(versionID)})
	if err != nil {
		err = interpret(fmt.Sprintf("delete %s/%s", bucket, key), err, artifact.ErrBucketNotFound)
		if versionID != "" && isNotFound(err) { // gone already: S3's clients see success
			return artifact.Object{Key: key, VersionID: versionID}, nil
		}
		return artifact.Object{}, err
	}
	return artifact.Object{Key: key, VersionID: versionOf(out.VersionId), DeleteMarker: aws.ToBool(out.DeleteMarker)}, nil
}

// Copy has the service copy the source's latest version. The source is
// asked for first: that answers a missing source (or a delete marker)
// plainly, and gives the size the copy answer lacks.
func (s *Store) Copy(ctx context.Context, srcBucket, srcKey, dstBucket, dstKey string, opts *artifact.PutOptions) (artifact.Object, error) {
	if err := checkObject(dstBucket, dstKey); err != nil {
		return artifact.Object{}, err
	}
	src, err := s.Head(ctx, srcBucket, srcKey, "")
	if err != nil {
		return artifact.Object{}, err
	}
	in := &awss3.CopyObjectInput{
		Bucket: aws.String(dstBucket), Key: aws.String(dstKey), CopySource: aws.String(copySource(srcBucket, srcKey)),
		CopySourceIfMatch: aws.String(`"` + src.ETag + `"`),
	}
	obj := artifact.Object{Key: dstKey, Size: src.Size, ContentType: src.ContentType, Metadata: src.Metadata}
	if opts != nil {
		in.MetadataDirective = types.MetadataDirectiveReplace
		in.ContentType, in.Metadata = nonEmpty(opts.ContentType), opts.Metadata
		obj.ContentType, obj.Metadata = opts.ContentType, lowerKeys(opts.Metadata)
	}
	out, err := s.client.CopyObject(ctx, in)
	if err != nil {
		return artifact.Object{}, interpret(fmt.Sprintf("copy %s/%s to %s/%s", srcBucket, srcKey, dstBucket, dstKey), err, artifact.ErrBucketNotFound)
	}
	obj.VersionID = versionOf(out.VersionId)
	if r := out.CopyObjectResult; r != nil {
		obj.ETag, obj.Modified = etag(r.ETag), aws.ToTime(r.LastModified)
	}
	return obj, nil
}

// copySource is S3's "bucket/key" source of a copy, URL-encoded.
func copySource(bucket, key string) string {
	elems := strings.Split(key, "/")
	for i, e := range elems {
		elems[i] = url.PathEscape(e)
	}
	return bucket + "/" + strings.Join(elems, "/")
}

// rangeHeader is S3's Range header for r.
func rangeHeader(r artifact.Range) (string, error) {
	switch {
	case r.Start < 0:
		return fmt.Sprintf("bytes=%d", r.Start), nil
	case r.End < 0:
		return fmt.Sprintf("bytes=%d-", r.Start), nil
	case r.End < r.Start:
		return "", artifact.ErrInvalidRange
	}
	return fmt.Sprintf("bytes=%d-%d", r.Start, r.End), nil
}

// rangeTotal reads the object's size from a Content-Range header.
func rangeTotal(h string) (int64, bool) {
	_, total, ok := strings.Cut(h, "/")
	if !ok || total == "*" {
		return 0, false
	}
	var n int64
	_, err := fmt.Sscan(total, &n)
	return n, err == nil
}

// answered is the time of the service's answer, which a PutObject answer
// carries only in its Date header; it stands for the version's time.
func answered(md middleware.Metadata) time.Time {
	if raw, ok := awsmiddleware.GetRawResponse(md).(*smithyhttp.Response); ok {
		if t, err := http.ParseTime(raw.Header.Get("Date")); err == nil {
			return t.UTC()
		}
	}
	return time.Now().UTC()
}

func checkObject(bucket, key string) error {
	if err := checkBucket(bucket); err != nil {
		return err
	}
	return artifact.CheckKey(key)
}

// versionOf is a version id as the seam names it: S3 sends none for a
// write to a bucket that never had versioning.
func versionOf(id *string) string {
	if v := aws.ToString(id); v != "" {
		return v
	}
	return artifact.NullVersion
}

func etag(s *string) string { return strings.Trim(aws.ToString(s), `"`) }

func nonEmpty(s string) *string {
	if s == "" {
		return nil
	}
	return aws.String(s)
}

func lowerKeys(m map[string]string) map[string]string {
	if len(m) == 0 {
		return nil
	}
	out := make(map[string]string, len(m))
	for k, v := range maps.All(m) {
		out[strings.ToLower(k)] = v
	}
	return out
}
