// Package artifacttest is the conformance suite of the artifact seam.
// Every driver runs Exercise against fresh stores; a change to a driver's
// behaviour comes with a change here so all drivers keep agreeing.
package artifacttest

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/hex"
	"errors"
	"io"
	"math/rand/v2"
	"testing"

	"github.com/sluice-cd/sluice/internal/artifact"
)

// Exercise runs the whole suite. open returns an empty store that the
// suite may use until the test ends; each case opens its own.
func Exercise(t *testing.T, open func(t *testing.T) artifact.Store) {
	cases := []struct {
		name string
		run  func(t *testing.T, s artifact.Store)
	}{
		{"Bucket", exerciseBucket},
		{"BucketNotEmpty", exerciseBucketNotEmpty},
		{"RoundTrip", exerciseRoundTrip},
		{"Overwrite", exerciseOverwrite},
		{"Versions", exerciseVersions},
		{"DeleteVersion", exerciseDeleteVersion},
		{"Suspended", exerciseSuspended},
		{"List", exerciseList},
		{"ListPages", exerciseListPages},
		{"ListVersions", exerciseListVersions},
		{"Range", exerciseRange},
		{"Copy", exerciseCopy},
		{"Multipart", exerciseMultipart},
		{"MultipartErrors", exerciseMultipartErrors},
		{"ConcurrentPuts", exerciseConcurrentPuts},
		{"Keys", exerciseKeys},
		{"Large", exerciseLarge},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			c.run(t, open(t))
		})
	}
}

// Limits is implemented by a store whose backend cannot do all that S3
// does; in practice a test wrapper around a driver talking to a stand-in
// for S3. Exercise skips each check the store lacks, with the reason.
type Limits interface {
	Lacks(check string) (reason string, lacking bool)
}

// The checks a store may lack.
const (
	CheckHeadVersion   = "head-version"    // Head answers for the version asked, named as S3 names it
	CheckDeleteLatest  = "delete-latest"   // removing the latest version (or marker) makes the one before latest
	CheckSuspended     = "suspended"       // suspended versioning keeps old versions and writes null ones
	CheckVersionOrder  = "version-order"   // ListVersions lists a key's versions newest first, marking the latest
	CheckVersionPages  = "version-pages"   // a ListVersions page resumes after the version the last one ended on
	CheckLongDelimiter = "long-delimiter"  // delimiters of more than one character
	CheckMultipartETag = "multipart-etag"  // S3's "<md5 of md5s>-<n>" ETag on a completed upload
	CheckPartTooSmall  = "part-too-small"  // EntityTooSmall for parts under 5 MiB but the last
	CheckSuffixPastEnd = "suffix-past-end" // "bytes=-N" with N past the size reads it all
	CheckEdgeSlashKeys = "edge-slash-keys" // keys starting or ending with "/"
	CheckMarkedListing = "marked-listing"  // delete markers hide keys from List and its prefixes
)

// lacking skips t when s lacks check.
func lacking(t *testing.T, s artifact.Store, check string) bool {
	t.Helper()
	if l, ok := s.(Limits); ok {
		if reason, lacks := l.Lacks(check); lacks {
			t.Logf("skipping %s: %s", check, reason)
			return true
		}
	}
	return false
}

var ctx = context.Background()

func mustBucket(t *testing.T, s artifact.Store, name string, versioned bool) {
	t.Helper()
	if err := s.CreateBucket(ctx, name); err != nil {
		t.Fatalf("create bucket %q: %v", name, err)
	}
	if versioned {
		if err := s.SetVersioning(ctx, name, true); err != nil {
			t.Fatalf("versioning on %q: %v", name, err)
		}
	}
}

func mustPut(t *testing.T, s artifact.Store, bucket, key, body string) artifact.Object {
	t.Helper()
	obj, err := s.Put(ctx, bucket, key, onlyReader{bytes.NewReader([]byte(body))}, artifact.PutOptions{})
	if err != nil {
		t.Fatalf("put %s/%s: %v", bucket, key, err)
	}
	return obj
}

// mustGet reads a version whole and checks its ETag against its content.
func mustGet(t *testing.T, s artifact.Store, bucket, key, version string) (artifact.Object, string) {
	t.Helper()
	obj, body, err := s.Get(ctx, bucket, key, version, nil)
	if err != nil {
		t.Fatalf("get %s/%s@%s: %v", bucket, key, version, err)
	}
	defer body.Close()
	data, err := io.ReadAll(body)
	if err != nil {
		t.Fatalf("read %s/%s: %v", bucket, key, err)
	}
	if want := md5hex(data); obj.ETag != want && !isMultipart(obj.ETag) {
		t.Fatalf("get %s/%s: ETag %q, content's MD5 is %q", bucket, key, obj.ETag, want)
	}
	return obj, string(data)
}

func wantErr(t *testing.T, what string, err, target error) {
	t.Helper()
	if !errors.Is(err, target) {
		t.Fatalf("%s: error = %v, want %v", what, err, target)
	}
}

func wantNoErr(t *testing.T, what string, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

func md5hex(b []byte) string {
	sum := md5.Sum(b)
	return hex.EncodeToString(sum[:])
}

func isMultipart(etag string) bool { return bytes.ContainsRune([]byte(etag), '-') }

// onlyReader hides every method of a reader but Read, as a network body
// would: a driver may not count on seeking back.
type onlyReader struct{ r io.Reader }

func (o onlyReader) Read(p []byte) (int, error) { return o.r.Read(p) }

// random returns n reproducible random bytes of the given seed.
func random(seed uint64, n int) []byte {
	b := make([]byte, n)
	rand.NewChaCha8([32]byte{byte(seed), byte(seed >> 8), byte(seed >> 16)}).Read(b)
	return b
}
