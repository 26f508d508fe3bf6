package s3api

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/sluice-cd/sluice/internal/artifact"
)

// mapOwners is an Owners over a map.
type mapOwners struct {
	mu     sync.Mutex
	owners map[string]string
}

func (m *mapOwners) Claim(_ context.Context, bucket, account string) (bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if owner, ok := m.owners[bucket]; ok {
		return owner == account, nil
	}
	m.owners[bucket] = account
	return true, nil
}

func (m *mapOwners) Owner(_ context.Context, bucket string) (string, bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	owner, ok := m.owners[bucket]
	return owner, ok, nil
}

func (m *mapOwners) Release(_ context.Context, bucket, account string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.owners[bucket] == account {
		delete(m.owners, bucket)
	}
	return nil
}

func (m *mapOwners) Owned(_ context.Context, account string) ([]string, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []string
	for b, owner := range m.owners {
		if owner == account {
			out = append(out, b)
		}
	}
	return out, nil
}

const (
	accountA = "123456789012"
	accountB = "210987654321"
)

// setupOwners builds an open-mode endpoint where account A owns "mine"
// (holding k.txt), the server owns "server-own", and "legacy" exists
// without an owner; it returns clients of accounts A and B.
func setupOwners(t *testing.T) (*testBundle, *s3.Client, *s3.Client) {
	t.Helper()
	owners := &mapOwners{owners: map[string]string{"server-own": "sluice"}}
	b := setup(t, setupOpts{owners: owners})
	must(t, b.store.CreateBucket(ctx, "server-own"))
	must(t, b.store.CreateBucket(ctx, "legacy"))
	a, other := b.clientAs(t, accountA, "x", ""), b.clientAs(t, accountB, "x", "")
	_, err := a.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("mine")})
	must(t, err)
	mustPut(t, a, "mine", "k.txt", []byte("A's"))
	return b, a, other
}

// Another account's bucket answers AccessDenied to everything but its
// creation, which says the name is taken.
func TestOwnersKeepAccountsApart(t *testing.T) {
	t.Parallel()
	_, a, other := setupOwners(t)
	_, err := other.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("theirs")})
	must(t, err)
	mine, key := aws.String("mine"), aws.String("k.txt")
	calls := map[string]func() error{
		"ListObjectsV2": func() error { _, err := other.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: mine}); return err },
		"GetObject":     func() error { _, err := other.GetObject(ctx, &s3.GetObjectInput{Bucket: mine, Key: key}); return err },
		"PutObject": func() error {
			_, err := other.PutObject(ctx, &s3.PutObjectInput{Bucket: mine, Key: key, Body: strings.NewReader("B's")})
			return err
		},
		"DeleteObject": func() error {
			_, err := other.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: mine, Key: key})
			return err
		},
		"DeleteObjects": func() error {
			_, err := other.DeleteObjects(ctx, &s3.DeleteObjectsInput{Bucket: mine,
				Delete: &s3types.Delete{Objects: []s3types.ObjectIdentifier{{Key: key}}}})
			return err
		},
		"DeleteBucket": func() error { _, err := other.DeleteBucket(ctx, &s3.DeleteBucketInput{Bucket: mine}); return err },
		"PutBucketVersioning": func() error {
			_, err := other.PutBucketVersioning(ctx, &s3.PutBucketVersioningInput{Bucket: mine,
				VersioningConfiguration: &s3types.VersioningConfiguration{Status: s3types.BucketVersioningStatusEnabled}})
			return err
		},
		"CreateMultipartUpload": func() error {
			_, err := other.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: mine, Key: key})
			return err
		},
		"CopyObject out": func() error {
			_, err := other.CopyObject(ctx, &s3.CopyObjectInput{Bucket: aws.String("theirs"), Key: key, CopySource: aws.String("mine/k.txt")})
			return err
		},
		"CopyObject in": func() error {
			_, err := other.CopyObject(ctx, &s3.CopyObjectInput{Bucket: mine, Key: aws.String("x"), CopySource: aws.String("/theirs/k.txt")})
			return err
		},
	}
	for name, call := range calls {
		t.Run(name, func(t *testing.T) { requireAPIError(t, call(), "AccessDenied") })
	}
	_, err = other.HeadObject(ctx, &s3.HeadObjectInput{Bucket: mine, Key: key})
	requireStatus(t, err, http.StatusForbidden)
	_, err = other.HeadBucket(ctx, &s3.HeadBucketInput{Bucket: mine})
	requireStatus(t, err, http.StatusForbidden)
	_, err = other.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: mine})
	requireAPIError(t, err, "BucketAlreadyExists")
	requireStatus(t, err, http.StatusConflict)

	got, _ := mustGet(t, a, &s3.GetObjectInput{Bucket: mine, Key: key})
	if string(got) != "A's" {
		t.Fatalf("A's object became %q", got)
	}
}

