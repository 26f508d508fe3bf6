package artifacttest

import (
	"strings"
	"testing"
	"time"

	"github.com/sluice-cd/sluice/internal/artifact"
)

func exerciseBucket(t *testing.T, s artifact.Store) {
	before := time.Now().Add(-time.Minute)
	for _, name := range []string{"zeta-bucket", "alpha.bucket", "mid-1"} {
		mustBucket(t, s, name, false)
	}
	wantErr(t, "create again", s.CreateBucket(ctx, "mid-1"), artifact.ErrBucketExists)
	for _, bad := range []string{"ab", "Upper", "under_score", "-lead", "trail-", "two..dots", "192.168.1.1", "../x"} {
		wantErr(t, "create "+bad, s.CreateBucket(ctx, bad), artifact.ErrInvalidBucketName)
	}

	info, err := s.BucketInfo(ctx, "mid-1")
	wantNoErr(t, "bucket info", err)
	if info.Name != "mid-1" || info.Versioning || info.Created.Before(before) {
		t.Fatalf("bucket info = %+v", info)
	}
	_, err = s.BucketInfo(ctx, "no-such-bucket")
	wantErr(t, "info of a missing bucket", err, artifact.ErrBucketNotFound)

	list, err := s.ListBuckets(ctx)
	wantNoErr(t, "list buckets", err)
	var names []string
	for _, b := range list {
		names = append(names, b.Name)
	}
	if got := strings.Join(names, ","); got != "alpha.bucket,mid-1,zeta-bucket" {
		t.Fatalf("buckets = %s", got)
	}

	wantNoErr(t, "versioning on", s.SetVersioning(ctx, "mid-1", true))
	if info, _ := s.BucketInfo(ctx, "mid-1"); !info.Versioning {
		t.Fatal("versioning is not on")
	}
	wantNoErr(t, "versioning off", s.SetVersioning(ctx, "mid-1", false))
	if info, _ := s.BucketInfo(ctx, "mid-1"); info.Versioning {
		t.Fatal("versioning is still on")
	}
	wantErr(t, "versioning of a missing bucket", s.SetVersioning(ctx, "no-such-bucket", true), artifact.ErrBucketNotFound)

	wantNoErr(t, "delete bucket", s.DeleteBucket(ctx, "zeta-bucket"))
	_, err = s.BucketInfo(ctx, "zeta-bucket")
	wantErr(t, "info of a deleted bucket", err, artifact.ErrBucketNotFound)
	wantErr(t, "delete again", s.DeleteBucket(ctx, "zeta-bucket"), artifact.ErrBucketNotFound)
	mustBucket(t, s, "zeta-bucket", false) // the name is free again
}

func exerciseBucketNotEmpty(t *testing.T, s artifact.Store) {
	mustBucket(t, s, "full", false)
	_, err := s.Put(ctx, "missing-bucket", "k", onlyReader{strings.NewReader("x")}, artifact.PutOptions{})
	wantErr(t, "put into a missing bucket", err, artifact.ErrBucketNotFound)
	_, _, err = s.Get(ctx, "missing-bucket", "k", "", nil)
	wantErr(t, "get from a missing bucket", err, artifact.ErrBucketNotFound)
	_, err = s.List(ctx, "missing-bucket", artifact.ListOptions{})
	wantErr(t, "list a missing bucket", err, artifact.ErrBucketNotFound)

	mustPut(t, s, "full", "k", "x")
	wantErr(t, "delete a bucket with an object", s.DeleteBucket(ctx, "full"), artifact.ErrBucketNotEmpty)
	_, err = s.Delete(ctx, "full", "k", "")
	wantNoErr(t, "delete object", err)
	wantNoErr(t, "delete emptied bucket", s.DeleteBucket(ctx, "full"))

	mustBucket(t, s, "marked", true)
	put := mustPut(t, s, "marked", "k", "x")
	_, err = s.Delete(ctx, "marked", "k", "")
	wantNoErr(t, "delete object", err)
	_, err = s.Delete(ctx, "marked", "k", put.VersionID)
	wantNoErr(t, "delete its version", err)
	wantErr(t, "delete a bucket with a delete marker", s.DeleteBucket(ctx, "marked"), artifact.ErrBucketNotEmpty)
}
