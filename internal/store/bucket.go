package store

import (
	"context"
	"time"
)

// BucketReader holds the reads of bucket ownership: which account owns
// each bucket of the artifact store, so that one account never reaches
// another's buckets through the S3 endpoint or a pipeline. A bucket is
// owned by one account, in every region, as S3 bucket names are global.
type BucketReader interface {
	// BucketOwner returns the account that owns a bucket.
	// ErrNotFound when nobody does.
	BucketOwner(ctx context.Context, name string) (account string, err error)
	// BucketsOwned names the buckets an account owns, in name order.
	BucketsOwned(ctx context.Context, account string) ([]string, error)
}

// BucketTx holds the writes of bucket ownership.
type BucketTx interface {
	// BucketClaim makes account the owner of a bucket nobody owns. Claiming
	// a bucket the account owns already succeeds and changes nothing.
	// ErrConflict when another account owns it.
	BucketClaim(ctx context.Context, name, account string, at time.Time) error
	// BucketRelease ends account's ownership of a bucket, once the bucket
	// is deleted. Nothing happens when account does not own it.
	BucketRelease(ctx context.Context, name, account string) error
}

// ServerOwner owns the buckets the server keeps for itself, such as the
// build logs served at /logs: they are no account's, and an account id
// is 12 digits, so no account principal is ever this owner. The
// migrations that add bucket ownership record the build log bucket under
// it before anything else can claim that name.
const ServerOwner = "sluice"
