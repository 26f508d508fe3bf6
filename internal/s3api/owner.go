package s3api

import (
	"context"
	"fmt"
	"net/http"
	"strings"

	"github.com/rclone/gofakes3"
)

// Owners records which account owns each bucket, so that one account
// never reaches another's buckets. An account principal may use the
// buckets it owns and those nobody owns (made before buckets had owners);
// a bucket of another account, or of the server itself, answers
// AccessDenied. Every method must allow concurrent calls.
type Owners interface {
	// Claim makes account the owner of bucket unless another owner has it.
	// ok is false when another does; claiming one's own bucket again
	// succeeds.
	Claim(ctx context.Context, bucket, account string) (ok bool, err error)
	// Owner returns the owner of bucket; ok is false when nobody owns it.
	Owner(ctx context.Context, bucket string) (account string, ok bool, err error)
	// Release ends account's ownership of a deleted bucket; it does
	// nothing when account is not the owner.
	Release(ctx context.Context, bucket, account string) error
	// Owned names the buckets account owns.
	Owned(ctx context.Context, account string) ([]string, error)
}

// authorizeBuckets checks that an account principal may use the buckets op
// names: its bucket, and the source of a copy. Creating a bucket that
// another owner has answers BucketAlreadyExists, as S3 does for a name
// taken in another account; anything else on it answers AccessDenied.
// Job principals are bound to their grant's objects instead.
func (s *Server) authorizeBuckets(ctx context.Context, p principal, op operation, r *http.Request) error {
	if s.Owners == nil || p.grant != nil {
		return nil
	}
	buckets := []string{op.loc.Bucket}
	if op.kind == opCopy {
		buckets = append(buckets, copySourceBucket(r.Header.Get("X-Amz-Copy-Source")))
	}
	for _, b := range buckets {
		if b == "" {
			continue // ListBuckets: the backend lists only the caller's
		}
		theirs, err := s.ownedByOther(ctx, b, p.account)
		if err != nil {
			return err
		}
		if !theirs {
			continue
		}
		if op.kind == opCreateBucket {
			return errBucketTaken(b)
		}
		return errAccessDenied("Access Denied")
	}
	return nil
}

// ownedByOther tells whether bucket has an owner other than account.
func (s *Server) ownedByOther(ctx context.Context, bucket, account string) (bool, error) {
	owner, ok, err := s.Owners.Owner(ctx, bucket)
	if err != nil {
		return false, fmt.Errorf("owner of bucket %s: %w", bucket, err)
	}
	return ok && owner != account, nil
}

// copySourceBucket is the bucket of an X-Amz-Copy-Source, split as the
// wire layer splits it ("/bucket/key" or "bucket/key", with an optional
// version), so that the bucket checked is the bucket read.
func copySourceBucket(source string) string {
	bucket, _, _ := strings.Cut(strings.TrimPrefix(source, "/"), "/")
	return bucket
}

// errBucketTaken answers creating a bucket another owner has.
func errBucketTaken(bucket string) error {
	return &s3Error{code: string(gofakes3.ErrBucketAlreadyExists), status: http.StatusConflict, resource: bucket,
		msg: "The requested bucket name is not available. The bucket namespace is shared by all users of the system. Please select a different name and try again."}
}

// errAlreadyOwned answers creating a bucket the caller owns already,
// outside us-east-1 (there S3 answers 200, for compatibility). The wire
// layer writes it; statusOf gives its status.
func errAlreadyOwned() error {
	return gofakes3.ErrorMessage(codeAlreadyOwned, "Your previous request to create the named bucket succeeded and you already own it.")
}

const codeAlreadyOwned = "BucketAlreadyOwnedByYou"
