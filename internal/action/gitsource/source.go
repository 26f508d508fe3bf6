package gitsource

import (
	"context"
	"errors"
	"fmt"

	git "github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/object"
)

// source is an opened repository, local or remote, that resolves branches
// and reads commits.
type source interface {
	// head is the commit a branch points at. Returns ErrBranchNotFound if
	// there is no such branch.
	head(name plumbing.ReferenceName, branch string) (plumbing.Hash, error)
	// commit reads a commit, with what its tree needs. Returns
	// ErrCommitNotFound if the repository does not have it.
	commit(ctx context.Context, id plumbing.Hash) (*object.Commit, error)
}

// open opens r: in place when local, by listing its references when remote.
func open(ctx context.Context, r Repo) (source, error) {
	loc, err := r.locate()
	if err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if loc.ep != nil {
		return advertise(ctx, r, loc.ep)
	}
	repo, err := openLocal(r, loc.dir)
	if err != nil {
		return nil, err
	}
	return &local{r: r, repo: repo}, nil
}

// local is a repository on this machine, read in place: nothing is copied.
type local struct {
	r    Repo
	repo *git.Repository
}

// openLocal opens the repository at dir: a working copy (with a .git
// directory, or the .git file of a linked worktree) or a bare repository.
func openLocal(r Repo, dir string) (*git.Repository, error) {
	repo, err := git.PlainOpenWithOptions(dir, &git.PlainOpenOptions{EnableDotGitCommonDir: true})
	if errors.Is(err, git.ErrRepositoryNotExists) {
		return nil, repositoryNotFound(r)
	}
	if err != nil {
		return nil, fmt.Errorf("gitsource: open repository %s: %w", r, err)
	}
	return repo, nil
}

func (l *local) head(name plumbing.ReferenceName, branch string) (plumbing.Hash, error) {
	ref, err := l.repo.Reference(name, true)
	if errors.Is(err, plumbing.ErrReferenceNotFound) {
		return plumbing.ZeroHash, branchNotFound(l.r, branch)
	}
	if err != nil {
		return plumbing.ZeroHash, fmt.Errorf("gitsource: read branch %q of %s: %w", branch, l.r, err)
	}
	return ref.Hash(), nil
}

func (l *local) commit(_ context.Context, id plumbing.Hash) (*object.Commit, error) {
	c, err := l.repo.CommitObject(id)
	if errors.Is(err, plumbing.ErrObjectNotFound) {
		return nil, commitNotFound(l.r, id)
	}
	if err != nil {
		return nil, fmt.Errorf("gitsource: read commit %s of %s: %w", id, l.r, err)
	}
	return c, nil
}
