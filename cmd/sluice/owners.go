package main

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/sluice-cd/sluice/internal/core"
	"github.com/sluice-cd/sluice/internal/s3api"
	"github.com/sluice-cd/sluice/internal/store"
	"github.com/sluice-cd/sluice/internal/worker"
)

// bucketOwners keeps the owners of buckets in the store, for the S3
// endpoint and the embedded worker; the engine claims pipelines' artifact
// store buckets in their own transactions.
type bucketOwners struct{ st store.Store }

var (
	_ s3api.Owners        = bucketOwners{}
	_ worker.BucketOwners = bucketOwners{}
)

func (o bucketOwners) Claim(ctx context.Context, bucket, account string) (bool, error) {
	err := o.st.InTx(ctx, func(tx store.Tx) error { return tx.BucketClaim(ctx, bucket, account, time.Now()) })
	if errors.Is(err, store.ErrConflict) {
		return false, nil
	}
	return err == nil, err
}

func (o bucketOwners) Owner(ctx context.Context, bucket string) (string, bool, error) {
	account, err := o.st.BucketOwner(ctx, bucket)
	if errors.Is(err, store.ErrNotFound) {
		return "", false, nil
	}
	return account, err == nil, err
}

func (o bucketOwners) Release(ctx context.Context, bucket, account string) error {
	return o.st.InTx(ctx, func(tx store.Tx) error { return tx.BucketRelease(ctx, bucket, account) })
}

func (o bucketOwners) Owned(ctx context.Context, account string) ([]string, error) {
	return o.st.BucketsOwned(ctx, account)
}

// claimServerBuckets makes the build log bucket the server's own, so that
// no account reads or writes logs through the S3 endpoint or a pipeline:
// they are served at /logs only. The migrations record it already; this
// keeps it so whatever the store went through.
func claimServerBuckets(ctx context.Context, st store.Store) error {
	ok, err := bucketOwners{st}.Claim(ctx, core.LogBucket, store.ServerOwner)
	if err != nil {
		return fmt.Errorf("claim bucket %s: %w", core.LogBucket, err)
	}
	if !ok {
		return fmt.Errorf("bucket %s, which keeps build logs, is owned by an account", core.LogBucket)
	}
	return nil
}
