package sigv4

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"
)

// Credential is a secret the server knows.
type Credential struct {
	AccessKeyID     string
	SecretAccessKey string
	// SessionToken is non-empty for temporary credentials: requests signed
	// with them must carry the same X-Amz-Security-Token.
	SessionToken string
	// Account is the 12-digit account id the key belongs to.
	Account string
	// Expires is when a temporary credential stops working; zero means never.
	Expires time.Time
}

// validate reports what makes c unusable, so a typo in configuration fails at
// startup rather than as a confusing signature mismatch later.
func (c Credential) validate() error {
	switch {
	case c.AccessKeyID == "":
		return errors.New("access key id is empty")
	case c.SecretAccessKey == "":
		return fmt.Errorf("access key %q has an empty secret", c.AccessKeyID)
	case !isAccountID(c.Account):
		return fmt.Errorf("access key %q: account id %q is not 12 digits", c.AccessKeyID, c.Account)
	}
	return nil
}

// isAccountID reports whether s is a 12-digit AWS account id.
func isAccountID(s string) bool {
	if len(s) != 12 {
		return false
	}
	for i := range len(s) {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// Credentials finds a credential by access key id.
//
// Lookup returns ok=false when the key is unknown, and an error only when the
// store itself fails; Verify treats such an error as internal. Implementations
// must allow concurrent calls: the server verifies requests in parallel.
type Credentials interface {
	Lookup(ctx context.Context, accessKeyID string) (c Credential, ok bool, err error)
}

// Static is an in-memory Credentials. The zero value is empty and ready to
// use; it is safe for concurrent use.
type Static struct {
	mu   sync.RWMutex
	keys map[string]Credential
}

var _ Credentials = (*Static)(nil)

// NewStatic returns a Static holding creds, or the first validation error.
func NewStatic(creds ...Credential) (*Static, error) {
	s := &Static{}
	for _, c := range creds {
		if err := s.Add(c); err != nil {
			return nil, err
		}
	}
	return s, nil
}

// Add stores c, replacing any credential with the same access key id. It
// returns an error when c has no key id or secret or a malformed account.
func (s *Static) Add(c Credential) error {
	if err := c.validate(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.keys == nil {
		s.keys = make(map[string]Credential)
	}
	s.keys[c.AccessKeyID] = c
	return nil
}

// Remove forgets the credential with the given access key id, if any.
func (s *Static) Remove(accessKeyID string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.keys, accessKeyID)
}

// Len returns the number of credentials held.
func (s *Static) Len() int {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return len(s.keys)
}

// Lookup implements Credentials. It never returns an error.
func (s *Static) Lookup(_ context.Context, accessKeyID string) (Credential, bool, error) {
	s.mu.RLock()
	c, ok := s.keys[accessKeyID]
	s.mu.RUnlock()
	return c, ok, nil
}
