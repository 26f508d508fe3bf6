package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/codepipeline"
	"github.com/aws/aws-sdk-go-v2/service/codepipeline/types"
	"github.com/aws/smithy-go"
	"github.com/aws/smithy-go/middleware"
	smithyhttp "github.com/aws/smithy-go/transport/http"
	"github.com/google/uuid"

	"github.com/sluice-cd/sluice/internal/api"
	"github.com/sluice-cd/sluice/internal/core"
	"github.com/sluice-cd/sluice/internal/store"
)

// Benchmarks of the execution engine, end to end: the real Go SDK client
// over loopback HTTP against an in-process server on SQLite. They measure
// and report; none of them asserts a time. Run one with e.g.
//
//	go test ./cmd/sluice -run XXX -bench BenchmarkJobCycle -benchtime 3s -count 1
//
// Goals: JobCycle >= 2,000 jobs/s with 8 workers,
// LongPollLatency p50 <= 10 ms, PipelineRun p50 <= 100 ms for three stages
// of custom actions, StateHistory flat from 100 to 100,000 executions.

// engClient is newClient with one workaround for a client-side race of
// smithy-go (v1.28.8): the SDK closes its request body wrapper as soon as
// the response headers arrive, and the wrapper's WriteTo then answers
// io.EOF, which net/http's writeLoop, still draining the body, takes for a
// write error: it closes the connection under the response being read, and
// the call fails with "deserialization failed ... use of closed network
// connection". Only a server as fast as a loopback one answers before the
// writeLoop is done, and only responses longer than one read (a
// ListPipelineExecutions of 100) lose. Handing the transport its own
// in-memory copy of the body keeps the SDK's close away from it.
func engClient(m *Main) *codepipeline.Client {
	return newClient(m) // its transport gets its own copy of each body: see bufferedBody
}

// engPollWait opts one call into Sluice's long-poll: a Build-step
// middleware sets the X-Sluice-Poll-Wait-Seconds header, which SigV4 then signs.
func engPollWait(seconds int) func(*codepipeline.Options) {
	return func(o *codepipeline.Options) {
		o.APIOptions = append(o.APIOptions, func(st *middleware.Stack) error {
			return st.Build.Add(middleware.BuildMiddlewareFunc("SluicePollWait",
				func(ctx context.Context, in middleware.BuildInput, next middleware.BuildHandler) (middleware.BuildOutput, middleware.Metadata, error) {
					if req, ok := in.Request.(*smithyhttp.Request); ok {
						req.Header.Set(api.PollWaitHeader, strconv.Itoa(seconds))
					}
					return next.HandleBuild(ctx, in)
				}), middleware.After)
		})
	}
}

// engTypes creates a custom source type (one output artifact) and a
// custom build type (no queryable property, inputs and outputs optional),
// and returns their ids.
func engTypes(tb testing.TB, c *codepipeline.Client, src, build string) (*types.ActionTypeId, *types.ActionTypeId) {
	tb.Helper()
	ctx := context.Background()
	for _, in := range []*codepipeline.CreateCustomActionTypeInput{
		{Category: types.ActionCategorySource, Provider: aws.String(src), Version: aws.String("1"),
			InputArtifactDetails:  &types.ArtifactDetails{MinimumCount: 0, MaximumCount: 0},
			OutputArtifactDetails: &types.ArtifactDetails{MinimumCount: 1, MaximumCount: 1}},
		{Category: types.ActionCategoryBuild, Provider: aws.String(build), Version: aws.String("1"),
			InputArtifactDetails:  &types.ArtifactDetails{MinimumCount: 0, MaximumCount: 1},
			OutputArtifactDetails: &types.ArtifactDetails{MinimumCount: 0, MaximumCount: 1}},
	} {
		if _, err := c.CreateCustomActionType(ctx, in); err != nil {
			tb.Fatalf("create type %s: %v", aws.ToString(in.Provider), err)
		}
	}
	return customID(types.ActionCategorySource, src), customID(types.ActionCategoryBuild, build)
}

