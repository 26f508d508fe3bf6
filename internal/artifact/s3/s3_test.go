package s3_test

import (
	"context"
	"net/http/httptest"
	"testing"

	"github.com/rclone/gofakes3"
	"github.com/rclone/gofakes3/s3mem"

	"github.com/sluice-cd/sluice/internal/artifact"
	"github.com/sluice-cd/sluice/internal/artifact/artifacttest"
	"github.com/sluice-cd/sluice/internal/artifact/s3"
)

func TestConformance(t *testing.T) {
	t.Parallel()
	artifacttest.Exercise(t, func(t *testing.T) artifact.Store {
		return peerStore{mustOpen(t)}
	})
}

// mustOpen starts an in-memory S3 stand-in and opens a store on it.
func mustOpen(t *testing.T) *s3.Store {
	t.Helper()
	peer := gofakes3.New(s3mem.New())
	srv := httptest.NewServer(peer.Server())
	t.Cleanup(srv.Close)
	s, err := s3.Open(context.Background(), s3.Config{
		Endpoint: srv.URL, Region: "us-east-1", AccessKeyID: "test", SecretAccessKey: "test", PathStyle: true,
	})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// peerStore names what the stand-in for S3 lacks, so the suite skips
// those checks, and only those, for this driver.
type peerStore struct{ artifact.Store }

// peerLimits are the checks the stand-in cannot pass, and why: each is a
// way gofakes3 (with its s3mem backend) departs from S3, not the driver.
var peerLimits = map[string]string{
	artifacttest.CheckHeadVersion:   "gofakes3 answers HEAD for the latest version whatever versionId asks for, and names internal version ids in buckets that never had versioning",
	artifacttest.CheckDeleteLatest:  "s3mem leaves a key with no current version once its latest version or marker is removed, and then fails every GET of it",
	artifacttest.CheckSuspended:     "s3mem overwrites the current version when versioning is suspended, versioned or not, and lists internal ids instead of null",
	artifacttest.CheckVersionOrder:  "s3mem lists a key's versions oldest first",
	artifacttest.CheckVersionPages:  "s3mem resumes a versions listing at its version-id marker rather than after it",
	artifacttest.CheckMarkedListing: "s3mem lists keys whose latest version is a delete marker",
	artifacttest.CheckLongDelimiter: "s3mem cuts common prefixes wrongly for a delimiter longer than one character",
	artifacttest.CheckMultipartETag: "gofakes3 gives a completed upload the MD5 of its whole content",
	artifacttest.CheckPartTooSmall:  "gofakes3 accepts parts under 5 MiB",
	artifacttest.CheckSuffixPastEnd: "gofakes3 refuses bytes=-N when N passes the object's size, where S3 reads it all",
	artifacttest.CheckEdgeSlashKeys: "gofakes3 trims \"/\" from both ends of the request path, so such a key names another key or the bucket",
}

func (peerStore) Lacks(check string) (string, bool) {
	reason, ok := peerLimits[check]
	return reason, ok
}
