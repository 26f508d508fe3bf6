package artifact_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/sluice-cd/sluice/internal/artifact"
)

func TestBounds(t *testing.T) {
	t.Parallel()
	cases := []struct {
		rng       artifact.Range
		size      int64
		off, n    int64
		unsatisfy bool
	}{
		{artifact.Range{Start: 0, End: 0}, 10, 0, 1, false},
		{artifact.Range{Start: 2, End: 5}, 10, 2, 4, false},
		{artifact.Range{Start: 2, End: -1}, 10, 2, 8, false},
		{artifact.Range{Start: 8, End: 100}, 10, 8, 2, false},
		{artifact.Range{Start: -3}, 10, 7, 3, false},
		{artifact.Range{Start: -30}, 10, 0, 10, false},
		{artifact.Range{Start: 10, End: -1}, 10, 0, 0, true},
		{artifact.Range{Start: 5, End: 4}, 10, 0, 0, true},
		{artifact.Range{Start: 0, End: -1}, 0, 0, 0, true},
		{artifact.Range{Start: -5}, 0, 0, 0, true},
	}
	for _, c := range cases {
		off, n, err := c.rng.Bounds(c.size)
		if c.unsatisfy != errors.Is(err, artifact.ErrInvalidRange) || !c.unsatisfy && (off != c.off || n != c.n) {
			t.Errorf("%+v of %d = %d,%d,%v; want %d,%d unsatisfiable %v", c.rng, c.size, off, n, err, c.off, c.n, c.unsatisfy)
		}
	}
}

func TestCheckBucketName(t *testing.T) {
	t.Parallel()
	for _, ok := range []string{"abc", "my-bucket.v2", "a1b", strings.Repeat("a", 63)} {
		if err := artifact.CheckBucketName(ok); err != nil {
			t.Errorf("%q: %v", ok, err)
		}
	}
	bad := []string{"ab", strings.Repeat("a", 64), "Abc", "a_b", ".ab", "ab-", "a..b", "10.0.0.1",
		"xn--abc", "sthree-x", "bucket-s3alias", "bucket--ol-s3", "../x", "a/b"}
	for _, name := range bad {
		if err := artifact.CheckBucketName(name); !errors.Is(err, artifact.ErrInvalidBucketName) {
			t.Errorf("%q: %v, want ErrInvalidBucketName", name, err)
		}
	}
}

func TestCheckKey(t *testing.T) {
	t.Parallel()
	for _, ok := range []string{"a", "../..", " ", "日本", strings.Repeat("k", artifact.MaxKeyLen)} {
		if err := artifact.CheckKey(ok); err != nil {
			t.Errorf("%q: %v", ok, err)
		}
	}
	for _, bad := range []string{"", "\xff", strings.Repeat("k", artifact.MaxKeyLen+1)} {
		if err := artifact.CheckKey(bad); !errors.Is(err, artifact.ErrInvalidKey) {
			t.Errorf("%q: %v, want ErrInvalidKey", bad, err)
		}
	}
}