// engPipeline is a Source stage of width custom source actions followed
// by buildStages stages of width custom build actions, all of run order 1.
func engPipeline(name, src, build string, mode types.ExecutionMode, width, buildStages int) *types.PipelineDeclaration {
	p := &types.PipelineDeclaration{
		Name:          aws.String(name),
		RoleArn:       aws.String("arn:aws:iam::123456789012:role/pipeline"),
		ArtifactStore: &types.ArtifactStore{Type: types.ArtifactStoreTypeS3, Location: aws.String("artifacts")},
		PipelineType:  types.PipelineTypeV2, ExecutionMode: mode,
	}
	source := types.StageDeclaration{Name: aws.String("Source")}
	for i := range width {
		source.Actions = append(source.Actions, types.ActionDeclaration{
			Name: aws.String(fmt.Sprintf("Fetch%d", i)), ActionTypeId: customID(types.ActionCategorySource, src),
			OutputArtifacts: []types.OutputArtifact{{Name: aws.String(fmt.Sprintf("Src%d", i))}},
		})
	}
	p.Stages = append(p.Stages, source)
	for s := range buildStages {
		st := types.StageDeclaration{Name: aws.String(fmt.Sprintf("Stage%d", s+1))}
		for i := range width {
			st.Actions = append(st.Actions, types.ActionDeclaration{
				Name: aws.String(fmt.Sprintf("Build%d", i)), ActionTypeId: customID(types.ActionCategoryBuild, build),
				RunOrder: aws.Int32(1), InputArtifacts: []types.InputArtifact{{Name: aws.String(fmt.Sprintf("Src%d", i))}},
			})
		}
		p.Stages = append(p.Stages, st)
	}
	return p
}

// engFinish acknowledges a job and reports it succeeded, as a worker
// that does its work instantly would.
func engFinish(ctx context.Context, c *codepipeline.Client, job types.Job) error {
	if _, err := c.AcknowledgeJob(ctx, &codepipeline.AcknowledgeJobInput{JobId: job.Id, Nonce: job.Nonce}); err != nil {
		return fmt.Errorf("acknowledge: %w", err)
	}
	if _, err := c.PutJobSuccessResult(ctx, &codepipeline.PutJobSuccessResultInput{JobId: job.Id,
		ExecutionDetails: &types.ExecutionDetails{Summary: aws.String("done"), PercentComplete: aws.Int32(100)}}); err != nil {
		return fmt.Errorf("put success: %w", err)
	}
	return nil
}

// engPercentiles reports the median and 99th percentile of samples in ms.
func engPercentiles(b *testing.B, samples []time.Duration) {
	if len(samples) == 0 {
		return
	}
	slices.Sort(samples)
	at := func(q float64) float64 {
		i := min(int(q*float64(len(samples))), len(samples)-1)
		return float64(samples[i]) / float64(time.Millisecond)
	}
	b.ReportMetric(at(0.50), "p50-ms")
	b.ReportMetric(at(0.99), "p99-ms")
}

// engCPU is the CPU time the process used so far, user and system: on a
// shared machine, CPU per operation is steadier than wall time.
func engCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func engIsAPIError(err error, code string) bool {
	var apiErr smithy.APIError
	return errors.As(err, &apiErr) && apiErr.ErrorCode() == code
}

// BenchmarkJobCycle measures job throughput: 8 workers each poll one job
// (no long-poll: an empty poll tries the other type), acknowledge it and
// report success. A feeder keeps about jobBacklog jobs outstanding by
// starting executions of PARALLEL pipelines whose two stages each hold
// width custom actions, round-robin over 8 pipelines (a few active
// executions each), or all on 1 (20 to 50 active executions, the cap).
// One op is one job; jobs/s is the headline, cpu-ms/job (user+system time
// of the whole process, client included) the steadier figure on a shared
// machine.
func BenchmarkJobCycle(b *testing.B) {
	for _, n := range []int{8, 1} {
		b.Run(fmt.Sprintf("pipelines=%d", n), func(b *testing.B) { engJobCycle(b, n, 1) })
	}
	if engShared() {
		b.Run("pipelines=8/replicas=3", func(b *testing.B) { engJobCycle(b, 8, 3) })
	}
}

// engShared tells whether the benchmarks run on a store several servers
// can share as replicas (PostgreSQL, with SLUICE_TEST_STORE=postgres).
func engShared() bool { return os.Getenv("SLUICE_TEST_STORE") == "postgres" }

// engReplicas opens n in-process servers on one store; their clients.
func engReplicas(b *testing.B, n int) []*codepipeline.Client {
	first := MustOpen(b)
	clients := []*codepipeline.Client{engClient(first)}
	for range n - 1 {
		m := MustOpen(b, func(c *Config) { c.Store = first.cfg.Store })
		clients = append(clients, engClient(m))
	}
	return clients
}

