package main

import (
	"context"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/codepipeline"
	"github.com/aws/aws-sdk-go-v2/service/codepipeline/types"
)

// TestTwoEnginesShareOneDatabase runs two servers over one database file,
// as replicas would share one database: executions are started on both,
// workers poll both, and still every job reaches exactly one worker, every
// result is applied once, and every execution succeeds. The pipeline lock
// and the claiming transaction are what make it hold.
func TestTwoEnginesShareOneDatabase(t *testing.T) {
	dir := t.TempDir()
	first := MustOpen(t, func(c *Config) { c.DataDir = dir })
	shared := func(c *Config) { c.DataDir, c.Store = dir, first.cfg.Store }
	servers := []*Main{first, MustOpen(t, shared)}
	clients := []*codepipeline.Client{newClient(servers[0]), newClient(servers[1])}
	ctx := context.Background()
	setupTypes(t, clients[0], "RepSrc", "RepBuild")
	p := flowPipeline("replicas", "RepSrc", types.ExecutionModeParallel,
		[]types.ActionDeclaration{buildAction("Build", "RepBuild", "app", 1), buildAction("Test", "RepBuild", "app", 2)})
	must[*codepipeline.CreatePipelineOutput](t)(clients[1].CreatePipeline(ctx, &codepipeline.CreatePipelineInput{Pipeline: p}))
	const runs = 30
	for i := 1; i < runs; i++ { // the creation started the first
		must[*codepipeline.StartPipelineExecutionOutput](t)(clients[i%2].StartPipelineExecution(ctx,
			&codepipeline.StartPipelineExecutionInput{Name: aws.String("replicas")}))
	}

	var mu sync.Mutex
	seen := map[string]int{}
	done := make(chan struct{})
	var wg sync.WaitGroup
	worker := func(c *codepipeline.Client, id *types.ActionTypeId, query map[string]string) {
		defer wg.Done()
		for {
			select {
			case <-done:
				return
			default:
			}
			out, err := c.PollForJobs(ctx, &codepipeline.PollForJobsInput{ActionTypeId: id, QueryParam: query, MaxBatchSize: aws.Int32(5)})
			if err != nil {
				t.Errorf("poll: %v", err)
				return
			}
			for _, j := range out.Jobs {
				mu.Lock()
				seen[aws.ToString(j.Id)]++
				mu.Unlock()
				if _, err := c.AcknowledgeJob(ctx, &codepipeline.AcknowledgeJobInput{JobId: j.Id, Nonce: j.Nonce}); err != nil {
					t.Errorf("acknowledge: %v", err)
					return
				}
				if _, err := c.PutJobSuccessResult(ctx, &codepipeline.PutJobSuccessResultInput{JobId: j.Id}); err != nil {
					t.Errorf("success: %v", err)
					return
				}
			}
		}
	}
	for i, c := range []*codepipeline.Client{clients[0], clients[1], clients[0], clients[1]} {
		wg.Add(1)
		if i < 2 {
			go worker(c, customID(types.ActionCategorySource, "RepSrc"), nil)
		} else {
			go worker(c, customID(types.ActionCategoryBuild, "RepBuild"), map[string]string{"Project": "app"})
		}
	}
	eventually(t, "every execution to succeed", func() bool {
		out, err := clients[0].ListPipelineExecutions(ctx, &codepipeline.ListPipelineExecutionsInput{PipelineName: aws.String("replicas")})
		if err != nil || t.Failed() {
			t.Fatalf("list: %v", err)
		}
		n := 0
		for _, s := range out.PipelineExecutionSummaries {
			if s.Status == types.PipelineExecutionStatusSucceeded {
				n++
			}
		}
		return n == runs
	})
	close(done)
	wg.Wait()

	mu.Lock()
	defer mu.Unlock()
	if len(seen) != runs*3 {
		t.Fatalf("%d jobs delivered, want %d", len(seen), runs*3)
	}
	for id, n := range seen {
		if n != 1 {
			t.Fatalf("job %s delivered %d times", id, n)
		}
	}
	actions, err := clients[1].ListActionExecutions(ctx, &codepipeline.ListActionExecutionsInput{PipelineName: aws.String("replicas")})
	if err != nil || len(actions.ActionExecutionDetails) != runs*3 {
		t.Fatalf("%d action executions, want %d: %v", len(actions.ActionExecutionDetails), runs*3, err)
	}
}
