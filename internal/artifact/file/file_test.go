package file_test

import (
	"path/filepath"
	"testing"

	"github.com/sluice-cd/sluice/internal/artifact"
	"github.com/sluice-cd/sluice/internal/artifact/artifacttest"
	"github.com/sluice-cd/sluice/internal/artifact/file"
)

func TestConformance(t *testing.T) {
	t.Parallel()
	artifacttest.Exercise(t, func(t *testing.T) artifact.Store {
		return mustOpen(t, filepath.Join(t.TempDir(), "store"))
	})
}

func mustOpen(tb testing.TB, root string) *file.Store {
	tb.Helper()
	s, err := file.Open(root)
	if err != nil {
		tb.Fatal(err)
	}
	return s
}
