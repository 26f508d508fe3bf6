package gitsource

import (
	"archive/zip"
	"bytes"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
	"time"

	git "github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/object"
)

// fixture is a working copy made with the git library: main has two
// commits, feature one more on top of main's first.
//
//	first   README.md, src/app/main.go, bin/run.sh (executable),
//	        docs -> src/app (symbolic link)
//	second  README.md changed, src/app/util.go added (main's head)
//	feat    feature.txt added (feature's head, parent first)
type fixture struct {
	dir                 string
	repo                *git.Repository
	first, second, feat plumbing.Hash
	ticks               int
}

// fixtureTime is the author date of the first commit; each later commit is
// a minute later.
var fixtureTime = time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)

// newFixture builds the fixture in a temporary directory.
func newFixture(tb testing.TB) *fixture {
	tb.Helper()
	f := &fixture{dir: tb.TempDir()}
	repo, err := git.PlainInitWithOptions(f.dir, &git.PlainInitOptions{
		InitOptions: git.InitOptions{DefaultBranch: plumbing.Main},
	})
	if err != nil {
		tb.Fatal(err)
	}
	f.repo = repo
	f.write(tb, "README.md", "# app\n", 0o644)
	f.write(tb, "src/app/main.go", "package main\n", 0o644)
	f.write(tb, "bin/run.sh", "#!/bin/sh\necho run\n", 0o755)
	if err := os.Symlink("src/app", filepath.Join(f.dir, "docs")); err != nil {
		tb.Fatal(err)
	}
	f.first = f.commit(tb, "First commit\n\nWith a body.\n")
	f.write(tb, "README.md", "# app\n\nSecond.\n", 0o644)
	f.write(tb, "src/app/util.go", "package main\n\nfunc util() {}\n", 0o644)
	f.second = f.commit(tb, "Second commit\n")
	f.checkout(tb, "feature", f.first, true)
	f.write(tb, "feature.txt", "feature\n", 0o644)
	f.feat = f.commit(tb, "Feature commit\n")
	f.checkout(tb, "main", plumbing.ZeroHash, false)
	return f
}

// write writes a file of the working copy.
func (f *fixture) write(tb testing.TB, name, content string, mode fs.FileMode) {
	tb.Helper()
	path := filepath.Join(f.dir, name)
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		tb.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), mode); err != nil {
		tb.Fatal(err)
	}
	if err := os.Chmod(path, mode); err != nil { // whatever the umask
		tb.Fatal(err)
	}
}

// commit commits every change of the working copy on the current branch.
func (f *fixture) commit(tb testing.TB, msg string) plumbing.Hash {
	tb.Helper()
	wt, err := f.repo.Worktree()
	if err != nil {
		tb.Fatal(err)
	}
	if err := wt.AddWithOptions(&git.AddOptions{All: true}); err != nil {
		tb.Fatal(err)
	}
	sig := &object.Signature{Name: "Ada", Email: "ada@example.com", When: fixtureTime.Add(time.Duration(f.ticks) * time.Minute)}
	f.ticks++
	id, err := wt.Commit(msg, &git.CommitOptions{Author: sig})
	if err != nil {
		tb.Fatal(err)
	}
	return id
}

// checkout switches the working copy to branch, creating it at from.
func (f *fixture) checkout(tb testing.TB, branch string, from plumbing.Hash, create bool) {
	tb.Helper()
	wt, err := f.repo.Worktree()
	if err != nil {
		tb.Fatal(err)
	}
	err = wt.Checkout(&git.CheckoutOptions{Branch: plumbing.NewBranchReferenceName(branch), Hash: from, Create: create})
	if err != nil {
		tb.Fatal(err)
	}
}

// bare copies the fixture's repository into a new bare repository.
func (f *fixture) bare(tb testing.TB) string {
	tb.Helper()
	dir := filepath.Join(tb.TempDir(), "app.git")
	if err := os.CopyFS(dir, os.DirFS(filepath.Join(f.dir, ".git"))); err != nil {
		tb.Fatal(err)
	}
	repo, err := git.PlainOpen(dir)
	if err != nil {
		tb.Fatal(err)
	}
	cfg, err := repo.Config()
	if err != nil {
		tb.Fatal(err)
	}
	cfg.Core.IsBare = true
	if err := repo.SetConfig(cfg); err != nil {
		tb.Fatal(err)
	}
	return dir
}

// entry is one file of a zip as the tests compare it.
type entry struct {
	Name    string
	Mode    fs.FileMode
	Content string
}

// unzip lists a zip's entries in order.
func unzip(tb testing.TB, b []byte) []entry {
	tb.Helper()
	zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		tb.Fatal(err)
	}
	var out []entry
	for _, zf := range zr.File {
		rc, err := zf.Open()
		if err != nil {
			tb.Fatal(err)
		}
		content, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			tb.Fatal(err)
		}
		out = append(out, entry{zf.Name, zf.Mode(), string(content)})
	}
	return out
}

// mustHead is Head that fails the test on error.
func mustHead(tb testing.TB, r Repo, branch string) Commit {
	tb.Helper()
	c, err := Head(tb.Context(), r, branch)
	if err != nil {
		tb.Fatalf("Head(%s, %q): %v", r, branch, err)
	}
	return c
}
