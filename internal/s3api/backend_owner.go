package s3api

import (
	"context"
	"fmt"

	"github.com/rclone/gofakes3"

	"github.com/sluice-cd/sluice/internal/artifact"
)

// claim makes the caller the owner of a bucket it creates. It reports
// whether the caller owns it now; without owners, or for a caller that is
// not an account, there is nothing to claim.
func (b *backend) claim(ctx context.Context, bucket string) (bool, error) {
	st := stateOf(ctx)
	if b.owners == nil || st.account == "" {
		return false, nil
	}
	ok, err := b.owners.Claim(ctx, bucket, st.account)
	if err != nil {
		return false, b.fail(ctx, fmt.Errorf("claim bucket: %w", err), bucket, "")
	}
	if !ok {
		return false, gofakes3.ResourceError(gofakes3.ErrBucketAlreadyExists, bucket)
	}
	return true, nil
}

// alreadyOwned answers CreateBucket of a bucket the caller owns: 200 in
// us-east-1, BucketAlreadyOwnedByYou elsewhere, as S3 answers.
func alreadyOwned(ctx context.Context) error {
	if stateOf(ctx).region == "us-east-1" {
		return nil
	}
	return errAlreadyOwned()
}

// release ends the caller's ownership of a bucket it deleted.
func (b *backend) release(ctx context.Context, bucket string) error {
	st := stateOf(ctx)
	if b.owners == nil || st.account == "" {
		return nil
	}
	if err := b.owners.Release(ctx, bucket, st.account); err != nil {
		return b.fail(ctx, fmt.Errorf("release bucket: %w", err), bucket, "")
	}
	return nil
}

// visible keeps the buckets the caller owns, when buckets have owners.
func (b *backend) visible(ctx context.Context, buckets []artifact.Bucket) ([]artifact.Bucket, error) {
	st := stateOf(ctx)
	if b.owners == nil {
		return buckets, nil
	}
	owned, err := b.owners.Owned(ctx, st.account)
	if err != nil {
		return nil, fmt.Errorf("buckets owned: %w", err)
	}
	mine := make(map[string]bool, len(owned))
	for _, name := range owned {
		mine[name] = true
	}
	out := buckets[:0]
	for _, bk := range buckets {
		if mine[bk.Name] {
			out = append(out, bk)
		}
	}
	return out, nil
}
