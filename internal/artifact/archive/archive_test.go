package archive_test

import (
	"archive/zip"
	"bytes"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sluice-cd/sluice/internal/artifact/archive"
)

// tree makes a source tree with an executable, nested and empty
// directories, and links of every kind.
func tree(t *testing.T) string {
	t.Helper()
	base := t.TempDir()
	dir := filepath.Join(base, "src")
	write(t, dir, "README.md", "readme", 0o644)
	write(t, dir, "bin/build.sh", "#!/bin/sh\necho hi\n", 0o755)
	write(t, dir, "a/b/c/deep.txt", "deep", 0o600)
	write(t, base, "secret.txt", "outside", 0o644)
	must(t, os.MkdirAll(filepath.Join(dir, "empty"), 0o755))
	must(t, os.Symlink("README.md", filepath.Join(dir, "link-in")))
	must(t, os.Symlink("../secret.txt", filepath.Join(dir, "link-out")))
	must(t, os.Symlink("a", filepath.Join(dir, "link-dir")))
	must(t, os.Symlink("missing", filepath.Join(dir, "link-dangling")))
	return dir
}

func TestZipRoundTrip(t *testing.T) {
	t.Parallel()
	src := tree(t)
	var buf bytes.Buffer
	must(t, archive.Zip(&buf, src))

	var names []string
	zr, err := zip.NewReader(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
	must(t, err)
	for _, f := range zr.File {
		names = append(names, f.Name)
	}
	want := "README.md,a/,a/b/,a/b/c/,a/b/c/deep.txt,bin/,bin/build.sh,empty/,link-in"
	if got := strings.Join(names, ","); got != want {
		t.Fatalf("entries = %s\nwant      %s", got, want)
	}

	var again bytes.Buffer
	must(t, archive.Zip(&again, src))
	if !bytes.Equal(buf.Bytes(), again.Bytes()) {
		t.Fatal("zipping the same tree twice differs")
	}

	dst := filepath.Join(t.TempDir(), "out")
	must(t, archive.Unzip(bytes.NewReader(buf.Bytes()), int64(buf.Len()), dst))
	for name, want := range map[string]string{"README.md": "readme", "bin/build.sh": "#!/bin/sh\necho hi\n", "a/b/c/deep.txt": "deep", "link-in": "readme"} {
		if got := read(t, dst, name); got != want {
			t.Fatalf("%s = %q, want %q", name, got, want)
		}
	}
	for name, want := range map[string]fs.FileMode{"bin/build.sh": 0o755, "a/b/c/deep.txt": 0o600, "README.md": 0o644} {
		info, err := os.Stat(filepath.Join(dst, name))
		must(t, err)
		if info.Mode().Perm() != want {
			t.Fatalf("%s mode %v, want %v", name, info.Mode().Perm(), want)
		}
	}
	if info, err := os.Stat(filepath.Join(dst, "empty")); err != nil || !info.IsDir() {
		t.Fatalf("empty directory: %v", err)
	}
}

func TestZipFiles(t *testing.T) {
	t.Parallel()
	src := tree(t)
	var buf bytes.Buffer
	must(t, archive.ZipFiles(&buf, src, []string{"bin", "README.md", "bin/build.sh"}))
	zr, err := zip.NewReader(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
	must(t, err)
	var names []string
	for _, f := range zr.File {
		names = append(names, f.Name)
	}
	if got := strings.Join(names, ","); got != "README.md,bin/,bin/build.sh" {
		t.Fatalf("entries = %s", got)
	}
	if err := archive.ZipFiles(&buf, src, []string{"../secret.txt"}); err == nil {
		t.Fatal("zipped a file outside the base")
	}
}

// entry is one entry of a hand-made archive.
type entry struct {
	name, body string
	mode       fs.FileMode
}

func TestUnzipRefusesEscapes(t *testing.T) {
	t.Parallel()
	link := fs.ModeSymlink | 0o777
	cases := map[string][]entry{
		"parent":             {{name: "../evil", body: "x"}},
		"nested parent":      {{name: "a/../../evil", body: "x"}},
		"absolute":           {{name: "/tmp/evil", body: "x"}},
		"absolute link":      {{name: "l", body: "/etc", mode: link}},
		"climbing link":      {{name: "a/l", body: "../../etc", mode: link}},
		"write through link": {{name: "l", body: "sub", mode: link}, {name: "l/x", body: "x", mode: link}},
		"link chain":         {{name: "a", body: ".", mode: link}, {name: "b", body: "a/..", mode: link}},
		"link through link":  {{name: "sub", body: ".", mode: link}, {name: "sub/l", body: "../x", mode: link}},
		"deep link chain":    {{name: "d/up", body: "..", mode: link}, {name: "d/esc", body: "up/..", mode: link}},
	}
	for name, entries := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			base := t.TempDir()
			data := makeZip(t, entries)
			err := archive.Unzip(bytes.NewReader(data), int64(len(data)), filepath.Join(base, "out"))
			if !errors.Is(err, archive.ErrUnsafePath) {
				t.Fatalf("error = %v, want ErrUnsafePath", err)
			}
			checkNothingOutside(t, base)
		})
	}
}

