package gitsource

import (
	"context"
)

// Head is the commit branch points at, with its message and author.
//
// On a local repository it reads one reference and one commit in place. On a
// remote one it lists the references and then fetches the commit, files
// included, since the protocol has no cheaper way to read a message; a poller
// that only compares ids should use HeadID.
//
// Returns ErrBranchNotFound if the repository has no such branch (an empty
// repository has none), ErrRepositoryNotFound if there is no repository at
// r, and an error naming r if it cannot be reached.
func Head(ctx context.Context, r Repo, branch string) (Commit, error) {
	name, err := branchRef(branch)
	if err != nil {
		return Commit{}, err
	}
	src, err := open(ctx, r)
	if err != nil {
		return Commit{}, err
	}
	id, err := src.head(name, branch)
	if err != nil {
		return Commit{}, err
	}
	c, err := src.commit(ctx, id)
	if err != nil {
		return Commit{}, err
	}
	return newCommit(c), nil
}

// HeadID is the id of the commit branch points at: one reference read on a
// local repository, one listing of references on a remote one. It is what a
// poller compares from one poll to the next. Errors are Head's.
func HeadID(ctx context.Context, r Repo, branch string) (string, error) {
	name, err := branchRef(branch)
	if err != nil {
		return "", err
	}
	src, err := open(ctx, r)
	if err != nil {
		return "", err
	}
	id, err := src.head(name, branch)
	if err != nil {
		return "", err
	}
	return id.String(), nil
}
