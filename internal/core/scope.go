package core

import (
	"context"
	"errors"
	"fmt"
)

// DefaultAccount is the account of requests whose access key id is not an
// account id, when the server runs without configured credentials.
const DefaultAccount = "000000000000"

// Scope is the (account, region) pair every resource belongs to. One scope
// never sees another's pipelines, action types, tags or webhooks.
type Scope struct {
	Account string
	Region  string
}

// ARN builds an ARN of the codepipeline namespace in this scope.
func (s Scope) ARN(resource string) string {
	return fmt.Sprintf("arn:aws:codepipeline:%s:%s:%s", s.Region, s.Account, resource)
}

type scopeKey struct{}

// WithScope returns a context that carries the caller's scope.
func WithScope(ctx context.Context, s Scope) context.Context {
	return context.WithValue(ctx, scopeKey{}, s)
}

// ScopeFrom returns the scope the authentication layer put in ctx.
func ScopeFrom(ctx context.Context) (Scope, bool) {
	s, ok := ctx.Value(scopeKey{}).(Scope)
	return s, ok
}

// ScopeOf returns the caller's scope, which the API layer always sets; a
// context without one is a wiring error, not a caller's.
func ScopeOf(ctx context.Context) (Scope, error) {
	s, ok := ScopeFrom(ctx)
	if !ok {
		return Scope{}, errors.New("request without a scope")
	}
	return s, nil
}
