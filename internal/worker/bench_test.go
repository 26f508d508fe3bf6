package worker

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"testing"

	"github.com/sluice-cd/sluice/internal/artifact"
	"github.com/sluice-cd/sluice/internal/artifact/archive"
	"github.com/sluice-cd/sluice/internal/artifact/file"
	"github.com/sluice-cd/sluice/internal/core"
	"github.com/sluice-cd/sluice/internal/wire"
)

// benchJob is a CodeBuild job whose buildspec runs one `true`, over a small
// source in a file artifact store.
func benchJob(b *testing.B) (*Worker, Job) {
	b.Helper()
	ctx := context.Background()
	st, err := file.Open(b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	if err := st.CreateBucket(ctx, "artifacts"); err != nil {
		b.Fatal(err)
	}
	src := b.TempDir()
	writeFiles(b, src, map[string]string{
		"buildspec.yml": "version: 0.2\nphases:\n  build:\n    commands:\n      - 'true'\nartifacts:\n  files: ['**/*']\n",
		"main.go":       "package main\n", "README.md": "readme\n",
	})
	var zipped bytes.Buffer
	if err := archive.Zip(&zipped, src); err != nil {
		b.Fatal(err)
	}
	if _, err := st.Put(ctx, "artifacts", "p/Src/in", &zipped, artifact.PutOptions{}); err != nil {
		b.Fatal(err)
	}
	loc := func(key string) *wire.ArtifactLocation {
		return &wire.ArtifactLocation{Type: wire.ArtifactLocationTypeS3,
			S3Location: &wire.S3ArtifactLocation{BucketName: wire.Ptr("artifacts"), ObjectKey: wire.Ptr(key)}}
	}
	job := Job{Scope: core.Scope{Account: "123456789012", Region: "us-east-1"}, ID: "job", Data: &wire.JobData{
		ActionTypeId:        &wire.ActionTypeId{Category: wire.ActionCategoryBuild, Owner: wire.ActionOwnerAWS, Provider: wire.Ptr("CodeBuild"), Version: wire.Ptr("1")},
		ActionConfiguration: &wire.ActionConfiguration{Configuration: map[string]string{"ProjectName": "bench"}},
		PipelineContext:     &wire.PipelineContext{PipelineName: wire.Ptr("p")},
		InputArtifacts:      []wire.Artifact{{Name: wire.Ptr("Src"), Location: loc("p/Src/in")}},
		OutputArtifacts:     []wire.Artifact{{Name: wire.Ptr("Out"), Location: loc("p/Out/out")}},
	}}
	w := &Worker{Artifacts: st, Providers: Builtins(), WorkDir: b.TempDir(), PublicURL: "http://127.0.0.1:4747",
		Log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	return w, job
}

// BenchmarkCodeBuildAction is a whole built-in build: fetch and unzip the
// input, run the buildspec (one `true`), zip and store the output and the
// log. BenchmarkBareShell is the user's part of it: the shell running
// `true`. The difference is what the action adds around the commands.
func BenchmarkCodeBuildAction(b *testing.B) {
	w, job := benchJob(b)
	ctx := context.Background()
	b.ResetTimer()
	for b.Loop() {
		if _, err := w.run(ctx, job); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkBareShell(b *testing.B) {
	for b.Loop() {
		c := &command{Argv: []string{"bash", "-c", "true"}, Dir: b.TempDir(), Env: scrubbedEnv(b.TempDir())}
		if _, err := c.run(context.Background()); err != nil {
			b.Fatal(err)
		}
	}
}
