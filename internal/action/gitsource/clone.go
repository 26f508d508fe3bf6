package gitsource

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"

	git "github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/config"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/transport"
)

// Clone makes dir a full clone of r checked out at ref's commit, on ref's
// branch: a .git directory holding every branch of r (as origin's
// remote-tracking branches) and every tag, a local branch ref.Branch at
// ref.Commit that tracks origin's, HEAD on it, and the commit's files in the
// working tree. The remote origin is r's location without credentials.
//
// r says where to fetch from and ref what to check out. The build action
// reads ref from an artifact, so it should resolve r from its own
// configuration (by ref.Repository or ref.URL) rather than fetch from
// whatever ref.URL says.
//
// dir must be absent or empty; when Clone fails its content is undefined.
// Returns ErrCommitNotFound if r does not have the commit (history was
// rewritten since the reference was written); other errors are Head's.
func Clone(ctx context.Context, r Repo, ref CloneRef, dir string) error {
	if err := ref.validate(); err != nil {
		return err
	}
	loc, err := r.locate()
	if err != nil {
		return err
	}
	repo, err := initClone(r, dir)
	if err != nil {
		return err
	}
	if loc.ep != nil {
		err = fetchAll(ctx, r, loc.ep, repo)
	} else {
		err = copyLocal(ctx, r, loc.dir, repo)
	}
	if err != nil {
		return err
	}
	return checkout(r, repo, ref)
}

// initClone creates an empty repository in dir with r as its origin.
func initClone(r Repo, dir string) (*git.Repository, error) {
	entries, err := os.ReadDir(dir)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("gitsource: clone into %s: %w", dir, err)
	}
	if len(entries) > 0 {
		return nil, fmt.Errorf("gitsource: clone into %s: directory is not empty", dir)
	}
	repo, err := git.PlainInit(dir, false)
	if err != nil {
		return nil, fmt.Errorf("gitsource: clone into %s: %w", dir, err)
	}
	_, err = repo.CreateRemote(&config.RemoteConfig{Name: git.DefaultRemoteName, URLs: []string{r.String()}})
	if err != nil {
		return nil, fmt.Errorf("gitsource: clone into %s: %w", dir, err)
	}
	return repo, nil
}

// fetchAll fetches every branch and tag of a remote repository. It fetches
// from r.URL itself: origin's recorded URL has its credentials removed.
func fetchAll(ctx context.Context, r Repo, ep *transport.Endpoint, repo *git.Repository) error {
	err := repo.FetchContext(ctx, &git.FetchOptions{
		RemoteName: git.DefaultRemoteName,
		RemoteURL:  r.URL,
		Auth:       r.auth(ep),
		Tags:       git.AllTags,
	})
	if err == nil || errors.Is(err, git.NoErrAlreadyUpToDate) || errors.Is(err, transport.ErrEmptyRemoteRepository) {
		return nil
	}
	return reachError(r, err)
}

// checkout puts the local branch at the commit, HEAD on the branch and the
// commit's files in the working tree.
func checkout(r Repo, repo *git.Repository, ref CloneRef) error {
	id := plumbing.NewHash(ref.Commit)
	name := plumbing.NewBranchReferenceName(ref.Branch)
	if _, err := repo.CommitObject(id); errors.Is(err, plumbing.ErrObjectNotFound) {
		return commitNotFound(r, id)
	} else if err != nil {
		return fmt.Errorf("gitsource: read commit %s: %w", id, err)
	}
	err := repo.CreateBranch(&config.Branch{Name: ref.Branch, Remote: git.DefaultRemoteName, Merge: name})
	if err != nil {
		return fmt.Errorf("gitsource: create branch %q: %w", ref.Branch, err)
	}
	for _, set := range []*plumbing.Reference{
		plumbing.NewHashReference(name, id),
		plumbing.NewSymbolicReference(plumbing.HEAD, name),
	} {
		if err := repo.Storer.SetReference(set); err != nil {
			return fmt.Errorf("gitsource: set %s: %w", set.Name(), err)
		}
	}
	wt, err := repo.Worktree()
	if err != nil {
		return err
	}
	if err := wt.Reset(&git.ResetOptions{Commit: id, Mode: git.HardReset}); err != nil {
		return fmt.Errorf("gitsource: check out commit %s: %w", id, err)
	}
	return nil
}
