package main

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/codepipeline"
	"github.com/aws/aws-sdk-go-v2/service/codepipeline/types"

	"github.com/sluice-cd/sluice/internal/store/postgres/pgtest"
)

// replicaSet is several `sluice serve` processes on one PostgreSQL
// database, and which of them are alive.
type replicaSet struct {
	mu    sync.Mutex
	procs []*process
	dead  []bool
}

// client returns an SDK client of the i-th live replica from start, so
// a worker whose replica died moves to the next one.
func (r *replicaSet) client(start int) (*codepipeline.Client, int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for k := range r.procs {
		i := (start + k) % len(r.procs)
		if !r.dead[i] {
			return crashClient(r.procs[i].url), i
		}
	}
	return nil, -1
}

func (r *replicaSet) kill(i int) {
	r.mu.Lock()
	r.dead[i] = true
	r.mu.Unlock()
	r.procs[i].kill()
}

// replicaWorker works source and build jobs, polling the replicas from its
// own first, and records every job it was handed.
type replicaWorker struct {
	set     *replicaSet
	home    int
	src     *types.ActionTypeId
	build   *types.ActionTypeId
	handed  *sync.Map // job id -> times handed out to a worker
	worked  *atomic.Int64
	failure chan error
}

func (w *replicaWorker) run(ctx context.Context) {
	for ctx.Err() == nil {
		c, _ := w.set.client(w.home)
		for _, t := range []struct {
			id    *types.ActionTypeId
			query map[string]string
		}{{w.src, nil}, {w.build, map[string]string{"Project": "app"}}} {
			out, err := c.PollForJobs(ctx, &codepipeline.PollForJobsInput{ActionTypeId: t.id, QueryParam: t.query, MaxBatchSize: aws.Int32(5)}, engPollWait(1))
			if err != nil {
				continue // its replica was killed: the next round asks another
			}
			for _, j := range out.Jobs {
				w.work(ctx, j)
			}
		}
	}
}

func (w *replicaWorker) work(ctx context.Context, j types.Job) {
	n, _ := w.handed.LoadOrStore(aws.ToString(j.Id), new(atomic.Int32))
	if n.(*atomic.Int32).Add(1) > 1 {
		w.fail(fmt.Errorf("job %s was handed out twice", aws.ToString(j.Id)))
	}
	in := &codepipeline.PutJobSuccessResultInput{JobId: j.Id}
	if j.Data.ActionTypeId.Category == types.ActionCategorySource {
		in.CurrentRevision = &types.CurrentRevision{Revision: j.Id, ChangeIdentifier: j.Id}
	}
	for ctx.Err() == nil {
		c, _ := w.set.client(w.home)
		if _, err := c.AcknowledgeJob(ctx, &codepipeline.AcknowledgeJobInput{JobId: j.Id, Nonce: j.Nonce}); err != nil && crashErrorCode(err) == "" {
			continue // a replica died under the call: ask another
		}
		_, err := c.PutJobSuccessResult(ctx, in)
		if err == nil || crashErrorCode(err) == "InvalidJobStateException" {
			w.worked.Add(1)
			return
		}
		if code := crashErrorCode(err); code != "" {
			w.fail(fmt.Errorf("result of job %s: %v", aws.ToString(j.Id), err))
			return
		}
	}
}

// fail reports the first failure; the test stops on it.
func (w *replicaWorker) fail(err error) {
	select {
	case w.failure <- err:
	default:
	}
}

