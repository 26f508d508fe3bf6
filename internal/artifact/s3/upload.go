package s3

import (
	"context"
	"fmt"
	"io"

	"github.com/aws/aws-sdk-go-v2/aws"
	awss3 "github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/sluice-cd/sluice/internal/artifact"
)

// CreateUpload starts a multipart upload.
func (s *Store) CreateUpload(ctx context.Context, bucket, key string, opts artifact.PutOptions) (string, error) {
	if err := checkObject(bucket, key); err != nil {
		return "", err
	}
	out, err := s.client.CreateMultipartUpload(ctx, &awss3.CreateMultipartUploadInput{
		Bucket: aws.String(bucket), Key: aws.String(key), ContentType: nonEmpty(opts.ContentType), Metadata: opts.Metadata,
	})
	if err != nil {
		return "", interpret(fmt.Sprintf("create upload %s/%s", bucket, key), err, artifact.ErrBucketNotFound)
	}
	return aws.ToString(out.UploadId), nil
}

// PutPart sends one part, spooled first if it cannot seek.
func (s *Store) PutPart(ctx context.Context, bucket, key, uploadID string, n int, body io.Reader) (string, error) {
	if n < 1 || n > artifact.MaxParts {
		return "", fmt.Errorf("%w: part number %d is not within 1..%d", artifact.ErrInvalidPart, n, artifact.MaxParts)
	}
	if err := checkObject(bucket, key); err != nil {
		return "", err
	}
	b, err := seekable(ctx, body)
	if err != nil {
		return "", fmt.Errorf("put part %d of %s/%s: %w", n, bucket, key, err)
	}
	defer b.close()
	out, err := s.client.UploadPart(ctx, &awss3.UploadPartInput{
		Bucket: aws.String(bucket), Key: aws.String(key), UploadId: aws.String(uploadID),
		PartNumber: aws.Int32(int32(n)), Body: b, ContentLength: aws.Int64(b.size),
	})
	if err != nil {
		return "", interpret(fmt.Sprintf("put part %d of %s/%s", n, bucket, key), err, artifact.ErrUploadNotFound)
	}
	return etag(out.ETag), nil
}

// CompleteUpload joins the parts, then asks for the new version, as the
// service's answer does not say its size.
func (s *Store) CompleteUpload(ctx context.Context, bucket, key, uploadID string, parts []artifact.Part) (artifact.Object, error) {
	if err := checkObject(bucket, key); err != nil {
		return artifact.Object{}, err
	}
	if len(parts) == 0 { // S3 answers MalformedXML; the seam calls it a bad part
		return artifact.Object{}, fmt.Errorf("%w: an upload needs at least one part", artifact.ErrInvalidPart)
	}
	done := &types.CompletedMultipartUpload{}
	for i, p := range parts {
		if i > 0 && p.Number <= parts[i-1].Number { // S3's InvalidPartOrder, checked here for every service
			return artifact.Object{}, fmt.Errorf("%w: parts must be listed in ascending order", artifact.ErrInvalidPart)
		}
		done.Parts = append(done.Parts, types.CompletedPart{PartNumber: aws.Int32(int32(p.Number)), ETag: aws.String(`"` + etag(&p.ETag) + `"`)})
	}
	out, err := s.client.CompleteMultipartUpload(ctx, &awss3.CompleteMultipartUploadInput{
		Bucket: aws.String(bucket), Key: aws.String(key), UploadId: aws.String(uploadID), MultipartUpload: done,
	})
	op := fmt.Sprintf("complete %s/%s", bucket, key)
	if err != nil {
		return artifact.Object{}, interpret(op, err, artifact.ErrUploadNotFound)
	}
	version := aws.ToString(out.VersionId)
	obj, err := s.Head(ctx, bucket, key, version)
	if err != nil {
		return artifact.Object{}, fmt.Errorf("%s: %w", op, err)
	}
	obj.VersionID, obj.ETag = versionOf(out.VersionId), etag(out.ETag)
	return obj, nil
}

// AbortUpload drops an upload and its parts.
func (s *Store) AbortUpload(ctx context.Context, bucket, key, uploadID string) error {
	if err := checkObject(bucket, key); err != nil {
		return err
	}
	_, err := s.client.AbortMultipartUpload(ctx, &awss3.AbortMultipartUploadInput{
		Bucket: aws.String(bucket), Key: aws.String(key), UploadId: aws.String(uploadID),
	})
	return interpret(fmt.Sprintf("abort upload %s/%s", bucket, key), err, artifact.ErrUploadNotFound)
}
