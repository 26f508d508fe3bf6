package artifacttest

import (
	"strings"
	"testing"

	"github.com/sluice-cd/sluice/internal/artifact"
)

func exerciseRange(t *testing.T, s artifact.Store) {
	mustBucket(t, s, "ranges", false)
	body := strings.Repeat("0123456789", 100)
	mustPut(t, s, "ranges", "k", body)
	cases := []struct {
		name  string
		rng   artifact.Range
		want  string
		check string
	}{
		{"start-end", artifact.Range{Start: 2, End: 5}, body[2:6], ""},
		{"one byte", artifact.Range{Start: 0, End: 0}, body[:1], ""},
		{"open end", artifact.Range{Start: 990, End: -1}, body[990:], ""},
		{"end past the object", artifact.Range{Start: 995, End: 5000}, body[995:], ""},
		{"suffix", artifact.Range{Start: -7}, body[993:], ""},
		{"suffix past the start", artifact.Range{Start: -5000}, body, CheckSuffixPastEnd},
	}
	for _, c := range cases {
		if c.check != "" && lacking(t, s, c.check) {
			continue
		}
		obj, rd, err := s.Get(ctx, "ranges", "k", "", &c.rng)
		wantNoErr(t, "get "+c.name, err)
		if got := readAll(t, rd); got != c.want {
			t.Fatalf("%s: read %q, want %q", c.name, got, c.want)
		}
		if obj.Size != int64(len(body)) || obj.ETag != md5hex([]byte(body)) {
			t.Fatalf("%s: object %+v does not describe the whole version", c.name, obj)
		}
	}
	for _, rng := range []artifact.Range{{Start: 1000, End: -1}, {Start: 5000, End: 6000}} {
		_, _, err := s.Get(ctx, "ranges", "k", "", &rng)
		wantErr(t, "unsatisfiable range", err, artifact.ErrInvalidRange)
	}
}

func exerciseCopy(t *testing.T, s artifact.Store) {
	mustBucket(t, s, "src", true)
	mustBucket(t, s, "dst", false)
	opts := artifact.PutOptions{ContentType: "application/zip", Metadata: map[string]string{"revision": "abc"}}
	_, err := s.Put(ctx, "src", "old", strings.NewReader("old"), opts)
	wantNoErr(t, "put", err)
	src, err := s.Put(ctx, "src", "a/b", strings.NewReader("copied content"), opts)
	wantNoErr(t, "put", err)

	cp, err := s.Copy(ctx, "src", "a/b", "dst", "c/d", nil)
	wantNoErr(t, "copy", err)
	checkObject(t, "copy", cp, artifact.Object{Key: "c/d", VersionID: artifact.NullVersion, Size: src.Size, ETag: src.ETag})
	got, data := mustGet(t, s, "dst", "c/d", "")
	if data != "copied content" {
		t.Fatalf("copy read %q", data)
	}
	checkMeta(t, "copy", got, artifact.Object{ContentType: "application/zip", Metadata: map[string]string{"revision": "abc"}})
	replaced := artifact.PutOptions{ContentType: "text/plain", Metadata: map[string]string{"revision": "def"}}
	_, err = s.Copy(ctx, "src", "a/b", "dst", "e", &replaced)
	wantNoErr(t, "copy replacing metadata", err)
	got, _ = mustGet(t, s, "dst", "e", "")
	checkMeta(t, "copy replacing metadata", got, artifact.Object{ContentType: "text/plain", Metadata: map[string]string{"revision": "def"}})

	mustPut(t, s, "src", "a/b", "newer")
	_, err = s.Copy(ctx, "src", "a/b", "src", "a/b-copy", nil)
	wantNoErr(t, "copy within a bucket", err)
	if _, data := mustGet(t, s, "src", "a/b-copy", ""); data != "newer" {
		t.Fatalf("copy of the latest version read %q", data)
	}
	_, err = s.Copy(ctx, "src", "missing", "dst", "x", nil)
	wantErr(t, "copy a missing key", err, artifact.ErrNotFound)
	_, err = s.Copy(ctx, "src", "a/b", "no-such-bucket", "x", nil)
	wantErr(t, "copy into a missing bucket", err, artifact.ErrBucketNotFound)
	_, err = s.Copy(ctx, "no-such-bucket", "a/b", "dst", "x", nil)
	wantErr(t, "copy from a missing bucket", err, artifact.ErrBucketNotFound)
	_, err = s.Delete(ctx, "src", "old", "")
	wantNoErr(t, "delete", err)
	_, err = s.Copy(ctx, "src", "old", "dst", "x", nil)
	wantErr(t, "copy a deleted key", err, artifact.ErrNotFound)
}

// exerciseKeys writes keys that would be trouble as paths or in URLs.
func exerciseKeys(t *testing.T, s artifact.Store) {
	mustBucket(t, s, "keys", false)
	keys := []string{
		"plain", "with space", "tab\there", "dir/sub/file", "a//b", "a/../../../escape",
		"ünïcødé/日本語/🚀", "percent%2Fslash", "question?mark", "hash#mark", "plus+sign",
		"amp&eq=", "back\\slash", "quote\"s'", strings.Repeat("long/", 200) + "end",
	}
	if !lacking(t, s, CheckEdgeSlashKeys) {
		keys = append(keys, "/leading", "trailing/", "/")
	}
	keys = append(keys, ".", "..", "../up", "./here", "a/./b", "a/..")
	for i, k := range keys {
		mustPut(t, s, "keys", k, "body "+k+string(rune('A'+i%26)))
	}
	for i, k := range keys {
		if _, data := mustGet(t, s, "keys", k, ""); data != "body "+k+string(rune('A'+i%26)) {
			t.Fatalf("key %q read %q", k, data)
		}
	}
	l, err := s.List(ctx, "keys", artifact.ListOptions{})
	wantNoErr(t, "list", err)
	got := map[string]bool{}
	for _, o := range l.Objects {
		got[o.Key] = true
	}
	for _, k := range keys {
		if !got[k] {
			t.Fatalf("key %q is not listed (listed %d of %d)", k, len(l.Objects), len(keys))
		}
	}
	if len(l.Objects) != len(keys) {
		t.Fatalf("listed %d keys, wrote %d", len(l.Objects), len(keys))
	}
}