func engJobCycle(b *testing.B, pipelines, replicas int) {
	const (
		workers    = 8
		width      = 10
		perExec    = 2 * width // jobs one execution queues
		jobBacklog = 400
	)
	clients := engReplicas(b, replicas)
	c := clients[0]
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	src, build := engTypes(b, c, "CycleSrc", "CycleBuild")
	names := make([]string, pipelines)
	var issued, done, empty atomic.Int64
	for i := range names {
		names[i] = fmt.Sprintf("cycle%d", i)
		p := engPipeline(names[i], "CycleSrc", "CycleBuild", types.ExecutionModeParallel, width, 1)
		if _, err := c.CreatePipeline(ctx, &codepipeline.CreatePipelineInput{Pipeline: p}); err != nil {
			b.Fatalf("create pipeline: %v", err)
		}
		issued.Add(perExec) // CreatePipeline starts an execution
	}

	// The feeder starts executions round-robin while fewer than
	// jobBacklog jobs are outstanding.
	var wg sync.WaitGroup
	var failed atomic.Value
	fail := func(err error) {
		failed.CompareAndSwap(nil, err)
		cancel()
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := 0; ctx.Err() == nil; {
			if issued.Load()-done.Load() >= jobBacklog {
				time.Sleep(200 * time.Microsecond)
				continue
			}
			_, err := clients[i%replicas].StartPipelineExecution(ctx, &codepipeline.StartPipelineExecutionInput{Name: aws.String(names[i%pipelines])})
			i++
			switch {
			case err == nil:
				issued.Add(perExec)
			case engIsAPIError(err, string(core.ConcurrentExecutionsLimit)):
				time.Sleep(200 * time.Microsecond)
			case ctx.Err() == nil:
				fail(fmt.Errorf("start: %w", err))
			}
		}
	}()

	ids := [2]*types.ActionTypeId{src, build}
	total := int64(b.N)
	b.ResetTimer()
	start, cpu0 := time.Now(), engCPU()
	var workersDone sync.WaitGroup
	for w := range workers {
		workersDone.Add(1)
		go func() {
			defer workersDone.Done()
			c := clients[w%replicas] // workers spread over the replicas
			for n := w; done.Load() < total && ctx.Err() == nil; n++ {
				var job *types.Job
				for k := range 2 {
					out, err := c.PollForJobs(ctx, &codepipeline.PollForJobsInput{ActionTypeId: ids[(n+k)%2], MaxBatchSize: aws.Int32(1)})
					if err != nil {
						if ctx.Err() == nil {
							fail(fmt.Errorf("poll: %w", err))
						}
						return
					}
					if len(out.Jobs) > 0 {
						job = &out.Jobs[0]
						break
					}
					empty.Add(1)
				}
				if job == nil {
					continue
				}
				if err := engFinish(ctx, c, *job); err != nil {
					if ctx.Err() == nil {
						fail(err)
					}
					return
				}
				done.Add(1)
			}
		}()
	}
	workersDone.Wait()
	elapsed, cpu := time.Since(start), engCPU()-cpu0
	b.StopTimer()
	cancel()
	wg.Wait()
	if err, _ := failed.Load().(error); err != nil {
		b.Fatal(err)
	}
	jobs := done.Load()
	b.ReportMetric(float64(jobs)/elapsed.Seconds(), "jobs/s")
	b.ReportMetric(float64(empty.Load())/float64(jobs), "empty-polls/job")
	b.ReportMetric(float64(cpu)/float64(time.Millisecond)/float64(jobs), "cpu-ms/job")
}

