package gitsource

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	git "github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
)

func TestCloneRefRoundTrip(t *testing.T) {
	t.Parallel()
	ref := CloneRef{
		Repository: "app",
		URL:        "https://user:secret@git.example.com/app.git",
		Branch:     "main",
		Commit:     "0123456789abcdef0123456789abcdef01234567",
	}
	var a, b bytes.Buffer
	for _, w := range []*bytes.Buffer{&a, &b} {
		if err := WriteCloneRef(w, ref); err != nil {
			t.Fatal(err)
		}
	}
	if !bytes.Equal(a.Bytes(), b.Bytes()) {
		t.Fatal("two artifacts of one reference differ")
	}
	files := unzip(t, a.Bytes())
	if len(files) != 1 || files[0].Name != CloneRefFile || strings.Contains(files[0].Content, "secret") {
		t.Fatalf("artifact holds %+v, want only %s without credentials", files, CloneRefFile)
	}
	got, err := ReadCloneRef(bytes.NewReader(a.Bytes()), int64(a.Len()))
	if err != nil {
		t.Fatal(err)
	}
	want := ref
	want.URL = "https://git.example.com/app.git"
	if got != want {
		t.Fatalf("ReadCloneRef = %+v, want %+v", got, want)
	}
}

func TestCloneRefInvalid(t *testing.T) {
	t.Parallel()
	const id = "0123456789abcdef0123456789abcdef01234567"
	for _, ref := range []CloneRef{
		{Branch: "main", Commit: id},
		{URL: "/srv/app", Commit: id},
		{URL: "/srv/app", Branch: "main", Commit: id[:7]},
	} {
		if err := WriteCloneRef(&bytes.Buffer{}, ref); err == nil {
			t.Fatalf("WriteCloneRef(%+v) succeeded", ref)
		}
	}
}

func TestReadCloneRefNotARef(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	var zipped bytes.Buffer
	if _, err := Archive(t.Context(), Repo{URL: f.dir}, f.second.String(), &zipped); err != nil {
		t.Fatal(err)
	}
	_, err := ReadCloneRef(bytes.NewReader(zipped.Bytes()), int64(zipped.Len()))
	if err == nil || !strings.Contains(err.Error(), "not a clone reference") {
		t.Fatalf("error = %v", err)
	}
}

func TestClone(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	for _, r := range []Repo{{URL: f.dir}, {URL: "file://" + f.bare(t)}} {
		// The older commit of main, so the clone is shown to stop there.
		ref := CloneRef{URL: r.URL, Branch: "main", Commit: f.first.String()}
		dir := filepath.Join(t.TempDir(), "src")
		if err := Clone(t.Context(), r, ref, dir); err != nil {
			t.Fatalf("Clone(%s): %v", r, err)
		}
		checkClone(t, dir, ref, []entry{readme1, runSh, docsLink, mainGo})
		checkTracking(t, dir, r.URL, map[string]plumbing.Hash{"main": f.second, "feature": f.feat})
	}
}

// checkClone checks that dir is a clean working copy on ref's branch at its
// commit holding exactly files.
func checkClone(tb testing.TB, dir string, ref CloneRef, files []entry) {
	tb.Helper()
	repo, err := git.PlainOpen(dir)
	if err != nil {
		tb.Fatal(err)
	}
	head, err := repo.Reference(plumbing.HEAD, false)
	if err != nil || head.Target() != plumbing.NewBranchReferenceName(ref.Branch) {
		tb.Fatalf("HEAD = %v, %v; want on branch %s", head, err, ref.Branch)
	}
	if resolved, err := repo.Head(); err != nil || resolved.Hash().String() != ref.Commit {
		tb.Fatalf("HEAD resolves to %v, %v; want %s", resolved, err, ref.Commit)
	}
	wt, err := repo.Worktree()
	if err != nil {
		tb.Fatal(err)
	}
	if st, err := wt.Status(); err != nil || !st.IsClean() {
		tb.Fatalf("working tree status = %v, %v; want clean", st, err)
	}
	for _, want := range files {
		checkFile(tb, filepath.Join(dir, want.Name), want)
	}
}

// checkFile checks one file of a working tree.
func checkFile(tb testing.TB, path string, want entry) {
	tb.Helper()
	info, err := os.Lstat(path)
	if err != nil {
		tb.Fatal(err)
	}
	var content string
	if want.Mode&os.ModeSymlink != 0 {
		content, err = os.Readlink(path)
	} else {
		var b []byte
		b, err = os.ReadFile(path)
		content = string(b)
	}
	if err != nil || content != want.Content || info.Mode().Type() != want.Mode.Type() {
		tb.Fatalf("%s: %v %q (%v); want %v %q", want.Name, info.Mode(), content, err, want.Mode, want.Content)
	}
	if want.Mode.IsRegular() && info.Mode().Perm()&0o100 != want.Mode.Perm()&0o100 {
		tb.Fatalf("%s: mode %v, want executable bit as in %v", want.Name, info.Mode(), want.Mode)
	}
}

// checkTracking checks origin's URL, its remote-tracking branches, and that
// the current branch tracks origin's.
func checkTracking(tb testing.TB, dir, url string, branches map[string]plumbing.Hash) {
	tb.Helper()
	repo, err := git.PlainOpen(dir)
	if err != nil {
		tb.Fatal(err)
	}
	cfg, err := repo.Config()
	if err != nil {
		tb.Fatal(err)
	}
	if o := cfg.Remotes["origin"]; o == nil || len(o.URLs) != 1 || o.URLs[0] != url {
		tb.Fatalf("origin = %+v, want %s", o, url)
	}
	if b := cfg.Branches["main"]; b == nil || b.Remote != "origin" || b.Merge != "refs/heads/main" {
		tb.Fatalf("branch main config = %+v, want tracking origin's", b)
	}
	for name, want := range branches {
		ref, err := repo.Reference(plumbing.NewRemoteReferenceName("origin", name), false)
		if err != nil || ref.Hash() != want {
			tb.Fatalf("origin/%s = %v, %v; want %s", name, ref, err, want)
		}
	}
}

func TestCloneErrors(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	r := Repo{URL: f.dir}
	ref := CloneRef{URL: r.URL, Branch: "main", Commit: f.second.String()}

	full := t.TempDir()
	if err := os.WriteFile(filepath.Join(full, "x"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := Clone(t.Context(), r, ref, full); err == nil || !strings.Contains(err.Error(), "not empty") {
		t.Fatalf("clone into a full directory: %v", err)
	}

	gone := ref
	gone.Commit = "1111111111111111111111111111111111111111"
	err := Clone(t.Context(), r, gone, filepath.Join(t.TempDir(), "src"))
	if !errors.Is(err, ErrCommitNotFound) {
		t.Fatalf("clone of a missing commit: %v", err)
	}

	err = Clone(t.Context(), Repo{URL: t.TempDir()}, ref, filepath.Join(t.TempDir(), "src"))
	if !errors.Is(err, ErrRepositoryNotFound) {
		t.Fatalf("clone of a missing repository: %v", err)
	}
}
