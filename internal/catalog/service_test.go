package catalog

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/sluice-cd/sluice/internal/core"
	"github.com/sluice-cd/sluice/internal/store/sqlite"
)

// testNow is the time of every test Service's clock.
var testNow = time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)

// newTestService returns a Service over its own SQLite database.
func newTestService(t *testing.T) *Service {
	t.Helper()
	st, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "db"))
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	t.Cleanup(func() { st.Close() })
	return &Service{Store: st, Clock: core.ClockFunc(func() time.Time { return testNow }), PublicURL: "http://127.0.0.1:4747"}
}
