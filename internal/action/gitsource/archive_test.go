package gitsource

import (
	"archive/zip"
	"bytes"
	"errors"
	"io/fs"
	"reflect"
	"strings"
	"testing"
	"time"
)

// The files of the fixture's commits, in the order Archive writes them.
var (
	readme1  = entry{"README.md", 0o644, "# app\n"}
	readme2  = entry{"README.md", 0o644, "# app\n\nSecond.\n"}
	runSh    = entry{"bin/run.sh", 0o755, "#!/bin/sh\necho run\n"}
	docsLink = entry{"docs", fs.ModeSymlink | 0o777, "src/app"}
	mainGo   = entry{"src/app/main.go", 0o644, "package main\n"}
	utilGo   = entry{"src/app/util.go", 0o644, "package main\n\nfunc util() {}\n"}
	feature  = entry{"feature.txt", 0o644, "feature\n"}
)

func TestArchive(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	bare := f.bare(t)
	cases := []struct {
		name string
		id   string
		want []entry
	}{
		{"Head", f.second.String(), []entry{readme2, runSh, docsLink, mainGo, utilGo}},
		{"Older", f.first.String(), []entry{readme1, runSh, docsLink, mainGo}},
		{"Branch", f.feat.String(), []entry{readme1, runSh, docsLink, feature, mainGo}},
	}
	for _, r := range []Repo{{URL: f.dir}, {URL: bare}} {
		for _, c := range cases {
			var buf bytes.Buffer
			got, err := Archive(t.Context(), r, c.id, &buf)
			if err != nil {
				t.Fatalf("%s: Archive(%s): %v", c.name, r, err)
			}
			if got.ID != c.id {
				t.Fatalf("%s: commit = %+v, want %s", c.name, got, c.id)
			}
			if files := unzip(t, buf.Bytes()); !reflect.DeepEqual(files, c.want) {
				t.Fatalf("%s: zip holds\n%+v\nwant\n%+v", c.name, files, c.want)
			}
		}
	}
}

func TestArchiveDeterministic(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	var a, b bytes.Buffer
	for _, w := range []*bytes.Buffer{&a, &b} {
		if _, err := Archive(t.Context(), Repo{URL: f.dir}, f.second.String(), w); err != nil {
			t.Fatal(err)
		}
	}
	if !bytes.Equal(a.Bytes(), b.Bytes()) {
		t.Fatal("two archives of one commit differ")
	}
	zr, err := zip.NewReader(bytes.NewReader(a.Bytes()), int64(a.Len()))
	if err != nil {
		t.Fatal(err)
	}
	want := fixtureTime.Add(time.Minute)
	for _, zf := range zr.File {
		if !zf.Modified.Equal(want) {
			t.Fatalf("%s modified %v, want the commit's date %v", zf.Name, zf.Modified, want)
		}
	}
}

func TestArchiveCommitNotFound(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	const missing = "0123456789abcdef0123456789abcdef01234567"
	_, err := Archive(t.Context(), Repo{URL: f.dir}, missing, &bytes.Buffer{})
	if !errors.Is(err, ErrCommitNotFound) || !strings.Contains(err.Error(), missing) {
		t.Fatalf("error = %v, want ErrCommitNotFound naming the commit", err)
	}
	_, err = Archive(t.Context(), Repo{URL: f.dir}, f.second.String()[:12], &bytes.Buffer{})
	if err == nil || !strings.Contains(err.Error(), "not a full commit id") {
		t.Fatalf("abbreviated id: error = %v", err)
	}
}
