package gitsource

import (
	"context"
	"errors"
	"fmt"
	"slices"

	git "github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/config"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/object"
	"github.com/go-git/go-git/v5/plumbing/protocol/packp/capability"
	"github.com/go-git/go-git/v5/plumbing/transport"
	"github.com/go-git/go-git/v5/plumbing/transport/client"
	"github.com/go-git/go-git/v5/storage/memory"
)

// remote is a repository reached through its transport, as it advertised
// itself when opened: its references and what it can send.
type remote struct {
	r    Repo
	ep   *transport.Endpoint
	refs map[plumbing.ReferenceName]plumbing.Hash
	// shallow: the server sends a commit without its history.
	shallow bool
	// byID: the server sends any reachable commit asked for by id, not only
	// those a reference points at.
	byID bool
}

// advertise lists the references of a remote repository (ls-remote) and
// notes the server's capabilities, which decide how commits are fetched.
func advertise(ctx context.Context, r Repo, ep *transport.Endpoint) (*remote, error) {
	cl, err := client.NewClient(ep)
	if err != nil {
		return nil, fmt.Errorf("gitsource: %w", err)
	}
	s, err := cl.NewUploadPackSession(ep, r.auth(ep))
	if err != nil {
		return nil, reachError(r, err)
	}
	defer s.Close()
	rem := &remote{r: r, ep: ep, refs: map[plumbing.ReferenceName]plumbing.Hash{}}
	ar, err := s.AdvertisedReferencesContext(ctx)
	if errors.Is(err, transport.ErrEmptyRemoteRepository) {
		return rem, nil
	}
	if err != nil {
		return nil, reachError(r, err)
	}
	all, err := ar.AllReferences()
	if err != nil {
		return nil, fmt.Errorf("gitsource: references of %s: %w", r, err)
	}
	for name, ref := range all {
		if ref.Type() == plumbing.HashReference {
			rem.refs[name] = ref.Hash()
		}
	}
	rem.shallow = ar.Capabilities.Supports(capability.Shallow)
	rem.byID = ar.Capabilities.Supports(capability.AllowReachableSHA1InWant)
	return rem, nil
}

// reachError words a failure to talk to a repository.
func reachError(r Repo, err error) error {
	switch {
	case errors.Is(err, transport.ErrRepositoryNotFound):
		return repositoryNotFound(r)
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return err
	}
	return fmt.Errorf("gitsource: reach repository %s: %w", r, err)
}

func (m *remote) head(name plumbing.ReferenceName, branch string) (plumbing.Hash, error) {
	id, ok := m.refs[name]
	if !ok {
		return plumbing.ZeroHash, branchNotFound(m.r, branch)
	}
	return id, nil
}

// commit fetches commit id into memory. It asks for as little as the server
// allows: the commit alone (with its files) through a reference that points
// at it, or else by its id, and the whole history of every branch and tag
// only as the last resort. An attempt that fails or misses the commit (a
// branch moved meanwhile) falls through to the next.
func (m *remote) commit(ctx context.Context, id plumbing.Hash) (*object.Commit, error) {
	if len(m.refs) == 0 {
		return nil, commitNotFound(m.r, id)
	}
	var err error
	for _, a := range m.attempts(id) {
		st := memory.NewStorage()
		if err = m.fetch(ctx, st, a); err != nil {
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			continue
		}
		if c, cerr := object.GetCommit(st, id); cerr == nil {
			return c, nil
		}
	}
	if err != nil {
		return nil, reachError(m.r, err)
	}
	return nil, commitNotFound(m.r, id)
}

// attempt is one fetch: what to ask for and how deep.
type attempt struct {
	specs []config.RefSpec
	depth int
}

// attempts lists the fetches commit tries, cheapest first; the last one,
// every branch and tag in full, always comes.
func (m *remote) attempts(id plumbing.Hash) []attempt {
	depth := 0
	if m.shallow {
		depth = 1
	}
	var list []attempt
	if name, ok := m.refTo(id); ok {
		spec := config.RefSpec("+" + name.String() + ":" + name.String())
		list = append(list, attempt{[]config.RefSpec{spec}, depth})
	} else if m.byID {
		spec := config.RefSpec(id.String() + ":refs/heads/wanted")
		list = append(list, attempt{[]config.RefSpec{spec}, depth})
	}
	all := []config.RefSpec{"+refs/heads/*:refs/heads/*", "+refs/tags/*:refs/tags/*"}
	return append(list, attempt{all, 0})
}

// refTo is a reference that points at id, the first by name so fetches are
// the same from one call to the next.
func (m *remote) refTo(id plumbing.Hash) (plumbing.ReferenceName, bool) {
	var names []plumbing.ReferenceName
	for name, h := range m.refs {
		if h == id && (name.IsBranch() || name.IsTag()) {
			names = append(names, name)
		}
	}
	if len(names) == 0 {
		return "", false
	}
	return slices.Min(names), true
}

// fetch runs one attempt into st.
func (m *remote) fetch(ctx context.Context, st *memory.Storage, a attempt) error {
	rem := git.NewRemote(st, &config.RemoteConfig{Name: "origin", URLs: []string{m.r.URL}})
	err := rem.FetchContext(ctx, &git.FetchOptions{
		RefSpecs: a.specs,
		Depth:    a.depth,
		Auth:     m.r.auth(m.ep),
		Tags:     git.NoTags,
	})
	if errors.Is(err, git.NoErrAlreadyUpToDate) {
		return nil
	}
	return err
}
