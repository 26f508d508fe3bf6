package sqlite

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/sluice-cd/sluice/internal/store"
	"github.com/sluice-cd/sluice/internal/store/storetest"
)

// The ownership migration (0007) claims the artifact stores of the
// pipelines a database held before it.
func TestBucketMigration(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "sluice.db")
	s, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	storetest.ExerciseBucketMigration(t, s, func(t *testing.T) store.Store {
		for _, q := range []string{`DROP TABLE buckets`, `DELETE FROM schema_migrations WHERE version = 7`} {
			if _, err := s.writer.ExecContext(ctx, q); err != nil {
				t.Fatal(err)
			}
		}
		s.Close()
		again, err := Open(ctx, path)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { again.Close() })
		return again
	})
}
