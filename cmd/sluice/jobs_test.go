package main

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/codepipeline"
	"github.com/aws/aws-sdk-go-v2/service/codepipeline/types"
	"github.com/aws/smithy-go/middleware"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

// Tests of the job machinery: acknowledgement and action timeouts (J-2.5,
// J-2.10), long-polling, third-party jobs (J-3) and that no job is handed
// to two workers.

// TestAckTimeoutRequeues: a job not acknowledged in time is handed out
// again with a new nonce, waking a long-polling worker; the old nonce is
// then invalid (J-2.5, J-2.4).
func TestAckTimeoutRequeues(t *testing.T) {
	t.Parallel()
	c := newClient(MustOpen(t, func(cfg *Config) { cfg.Timeouts.Ack = 200 * time.Millisecond }))
	ctx := context.Background()
	setupTypes(t, c, "AckSrc", "AckBuild")
	srcID := customID(types.ActionCategorySource, "AckSrc")
	id := createRun(t, c, buildPipeline("ack", "AckSrc", "AckBuild", types.ExecutionModeSuperseded))
	first := pollOne(t, c, srcID, nil)
	out, err := c.PollForJobs(ctx, &codepipeline.PollForJobsInput{ActionTypeId: srcID}, pollWait(10))
	if err != nil || len(out.Jobs) != 1 {
		t.Fatalf("long poll for the job handed out again: %v %v", out, err)
	}
	again := out.Jobs[0]
	if aws.ToString(again.Id) != aws.ToString(first.Id) || aws.ToString(again.Nonce) == aws.ToString(first.Nonce) {
		t.Fatalf("handed out again: job %s nonce %s, want job %s with a new nonce", aws.ToString(again.Id), aws.ToString(again.Nonce), aws.ToString(first.Id))
	}
	_, err = c.AcknowledgeJob(ctx, &codepipeline.AcknowledgeJobInput{JobId: first.Id, Nonce: first.Nonce})
	wantAPIError(t, err, "InvalidNonceException")
	ackJob(t, c, again)
	succeed(t, c, again, nil, nil)
	waitStage(t, c, "ack", "Source", id, types.StageExecutionStatusSucceeded)
}

// TestActionTimeout: a custom action not finished within Timeouts.Custom
// fails, its job becomes TimedOut and takes no result (J-2.10, J-2.9,
// E-2.5); a dispatched job whose action timed out is not InProgress when
// acknowledged (J-2.4).
func TestActionTimeout(t *testing.T) {
	t.Parallel()
	c := newClient(MustOpen(t, func(cfg *Config) { cfg.Timeouts.Custom = 500 * time.Millisecond }))
	ctx := context.Background()
	setupTypes(t, c, "ToSrc", "ToBuild")
	id := createRun(t, c, buildPipeline("tout", "ToSrc", "ToBuild", types.ExecutionModeSuperseded))
	job := pollOne(t, c, customID(types.ActionCategorySource, "ToSrc"), nil)
	ackJob(t, c, job)
	pe := waitExecution(t, c, "tout", id, types.PipelineExecutionStatusFailed)
	if aws.ToString(pe.StatusSummary) != "The action timed out" {
		t.Errorf("summary %q", aws.ToString(pe.StatusSummary))
	}
	st := stageState(t, c, "tout", "Source").ActionStates[0].LatestExecution
	if st.Status != types.ActionExecutionStatusFailed || st.ErrorDetails == nil {
		t.Fatalf("timed-out action %+v", st)
	}
	_, err := c.PutJobSuccessResult(ctx, &codepipeline.PutJobSuccessResultInput{JobId: job.Id})
	wantAPIError(t, err, "InvalidJobStateException")
	_, err = c.PutJobFailureResult(ctx, &codepipeline.PutJobFailureResultInput{JobId: job.Id,
		FailureDetails: &types.FailureDetails{Type: types.FailureTypeJobFailed, Message: aws.String("late")}})
	wantAPIError(t, err, "InvalidJobStateException")

	next := putRevision(t, c, "tout", "r2")
	build := jobOf(t, c, customID(types.ActionCategoryBuild, "ToBuild"), map[string]string{"Project": "app"}, next)
	waitExecution(t, c, "tout", next, types.PipelineExecutionStatusFailed)
	out, err := c.AcknowledgeJob(ctx, &codepipeline.AcknowledgeJobInput{JobId: build.Id, Nonce: build.Nonce})
	if err != nil || out.Status != types.JobStatusTimedOut {
		t.Fatalf("acknowledging a timed-out job: %v %v, want TimedOut", out, err)
	}
}

