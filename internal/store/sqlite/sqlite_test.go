package sqlite_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/sluice-cd/sluice/internal/core"
	"github.com/sluice-cd/sluice/internal/store"
	"github.com/sluice-cd/sluice/internal/store/sqlite"
	"github.com/sluice-cd/sluice/internal/store/storetest"
)

func TestConformance(t *testing.T) {
	t.Parallel()
	storetest.Exercise(t, func(t *testing.T) store.Store {
		s, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "sluice.db"))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	})
}

// Reopening a database applies no migration twice and keeps the data.
func TestReopen(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "sluice.db")
	ctx := context.Background()
	for range 2 {
		s, err := sqlite.Open(ctx, path)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.PipelineCount(ctx, core.Scope{Account: "000000000000", Region: "us-east-1"}); err != nil {
			t.Fatal(err)
		}
		s.Close()
	}
}
