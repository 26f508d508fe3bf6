// Package catalog serves the definition half of the CodePipeline API: what
// is declared rather than what runs. It holds pipelines and their versions,
// custom action types beside the built-in catalogue, tags and webhooks.
//
// Its methods take and return the wire shapes of the operations: those
// shapes are CodePipeline's own vocabulary for declarations, so a second
// copy of them would only add conversions. Storage speaks core records with
// the declarations as JSON documents.
package catalog

import (
	"context"
	"errors"

	"github.com/sluice-cd/sluice/internal/core"
	"github.com/sluice-cd/sluice/internal/store"
)

// Quotas of CodePipeline that Sluice keeps (behaviour §11).
const (
	maxPipelines   = 1000
	maxWebhooks    = 300
	maxCustomTypes = 50
	maxTags        = 50
)

// Service implements the definition operations.
type Service struct {
	Store store.Store
	Clock core.Clock
	// PublicURL is the base URL webhook URLs are issued under.
	PublicURL string
	// Runner, when set, runs pipelines: it hears of created and updated
	// pipelines inside the transaction that stores them.
	Runner Runner
}

// Runner is told of pipeline changes inside their transaction, so that a
// change and what it starts or cancels commit together. The func it
// returns runs once the transaction committed.
type Runner interface {
	PipelineCreated(ctx context.Context, tx store.Tx, p *core.Pipeline) (func(), error)
	PipelineUpdated(ctx context.Context, tx store.Tx, p *core.Pipeline) (func(), error)
}

// noop is the after-commit func when there is no runner.
func noop() {}

// conflict maps a store conflict to the modeled concurrent-modification
// error and passes anything else on.
func conflict(err error, what string) error {
	if errors.Is(err, store.ErrConflict) {
		return core.Errorf(core.ConcurrentModification, "%s was changed by another request; try again", what)
	}
	return err
}
