package file_test

import (
	"context"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sluice-cd/sluice/internal/artifact"
)

var ctx = context.Background()

// A new Store on the same root sees every bucket, version, marker and
// upload the first one committed.
func TestReopen(t *testing.T) {
	t.Parallel()
	root := filepath.Join(t.TempDir(), "store")
	s := mustOpen(t, root)
	must(t, s.CreateBucket(ctx, "keep"))
	must(t, s.SetVersioning(ctx, "keep", true))
	v1 := mustPut(t, s, "keep", "a/k", "one")
	mustPut(t, s, "keep", "a/k", "two")
	_, err := s.Delete(ctx, "keep", "a/k", "")
	must(t, err)
	mustPut(t, s, "keep", "b", "bee")
	upload, err := s.CreateUpload(ctx, "keep", "up", artifact.PutOptions{})
	must(t, err)
	etag, err := s.PutPart(ctx, "keep", "up", upload, 1, strings.NewReader("part"))
	must(t, err)

	s = mustOpen(t, root)
	info, err := s.BucketInfo(ctx, "keep")
	must(t, err)
	if !info.Versioning {
		t.Fatal("versioning lost")
	}
	l, err := s.ListVersions(ctx, "keep", artifact.ListOptions{})
	must(t, err)
	if len(l.Objects) != 4 || !l.Objects[0].DeleteMarker || !l.Objects[0].Latest || l.Objects[2].VersionID != v1.VersionID {
		t.Fatalf("versions after reopen: %+v", l.Objects)
	}
	if got := mustRead(t, s, "keep", "a/k", v1.VersionID); got != "one" {
		t.Fatalf("v1 after reopen = %q", got)
	}
	_, err = s.CompleteUpload(ctx, "keep", "up", upload, []artifact.Part{{Number: 1, ETag: etag}})
	must(t, err)
	// Versions written after a restart still sort as newest.
	mustPut(t, s, "keep", "b", "bee two")
	if got := mustRead(t, s, "keep", "b", ""); got != "bee two" {
		t.Fatalf("latest after reopen = %q", got)
	}
}

// What a crash leaves (content never committed, writes in progress, a
// null version whose replacement was committed) is cleaned on reopen.
func TestCrashLeftovers(t *testing.T) {
	t.Parallel()
	root := filepath.Join(t.TempDir(), "store")
	s := mustOpen(t, root)
	must(t, s.CreateBucket(ctx, "crash"))
	mustPut(t, s, "crash", "k", "old")
	metas := glob(t, root, "buckets/crash/objects/*/*/*.json")
	if len(metas) != 1 {
		t.Fatalf("records: %v", metas)
	}
	dir := filepath.Dir(metas[0])
	old, err := os.ReadFile(metas[0])
	must(t, err)
	mustPut(t, s, "crash", "k", "new")
	// Put the replaced null version back, as if the crash came between
	// the new record's rename and the old one's removal.
	oldID := strings.TrimSuffix(filepath.Base(metas[0]), ".json")
	must(t, os.WriteFile(metas[0], old, 0o644))
	must(t, os.WriteFile(filepath.Join(dir, oldID+".data"), []byte("old"), 0o644))
	must(t, os.WriteFile(filepath.Join(dir, "orphan.data"), []byte("never committed"), 0o644))
	must(t, os.WriteFile(filepath.Join(root, "buckets/crash/tmp/data-123"), []byte("half"), 0o644))

	s = mustOpen(t, root)
	if got := mustRead(t, s, "crash", "k", ""); got != "new" {
		t.Fatalf("after reopen = %q", got)
	}
	if files := glob(t, root, "buckets/crash/objects/*/*/*"); len(files) != 2 {
		t.Fatalf("files left: %v", files)
	}
	if files := glob(t, root, "buckets/crash/tmp/*"); len(files) != 0 {
		t.Fatalf("temp files left: %v", files)
	}
}

// Keys that look like paths stay inside their bucket's objects directory.
func TestKeysStayInside(t *testing.T) {
	t.Parallel()
	base := t.TempDir()
	root := filepath.Join(base, "store")
	s := mustOpen(t, root)
	must(t, s.CreateBucket(ctx, "jail"))
	keys := []string{"../../../../escape", "/etc/passwd", "..", "a/../../b", "\x00nul", strings.Repeat("x/", 500)}
	for _, k := range keys {
		mustPut(t, s, "jail", k, k)
	}
	filepath.WalkDir(base, func(path string, d fs.DirEntry, err error) error {
		must(t, err)
		rel, _ := filepath.Rel(root, path)
		inside := strings.HasPrefix(rel, "buckets/jail/objects/") || rel == "buckets/jail/bucket.json"
		if d.Type().IsRegular() && !inside {
			t.Errorf("%s is outside the bucket's objects", path)
		}
		if strings.Contains(d.Name(), "escape") || strings.Contains(d.Name(), "passwd") {
			t.Errorf("a key became a path: %s", path)
		}
		return nil
	})
	for _, k := range keys {
		if got := mustRead(t, s, "jail", k, ""); got != k {
			t.Fatalf("%q read %q", k, got)
		}
	}
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func mustPut(t testing.TB, s artifact.Store, bucket, key, body string) artifact.Object {
	t.Helper()
	obj, err := s.Put(ctx, bucket, key, strings.NewReader(body), artifact.PutOptions{})
	must(t, err)
	return obj
}

func mustRead(t testing.TB, s artifact.Store, bucket, key, version string) string {
	t.Helper()
	_, body, err := s.Get(ctx, bucket, key, version, nil)
	must(t, err)
	defer body.Close()
	data, err := io.ReadAll(body)
	must(t, err)
	return string(data)
}

func glob(t *testing.T, root, pattern string) []string {
	t.Helper()
	out, err := filepath.Glob(filepath.Join(root, pattern))
	must(t, err)
	return out
}
