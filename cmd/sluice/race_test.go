package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/codepipeline"
	"github.com/aws/aws-sdk-go-v2/service/codepipeline/types"
	"github.com/aws/smithy-go"

	"github.com/sluice-cd/sluice/internal/core"
	"github.com/sluice-cd/sluice/internal/engine"
)

// Races between replicas: two servers sharing one store receive the same
// result, or sweep the same deadlines, at the same time. On PostgreSQL
// (SLUICE_TEST_STORE=postgres) their transactions really run at once up to
// the pipeline lock, so each decision must read what it decides on after
// taking it.

// replicaPair opens two servers on one store and one artifact store, each
// with its own data dir (and so its own instance id).
func replicaPair(t *testing.T, mutate ...func(*Config)) (*Main, *Main) {
	t.Helper()
	first := MustOpen(t, mutate...)
	return first, MustOpen(t, append(mutate, sharing(first))...)
}

// both calls a and b at the same moment and returns their errors.
func both(a, b func() error) (error, error) {
	start := make(chan struct{})
	var errA, errB error
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); <-start; errA = a() }()
	go func() { defer wg.Done(); <-start; errB = b() }()
	close(start)
	wg.Wait()
	return errA, errB
}

// oneWins checks exactly one of two racing calls succeeded, and the other
// was refused because the job had already taken a result.
func oneWins(t *testing.T, what string, errA, errB error) (firstWon bool) {
	t.Helper()
	if (errA == nil) == (errB == nil) {
		t.Fatalf("%s: errors %v and %v, want exactly one success", what, errA, errB)
	}
	loser := errA
	if loser == nil {
		loser = errB
	}
	wantAPIError(t, loser, "InvalidJobStateException")
	return errA == nil
}

// The same result sent to two replicas at once is applied once: one call
// succeeds, the other answers InvalidJobStateException. Continuations make
// it visible: a second applied result would queue a second next job.
func TestReplicasRaceOnOneResult(t *testing.T) {
	t.Parallel()
	a, b := replicaPair(t)
	ca, cb := newClient(a), newClient(b)
	ctx := context.Background()
	setupTypes(t, ca, "RaceSrc", "RaceBuild")
	src := customID(types.ActionCategorySource, "RaceSrc")
	createPipeline(t, ca, flowPipeline("race", "RaceSrc", types.ExecutionModeParallel,
		[]types.ActionDeclaration{buildAction("Build", "RaceBuild", "app", 1)}))
	const rounds = 25
	want := map[string]types.ActionExecutionStatus{}
	for i := range rounds {
		if i > 0 {
			must[*codepipeline.StartPipelineExecutionOutput](t)(cb.StartPipelineExecution(ctx,
				&codepipeline.StartPipelineExecutionInput{Name: aws.String("race")}))
		}
		job := pollOne(t, ca, src, nil)
		ackJob(t, cb, job)
		token := fmt.Sprintf("part-%d", i)
		cont := func(c *codepipeline.Client) func() error {
			return func() error {
				_, err := c.PutJobSuccessResult(ctx, &codepipeline.PutJobSuccessResultInput{JobId: job.Id, ContinuationToken: &token})
				return err
			}
		}
		errA, errB := both(cont(ca), cont(cb))
		oneWins(t, "continuations", errA, errB)
		next := pollAll(t, cb, src)
		if len(next) != 1 || aws.ToString(next[0].Data.ContinuationToken) != token {
			t.Fatalf("round %d: %d jobs queued after the continuation, want 1 with its token", i, len(next))
		}
		job = next[0]
		run := aws.ToString(job.Data.PipelineContext.Action.ActionExecutionId)
		errA, errB = both(func() error {
			_, err := ca.PutJobSuccessResult(ctx, &codepipeline.PutJobSuccessResultInput{JobId: job.Id})
			return err
		}, func() error {
			_, err := cb.PutJobFailureResult(ctx, &codepipeline.PutJobFailureResultInput{JobId: job.Id,
				FailureDetails: &types.FailureDetails{Type: types.FailureTypeJobFailed, Message: aws.String("no")}})
			return err
		})
		aWon := oneWins(t, "final results", errA, errB)
		want[run] = types.ActionExecutionStatusFailed
		if aWon {
			want[run] = types.ActionExecutionStatusSucceeded
		}
	}
	got := fetchStatuses(t, ca, "race")
	if len(got) != rounds {
		t.Fatalf("%d Fetch action executions, want %d", len(got), rounds)
	}
	for run, status := range want {
		if got[run] != status {
			t.Fatalf("action execution %s is %s, want %s (the winning result)", run, got[run], status)
		}
	}
}

