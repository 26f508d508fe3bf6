package gitsource

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestHead(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	bare := f.bare(t)
	for _, r := range []Repo{
		{URL: f.dir},
		{URL: "file://" + f.dir},
		{URL: bare},
		{URL: "file://" + bare},
	} {
		got := mustHead(t, r, "main")
		want := Commit{
			ID:        f.second.String(),
			Message:   "Second commit\n",
			Author:    "Ada <ada@example.com>",
			When:      fixtureTime.Add(time.Minute),
			Committed: fixtureTime.Add(time.Minute),
		}
		if !sameCommit(got, want) {
			t.Fatalf("Head(%s, main) = %+v, want %+v", r, got, want)
		}
		if got := mustHead(t, r, "feature"); got.ID != f.feat.String() || got.Message != "Feature commit\n" {
			t.Fatalf("Head(%s, feature) = %+v, want %s", r, got, f.feat)
		}
		id, err := HeadID(t.Context(), r, "feature")
		if err != nil || id != f.feat.String() {
			t.Fatalf("HeadID(%s, feature) = %q, %v; want %s", r, id, err, f.feat)
		}
	}
}

// sameCommit compares commits with times compared as instants.
func sameCommit(a, b Commit) bool {
	return a.ID == b.ID && a.Message == b.Message && a.Author == b.Author &&
		a.When.Equal(b.When) && a.Committed.Equal(b.Committed)
}

func TestHeadFollowsNewCommits(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	r := Repo{URL: f.dir}
	f.write(t, "new.txt", "new\n", 0o644)
	third := f.commit(t, "Third commit\n")
	if got := mustHead(t, r, "main"); got.ID != third.String() || got.Message != "Third commit\n" {
		t.Fatalf("Head after a commit = %+v, want %s", got, third)
	}
}

func TestHeadBranchNotFound(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	for _, r := range []Repo{{URL: f.dir}, {URL: f.bare(t)}} {
		_, err := Head(t.Context(), r, "nope")
		if !errors.Is(err, ErrBranchNotFound) {
			t.Fatalf("Head(nope) error = %v, want ErrBranchNotFound", err)
		}
		if want := `branch "nope" does not exist in repository ` + r.URL; err.Error() != want {
			t.Fatalf("message = %q, want %q", err, want)
		}
		if _, err := HeadID(t.Context(), r, "nope"); !errors.Is(err, ErrBranchNotFound) {
			t.Fatalf("HeadID(nope) error = %v, want ErrBranchNotFound", err)
		}
	}
}

func TestHeadEmptyRepository(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	if err := f.repo.Storer.RemoveReference("refs/heads/main"); err != nil {
		t.Fatal(err)
	}
	if _, err := Head(t.Context(), Repo{URL: f.dir}, "main"); !errors.Is(err, ErrBranchNotFound) {
		t.Fatalf("error = %v, want ErrBranchNotFound", err)
	}
}

func TestHeadRepositoryNotFound(t *testing.T) {
	t.Parallel()
	for _, dir := range []string{t.TempDir(), filepath.Join(t.TempDir(), "missing")} {
		_, err := Head(t.Context(), Repo{URL: dir}, "main")
		if !errors.Is(err, ErrRepositoryNotFound) || !strings.Contains(err.Error(), dir) {
			t.Fatalf("Head(%s) error = %v, want ErrRepositoryNotFound naming it", dir, err)
		}
	}
}

func TestHeadCancelled(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if _, err := Head(ctx, Repo{URL: f.dir}, "main"); !errors.Is(err, context.Canceled) {
		t.Fatalf("error = %v, want context.Canceled", err)
	}
}

func TestHeadInvalidInput(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	cases := []struct {
		name, url, branch, want string
	}{
		{"EmptyBranch", f.dir, "", `invalid branch name ""`},
		{"OptionBranch", f.dir, "-x", `invalid branch name "-x"`},
		{"DotsBranch", f.dir, "a..b", `invalid branch name "a..b"`},
		{"EmptyURL", "", "main", "empty repository location"},
		{"OptionURL", "--upload-pack=touch", "main", "looks like an option"},
		{"Protocol", "ftp://example.com/app.git", "main", `unsupported protocol "ftp"`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			_, err := Head(t.Context(), Repo{URL: c.url}, c.branch)
			if err == nil || !strings.Contains(err.Error(), c.want) || errors.Is(err, ErrBranchNotFound) {
				t.Fatalf("error = %v, want one containing %q", err, c.want)
			}
		})
	}
}

func TestRepoString(t *testing.T) {
	t.Parallel()
	cases := []struct{ url, want string }{
		{"https://user:secret@git.example.com/app.git", "https://git.example.com/app.git"},
		{"https://git.example.com/app.git", "https://git.example.com/app.git"},
		{"git@git.example.com:app.git", "git@git.example.com:app.git"},
		{"/srv/git/app", "/srv/git/app"},
		{"file:///srv/git/app", "file:///srv/git/app"},
	}
	for _, c := range cases {
		if got := (Repo{URL: c.url}).String(); got != c.want {
			t.Fatalf("Repo{%q}.String() = %q, want %q", c.url, got, c.want)
		}
	}
}
