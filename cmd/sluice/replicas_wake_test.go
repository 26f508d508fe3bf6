package main

import (
	"bytes"
	"context"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/codepipeline"
	"github.com/aws/aws-sdk-go-v2/service/codepipeline/types"

	"github.com/sluice-cd/sluice/internal/store/postgres/pgtest"
)

// Wake-ups across replicas: two servers on one PostgreSQL schema, a worker
// long-polling the first, executions started on the second.

// replicaPollWait is the poll wait of the worker: far longer than a
// wake-up across replicas may take.
const replicaPollWait = 20

// mustOpenReplicas starts two servers on one fresh PostgreSQL schema
// (skipping without a server, as pgtest does).
func mustOpenReplicas(tb testing.TB) (*Main, *Main) {
	tb.Helper()
	dsn := pgtest.Schema(tb)
	shared := func(c *Config) { c.Store = dsn }
	return MustOpen(tb, shared), MustOpen(tb, shared)
}

// arrival is a job a poll answered, and when.
type arrival struct {
	job types.Job
	at  time.Time
}

// longPoller is a worker long-polling one action type in a loop.
type longPoller struct {
	got  chan arrival
	errs chan error
}

// startLongPoller polls c for jobs of typ until the test ends. It stops
// before MustOpen's cleanup closes the server, which would otherwise wait
// for the parked poll.
func startLongPoller(tb testing.TB, c *codepipeline.Client, typ *types.ActionTypeId) *longPoller {
	p := &longPoller{got: make(chan arrival), errs: make(chan error, 1)}
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Go(func() {
		for ctx.Err() == nil {
			out, err := c.PollForJobs(ctx, &codepipeline.PollForJobsInput{ActionTypeId: typ, MaxBatchSize: aws.Int32(1)},
				engPollWait(replicaPollWait))
			at := time.Now()
			if err != nil {
				if ctx.Err() == nil {
					p.errs <- err
				}
				return
			}
			for _, j := range out.Jobs {
				select {
				case p.got <- arrival{j, at}:
				case <-ctx.Done():
					return
				}
			}
		}
	})
	tb.Cleanup(func() { cancel(); wg.Wait() })
	return p
}

// receive waits up to within for the next job.
func (p *longPoller) receive(tb testing.TB, within time.Duration) arrival {
	tb.Helper()
	select {
	case a := <-p.got:
		return a
	case err := <-p.errs:
		tb.Fatalf("poll: %v", err)
	case <-time.After(within):
		tb.Fatalf("no job within %v", within)
	}
	return arrival{}
}

// waitParked waits until a PollForJobs of this process waits for a job
// to be queued: until then, a job queued elsewhere would be found by the
// poll's own look, and prove nothing about wake-ups. The goroutine's stack
// is what shows it: blocked in the long-poll's wait, under PollForJobs.
func waitParked(tb testing.TB) {
	tb.Helper()
	buf := make([]byte, 1<<20)
	deadline := time.Now().Add(15 * time.Second)
	for {
		n := runtime.Stack(buf, true)
		for g := range bytes.SplitSeq(buf[:n], []byte("\n\n")) {
			if parked(string(g)) {
				return
			}
		}
		if time.Now().After(deadline) {
			tb.Fatal("no long-poll waiting within 15 s")
		}
		time.Sleep(time.Millisecond) // look again, as eventually does
	}
}

// parked tells whether a goroutine's stack is a PollForJobs waiting in the
// long-poll's select: its first frame outside the runtime is claimWaiting.
func parked(stack string) bool {
	header, frames, _ := strings.Cut(stack, "\n")
	if !strings.Contains(header, "[select") || !strings.Contains(frames, "engine.(*Engine).PollForJobs(") {
		return false
	}
	for line := range strings.SplitSeq(frames, "\n") {
		if strings.HasPrefix(line, "\t") || strings.HasPrefix(line, "runtime.") {
			continue // a file:line, or the runtime's own frames
		}
		return strings.Contains(line, "engine.(*Engine).claimWaiting(")
	}
	return false
}

