package main

import (
	"cmp"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/codepipeline"
	"github.com/aws/aws-sdk-go-v2/service/codepipeline/types"

	"github.com/sluice-cd/sluice/internal/core"
	"github.com/sluice-cd/sluice/internal/worker"
)

// Leases of built-in jobs: servers sharing one store take over the jobs
// of a server that died once their leases run out, and never the jobs of
// a live server, which renews them.

// withLease shortens the leases of a test's servers.
func withLease(d time.Duration) func(*Config) {
	return func(c *Config) { c.Timeouts.Lease = d }
}

// sharing makes a server a replica of first: it shares first's store and
// artifact store, the latter through first's S3 endpoint unless first
// keeps its artifacts elsewhere already (the file driver is one
// process's). Its data dir, so its instance id, is its own.
func sharing(first *Main) func(*Config) {
	db := cmp.Or(first.cfg.Store, filepath.Join(first.cfg.DataDir, "sluice.db"))
	arts := cmp.Or(first.cfg.Artifacts, first.URL())
	return func(c *Config) {
		c.Store = db
		artifactsIn(arts)(c)
	}
}

// artifactsIn keeps a server's artifacts behind an S3 endpoint.
func artifactsIn(url string) func(*Config) {
	return func(c *Config) {
		c.Artifacts, c.ArtifactsAccessKeyID, c.ArtifactsSecretKey = url, testAccount, "secret"
	}
}

// sourceBuildPipeline is an S3 source of a zip holding buildspec, then a
// build of it, on bucket src of m's S3 endpoint.
func sourceBuildPipeline(t *testing.T, m *Main, name, buildspec string) *types.PipelineDeclaration {
	t.Helper()
	s3c := newS3(m)
	versionedBucket(t, s3c, "src")
	putObject(t, s3c, "src", "app.zip", zipOf(t, map[string]string{"buildspec.yml": buildspec}))
	return builtinPipeline(name,
		awsAction("Source", types.ActionCategorySource, "S3", map[string]string{"S3Bucket": "src", "S3ObjectKey": "app.zip", "PollForSourceChanges": "false"}, nil, []string{"Src"}),
		awsAction("Build", types.ActionCategoryBuild, "CodeBuild", map[string]string{"ProjectName": name}, []string{"Src"}, nil),
	)
}

// A job claimed by a server that then dies, so never renews its lease, is
// left alone by a server that starts meanwhile, queued again by that
// server's sweeper once the lease ran out, and worked by its worker.
func TestLeaseOfDeadServerRunsOut(t *testing.T) {
	t.Parallel()
	const lease = 2 * time.Second
	objects := MustOpen(t, func(c *Config) { c.Workers = 0 }) // the artifacts outlive the dead server
	dead := MustOpen(t, withLease(lease), func(c *Config) { c.Workers = 0 }, artifactsIn(objects.URL()))
	ctx := context.Background()
	id := createPipeline(t, newClient(dead), sourceBuildPipeline(t, dead, "orphan", "version: 0.2\nphases:\n  build:\n    commands:\n      - echo ok\n"))
	claims, err := dead.engine.ClaimBuiltin(ctx, 1, 0)
	if err != nil || len(claims) != 1 {
		t.Fatalf("claim = %v, %v; want the source job", claims, err)
	}
	claimed := time.Now()
	a := claims[0]
	if err := (worker.Local{Engine: dead.engine}).Acknowledge(ctx, worker.Job{Scope: a.Scope, ID: a.ID, Nonce: a.Nonce, Data: a.Data}); err != nil {
		t.Fatal(err)
	}
	deadID := dead.engine.Instance
	if err := dead.Close(); err != nil {
		t.Fatal(err)
	}

	live := MustOpen(t, withLease(lease), sharing(dead))
	j, err := live.store.JobGet(ctx, a.Scope, a.ID)
	if err != nil {
		t.Fatal(err)
	}
	if time.Since(claimed) < lease && (j.Status != core.JobInProgress || j.LeaseOwner != deadID) {
		t.Fatalf("job after another server started: %s leased by %q, want InProgress leased by %q", j.Status, j.LeaseOwner, deadID)
	}

	c := newClient(live)
	waitExecution(t, c, "orphan", id, types.PipelineExecutionStatusSucceeded)
	j, err = live.store.JobGet(ctx, a.Scope, a.ID)
	if err != nil {
		t.Fatal(err)
	}
	if j.LeaseOwner != live.engine.Instance || j.Nonce == a.Nonce || j.Status != core.JobSucceeded {
		t.Fatalf("source job: %s leased by %q with nonce %s; want Succeeded, handed out again to %q", j.Status, j.LeaseOwner, j.Nonce, live.engine.Instance)
	}
	if j.Updated.Sub(claimed) < lease-100*time.Millisecond { // the claim was a little before claimed
		t.Fatalf("source job finished %v after the claim, before its lease of %v ran out", j.Updated.Sub(claimed), lease)
	}
	if n := len(actionExecutions(t, c, "orphan", id)); n != 2 {
		t.Fatalf("%d action executions, want 2 (the source's run was handed out again, not started anew)", n)
	}
}

// A build running longer than three leases on one of two servers sharing
// a store keeps its lease: it runs once, and the other server's sweeper
// never hands it out again.
func TestLeaseRenewedBuildRunsOnce(t *testing.T) {
	t.Parallel()
	marks := filepath.Join(t.TempDir(), "runs")
	cfg := writeConfig(t, "projects:\n  long:\n    environment: {MARK: "+marks+"}\n")
	lease := withLease(time.Second)
	config := func(c *Config) { c.ConfigFile = cfg }
	first := MustOpen(t, lease, config)
	second := MustOpen(t, lease, config, sharing(first))
	spec := "version: 0.2\nphases:\n  build:\n    commands:\n      - echo run >> \"$MARK\"\n      - sleep 3.5\n"
	id := createPipeline(t, newClient(second), sourceBuildPipeline(t, first, "long", spec))
	c := newClient(first)
	waitExecution(t, c, "long", id, types.PipelineExecutionStatusSucceeded)
	runs, err := os.ReadFile(marks)
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(string(runs), "run\n"); n != 1 {
		t.Fatalf("the build ran %d times, want once", n)
	}
	build := actionExecutions(t, c, "long", id)["Build"]
	if build.Status != types.ActionExecutionStatusSucceeded {
		t.Fatalf("build action: %s", build.Status)
	}
	out, err := c.ListActionExecutions(context.Background(), &codepipeline.ListActionExecutionsInput{PipelineName: aws.String("long")})
	if err != nil || len(out.ActionExecutionDetails) != 2 {
		t.Fatalf("%d action executions, want 2: %v", len(out.ActionExecutionDetails), err)
	}
}

// A data dir keeps its instance id across runs, and a second server
// started on it while the first runs gets an id of its own.
func TestInstanceIDOfDataDir(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	first, err := openInstance(dir)
	if err != nil {
		t.Fatal(err)
	}
	second, err := openInstance(dir)
	if err != nil {
		t.Fatal(err)
	}
	if second.id == first.id || second.id == "" {
		t.Fatalf("second server on the data dir: id %q, first %q; want another", second.id, first.id)
	}
	if err := errors.Join(second.Close(), first.Close()); err != nil {
		t.Fatal(err)
	}
	// A process other tests start may hold a copy of the lock from its
	// fork until its exec, so the lock may take a moment to be free.
	eventually(t, "the data dir's id to be taken again", func() bool {
		again, err := openInstance(dir)
		if err != nil {
			t.Fatal(err)
		}
		defer again.Close()
		return again.id == first.id
	})
}