// pollWait makes a request long-poll: Sluice's X-Sluice-Poll-Wait-Seconds
// header, added before signing.
func pollWait(seconds int) func(*codepipeline.Options) {
	return func(o *codepipeline.Options) {
		o.APIOptions = append(o.APIOptions, func(s *middleware.Stack) error {
			return s.Build.Add(middleware.BuildMiddlewareFunc("SluicePollWait", func(ctx context.Context, in middleware.BuildInput, next middleware.BuildHandler) (middleware.BuildOutput, middleware.Metadata, error) {
				if req, ok := in.Request.(*smithyhttp.Request); ok {
					req.Header.Set("X-Sluice-Poll-Wait-Seconds", fmt.Sprint(seconds))
				}
				return next.HandleBuild(ctx, in)
			}), middleware.After)
		})
	}
}

// TestLongPoll: without the header PollForJobs answers at once; with it,
// an empty poll waits up to the given time and one that is waiting wakes
// when a job is queued.
func TestLongPoll(t *testing.T) {
	t.Parallel()
	c := newClient(MustOpen(t))
	ctx := context.Background()
	setupTypes(t, c, "LPSrc", "LPBuild")
	srcID := customID(types.ActionCategorySource, "LPSrc")

	began := time.Now()
	out, err := c.PollForJobs(ctx, &codepipeline.PollForJobsInput{ActionTypeId: srcID})
	if err != nil || len(out.Jobs) != 0 || time.Since(began) > 500*time.Millisecond {
		t.Fatalf("plain poll: %d jobs, %v, took %s", len(out.Jobs), err, time.Since(began))
	}
	began = time.Now()
	out, err = c.PollForJobs(ctx, &codepipeline.PollForJobsInput{ActionTypeId: srcID}, pollWait(1))
	if took := time.Since(began); err != nil || len(out.Jobs) != 0 || took < 900*time.Millisecond {
		t.Fatalf("empty long poll: %d jobs, %v, after %s; want it to wait about 1s", len(out.Jobs), err, took)
	}
	_, err = c.PollForJobs(ctx, &codepipeline.PollForJobsInput{ActionTypeId: srcID}, pollWait(99))
	wantAPIError(t, err, "ValidationException")

	type result struct {
		out  *codepipeline.PollForJobsOutput
		err  error
		took time.Duration
	}
	got := make(chan result, 1)
	began = time.Now()
	go func() {
		out, err := c.PollForJobs(ctx, &codepipeline.PollForJobsInput{ActionTypeId: srcID}, pollWait(10))
		got <- result{out, err, time.Since(began)}
	}()
	id := createRun(t, c, buildPipeline("lp", "LPSrc", "LPBuild", types.ExecutionModeSuperseded))
	r := <-got
	if r.err != nil || len(r.out.Jobs) != 1 || r.took > 5*time.Second {
		t.Fatalf("long poll: %v %v after %s, want the new job at once", r.out, r.err, r.took)
	}
	if got := aws.ToString(r.out.Jobs[0].Data.PipelineContext.PipelineExecutionId); got != id {
		t.Fatalf("long poll got a job of %s, want %s", got, id)
	}
}

