package postgres

import (
	"context"
	"testing"

	"github.com/sluice-cd/sluice/internal/store"
	"github.com/sluice-cd/sluice/internal/store/postgres/pgtest"
	"github.com/sluice-cd/sluice/internal/store/storetest"
)

// The ownership migration (0003) claims the artifact stores of the
// pipelines a database held before it.
func TestBucketMigration(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dsn := pgtest.Schema(t)
	s, err := Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	storetest.ExerciseBucketMigration(t, s, func(t *testing.T) store.Store {
		for _, q := range []string{`DROP TABLE buckets`, `DELETE FROM schema_migrations WHERE version = 3`} {
			if _, err := s.pool.Exec(ctx, q); err != nil {
				t.Fatal(err)
			}
		}
		s.Close()
		again, err := Open(ctx, dsn)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { again.Close() })
		return again
	})
}
