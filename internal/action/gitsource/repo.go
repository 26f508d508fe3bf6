package gitsource

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/object"
	"github.com/go-git/go-git/v5/plumbing/transport"
	githttp "github.com/go-git/go-git/v5/plumbing/transport/http"
)

// Errors returned (wrapped, with the branch, commit or repository named in the
// message) when the repository lacks what was asked for. Callers match them
// with errors.Is to word the action's failure as CodePipeline does.
var (
	ErrBranchNotFound     = errors.New("branch not found")
	ErrCommitNotFound     = errors.New("commit not found")
	ErrRepositoryNotFound = errors.New("repository not found")
)

// Repo is a repository location from the server's configuration, with the
// credentials to reach it.
type Repo struct {
	// URL is a local directory path, a file:// URL, or an https, http, ssh or
	// git URL.
	URL string
	// Username and Token authenticate over https and http (basic
	// authentication). Username defaults to "git" when only Token is set.
	// Other protocols ignore both: ssh uses the process's agent.
	Username string
	Token    string
}

// String is the location without any credentials the URL carries, for
// messages and artifacts.
func (r Repo) String() string { return redact(r.URL) }

// Commit describes a commit as the source actions report it.
type Commit struct {
	ID        string    // full hexadecimal object id
	Message   string    // as stored, usually ending in a newline
	Author    string    // "Name <email>", as git prints it
	When      time.Time // the author's date
	Committed time.Time // the committer's date
}

// newCommit describes c.
func newCommit(c *object.Commit) Commit {
	return Commit{
		ID:        c.Hash.String(),
		Message:   c.Message,
		Author:    c.Author.String(),
		When:      c.Author.When,
		Committed: c.Committer.When,
	}
}

// location is a Repo resolved: exactly one of dir (a local repository,
// opened in place) and ep (a remote one, reached through its transport).
type location struct {
	dir string
	ep  *transport.Endpoint
}

// locate parses the URL. The file transport is never used: it would run a
// git program, so local repositories are opened directly instead.
func (r Repo) locate() (location, error) {
	if r.URL == "" {
		return location{}, errors.New("gitsource: empty repository location")
	}
	if strings.HasPrefix(r.URL, "-") {
		return location{}, fmt.Errorf("gitsource: refusing repository location %q: it looks like an option", r.URL)
	}
	ep, err := transport.NewEndpoint(r.URL)
	if err != nil {
		return location{}, fmt.Errorf("gitsource: repository location %s: %w", r, err)
	}
	switch ep.Protocol {
	case "file":
		return location{dir: ep.Path}, nil
	case "https", "http", "ssh", "git":
		return location{ep: ep}, nil
	}
	return location{}, fmt.Errorf("gitsource: repository location %s: unsupported protocol %q", r, ep.Protocol)
}

// auth is the authentication for ep, or nil to let the transport choose
// (credentials in the URL, the ssh agent).
func (r Repo) auth(ep *transport.Endpoint) transport.AuthMethod {
	if r.Token == "" || (ep.Protocol != "https" && ep.Protocol != "http") {
		return nil
	}
	user := r.Username
	if user == "" {
		user = "git"
	}
	return &githttp.BasicAuth{Username: user, Password: r.Token}
}

// redact removes the user information from a URL. Paths and scp-like
// addresses ("git@host:repo") carry no password and come back unchanged.
func redact(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.User == nil || u.Host == "" {
		return raw
	}
	u.User = nil
	return u.String()
}

// branchRef is the reference of a branch name, refused when git would refuse
// it, so a name never reaches the repository as something else.
func branchRef(branch string) (plumbing.ReferenceName, error) {
	name := plumbing.NewBranchReferenceName(branch)
	if branch == "" || strings.HasPrefix(branch, "-") || name.Validate() != nil {
		return "", fmt.Errorf("gitsource: invalid branch name %q", branch)
	}
	return name, nil
}

// commitHash parses a full commit id; abbreviations are refused because
// they could name different commits over time.
func commitHash(id string) (plumbing.Hash, error) {
	if len(id) != 40 || !plumbing.IsHash(id) {
		return plumbing.ZeroHash, fmt.Errorf("gitsource: %q is not a full commit id", id)
	}
	return plumbing.NewHash(id), nil
}

// notFound is an error with its own message that matches one of the
// package's sentinels.
type notFound struct {
	msg  string
	kind error
}

func (e *notFound) Error() string { return e.msg }
func (e *notFound) Unwrap() error { return e.kind }

func branchNotFound(r Repo, branch string) error {
	return &notFound{fmt.Sprintf("branch %q does not exist in repository %s", branch, r), ErrBranchNotFound}
}

func commitNotFound(r Repo, id plumbing.Hash) error {
	return &notFound{fmt.Sprintf("commit %s does not exist in repository %s", id, r), ErrCommitNotFound}
}

func repositoryNotFound(r Repo) error {
	return &notFound{fmt.Sprintf("repository %s does not exist", r), ErrRepositoryNotFound}
}