// Three `sluice serve` processes on one PostgreSQL database: 200
// executions started across them, worked by workers spread across them,
// and one replica killed with kill -9 mid-run. Every execution succeeds,
// no job is handed to two workers, every action ran once.
func TestReplicasSurviveKill(t *testing.T) {
	dsn := pgtest.Schema(t)
	set := &replicaSet{}
	for range 3 {
		set.procs = append(set.procs, startProcess(t, t.TempDir(), "--store", dsn, "--ack-timeout", "3s"))
		set.dead = append(set.dead, false)
	}
	ctx := context.Background()
	c0 := crashClient(set.procs[0].url)
	setupTypes(t, c0, "RSrc", "RBuild")
	p := flowPipeline("replicated", "RSrc", types.ExecutionModeParallel, []types.ActionDeclaration{buildAction("Build", "RBuild", "app", 1)})
	must[*codepipeline.CreatePipelineOutput](t)(crashClient(set.procs[1].url).CreatePipeline(ctx, &codepipeline.CreatePipelineInput{Pipeline: p}))

	wctx, stop := context.WithCancel(ctx)
	defer stop()
	w := &replicaWorker{set: set, src: customID(types.ActionCategorySource, "RSrc"), build: customID(types.ActionCategoryBuild, "RBuild"),
		handed: &sync.Map{}, worked: &atomic.Int64{}, failure: make(chan error, 1)}
	var wg sync.WaitGroup
	for i := range 6 {
		wg.Add(1)
		go func(home int) {
			defer wg.Done()
			wi := *w
			wi.home = home
			wi.run(wctx)
		}(i % 3)
	}
	const runs = 200
	for i := 1; i < runs; i++ { // creating the pipeline started the first
		c, _ := set.client(i % 3)
		if i == runs/3 {
			set.kill(2) // kill -9 one replica mid-run
		}
		for {
			_, err := c.StartPipelineExecution(ctx, &codepipeline.StartPipelineExecutionInput{Name: aws.String("replicated")})
			if err == nil {
				break
			}
			c, _ = set.client(i % 3)
		}
	}
	c, _ := set.client(0)
	deadline := time.Now().Add(3 * time.Minute)
	for {
		select {
		case err := <-w.failure:
			t.Fatal(err)
		default:
		}
		succeeded, failed := replicaStatuses(t, c)
		if failed > 0 {
			t.Fatalf("%d executions failed", failed)
		}
		if succeeded == runs {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("after 3 minutes %d of %d executions succeeded", succeeded, runs)
		}
		time.Sleep(100 * time.Millisecond) // polling the API for progress, not waiting on the system
	}
	stop()
	wg.Wait()
	// Every action ran exactly once.
	acts, next := 0, (*string)(nil)
	for {
		out, err := c.ListActionExecutions(ctx, &codepipeline.ListActionExecutionsInput{PipelineName: aws.String("replicated"), NextToken: next, MaxResults: aws.Int32(100)})
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range out.ActionExecutionDetails {
			if d.Status != types.ActionExecutionStatusSucceeded {
				t.Fatalf("action execution %s is %s", aws.ToString(d.ActionExecutionId), d.Status)
			}
			acts++
		}
		if next = out.NextToken; next == nil {
			break
		}
	}
	if acts != 2*runs {
		t.Fatalf("%d action executions, want %d (one source and one build per execution)", acts, 2*runs)
	}
	t.Logf("%d jobs worked across 3 replicas, one killed mid-run", w.worked.Load())
}

// replicaStatuses counts the pipeline's succeeded and failed executions.
func replicaStatuses(t *testing.T, c *codepipeline.Client) (succeeded, failed int) {
	t.Helper()
	var next *string
	for {
		out, err := c.ListPipelineExecutions(context.Background(), &codepipeline.ListPipelineExecutionsInput{
			PipelineName: aws.String("replicated"), NextToken: next, MaxResults: aws.Int32(100)})
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range out.PipelineExecutionSummaries {
			switch e.Status {
			case types.PipelineExecutionStatusSucceeded:
				succeeded++
			case types.PipelineExecutionStatusFailed, types.PipelineExecutionStatusStopped, types.PipelineExecutionStatusCancelled:
				failed++
			}
		}
		if next = out.NextToken; next == nil {
			return succeeded, failed
		}
	}
}