// thirdPartyPipeline deploys the source with the built-in ThirdParty
// Deploy type the catalogue lists.
func thirdPartyPipeline(t *testing.T, c *codepipeline.Client, name, src string) (*types.PipelineDeclaration, *types.ActionTypeId) {
	t.Helper()
	list := must[*codepipeline.ListActionTypesOutput](t)(c.ListActionTypes(context.Background(), &codepipeline.ListActionTypesInput{ActionOwnerFilter: types.ActionOwnerThirdParty}))
	var id *types.ActionTypeId
	cfg := map[string]string{}
	for _, at := range list.ActionTypes {
		if at.Id.Category == types.ActionCategoryDeploy && at.InputArtifactDetails.MinimumCount <= 1 && at.InputArtifactDetails.MaximumCount >= 1 {
			id = at.Id
			for _, p := range at.ActionConfigurationProperties {
				if p.Required {
					cfg[aws.ToString(p.Name)] = "value-of-" + aws.ToString(p.Name)
				}
			}
			break
		}
	}
	if id == nil {
		t.Fatal("no ThirdParty Deploy action type taking one input in ListActionTypes")
	}
	p := flowPipeline(name, src, types.ExecutionModeSuperseded, []types.ActionDeclaration{{
		Name: aws.String("Partner"), ActionTypeId: id, Configuration: cfg,
		InputArtifacts: []types.InputArtifact{{Name: aws.String("Src")}},
	}})
	return p, id
}

// pollThirdParty waits for a third-party job.
func pollThirdParty(t *testing.T, c *codepipeline.Client, id *types.ActionTypeId) types.ThirdPartyJob {
	t.Helper()
	var job types.ThirdPartyJob
	eventually(t, "a third-party job", func() bool {
		out, err := c.PollForThirdPartyJobs(context.Background(), &codepipeline.PollForThirdPartyJobsInput{ActionTypeId: id, MaxBatchSize: aws.Int32(1)})
		if err != nil {
			t.Fatalf("poll third-party: %v", err)
		}
		if len(out.Jobs) == 0 {
			return false
		}
		job = out.Jobs[0]
		return true
	})
	return job
}