// pollAll takes every queued job of a type, without waiting.
func pollAll(t *testing.T, c *codepipeline.Client, id *types.ActionTypeId) []types.Job {
	t.Helper()
	out, err := c.PollForJobs(context.Background(), &codepipeline.PollForJobsInput{ActionTypeId: id, MaxBatchSize: aws.Int32(100)})
	if err != nil {
		t.Fatalf("poll: %v", err)
	}
	return out.Jobs
}

// fetchStatuses maps the Fetch action executions of a pipeline to their status.
func fetchStatuses(t *testing.T, c *codepipeline.Client, pipeline string) map[string]types.ActionExecutionStatus {
	t.Helper()
	out := map[string]types.ActionExecutionStatus{}
	p := codepipeline.NewListActionExecutionsPaginator(c, &codepipeline.ListActionExecutionsInput{PipelineName: aws.String(pipeline)})
	for p.HasMorePages() {
		page, err := p.NextPage(context.Background())
		if err != nil {
			t.Fatalf("list action executions: %v", err)
		}
		for _, d := range page.ActionExecutionDetails {
			if aws.ToString(d.ActionName) == "Fetch" {
				out[aws.ToString(d.ActionExecutionId)] = d.Status
			}
		}
	}
	return out
}

// Two replicas' sweepers time out the same actions while workers report
// results for them: every action ends once, either with its worker's
// result (which then succeeded) or timed out (and the result was refused).
// A sweeper that decided on a run read before the lock would fail an
// action whose result had just been applied.
func TestReplicasRaceSweepers(t *testing.T) {
	t.Parallel()
	a, b := replicaPair(t)
	ca, cb := newClient(a), newClient(b)
	ctx := context.Background()
	setupTypes(t, ca, "SweepSrc", "SweepBuild")
	src := customID(types.ActionCategorySource, "SweepSrc")
	const pipelines, perPipeline = 4, 6
	for p := range pipelines {
		name := fmt.Sprintf("sweep-%d", p)
		createPipeline(t, ca, flowPipeline(name, "SweepSrc", types.ExecutionModeParallel,
			[]types.ActionDeclaration{buildAction("Build", "SweepBuild", "app", 1)}))
		for range perPipeline - 1 {
			must[*codepipeline.StartPipelineExecutionOutput](t)(cb.StartPipelineExecution(ctx,
				&codepipeline.StartPipelineExecutionInput{Name: aws.String(name)}))
		}
	}
	jobs := pollAll(t, ca, src)
	if len(jobs) != pipelines*perPipeline {
		t.Fatalf("%d jobs, want %d", len(jobs), pipelines*perPipeline)
	}
	for _, j := range jobs {
		ackJob(t, cb, j)
	}
	// Sweepers two days ahead: every action and job is past its time.
	later := core.ClockFunc(func() time.Time { return time.Now().Add(48 * time.Hour) })
	sweeper := func(m *Main) *engine.Engine {
		e := engine.New(m.store, m.engine.Types, slog.New(slog.NewTextHandler(io.Discard, nil)))
		e.Clock = later
		return e
	}
	s1, s2 := sweeper(a), sweeper(b)
	results := make([]error, len(jobs))
	start := make(chan struct{})
	var wg sync.WaitGroup
	var sweepErrs [2]error
	for i, s := range []*engine.Engine{s1, s2} {
		wg.Add(1)
		go func() { defer wg.Done(); <-start; sweepErrs[i] = s.Sweep(ctx) }()
	}
	for i, j := range jobs {
		c := []*codepipeline.Client{ca, cb}[i%2]
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			_, results[i] = c.PutJobSuccessResult(ctx, &codepipeline.PutJobSuccessResultInput{JobId: j.Id})
		}()
	}
	close(start)
	wg.Wait()
	if err := errors.Join(sweepErrs[:]...); err != nil {
		t.Fatalf("sweep: %v", err)
	}
	got := fetchStatuses(t, ca, "sweep-0")
	for p := 1; p < pipelines; p++ {
		for k, v := range fetchStatuses(t, ca, fmt.Sprintf("sweep-%d", p)) {
			got[k] = v
		}
	}
	if len(got) != len(jobs) {
		t.Fatalf("%d Fetch action executions, want %d", len(got), len(jobs))
	}
	for i, j := range jobs {
		run := aws.ToString(j.Data.PipelineContext.Action.ActionExecutionId)
		var apiErr smithy.APIError
		switch {
		case results[i] == nil && got[run] != types.ActionExecutionStatusSucceeded:
			t.Errorf("job %s: result accepted, but its action is %s", aws.ToString(j.Id), got[run])
		case results[i] != nil && (!errors.As(results[i], &apiErr) || apiErr.ErrorCode() != "InvalidJobStateException"):
			t.Errorf("job %s: result error %v, want InvalidJobStateException", aws.ToString(j.Id), results[i])
		case results[i] != nil && got[run] != types.ActionExecutionStatusFailed:
			t.Errorf("job %s: result refused, but its action is %s", aws.ToString(j.Id), got[run])
		}
	}
}
