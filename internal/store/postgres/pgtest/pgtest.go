// Package pgtest gives tests a PostgreSQL database of their own: a fresh
// schema on the server named by SLUICE_TEST_POSTGRES (default the local
// one), dropped when the test ends. Without a server the test skips, or
// fails when SLUICE_REQUIRE_POSTGRES=1.
package pgtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
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

// DSN returns the test server's DSN. Without a server the test skips,
// or fails when SLUICE_REQUIRE_POSTGRES=1 (as CI sets it, so that a missing
// server cannot pass unnoticed).
func DSN(t testing.TB) string {
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

// Schema creates an empty schema, dropped when the test ends, and
// returns a DSN whose connections work in it: tests run in parallel on one
// database without seeing each other's tables.
func Schema(t testing.TB) string {
	t.Helper()
	dsn := DSN(t)
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
