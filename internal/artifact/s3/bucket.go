package s3

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	awss3 "github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/sluice-cd/sluice/internal/artifact"
)

// CreateBucket creates the bucket in the store's region.
func (s *Store) CreateBucket(ctx context.Context, name string) error {
	if err := artifact.CheckBucketName(name); err != nil {
		return err
	}
	in := &awss3.CreateBucketInput{Bucket: aws.String(name)}
	if s.region != "us-east-1" { // the one region that takes no constraint
		in.CreateBucketConfiguration = &types.CreateBucketConfiguration{
			LocationConstraint: types.BucketLocationConstraint(s.region),
		}
	}
	_, err := s.client.CreateBucket(ctx, in)
	return interpret("create bucket "+name, err, artifact.ErrBucketNotFound)
}

// DeleteBucket deletes the bucket; the service refuses one with versions.
func (s *Store) DeleteBucket(ctx context.Context, name string) error {
	if err := checkBucket(name); err != nil {
		return err
	}
	_, err := s.client.DeleteBucket(ctx, &awss3.DeleteBucketInput{Bucket: aws.String(name)})
	return interpret("delete bucket "+name, err, artifact.ErrBucketNotFound)
}

// ListBuckets lists the buckets, asking each for its versioning.
func (s *Store) ListBuckets(ctx context.Context) ([]artifact.Bucket, error) {
	var out []artifact.Bucket
	p := awss3.NewListBucketsPaginator(s.client, &awss3.ListBucketsInput{})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, interpret("list buckets", err, artifact.ErrBucketNotFound)
		}
		for _, b := range page.Buckets {
			on, err := s.versioning(ctx, aws.ToString(b.Name))
			if err != nil {
				return nil, err
			}
			out = append(out, artifact.Bucket{Name: aws.ToString(b.Name), Created: aws.ToTime(b.CreationDate), Versioning: on})
		}
	}
	slices.SortFunc(out, func(x, y artifact.Bucket) int { return strings.Compare(x.Name, y.Name) })
	return out, nil
}

// BucketInfo asks for the bucket's versioning; its creation time is only
// in the list of buckets.
func (s *Store) BucketInfo(ctx context.Context, name string) (artifact.Bucket, error) {
	if err := checkBucket(name); err != nil {
		return artifact.Bucket{}, err
	}
	on, err := s.versioning(ctx, name)
	if err != nil {
		return artifact.Bucket{}, err
	}
	p := awss3.NewListBucketsPaginator(s.client, &awss3.ListBucketsInput{Prefix: aws.String(name)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return artifact.Bucket{}, interpret("bucket info "+name, err, artifact.ErrBucketNotFound)
		}
		for _, b := range page.Buckets {
			if aws.ToString(b.Name) == name {
				return artifact.Bucket{Name: name, Created: aws.ToTime(b.CreationDate), Versioning: on}, nil
			}
		}
	}
	return artifact.Bucket{}, fmt.Errorf("bucket info: %w: %q", artifact.ErrBucketNotFound, name)
}

func (s *Store) versioning(ctx context.Context, name string) (bool, error) {
	out, err := s.client.GetBucketVersioning(ctx, &awss3.GetBucketVersioningInput{Bucket: aws.String(name)})
	if err != nil {
		return false, interpret("bucket versioning "+name, err, artifact.ErrBucketNotFound)
	}
	return out.Status == types.BucketVersioningStatusEnabled, nil
}

// SetVersioning enables versioning, or suspends it.
func (s *Store) SetVersioning(ctx context.Context, name string, enabled bool) error {
	if err := checkBucket(name); err != nil {
		return err
	}
	status := types.BucketVersioningStatusSuspended
	if enabled {
		status = types.BucketVersioningStatusEnabled
	}
	_, err := s.client.PutBucketVersioning(ctx, &awss3.PutBucketVersioningInput{
		Bucket:                  aws.String(name),
		VersioningConfiguration: &types.VersioningConfiguration{Status: status},
	})
	return interpret("set versioning of "+name, err, artifact.ErrBucketNotFound)
}

// checkBucket answers ErrBucketNotFound for a name no bucket can have,
// as the file driver does, rather than send it.
func checkBucket(name string) error {
	if artifact.CheckBucketName(name) != nil {
		return fmt.Errorf("%w: %q", artifact.ErrBucketNotFound, name)
	}
	return nil
}
