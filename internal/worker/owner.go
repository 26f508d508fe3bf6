package worker

import (
	"context"
	"fmt"

	"github.com/sluice-cd/sluice/internal/wire"
)

// BucketOwners tells which account owns a bucket, so that an action of
// one account never reads or writes another's bucket. The server's worker
// reaches the artifact store directly and needs it; a `sluice worker`
// goes through the S3 endpoint with its own account's keys, which checks
// the same on every request.
type BucketOwners interface {
	// Owner returns the owner of bucket; ok is false when nobody owns it.
	Owner(ctx context.Context, bucket string) (account string, ok bool, err error)
}

// allows tells whether account may use bucket: its own, or one nobody
// owns (made before buckets had owners). Without Owners every bucket may
// be used.
func (w *Worker) allows(ctx context.Context, account, bucket string) (bool, error) {
	if w == nil || w.Owners == nil {
		return true, nil
	}
	owner, ok, err := w.Owners.Owner(ctx, bucket)
	if err != nil {
		return false, fmt.Errorf("owner of bucket %s: %w", bucket, err)
	}
	return !ok || owner == account, nil
}

// checkBucket fails the action with a permission error when the job's
// account may not use bucket. It comes before anything else touches the
// bucket, so the failure says nothing of what the bucket holds.
func (w *Work) checkBucket(ctx context.Context, bucket string) error {
	ok, err := w.worker.allows(ctx, w.Job.Scope.Account, bucket)
	if err != nil {
		return err
	}
	if !ok {
		return &Failure{Type: wire.FailureTypePermissionError, Message: "Access denied to bucket " + bucket}
	}
	return nil
}