// TestThirdPartyJobs: third-party jobs go to the configured partner, who
// must present its client token; custom and third-party operations do not
// mix (J-3.1 to J-3.3).
func TestThirdPartyJobs(t *testing.T) {
	t.Parallel()
	c := newClient(MustOpen(t, func(cfg *Config) {
		cfg.ThirdPartyClientID, cfg.ThirdPartyClientToken = "partner-1", "partner-secret"
	}))
	ctx := context.Background()
	setupTypes(t, c, "TPSrc", "TPBuild")
	p, tpID := thirdPartyPipeline(t, c, "tp", "TPSrc")
	id := createRun(t, c, p)
	src := pollOne(t, c, customID(types.ActionCategorySource, "TPSrc"), nil)
	ackJob(t, c, src)
	succeed(t, c, src, nil, &types.CurrentRevision{Revision: aws.String("abc"), ChangeIdentifier: aws.String("c1")})

	_, err := c.PollForJobs(ctx, &codepipeline.PollForJobsInput{ActionTypeId: tpID})
	wantAPIError(t, err, "ValidationException")
	_, err = c.PollForThirdPartyJobs(ctx, &codepipeline.PollForThirdPartyJobsInput{ActionTypeId: customID(types.ActionCategorySource, "TPSrc")})
	wantAPIError(t, err, "ValidationException")

	job := pollThirdParty(t, c, tpID)
	if aws.ToString(job.ClientId) != "partner-1" || aws.ToString(job.JobId) == "" {
		t.Fatalf("third-party job %+v", job)
	}
	_, err = c.GetThirdPartyJobDetails(ctx, &codepipeline.GetThirdPartyJobDetailsInput{JobId: job.JobId, ClientToken: aws.String("wrong")})
	wantAPIError(t, err, "InvalidClientTokenException")
	token := aws.String("partner-secret")
	details := must[*codepipeline.GetThirdPartyJobDetailsOutput](t)(c.GetThirdPartyJobDetails(ctx, &codepipeline.GetThirdPartyJobDetailsInput{JobId: job.JobId, ClientToken: token}))
	d := details.JobDetails
	if aws.ToString(d.Id) != aws.ToString(job.JobId) || aws.ToString(d.Nonce) == "" || d.Data == nil ||
		d.Data.PipelineContext == nil || aws.ToString(d.Data.PipelineContext.PipelineName) != "tp" ||
		d.Data.PipelineContext.PipelineArn != nil || d.Data.PipelineContext.PipelineExecutionId != nil ||
		len(d.Data.InputArtifacts) != 1 || aws.ToString(d.Data.InputArtifacts[0].Revision) != "abc" {
		t.Fatalf("third-party job details %+v data %+v", d, d.Data)
	}
	_, err = c.GetJobDetails(ctx, &codepipeline.GetJobDetailsInput{JobId: job.JobId})
	wantAPIError(t, err, "JobNotFoundException") // not a custom job
	_, err = c.GetThirdPartyJobDetails(ctx, &codepipeline.GetThirdPartyJobDetailsInput{JobId: src.Id, ClientToken: token})
	wantAPIError(t, err, "InvalidJobException") // a custom job
	_, err = c.AcknowledgeThirdPartyJob(ctx, &codepipeline.AcknowledgeThirdPartyJobInput{JobId: src.Id, Nonce: src.Nonce, ClientToken: token})
	wantAPIError(t, err, "InvalidJobException")

	_, err = c.AcknowledgeThirdPartyJob(ctx, &codepipeline.AcknowledgeThirdPartyJobInput{JobId: job.JobId, Nonce: d.Nonce, ClientToken: aws.String("wrong")})
	wantAPIError(t, err, "InvalidClientTokenException")
	_, err = c.AcknowledgeThirdPartyJob(ctx, &codepipeline.AcknowledgeThirdPartyJobInput{JobId: job.JobId, Nonce: aws.String("stale"), ClientToken: token})
	wantAPIError(t, err, "InvalidNonceException")
	ack := must[*codepipeline.AcknowledgeThirdPartyJobOutput](t)(c.AcknowledgeThirdPartyJob(ctx, &codepipeline.AcknowledgeThirdPartyJobInput{JobId: job.JobId, Nonce: d.Nonce, ClientToken: token}))
	if ack.Status != types.JobStatusInProgress {
		t.Fatalf("acknowledge status %s", ack.Status)
	}
	_, err = c.PutThirdPartyJobSuccessResult(ctx, &codepipeline.PutThirdPartyJobSuccessResultInput{JobId: job.JobId, ClientToken: aws.String("wrong")})
	wantAPIError(t, err, "InvalidClientTokenException")
	must[*codepipeline.PutThirdPartyJobSuccessResultOutput](t)(c.PutThirdPartyJobSuccessResult(ctx, &codepipeline.PutThirdPartyJobSuccessResultInput{
		JobId: job.JobId, ClientToken: token, ExecutionDetails: &types.ExecutionDetails{Summary: aws.String("deployed")}}))
	waitExecution(t, c, "tp", id, types.PipelineExecutionStatusSucceeded)
	_, err = c.PutThirdPartyJobFailureResult(ctx, &codepipeline.PutThirdPartyJobFailureResultInput{JobId: job.JobId, ClientToken: token,
		FailureDetails: &types.FailureDetails{Type: types.FailureTypeJobFailed, Message: aws.String("late")}})
	wantAPIError(t, err, "InvalidJobStateException")

	// A failure fails the execution.
	next := putRevision(t, c, "tp", "r2")
	job = pollThirdParty(t, c, tpID)
	_, err = c.PutThirdPartyJobFailureResult(ctx, &codepipeline.PutThirdPartyJobFailureResultInput{JobId: job.JobId, ClientToken: token,
		FailureDetails: &types.FailureDetails{Type: types.FailureTypeConfigurationError, Message: aws.String("skill not found")}})
	if err != nil {
		t.Fatal(err)
	}
	pe := waitExecution(t, c, "tp", next, types.PipelineExecutionStatusFailed)
	if aws.ToString(pe.StatusSummary) != "skill not found" {
		t.Errorf("summary %q", aws.ToString(pe.StatusSummary))
	}
}

