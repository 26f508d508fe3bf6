package postgres

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/sluice-cd/sluice/internal/core"
	"github.com/sluice-cd/sluice/internal/store"
	"github.com/sluice-cd/sluice/internal/store/postgres/pgtest"
	"github.com/sluice-cd/sluice/internal/store/storetest"
)

// mustOpen opens a store on a fresh schema, closed when the test ends.
func mustOpen(t *testing.T) *Store {
	t.Helper()
	s, err := Open(context.Background(), pgtest.Schema(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestConformance(t *testing.T) {
	t.Parallel()
	pgtest.DSN(t)
	storetest.Exercise(t, func(t *testing.T) store.Store { return mustOpen(t) })
}

// Replicas starting at once on a fresh database all open it; the
// migrations run once, under the migration lock.
func TestOpenRace(t *testing.T) {
	t.Parallel()
	dsn := pgtest.Schema(t)
	ctx := context.Background()
	const replicas = 6
	stores := make([]*Store, replicas)
	errs := make([]error, replicas)
	var wg sync.WaitGroup
	for i := range replicas {
		wg.Go(func() { stores[i], errs[i] = Open(ctx, dsn) })
	}
	wg.Wait()
	for _, s := range stores {
		if s != nil {
			t.Cleanup(func() { s.Close() })
		}
	}
	if err := errors.Join(errs...); err != nil {
		t.Fatal(err)
	}
	var applied int
	if err := stores[0].pool.QueryRow(ctx, `SELECT COUNT(*) FROM schema_migrations`).Scan(&applied); err != nil {
		t.Fatal(err)
	}
	if ms, _ := loadMigrations(migrations); applied != len(ms) {
		t.Fatalf("%d migrations recorded, want %d", applied, len(ms))
	}
	scope := core.Scope{Account: "111111111111", Region: "us-east-1"}
	if _, err := stores[replicas-1].PipelineCount(ctx, scope); err != nil {
		t.Fatal(err)
	}
}

// InTx runs a transaction again after a serialization failure or a
// deadlock, and never after another error.
func TestInTxRetries(t *testing.T) {
	t.Parallel()
	s := mustOpen(t)
	ctx := context.Background()
	raise := func(tx store.Tx, code string) error {
		_, err := tx.(queries).db.Exec(ctx, fmt.Sprintf(`DO $$ BEGIN RAISE EXCEPTION 'lost' USING ERRCODE = '%s'; END $$`, code))
		return err
	}
	for _, code := range []string{codeSerializationFailure, codeDeadlockDetected} {
		attempts := 0
		err := s.InTx(ctx, func(tx store.Tx) error {
			if attempts++; attempts < 3 {
				return fmt.Errorf("wrapped: %w", raise(tx, code))
			}
			return nil
		})
		if err != nil || attempts != 3 {
			t.Fatalf("%s: %d attempts, %v; want 3 and success", code, attempts, err)
		}
	}
	attempts := 0
	err := s.InTx(ctx, func(tx store.Tx) error { attempts++; return raise(tx, codeSerializationFailure) })
	if !retryable(err) || attempts != txAttempts {
		t.Fatalf("endless failure: %d attempts, %v; want %d", attempts, err, txAttempts)
	}
	attempts = 0
	err = s.InTx(ctx, func(tx store.Tx) error { attempts++; return raise(tx, "P0001") })
	if err == nil || attempts != 1 {
		t.Fatalf("other error: %d attempts, %v; want 1", attempts, err)
	}
}