// BenchmarkLongPollLatency measures how soon a long-polling worker gets a
// job: from just before StartPipelineExecution to the worker's poll
// answering with the job the execution queued. Between samples the job is
// failed (ending the execution) and the worker given 2 ms, untimed, to park
// its next poll on the server.
func BenchmarkLongPollLatency(b *testing.B) {
	m := MustOpen(b)
	c := engClient(m)
	ctx, cancel := context.WithCancel(context.Background())
	src, _ := engTypes(b, c, "WaitSrc", "WaitBuild")
	p := engPipeline("longpoll", "WaitSrc", "WaitBuild", types.ExecutionModeParallel, 1, 1)
	if _, err := c.CreatePipeline(ctx, &codepipeline.CreatePipelineInput{Pipeline: p}); err != nil {
		b.Fatalf("create pipeline: %v", err)
	}
	type arrival struct {
		job types.Job
		at  time.Time
	}
	got := make(chan arrival)
	errs := make(chan error, 1)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for ctx.Err() == nil {
			out, err := c.PollForJobs(ctx, &codepipeline.PollForJobsInput{ActionTypeId: src, MaxBatchSize: aws.Int32(1)}, engPollWait(20))
			at := time.Now()
			if err != nil {
				if ctx.Err() == nil {
					errs <- err
				}
				return
			}
			for _, j := range out.Jobs {
				select {
				case got <- arrival{j, at}:
				case <-ctx.Done():
					return
				}
			}
		}
	}()
	// Stop the worker before MustOpen's cleanup closes the server, which
	// would otherwise wait for the parked poll.
	b.Cleanup(func() { cancel(); wg.Wait() })

	end := func(j types.Job) {
		if _, err := c.AcknowledgeJob(ctx, &codepipeline.AcknowledgeJobInput{JobId: j.Id, Nonce: j.Nonce}); err != nil {
			b.Fatalf("acknowledge: %v", err)
		}
		_, err := c.PutJobFailureResult(ctx, &codepipeline.PutJobFailureResultInput{JobId: j.Id,
			FailureDetails: &types.FailureDetails{Type: types.FailureTypeJobFailed, Message: aws.String("benchmark")}})
		if err != nil {
			b.Fatalf("put failure: %v", err)
		}
	}
	receive := func() arrival {
		select {
		case a := <-got:
			return a
		case err := <-errs:
			b.Fatalf("poll: %v", err)
		case <-time.After(30 * time.Second):
			b.Fatal("no job within 30 s")
		}
		return arrival{}
	}
	end(receive().job) // the execution CreatePipeline started

	samples := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for range b.N {
		b.StopTimer()
		time.Sleep(2 * time.Millisecond) // let the worker's next poll park
		b.StartTimer()
		t0 := time.Now()
		out, err := c.StartPipelineExecution(ctx, &codepipeline.StartPipelineExecutionInput{Name: aws.String("longpoll")})
		if err != nil {
			b.Fatalf("start: %v", err)
		}
		a := receive()
		b.StopTimer()
		samples = append(samples, a.at.Sub(t0))
		if id := aws.ToString(a.job.Data.PipelineContext.PipelineExecutionId); id != aws.ToString(out.PipelineExecutionId) {
			b.Fatalf("job of execution %s, want %s", id, aws.ToString(out.PipelineExecutionId))
		}
		end(a.job)
		b.StartTimer()
	}
	b.StopTimer()
	engPercentiles(b, samples)
}

// BenchmarkPipelineRun measures one execution of a three-stage pipeline of
// custom actions (Source, Stage1, Stage2) with instant workers: long-polling
// workers that acknowledge and succeed each job at once. It times from just
// before StartPipelineExecution until GetPipelineExecution, called in a
// tight loop once the worker finished the last stage's job, says Succeeded.
func BenchmarkPipelineRun(b *testing.B) {
	b.Run("replicas=1", func(b *testing.B) { engPipelineRun(b, 1) })
	if engShared() {
		b.Run("replicas=3", func(b *testing.B) { engPipelineRun(b, 3) })
	}
}