// ListBuckets shows the caller's buckets only; creating one's own bucket
// again answers as S3 does: 200 in us-east-1, BucketAlreadyOwnedByYou
// elsewhere.
func TestOwnersListAndRecreate(t *testing.T) {
	t.Parallel()
	_, a, other := setupOwners(t)
	_, err := other.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("theirs")})
	must(t, err)
	for c, want := range map[*s3.Client][]string{a: {"mine"}, other: {"theirs"}} {
		out, err := c.ListBuckets(ctx, &s3.ListBucketsInput{})
		must(t, err)
		var names []string
		for _, bk := range out.Buckets {
			names = append(names, aws.ToString(bk.Name))
		}
		if !slices.Equal(names, want) {
			t.Fatalf("ListBuckets = %v, want %v", names, want)
		}
	}
	_, err = a.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("mine")})
	must(t, err)
	_, err = a.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("mine"),
		CreateBucketConfiguration: &s3types.CreateBucketConfiguration{LocationConstraint: "eu-west-1"}},
		func(o *s3.Options) { o.Region = "eu-west-1" })
	requireAPIError(t, err, "BucketAlreadyOwnedByYou")
	requireStatus(t, err, http.StatusConflict)
}

// A deleted bucket's name is free again; a bucket nobody owns is open to
// every account until one creates it, which makes it that account's.
func TestOwnersReleaseAndUnowned(t *testing.T) {
	t.Parallel()
	_, a, other := setupOwners(t)
	_, err := a.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String("mine"), Key: aws.String("k.txt")})
	must(t, err)
	_, err = a.DeleteBucket(ctx, &s3.DeleteBucketInput{Bucket: aws.String("mine")})
	must(t, err)
	_, err = other.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("mine")})
	must(t, err)

	mustPut(t, a, "legacy", "a.txt", []byte("before anyone owned it"))
	got, _ := mustGet(t, other, &s3.GetObjectInput{Bucket: aws.String("legacy"), Key: aws.String("a.txt")})
	if string(got) != "before anyone owned it" {
		t.Fatalf("unowned bucket read %q", got)
	}
	_, err = other.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("legacy")})
	must(t, err) // us-east-1: the bucket is now B's
	_, err = a.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("legacy"), Key: aws.String("a.txt")})
	requireAPIError(t, err, "AccessDenied")
}

// The server's own buckets are no account's: every account is denied,
// while job credentials keep their exact objects, whoever owns the bucket.
func TestOwnersServerBucketAndJobs(t *testing.T) {
	t.Parallel()
	b, a, _ := setupOwners(t)
	_, err := b.store.Put(ctx, "server-own", "log.txt", strings.NewReader("log"), artifact.PutOptions{})
	must(t, err)
	_, err = a.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("server-own"), Key: aws.String("log.txt")})
	requireAPIError(t, err, "AccessDenied")
	_, err = a.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("server-own")})
	requireAPIError(t, err, "BucketAlreadyExists")

	g := jobGrant(time.Now().Add(time.Hour))
	g.Read = []Location{{"mine", "k.txt"}}
	b.jobs.add(g)
	job := b.clientAs(t, g.Credential.AccessKeyID, g.Credential.SecretAccessKey, g.Credential.SessionToken)
	got, _ := mustGet(t, job, &s3.GetObjectInput{Bucket: aws.String("mine"), Key: aws.String("k.txt")})
	if string(got) != "A's" {
		t.Fatalf("job read %q", got)
	}
}
