// Package store defines the storage seam of Sluice: the interfaces its
// services need from a database, and the errors every driver translates its
// native errors into. Drivers live in subpackages (sqlite, and later
// postgres); storetest holds the conformance suite each driver must pass.
package store

import (
	"context"
	"errors"
	"time"

	"github.com/sluice-cd/sluice/internal/core"
)

// Errors every driver returns instead of its native ones.
var (
	// ErrNotFound: the row asked for does not exist.
	ErrNotFound = errors.New("store: not found")
	// ErrConflict: a unique key already exists, or a guarded update found
	// the row changed since it was read.
	ErrConflict = errors.New("store: conflict")
)

// Page asks for the rows after a key, in key order.
type Page struct {
	After string // exclusive lower bound; "" starts at the beginning
	Limit int    // at most this many rows; must be > 0
}

// Reader holds the queries that read. Every method is safe for concurrent use.
type Reader interface {
	ExecutionReader
	BucketReader

	// PipelineGet returns a version of a pipeline, the latest when version
	// is 0. ErrNotFound when the pipeline or that version does not exist.
	PipelineGet(ctx context.Context, scope core.Scope, name string, version int) (*core.Pipeline, error)
	// PipelineList returns the latest version of pipelines ordered by name.
	// Declarations are left empty.
	PipelineList(ctx context.Context, scope core.Scope, page Page) ([]*core.Pipeline, error)
	// PipelineScopes returns every scope that has a pipeline, for work that
	// spans accounts and regions (change detection).
	PipelineScopes(ctx context.Context) ([]core.Scope, error)
	// PipelineCount counts the pipelines of a scope.
	PipelineCount(ctx context.Context, scope core.Scope) (int, error)

	// ActionTypeGet returns a custom action type, deleted or not.
	// ErrNotFound when it was never created.
	ActionTypeGet(ctx context.Context, scope core.Scope, id core.ActionTypeID) (*core.ActionType, error)
	// ActionTypeList returns every custom action type of a scope, deleted
	// ones included, ordered by owner, category, provider and version.
	ActionTypeList(ctx context.Context, scope core.Scope) ([]*core.ActionType, error)

	// TagList returns the tags of a resource, empty when it has none.
	TagList(ctx context.Context, scope core.Scope, arn string) (map[string]string, error)

	// WebhookGet returns a webhook by name; ErrNotFound when absent.
	WebhookGet(ctx context.Context, scope core.Scope, name string) (*core.Webhook, error)
	// WebhookByToken returns the webhook, of any scope, whose URL carries
	// the token t; ErrNotFound when none does.
	WebhookByToken(ctx context.Context, token string) (*core.Webhook, error)
	// WebhookList returns webhooks ordered by name.
	WebhookList(ctx context.Context, scope core.Scope, page Page) ([]*core.Webhook, error)
}

// Tx holds the queries of one write transaction, reads included.
type Tx interface {
	Reader
	ExecutionTx
	BucketTx

	// PipelineCreate stores version 1 of a new pipeline.
	// ErrConflict when the name is taken in the scope.
	PipelineCreate(ctx context.Context, p *core.Pipeline) error
	// PipelineAddVersion stores p as the next version of an existing
	// pipeline when its latest version is still p.Version-1.
	// ErrNotFound when absent, ErrConflict when the version moved.
	PipelineAddVersion(ctx context.Context, p *core.Pipeline) error
	// PipelineDelete removes a pipeline with all its versions and tags,
	// and everything it ran: executions, stage and action runs, jobs,
	// transitions and seen revisions. ErrNotFound when absent.
	PipelineDelete(ctx context.Context, scope core.Scope, name string) error

	// ActionTypeCreate stores a new custom action type.
	// ErrConflict when the id exists, deleted or not.
	ActionTypeCreate(ctx context.Context, t *core.ActionType) error
	// ActionTypeUpdate replaces the definition of a live action type.
	// ErrNotFound when absent or deleted.
	ActionTypeUpdate(ctx context.Context, t *core.ActionType) error
	// ActionTypeMarkDeleted marks a live action type deleted and removes its
	// tags. ErrNotFound when absent or already deleted.
	ActionTypeMarkDeleted(ctx context.Context, scope core.Scope, id core.ActionTypeID, at time.Time) error

	// ActionTypeRestore marks a deleted action type live again, for the one
	// way a deleted id comes back: re-creating it identically (J-1.2).
	// ErrNotFound when absent or live.
	ActionTypeRestore(ctx context.Context, scope core.Scope, id core.ActionTypeID, at time.Time) error

	// TagPut sets tags on a resource, replacing values of existing keys.
	TagPut(ctx context.Context, scope core.Scope, arn string, tags map[string]string) error
	// TagDelete removes the named keys of a resource; absent keys are ignored.
	TagDelete(ctx context.Context, scope core.Scope, arn string, keys []string) error

	// WebhookPut creates or replaces a webhook by name.
	WebhookPut(ctx context.Context, w *core.Webhook) error
	// WebhookDelete removes a webhook and its tags. ErrNotFound when absent.
	WebhookDelete(ctx context.Context, scope core.Scope, name string) error
}

// Store is a database. Reads outside a transaction see committed data.
type Store interface {
	Reader
	// InTx runs fn in one write transaction, committed when fn returns nil
	// and rolled back otherwise. fn may run again when the driver reports a
	// retryable conflict, so it must not have side effects outside tx.
	InTx(ctx context.Context, fn func(tx Tx) error) error
	// Close releases the database.
	Close() error
}