// engPipelineRun runs the pipeline with each worker on its own replica
// (of n), so every stage's job crosses from the replica that queued it.
func engPipelineRun(b *testing.B, replicas int) {
	clients := engReplicas(b, replicas)
	c := clients[0]
	ctx, cancel := context.WithCancel(context.Background())
	src, build := engTypes(b, c, "RunSrc", "RunBuild")
	p := engPipeline("run", "RunSrc", "RunBuild", types.ExecutionModeSuperseded, 1, 2)
	if _, err := c.CreatePipeline(ctx, &codepipeline.CreatePipelineInput{Pipeline: p}); err != nil {
		b.Fatalf("create pipeline: %v", err)
	}
	last := make(chan string, 16) // executions whose Stage2 job succeeded
	errs := make(chan error, 4)
	var wg sync.WaitGroup
	worker := func(id *types.ActionTypeId, c *codepipeline.Client) {
		defer wg.Done()
		for ctx.Err() == nil {
			out, err := c.PollForJobs(ctx, &codepipeline.PollForJobsInput{ActionTypeId: id, MaxBatchSize: aws.Int32(1)}, engPollWait(20))
			if err == nil {
				for _, j := range out.Jobs {
					if err = engFinish(ctx, c, j); err != nil {
						break
					}
					if aws.ToString(j.Data.PipelineContext.Stage.Name) == "Stage2" {
						select {
						case last <- aws.ToString(j.Data.PipelineContext.PipelineExecutionId):
						case <-ctx.Done():
							return
						}
					}
				}
			}
			if err != nil {
				if ctx.Err() == nil {
					errs <- err
				}
				return
			}
		}
	}
	wg.Add(3)
	go worker(src, clients[1%replicas])
	go worker(build, clients[2%replicas])
	go worker(build, clients[0])
	b.Cleanup(func() { cancel(); wg.Wait() })

	run := func(id string) {
		deadline := time.After(30 * time.Second)
		for done := false; !done; {
			select {
			case ex := <-last:
				done = ex == id
			case err := <-errs:
				b.Fatalf("worker: %v", err)
			case <-deadline:
				b.Fatalf("execution %s did not finish within 30 s", id)
			}
		}
		for {
			out, err := c.GetPipelineExecution(ctx, &codepipeline.GetPipelineExecutionInput{
				PipelineName: aws.String("run"), PipelineExecutionId: aws.String(id)})
			if err != nil {
				b.Fatalf("get execution: %v", err)
			}
			if s := out.PipelineExecution.Status; s == types.PipelineExecutionStatusSucceeded {
				return
			} else if s != types.PipelineExecutionStatusInProgress {
				b.Fatalf("execution %s is %s", id, s)
			}
		}
	}
	out, err := c.ListPipelineExecutions(ctx, &codepipeline.ListPipelineExecutionsInput{PipelineName: aws.String("run")})
	if err != nil || len(out.PipelineExecutionSummaries) != 1 {
		b.Fatalf("list executions: %v %v", out, err)
	}
	run(aws.ToString(out.PipelineExecutionSummaries[0].PipelineExecutionId)) // the one CreatePipeline started

	samples := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for range b.N {
		t0 := time.Now()
		out, err := c.StartPipelineExecution(ctx, &codepipeline.StartPipelineExecutionInput{Name: aws.String("run")})
		if err != nil {
			b.Fatalf("start: %v", err)
		}
		run(aws.ToString(out.PipelineExecutionId))
		samples = append(samples, time.Since(t0))
	}
	b.StopTimer()
	engPercentiles(b, samples)
}

// BenchmarkStateHistory measures GetPipelineState and ListPipelineExecutions
// (maxResults 100) of one pipeline as its history grows to 100, 10,000 and
// 100,000 executions (the last skipped with -short). The history is what
// the engine writes for a finished three-stage execution, copied: a real
// execution is run first, and its execution, stage runs, action runs and
// jobs are stored again under new ids, thousands per transaction.
func BenchmarkStateHistory(b *testing.B) {
	m := MustOpen(b)
	c := engClient(m)
	ctx := context.Background()
	src, build := engTypes(b, c, "HistSrc", "HistBuild")
	p := engPipeline("history", "HistSrc", "HistBuild", types.ExecutionModeSuperseded, 1, 2)
	if _, err := c.CreatePipeline(ctx, &codepipeline.CreatePipelineInput{Pipeline: p}); err != nil {
		b.Fatalf("create pipeline: %v", err)
	}
	for _, id := range []*types.ActionTypeId{src, build, build} { // run the first execution through
		var job *types.Job
		for deadline := time.Now().Add(15 * time.Second); job == nil; {
			out, err := c.PollForJobs(ctx, &codepipeline.PollForJobsInput{ActionTypeId: id}, engPollWait(1))
			if err != nil {
				b.Fatalf("poll: %v", err)
			}
			if len(out.Jobs) > 0 {
				job = &out.Jobs[0]
			} else if time.Now().After(deadline) {
				b.Fatal("no job")
			}
		}
		if err := engFinish(ctx, c, *job); err != nil {
			b.Fatal(err)
		}
	}
	sc := core.Scope{Account: testAccount, Region: "us-east-1"}
	tmpl := engTemplate(b, m, sc, "history")

	have := 1
	for _, n := range []int{100, 10_000, 100_000} {
		if n > 10_000 && testing.Short() {
			continue
		}
		engFillHistory(b, m, tmpl, have, n)
		have = n
		b.Run(fmt.Sprintf("GetPipelineState/%d", n), func(b *testing.B) {
			for b.Loop() {
				out, err := c.GetPipelineState(ctx, &codepipeline.GetPipelineStateInput{Name: aws.String("history")})
				if err != nil || len(out.StageStates) != 3 || out.StageStates[2].LatestExecution == nil {
					b.Fatalf("get state: %v %v", out, err)
				}
			}
		})
		b.Run(fmt.Sprintf("ListPipelineExecutions/%d", n), func(b *testing.B) {
			for b.Loop() {
				out, err := c.ListPipelineExecutions(ctx, &codepipeline.ListPipelineExecutionsInput{
					PipelineName: aws.String("history"), MaxResults: aws.Int32(100)})
				if err != nil || len(out.PipelineExecutionSummaries) != 100 {
					b.Fatalf("list executions: %v", err)
				}
			}
		})
	}
}

