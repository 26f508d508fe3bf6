package gitsource

import (
	"context"
	"fmt"
	"io"
	"strings"

	git "github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/format/packfile"
	"github.com/go-git/go-git/v5/plumbing/revlist"
	"github.com/go-git/go-git/v5/plumbing/storer"
	"github.com/go-git/go-git/v5/utils/ioutil"
)

// packWindow is how many objects the pack encoder compares when looking for
// deltas, as git servers do by default: smaller packs for a little more work.
const packWindow = 10

// copyLocal does what a fetch from the local repository at dir would do,
// without the file transport (which runs a git program): every object its
// branches and tags reach is copied into dst as one pack, its branches
// become origin's remote-tracking branches and its tags dst's own.
func copyLocal(ctx context.Context, r Repo, dir string, dst *git.Repository) error {
	src, err := openLocal(r, dir)
	if err != nil {
		return err
	}
	refs, err := originRefs(src)
	if err != nil {
		return fmt.Errorf("gitsource: references of %s: %w", r, err)
	}
	tips := make([]plumbing.Hash, len(refs))
	for i, ref := range refs {
		tips[i] = ref.Hash()
	}
	if err := copyObjects(ctx, src.Storer, dst.Storer, tips); err != nil {
		return fmt.Errorf("gitsource: copy objects of %s: %w", r, err)
	}
	for _, ref := range refs {
		if err := dst.Storer.SetReference(ref); err != nil {
			return fmt.Errorf("gitsource: set %s: %w", ref.Name(), err)
		}
	}
	return nil
}

// originRefs are src's branches renamed as origin's and its tags as they are.
func originRefs(src *git.Repository) ([]*plumbing.Reference, error) {
	iter, err := src.References()
	if err != nil {
		return nil, err
	}
	var refs []*plumbing.Reference
	err = iter.ForEach(func(ref *plumbing.Reference) error {
		name := ref.Name()
		switch {
		case ref.Type() != plumbing.HashReference:
		case name.IsBranch():
			remote := plumbing.NewRemoteReferenceName(git.DefaultRemoteName, name.Short())
			refs = append(refs, plumbing.NewHashReference(remote, ref.Hash()))
		case name.IsTag() && !strings.HasSuffix(name.String(), "^{}"):
			refs = append(refs, ref)
		}
		return nil
	})
	return refs, err
}

// copyObjects writes what tips reach in from as one pack into to.
func copyObjects(ctx context.Context, from storer.EncodedObjectStorer, to storer.Storer, tips []plumbing.Hash) error {
	hashes, err := revlist.Objects(from, tips, nil)
	if err != nil || len(hashes) == 0 {
		return err
	}
	pr, pw := io.Pipe()
	go func() {
		_, err := packfile.NewEncoder(pw, from, false).Encode(hashes, packWindow)
		pw.CloseWithError(err)
	}()
	err = packfile.UpdateObjectStorage(to, ioutil.NewContextReader(ctx, pr))
	// Closing the reader ends the encoder should the write have stopped early.
	pr.CloseWithError(err)
	return err
}