// TestThirdPartyActionTimeout: a third-party action is timed like a
// custom one, by Timeouts.Custom (J-2.10).
func TestThirdPartyActionTimeout(t *testing.T) {
	t.Parallel()
	c := newClient(MustOpen(t, func(cfg *Config) {
		cfg.ThirdPartyClientToken = "partner-secret"
		cfg.Timeouts.Custom = 500 * time.Millisecond
	}))
	setupTypes(t, c, "TTSrc", "TTBuild")
	p, tpID := thirdPartyPipeline(t, c, "tpt", "TTSrc")
	createRun(t, c, p)
	id := putRevision(t, c, "tpt", "r1") // waits for the creation's source to time out
	job := pollThirdParty(t, c, tpID)
	pe := waitExecution(t, c, "tpt", id, types.PipelineExecutionStatusFailed)
	if aws.ToString(pe.StatusSummary) != "The action timed out" {
		t.Errorf("summary %q", aws.ToString(pe.StatusSummary))
	}
	_, err := c.PutThirdPartyJobSuccessResult(context.Background(), &codepipeline.PutThirdPartyJobSuccessResultInput{
		JobId: job.JobId, ClientToken: aws.String("partner-secret")})
	wantAPIError(t, err, "InvalidJobStateException")
}

// pooledClient is newClient for many concurrent callers. Its transport
// may dial connections it then never uses; it closes them before the
// server shuts down, which otherwise waits 5 s for such connections.
func pooledClient(t *testing.T, m *Main) *codepipeline.Client {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	t.Cleanup(tr.CloseIdleConnections) // runs before MustOpen's Close
	return codepipeline.New(codepipeline.Options{
		Region: "us-east-1", BaseEndpoint: aws.String(m.URL()), RetryMaxAttempts: 1,
		Credentials: credentials.NewStaticCredentialsProvider(testAccount, "secret", ""),
		HTTPClient:  &http.Client{Transport: tr},
	})
}

// TestNoJobHandedOutTwice: many concurrent pollers over many queued jobs
// each receive distinct jobs, every job exactly once, and every nonce
// they get acknowledges (J-2.2, J-2.4).
func TestNoJobHandedOutTwice(t *testing.T) {
	t.Parallel()
	c := pooledClient(t, MustOpen(t))
	ctx := context.Background()
	setupTypes(t, c, "NDSrc", "NDBuild")
	srcID := customID(types.ActionCategorySource, "NDSrc")
	createRun(t, c, buildPipeline("nodup", "NDSrc", "NDBuild", types.ExecutionModeParallel))
	const jobs, pollers = 48, 16
	for range jobs - 1 {
		must[*codepipeline.StartPipelineExecutionOutput](t)(c.StartPipelineExecution(ctx, &codepipeline.StartPipelineExecutionInput{Name: aws.String("nodup")}))
	}

	var (
		mu       sync.Mutex
		seen     = map[string]int{}
		received atomic.Int32
		wg       sync.WaitGroup
		errs     = make(chan error, pollers)
	)
	deadline := time.Now().Add(10 * time.Second)
	for i := range pollers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for received.Load() < jobs && time.Now().Before(deadline) {
				out, err := c.PollForJobs(ctx, &codepipeline.PollForJobsInput{ActionTypeId: srcID, MaxBatchSize: aws.Int32(int32(1 + i%3))})
				if err != nil {
					errs <- fmt.Errorf("poll: %w", err)
					return
				}
				for _, j := range out.Jobs {
					mu.Lock()
					seen[aws.ToString(j.Id)]++
					mu.Unlock()
					received.Add(1)
					ack, err := c.AcknowledgeJob(ctx, &codepipeline.AcknowledgeJobInput{JobId: j.Id, Nonce: j.Nonce})
					if err != nil || ack.Status != types.JobStatusInProgress {
						errs <- fmt.Errorf("acknowledge %s: %v %v", aws.ToString(j.Id), ack, err)
						return
					}
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if len(seen) != jobs || received.Load() != jobs {
		t.Fatalf("received %d jobs, %d distinct, want %d each", received.Load(), len(seen), jobs)
	}
	for id, n := range seen {
		if n != 1 {
			t.Errorf("job %s handed out %d times", id, n)
		}
	}
}
