// Package postgres is the storage driver for deployments that outgrow one
// SQLite file: several Sluice replicas share one PostgreSQL database. It
// keeps the SQLite driver's tables, documents and semantics; where the two
// differ it is because PostgreSQL has concurrent writers, which the SQLite
// driver never sees (row locks in PipelineLock, SKIP LOCKED in JobClaim,
// retried serialization failures in InTx).
package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/sluice-cd/sluice/internal/store"
)

// Store is a store.Store over a pool of PostgreSQL connections. Reads run
// on the pool; pgx prepares each statement once per connection and reuses
// it, as the SQLite driver does with its own statement cache.
type Store struct {
	queries
	pool *pgxpool.Pool
	// schema names the store's notification channels, and origin the
	// notifications it sends (notify.go).
	schema, origin string
}

var _ store.Store = (*Store)(nil)

// Open connects to the database at dsn (a URL or key=value string, with
// pgxpool's pool_* settings) and applies any migration it has not seen yet.
// Several replicas may open one database at once.
func Open(ctx context.Context, dsn string) (*Store, error) {
	pool, err := pgxpool.New(ctx, dsn)
	if err != nil {
		return nil, fmt.Errorf("open postgres: %w", err)
	}
	if err := migrate(ctx, pool, migrations); err != nil {
		pool.Close()
		return nil, err
	}
	schema, err := currentSchema(ctx, pool)
	if err != nil {
		pool.Close()
		return nil, err
	}
	return &Store{queries: queries{db: pool}, pool: pool, schema: schema, origin: newOrigin()}, nil
}

// Close closes every connection of the pool, waiting for those in use.
func (s *Store) Close() error {
	s.pool.Close()
	return nil
}

// txAttempts bounds how often InTx runs a transaction that keeps failing
// for a retryable reason.
const txAttempts = 5

// InTx runs fn in one READ COMMITTED transaction: every statement sees
// what was committed before it began, so what a transaction reads after
// PipelineLock includes everything the lock's previous holder wrote (a
// snapshot taken once, as REPEATABLE READ takes it, would not).
//
// fn runs again, after a short pause, when the transaction failed with a
// serialization failure or a deadlock: those say nothing about fn, only
// that another transaction got in its way. At READ COMMITTED PostgreSQL
// itself only reports deadlocks; databases that run every transaction
// SERIALIZABLE report serialization failures often.
func (s *Store) InTx(ctx context.Context, fn func(store.Tx) error) error {
	for attempt := 1; ; attempt++ {
		err := s.runTx(ctx, fn)
		if err == nil || attempt == txAttempts || !retryable(err) {
			return err
		}
		select {
		case <-ctx.Done():
			return err
		case <-time.After(time.Duration(attempt*attempt) * 5 * time.Millisecond):
		}
	}
}

func (s *Store) runTx(ctx context.Context, fn func(store.Tx) error) error {
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return fmt.Errorf("begin: %w", interpretError(err))
	}
	if err := fn(queries{db: tx}); err != nil {
		_ = tx.Rollback(ctx)
		return err
	}
	if err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("commit: %w", interpretError(err))
	}
	return nil
}

// SQLSTATE codes the driver acts on.
const (
	codeUniqueViolation      = "23505"
	codeSerializationFailure = "40001"
	codeDeadlockDetected     = "40P01"
)

// retryable tells whether a transaction failed only because a concurrent
// one won, so that running it again may succeed.
func retryable(err error) bool {
	var pe *pgconn.PgError
	if !errors.As(err, &pe) {
		return false
	}
	return pe.Code == codeSerializationFailure || pe.Code == codeDeadlockDetected
}

// interpretError turns PostgreSQL's errors into the store's sentinels. A
// conflict keeps the native error in its chain, so that InTx can still
// tell whether it is worth retrying.
func interpretError(err error) error {
	if errors.Is(err, pgx.ErrNoRows) {
		return store.ErrNotFound
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) && pe.Code == codeUniqueViolation {
		return fmt.Errorf("%w: %w", store.ErrConflict, err)
	}
	return err
}