// engRecords is one finished execution as the engine stored it.
type engRecords struct {
	exec   *core.Execution
	stages []*core.StageRun
	runs   []*core.ActionRun
	jobs   []*core.Job
}

func engTemplate(b *testing.B, m *Main, sc core.Scope, pipeline string) *engRecords {
	b.Helper()
	ctx := context.Background()
	list, err := m.store.ExecutionList(ctx, sc, pipeline, store.ExecutionFilter{Limit: 1})
	if err != nil || len(list) != 1 {
		b.Fatalf("executions: %v %v", list, err)
	}
	r := &engRecords{exec: list[0]}
	for deadline := time.Now().Add(15 * time.Second); r.exec.Status != core.StatusSucceeded; {
		if time.Now().After(deadline) {
			b.Fatalf("first execution is %s", r.exec.Status)
		}
		time.Sleep(5 * time.Millisecond)
		if r.exec, err = m.store.ExecutionGet(ctx, sc, pipeline, r.exec.ID); err != nil {
			b.Fatal(err)
		}
	}
	if r.stages, err = m.store.StageRunsOf(ctx, sc, pipeline, r.exec.ID); err != nil {
		b.Fatal(err)
	}
	if r.runs, err = m.store.ActionRunsOf(ctx, sc, pipeline, r.exec.ID); err != nil {
		b.Fatal(err)
	}
	for _, run := range r.runs {
		jobs, err := m.store.JobsOf(ctx, sc, run.ID)
		if err != nil {
			b.Fatal(err)
		}
		r.jobs = append(r.jobs, jobs...)
	}
	if len(r.stages) != 3 || len(r.runs) != 3 || len(r.jobs) != 3 {
		b.Fatalf("template has %d stage runs, %d action runs, %d jobs; want 3 each", len(r.stages), len(r.runs), len(r.jobs))
	}
	return r
}

// engFillHistory stores copies of the template, under new ids and one
// second apart, until the pipeline has n executions.
func engFillHistory(b *testing.B, m *Main, t *engRecords, from, n int) {
	b.Helper()
	ctx := context.Background()
	const batch = 5000
	t0 := t.exec.Created
	for i := from; i < n; {
		end := min(i+batch, n)
		err := m.store.InTx(ctx, func(tx store.Tx) error {
			for k := i; k < end; k++ {
				if err := engPutCopy(ctx, tx, t, t0.Add(time.Duration(k)*time.Second)); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			b.Fatalf("fill history: %v", err)
		}
		i = end
	}
}

func engPutCopy(ctx context.Context, tx store.Tx, t *engRecords, at time.Time) error {
	ex := *t.exec
	ex.ID, ex.Seq, ex.Arrived, ex.Created, ex.Updated = uuid.NewString(), 0, at, at, at
	if err := tx.ExecutionCreate(ctx, &ex); err != nil {
		return err
	}
	for _, s := range t.stages {
		sr := *s
		sr.ExecutionID, sr.Seq, sr.Updated = ex.ID, 0, at
		if err := tx.StageRunPut(ctx, &sr); err != nil {
			return err
		}
	}
	runIDs := map[string]string{}
	for _, r := range t.runs {
		ar := *r
		ar.ID, ar.ExecutionID, ar.Seq, ar.Started, ar.Updated = uuid.NewString(), ex.ID, 0, at, at
		ar.Deadline = at.Add(r.Deadline.Sub(r.Started))
		runIDs[r.ID] = ar.ID
		if err := tx.ActionRunPut(ctx, &ar); err != nil {
			return err
		}
	}
	for _, j := range t.jobs {
		jc := *j
		jc.ID, jc.ExecutionID, jc.ActionRunID, jc.Created, jc.Updated = uuid.NewString(), ex.ID, runIDs[j.ActionRunID], at, at
		if err := tx.JobPut(ctx, &jc); err != nil {
			return err
		}
	}
	return nil
}
