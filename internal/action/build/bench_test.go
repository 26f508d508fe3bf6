package build

import (
	"context"
	"testing"
)

// BenchmarkOverhead measures the runner's own cost per build: a buildspec
// whose only command is true, so nearly all the time is the temporary
// directories, the process group's leader, one shell and the state dump.
func BenchmarkOverhead(b *testing.B) {
	for _, shell := range []string{"bash", "sh"} {
		b.Run(shell, func(b *testing.B) {
			r := &Run{
				Spec:      mustParse(b, "version: 0.2\nphases:\n  build:\n    commands: [\"true\"]\n"),
				SourceDir: b.TempDir(),
				Shell:     shell,
			}
			ctx := context.Background()
			for b.Loop() {
				res, err := r.Execute(ctx)
				if err != nil || !res.Succeeded() {
					b.Fatalf("build: %v %+v", err, res)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Microseconds())/1000/float64(b.N), "ms/build")
		})
	}
}