func TestUnzipKeepsLinksInside(t *testing.T) {
	t.Parallel()
	link := fs.ModeSymlink | 0o777
	data := makeZip(t, []entry{
		{name: "lib/real.so", body: "elf", mode: 0o755},
		{name: "bin/tool", body: "../lib/real.so", mode: link},
		{name: "up", body: "lib/..", mode: link},
	})
	dst := filepath.Join(t.TempDir(), "out")
	must(t, archive.Unzip(bytes.NewReader(data), int64(len(data)), dst))
	if got := read(t, dst, "bin/tool"); got != "elf" {
		t.Fatalf("through the link: %q", got)
	}
}

func TestUnzipLimit(t *testing.T) {
	t.Parallel()
	data := makeZip(t, []entry{{name: "a", body: strings.Repeat("0", 600)}, {name: "b", body: strings.Repeat("0", 600)}})
	dst := filepath.Join(t.TempDir(), "out")
	err := archive.UnzipMax(bytes.NewReader(data), int64(len(data)), dst, 1000)
	if !errors.Is(err, archive.ErrTooLarge) {
		t.Fatalf("error = %v, want ErrTooLarge", err)
	}
	must(t, archive.UnzipMax(bytes.NewReader(data), int64(len(data)), filepath.Join(t.TempDir(), "ok"), 1200))
}

// A header that understates the size does not get past the limit.
func TestUnzipLimitCountsWrites(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	hdr := &zip.FileHeader{Name: "bomb", Method: zip.Deflate, Modified: time.Unix(0, 0)}
	w, err := zw.CreateHeader(hdr)
	must(t, err)
	_, err = w.Write(bytes.Repeat([]byte{0}, 1<<20))
	must(t, err)
	must(t, zw.Close())
	err = archive.UnzipMax(bytes.NewReader(buf.Bytes()), int64(buf.Len()), filepath.Join(t.TempDir(), "out"), 1<<10)
	if !errors.Is(err, archive.ErrTooLarge) {
		t.Fatalf("error = %v, want ErrTooLarge", err)
	}
}

func makeZip(t *testing.T, entries []entry) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, e := range entries {
		hdr := &zip.FileHeader{Name: e.name, Method: zip.Store, Modified: time.Unix(1_700_000_000, 0)}
		hdr.SetMode(max(e.mode, 0o644))
		w, err := zw.CreateHeader(hdr)
		must(t, err)
		_, err = w.Write([]byte(e.body))
		must(t, err)
	}
	must(t, zw.Close())
	return buf.Bytes()
}

// checkNothingOutside fails if anything but the target dir was made in base.
func checkNothingOutside(t *testing.T, base string) {
	t.Helper()
	entries, err := os.ReadDir(base)
	must(t, err)
	for _, e := range entries {
		if e.Name() != "out" {
			t.Fatalf("%s was written outside the target", e.Name())
		}
	}
	for _, evil := range []string{"/tmp/evil", filepath.Join(filepath.Dir(base), "evil")} {
		if _, err := os.Lstat(evil); err == nil {
			t.Fatalf("%s exists", evil)
		}
	}
}

func write(t *testing.T, dir, name, body string, mode fs.FileMode) {
	t.Helper()
	p := filepath.Join(dir, filepath.FromSlash(name))
	must(t, os.MkdirAll(filepath.Dir(p), 0o755))
	must(t, os.WriteFile(p, []byte(body), mode))
	must(t, os.Chmod(p, mode))
}

func read(t *testing.T, dir, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(name)))
	must(t, err)
	return string(b)
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
