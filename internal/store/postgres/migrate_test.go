package postgres

import (
	"context"
	"github.com/sluice-cd/sluice/internal/store/postgres/pgtest"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/jackc/pgx/v5/pgxpool"
)

// openPool opens a bare pool on a fresh schema, for the migrator alone.
func openPool(t *testing.T) *pgxpool.Pool {
	t.Helper()
	pool, err := pgxpool.New(context.Background(), pgtest.Schema(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	return pool
}

// Migrating again applies nothing twice and keeps the data.
func TestMigrateAgain(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := openPool(t)
	fsys := fstest.MapFS{"migration/0001_a.sql": {Data: []byte(`CREATE TABLE a (n INTEGER); INSERT INTO a VALUES (1);`)}}
	for range 2 {
		if err := migrate(ctx, pool, fsys); err != nil {
			t.Fatal(err)
		}
	}
	fsys["migration/0002_b.sql"] = &fstest.MapFile{Data: []byte(`INSERT INTO a VALUES (2);`)}
	if err := migrate(ctx, pool, fsys); err != nil {
		t.Fatal(err)
	}
	var sum int
	if err := pool.QueryRow(ctx, `SELECT SUM(n) FROM a`).Scan(&sum); err != nil || sum != 3 {
		t.Fatalf("sum = %d, %v; want 3", sum, err)
	}
}

// A released migration that changed, and a database a newer binary
// migrated, are refused rather than half understood.
func TestMigrateRefuses(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := openPool(t)
	fsys := fstest.MapFS{
		"migration/0001_a.sql": {Data: []byte(`CREATE TABLE a (n INTEGER);`)},
		"migration/0002_b.sql": {Data: []byte(`CREATE TABLE b (n INTEGER);`)},
	}
	if err := migrate(ctx, pool, fsys); err != nil {
		t.Fatal(err)
	}
	changed := fstest.MapFS{"migration/0001_a.sql": {Data: []byte(`CREATE TABLE a (n BIGINT);`)}}
	if err := migrate(ctx, pool, changed); err == nil || !strings.Contains(err.Error(), "checksum") {
		t.Fatalf("changed migration: %v", err)
	}
	older := fstest.MapFS{"migration/0001_a.sql": fsys["migration/0001_a.sql"]}
	if err := migrate(ctx, pool, older); err == nil || !strings.Contains(err.Error(), "newer than this binary") {
		t.Fatalf("older binary: %v", err)
	}
	twins := fstest.MapFS{"migration/0001_a.sql": fsys["migration/0001_a.sql"], "migration/1_c.sql": {}}
	if err := migrate(ctx, pool, twins); err == nil || !strings.Contains(err.Error(), "share a number") {
		t.Fatalf("two files of one number: %v", err)
	}
}