// endJob ends a job's execution: the job is acknowledged and fails.
func endJob(tb testing.TB, c *codepipeline.Client, j types.Job) {
	tb.Helper()
	ctx := context.Background()
	if _, err := c.AcknowledgeJob(ctx, &codepipeline.AcknowledgeJobInput{JobId: j.Id, Nonce: j.Nonce}); err != nil {
		tb.Fatalf("acknowledge: %v", err)
	}
	_, err := c.PutJobFailureResult(ctx, &codepipeline.PutJobFailureResultInput{JobId: j.Id,
		FailureDetails: &types.FailureDetails{Type: types.FailureTypeJobFailed, Message: aws.String("done")}})
	if err != nil {
		tb.Fatalf("put failure: %v", err)
	}
}

// replicaPipeline creates, through c, custom types and a pipeline of
// them, and returns its source type. The creation starts an execution.
func replicaPipeline(tb testing.TB, c *codepipeline.Client, name string) *types.ActionTypeId {
	tb.Helper()
	src, _ := engTypes(tb, c, name+"Src", name+"Build")
	decl := engPipeline(name, name+"Src", name+"Build", types.ExecutionModeParallel, 1, 1)
	if _, err := c.CreatePipeline(context.Background(), &codepipeline.CreatePipelineInput{Pipeline: decl}); err != nil {
		tb.Fatalf("create pipeline: %v", err)
	}
	return src
}

// A worker long-polling one replica gets a job queued through another
// within milliseconds, not when its poll wait ends: the replicas tell each
// other of queued jobs through the database.
func TestReplicasWakePollers(t *testing.T) {
	first, second := mustOpenReplicas(t)
	a, b := newClient(first), newClient(second)
	p := startLongPoller(t, a, replicaPipeline(t, b, "wake"))
	endJob(t, a, p.receive(t, 15*time.Second).job) // the execution the creation started

	waitParked(t)
	start := time.Now()
	out, err := b.StartPipelineExecution(context.Background(), &codepipeline.StartPipelineExecutionInput{Name: aws.String("wake")})
	if err != nil {
		t.Fatalf("start: %v", err)
	}
	got := p.receive(t, 5*time.Second) // a fourth of the poll wait
	if id := aws.ToString(got.job.Data.PipelineContext.PipelineExecutionId); id != aws.ToString(out.PipelineExecutionId) {
		t.Fatalf("job of execution %s, want %s", id, aws.ToString(out.PipelineExecutionId))
	}
	t.Logf("a job queued through the second replica reached the first's poller in %v", got.at.Sub(start))
}

// BenchmarkReplicaWakeLatency measures how soon a worker long-polling one
// replica gets a job queued through another: from just before
// StartPipelineExecution on the second server to the first's poll
// answering with the job (BenchmarkLongPollLatency measures the same
// within one server). Between samples, untimed, the job is failed and the
// worker's next poll seen waiting.
func BenchmarkReplicaWakeLatency(b *testing.B) {
	first, second := mustOpenReplicas(b)
	ca, cb := newClient(first), newClient(second)
	p := startLongPoller(b, ca, replicaPipeline(b, cb, "replicawake"))
	endJob(b, ca, p.receive(b, 15*time.Second).job)
	ctx := context.Background()
	samples := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for range b.N {
		b.StopTimer()
		waitParked(b)
		b.StartTimer()
		start := time.Now()
		if _, err := cb.StartPipelineExecution(ctx, &codepipeline.StartPipelineExecutionInput{Name: aws.String("replicawake")}); err != nil {
			b.Fatalf("start: %v", err)
		}
		got := p.receive(b, 30*time.Second)
		b.StopTimer()
		samples = append(samples, got.at.Sub(start))
		endJob(b, ca, got.job)
		b.StartTimer()
	}
	b.StopTimer()
	engPercentiles(b, samples)
}
