package postgres

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/sluice-cd/sluice/internal/core"
	"github.com/sluice-cd/sluice/internal/store"
	"github.com/sluice-cd/sluice/internal/store/storetest"
)

// defaultTestDSN is the server the tests use when SLUICE_TEST_POSTGRES is unset.
const defaultTestDSN = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"

// reachable pings the test server once for the whole run.
var reachable = sync.OnceValues(func() (string, error) {
	dsn := os.Getenv("SLUICE_TEST_POSTGRES")
	if dsn == "" {
		dsn = defaultTestDSN
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		return dsn, err
	}
	defer conn.Close(ctx)
	return dsn, conn.Ping(ctx)
})

// testDSN returns the test server's DSN. Without a server the test skips,
// or fails when SLUICE_REQUIRE_POSTGRES=1 (as CI sets it, so that a missing
// server cannot pass unnoticed).
func testDSN(t *testing.T) string {
	t.Helper()
	dsn, err := reachable()
	if err != nil {
		msg := fmt.Sprintf("PostgreSQL not reachable at %s (%v); set SLUICE_TEST_POSTGRES", redact(dsn), err)
		if os.Getenv("SLUICE_REQUIRE_POSTGRES") == "1" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	return dsn
}

// redact hides a password a DSN URL may hold.
func redact(dsn string) string {
	if u, err := url.Parse(dsn); err == nil && u.Scheme != "" {
		return u.Redacted()
	}
	return "the DSN of SLUICE_TEST_POSTGRES"
}

// freshSchema creates an empty schema, dropped when the test ends, and
// returns a DSN whose connections work in it: tests run in parallel on one
// database without seeing each other's tables.
func freshSchema(t *testing.T) string {
	t.Helper()
	dsn := testDSN(t)
	b := make([]byte, 8)
	rand.Read(b)
	schema := "test_" + hex.EncodeToString(b)
	ctx := context.Background()
	admin := func(sql string) error {
		conn, err := pgx.Connect(ctx, dsn)
		if err != nil {
			return err
		}
		defer conn.Close(ctx)
		_, err = conn.Exec(ctx, fmt.Sprintf(sql, pgx.Identifier{schema}.Sanitize()))
		return err
	}
	if err := admin(`CREATE SCHEMA %s`); err != nil {
		t.Fatalf("create schema: %v", err)
	}
	t.Cleanup(func() {
		if err := admin(`DROP SCHEMA %s CASCADE`); err != nil {
			t.Errorf("drop schema %s: %v", schema, err)
		}
	})
	return withSearchPath(dsn, schema)
}

// withSearchPath adds a search_path setting to a DSN of either form.
func withSearchPath(dsn, schema string) string {
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		sep := "?"
		if strings.Contains(dsn, "?") {
			sep = "&"
		}
		return dsn + sep + "search_path=" + url.QueryEscape(schema)
	}
	return dsn + " search_path=" + schema
}

// mustOpen opens a store on a fresh schema, closed when the test ends.
func mustOpen(t *testing.T) *Store {
	t.Helper()
	s, err := Open(context.Background(), freshSchema(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestConformance(t *testing.T) {
	t.Parallel()
	testDSN(t)
	storetest.Exercise(t, func(t *testing.T) store.Store { return mustOpen(t) })
}

// Replicas starting at once on a fresh database all open it; the
// migrations run once, under the migration lock.
func TestOpenRace(t *testing.T) {
	t.Parallel()
	dsn := freshSchema(t)
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
