package main

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/codepipeline"
	"github.com/aws/aws-sdk-go-v2/service/codepipeline/types"
	"github.com/aws/smithy-go"
)

// The durability test: the built binary runs a QUEUED pipeline of custom
// actions and a manual approval while a job worker works its jobs, and the
// process is killed with SIGKILL at fixed points of that work, then started
// again on the same data directory. Whatever the server answered 200 to
// must survive each kill, no result may be applied twice, and every
// execution must still finish.

const (
	crashPipelineName = "crash"
	crashExecutions   = 4 // the one CreatePipeline starts, and three more
	crashSrc          = "CrashSrc"
	crashBuild        = "CrashBuild"
)

// crashKills are the points the process is killed at, in the order the
// work reaches them: a phase and how many events of that phase have
// happened when it is killed. Each event runs to its end first (a poll
// answered, an ack answered, a result answered), so the kill lands between
// that answer and the worker's next request, except for the burst, which
// is killed while results are still in flight, and "restarted", which
// kills a process as soon as it serves, while it recovers.
var crashKills = []crashPoint{
	{"started", 2},          // right after StartPipelineExecution answered
	{"polled", 2},           // a job handed out, not acknowledged yet
	{"burst", 1},            // results of several jobs in flight at once
	{"restarted", 3},        // again right after a restart, while it recovers
	{"acked", 7},            // a job acknowledged, its result not sent yet
	{"succeeded", 10},       // right after a PutJobSuccessResult answered
	{"approval-waiting", 2}, // an approval waits for its answer
	{"approved", 3},         // right after PutApprovalResult answered
}

type crashPoint struct {
	phase string
	n     int
}

// crashWorker is the job worker and the test's memory of what the server
// acknowledged.
type crashWorker struct {
	t   *testing.T
	dir string
	p   *process
	c   *codepipeline.Client

	events    map[string]int
	kills     []string
	confirmed map[string]string // action execution id -> what the server acknowledged about it
	started   []string          // execution ids the server acknowledged starting
	done      []types.Job       // jobs whose result the server acknowledged
	approved  map[string]bool   // approval tokens answered
	outcomes  []string          // what became of the jobs in hand at a kill
}

// crashClient is an SDK client of the process at url that never retries:
// a request cut by a kill must surface as an error, not go elsewhere.
func crashClient(url string) *codepipeline.Client {
	return codepipeline.New(codepipeline.Options{
		Region: "us-east-1", BaseEndpoint: aws.String(url), RetryMaxAttempts: 1,
		Credentials: credentials.NewStaticCredentialsProvider(testAccount, "secret", ""),
	}, func(o *codepipeline.Options) { o.HTTPClient = bufferedBody{o.HTTPClient} })
}

func crashErrorCode(err error) string {
	var apiErr smithy.APIError
	if errors.As(err, &apiErr) {
		return apiErr.ErrorCode()
	}
	return ""
}

func TestCrashRecovery(t *testing.T) {
	t.Parallel()
	if _, err := buildBinary(); err != nil {
		t.Fatalf("build: %v", err)
	}
	began := time.Now()
	w := &crashWorker{t: t, dir: t.TempDir(), events: map[string]int{}, confirmed: map[string]string{}, approved: map[string]bool{}}
	w.p = startProcess(t, w.dir)
	w.c = crashClient(w.p.url)
	ctx := context.Background()

	setupTypes(t, w.c, crashSrc, crashBuild)
	approve := approvalAction("Approve", nil)
	p := flowPipeline(crashPipelineName, crashSrc, types.ExecutionModeQueued,
		[]types.ActionDeclaration{buildAction("BuildA", crashBuild, "a", 1), buildAction("BuildB", crashBuild, "b", 1),
			buildAction("BuildC", crashBuild, "c", 1)},
		[]types.ActionDeclaration{approve},
		[]types.ActionDeclaration{buildAction("Deploy", crashBuild, "deploy", 1)},
	)
	must[*codepipeline.CreatePipelineOutput](t)(w.c.CreatePipeline(ctx, &codepipeline.CreatePipelineInput{Pipeline: p}))
	w.started = append(w.started, latestExecution(t, w.c, crashPipelineName))
	for len(w.started) < crashExecutions {
		out, err := w.c.StartPipelineExecution(ctx, &codepipeline.StartPipelineExecutionInput{Name: aws.String(crashPipelineName)})
		if err != nil {
			t.Fatalf("start execution: %v", err)
		}
		w.started = append(w.started, aws.ToString(out.PipelineExecutionId))
		w.at("started")
	}

	deadline := time.Now().Add(20 * time.Second)
	for !w.allSucceeded() {
		if time.Now().After(deadline) {
			t.Fatalf("executions not all Succeeded after 20s: %s", w.statuses())
		}
		if !w.round() {
			time.Sleep(5 * time.Millisecond) // nothing to do yet: poll again
		}
	}
	if len(w.kills) != len(crashKills) {
		t.Fatalf("killed at %v, planned %v", w.kills, crashKills)
	}
	w.checkEnd()
	t.Logf("%d kills: %s", len(w.kills), strings.Join(w.kills, ", "))
	for _, o := range w.outcomes {
		t.Logf("after a kill: %s", o)
	}
	t.Logf("%d executions, %d jobs and %d approvals worked in %v (binary already built)",
		len(w.started), len(w.done), len(w.approved), time.Since(began).Round(time.Millisecond))
}

// at records an event of a phase and kills the process if the plan says so.
func (w *crashWorker) at(phase string) bool {
	w.events[phase]++
	for _, k := range crashKills {
		if k.phase == phase && k.n == w.events[phase] {
			w.restart(fmt.Sprintf("%s #%d", phase, k.n))
			return true
		}
	}
	return false
}

// restart kills the process with SIGKILL, starts it again on the same
// data directory, and checks everything it acknowledged is still there.
func (w *crashWorker) restart(why string) {
	w.t.Helper()
	w.p.kill()
	w.kills = append(w.kills, why)
	w.p = startProcess(w.t, w.dir)
	w.c = crashClient(w.p.url)
	if w.at("restarted") {
		return // the restart after this kill checked
	}
	w.checkDurable(why)
}

// checkDurable checks, right after a restart and without waiting, that
// every execution whose start was acknowledged exists and every result
// and approval acknowledged with a 200 is recorded.
func (w *crashWorker) checkDurable(why string) {
	w.t.Helper()
	for _, id := range w.started {
		if _, err := w.c.GetPipelineExecution(context.Background(), &codepipeline.GetPipelineExecutionInput{
			PipelineName: aws.String(crashPipelineName), PipelineExecutionId: aws.String(id)}); err != nil {
			w.t.Fatalf("after kill at %s: execution %s acknowledged before the kill is gone: %v", why, id, err)
		}
	}
	runs := w.actionExecutions()
	for id, what := range w.confirmed {
		d, ok := runs[id]
		if !ok || d.Status != types.ActionExecutionStatusSucceeded {
			w.t.Fatalf("after kill at %s: %s was acknowledged before the kill but its action execution is %+v", why, what, d.Status)
		}
	}
}

// actionExecutions lists every action execution of the pipeline by id.
func (w *crashWorker) actionExecutions() map[string]types.ActionExecutionDetail {
	w.t.Helper()
	all := map[string]types.ActionExecutionDetail{}
	in := &codepipeline.ListActionExecutionsInput{PipelineName: aws.String(crashPipelineName)}
	for {
		out, err := w.c.ListActionExecutions(context.Background(), in)
		if err != nil {
			w.t.Fatalf("list action executions: %v", err)
		}
		for _, d := range out.ActionExecutionDetails {
			id := aws.ToString(d.ActionExecutionId)
			if _, dup := all[id]; dup {
				w.t.Fatalf("action execution %s listed twice", id)
			}
			all[id] = d
		}
		if out.NextToken == nil {
			return all
		}
		in.NextToken = out.NextToken
	}
}

// queues are what the worker polls: the source, and the build type once
// per queryable Project.
func crashQueues() []struct {
	id    *types.ActionTypeId
	query map[string]string
} {
	src := customID(types.ActionCategorySource, crashSrc)
	build := customID(types.ActionCategoryBuild, crashBuild)
	return []struct {
		id    *types.ActionTypeId
		query map[string]string
	}{
		{src, nil},
		{build, map[string]string{"Project": "a"}},
		{build, map[string]string{"Project": "b"}},
		{build, map[string]string{"Project": "c"}},
		{build, map[string]string{"Project": "deploy"}},
	}
}

// round polls every queue, acknowledges and completes what it got, and
// answers a waiting approval. It tells whether there was anything to do.
func (w *crashWorker) round() bool {
	w.t.Helper()
	ctx := context.Background()
	var jobs []types.Job
	for _, q := range crashQueues() {
		out, err := w.c.PollForJobs(ctx, &codepipeline.PollForJobsInput{ActionTypeId: q.id, QueryParam: q.query, MaxBatchSize: aws.Int32(10)})
		if err != nil {
			w.t.Fatalf("poll: %v", err)
		}
		for _, j := range out.Jobs {
			jobs = append(jobs, j)
			if w.at("polled") {
				jobs = w.ackAfterKill(jobs)
			}
		}
	}
	var acked []types.Job
	for _, j := range jobs {
		if !w.ack(j) {
			continue
		}
		acked = append(acked, j)
		if w.at("acked") {
			w.outcomes = append(w.outcomes, w.resultAfterKill(j))
			acked = acked[:len(acked)-1]
		}
	}
	if len(acked) > 1 && w.events["burst"] == 0 {
		w.burst(acked)
	} else {
		for _, j := range acked {
			w.succeed(j)
			w.at("succeeded")
		}
	}
	approved := w.approveWaiting()
	return len(jobs) > 0 || approved
}

// ackAfterKill acknowledges, on the new process, jobs handed out by the
// one just killed, with the nonces they came with. They are either still
// the worker's (the database kept them Dispatched with their nonce) or
// queued again for a new nonce (InvalidNonceException): the test accepts
// both, reports which, and keeps the jobs still its own. Acknowledging
// them again later answers InProgress.
func (w *crashWorker) ackAfterKill(jobs []types.Job) []types.Job {
	w.t.Helper()
	var kept []types.Job
	redispatched := 0
	for _, j := range jobs {
		out, err := w.c.AcknowledgeJob(context.Background(), &codepipeline.AcknowledgeJobInput{JobId: j.Id, Nonce: j.Nonce})
		switch {
		case err == nil && out.Status == types.JobStatusInProgress:
			kept = append(kept, j)
		case crashErrorCode(err) == "InvalidNonceException":
			redispatched++
		default:
			w.t.Fatalf("acknowledge %s after the kill: %v %v", aws.ToString(j.Id), out, err)
		}
	}
	w.outcomes = append(w.outcomes, fmt.Sprintf("%d job(s) polled but not acknowledged before the kill: %d acknowledged afterwards with their old nonce, %d redispatched",
		len(jobs), len(kept), redispatched))
	return kept
}

// resultAfterKill completes on the new process a job acknowledged on the
// one just killed: by its id (it is still InProgress), or, if the restart
// gave it up, it must come back through a poll.
func (w *crashWorker) resultAfterKill(j types.Job) string {
	w.t.Helper()
	_, err := w.c.PutJobSuccessResult(context.Background(), w.successOf(j))
	switch code := crashErrorCode(err); {
	case err == nil:
		w.confirm(j)
		return fmt.Sprintf("job %s acknowledged before the kill: completed afterwards by its job id", aws.ToString(j.Id))
	case code == "InvalidJobStateException" || code == "JobNotFoundException":
		return fmt.Sprintf("job %s acknowledged before the kill: given up (%s), to be redispatched", aws.ToString(j.Id), code)
	default:
		w.t.Fatalf("result of %s after the kill: %v", aws.ToString(j.Id), err)
		return ""
	}
}

func (w *crashWorker) ack(j types.Job) bool {
	w.t.Helper()
	out, err := w.c.AcknowledgeJob(context.Background(), &codepipeline.AcknowledgeJobInput{JobId: j.Id, Nonce: j.Nonce})
	if crashErrorCode(err) == "InvalidNonceException" {
		return false // handed out again since: whoever holds it now works it
	}
	if err != nil || out.Status != types.JobStatusInProgress {
		w.t.Fatalf("acknowledge %s: %v %v", aws.ToString(j.Id), out, err)
	}
	return true
}

func (w *crashWorker) successOf(j types.Job) *codepipeline.PutJobSuccessResultInput {
	in := &codepipeline.PutJobSuccessResultInput{JobId: j.Id,
		ExecutionDetails: &types.ExecutionDetails{Summary: aws.String("done by " + aws.ToString(j.Id)), ExternalExecutionId: j.Id}}
	if aws.ToString(j.Data.PipelineContext.Stage.Name) == "Source" {
		rev := "rev-" + aws.ToString(j.Data.PipelineContext.PipelineExecutionId)
		in.CurrentRevision = &types.CurrentRevision{Revision: aws.String(rev), ChangeIdentifier: aws.String(rev)}
		in.OutputVariables = map[string]string{"CommitId": rev}
	}
	return in
}

func (w *crashWorker) succeed(j types.Job) {
	w.t.Helper()
	if _, err := w.c.PutJobSuccessResult(context.Background(), w.successOf(j)); err != nil {
		w.t.Fatalf("put success %s: %v", aws.ToString(j.Id), err)
	}
	w.confirm(j)
}

func (w *crashWorker) confirm(j types.Job) {
	ctx := j.Data.PipelineContext
	w.confirmed[aws.ToString(ctx.Action.ActionExecutionId)] = fmt.Sprintf("the result of job %s (%s/%s of %s)",
		aws.ToString(j.Id), aws.ToString(ctx.Stage.Name), aws.ToString(ctx.Action.Name), aws.ToString(ctx.PipelineExecutionId))
	w.done = append(w.done, j)
}

// burst sends the results of several jobs at once and kills the process as
// soon as the first is answered, with the others in flight. A result that
// got no answer is sent again to the new process: it takes it (the kill
// lost it) or refuses it with InvalidJobStateException (the kill only lost
// the answer). Either way it is applied once.
func (w *crashWorker) burst(jobs []types.Job) {
	w.t.Helper()
	type answer struct {
		job types.Job
		err error
	}
	answers := make(chan answer, len(jobs))
	c := w.c
	for _, j := range jobs {
		go func() {
			_, err := c.PutJobSuccessResult(context.Background(), w.successOf(j))
			answers <- answer{j, err}
		}()
	}
	first := <-answers
	if first.err != nil {
		w.t.Fatalf("put success %s: %v", aws.ToString(first.job.Id), first.err)
	}
	w.at("burst") // kills and restarts: the other results are in flight
	w.confirm(first.job)
	var answered, lost, applied = 1, 0, 0
	for range len(jobs) - 1 {
		a := <-answers
		if a.err == nil {
			answered++
			w.confirm(a.job)
			continue
		}
		_, err := w.c.PutJobSuccessResult(context.Background(), w.successOf(a.job))
		switch crashErrorCode(err) {
		case "":
			if err != nil {
				w.t.Fatalf("result of %s sent again: %v", aws.ToString(a.job.Id), err)
			}
			lost++
		case "InvalidJobStateException":
			applied++
		default:
			w.t.Fatalf("result of %s sent again: %v", aws.ToString(a.job.Id), err)
		}
		w.confirm(a.job)
	}
	w.checkDurable("burst (results answered before the kill)")
	w.outcomes = append(w.outcomes, fmt.Sprintf("burst of %d results: %d answered before the kill, %d cut and applied once when sent again, %d cut but already applied (InvalidJobStateException when sent again)",
		len(jobs), answered, lost, applied))
}

// approveWaiting answers the approval the pipeline waits on, if any.
func (w *crashWorker) approveWaiting() bool {
	w.t.Helper()
	for _, a := range stageState(w.t, w.c, crashPipelineName, "Stage2").ActionStates {
		le := a.LatestExecution
		if le == nil || le.Token == nil || le.Status != types.ActionExecutionStatusInProgress || w.approved[aws.ToString(le.Token)] {
			continue
		}
		token, id := aws.ToString(le.Token), aws.ToString(le.ActionExecutionId)
		w.at("approval-waiting") // the token must survive a kill
		in := &codepipeline.PutApprovalResultInput{PipelineName: aws.String(crashPipelineName), StageName: aws.String("Stage2"),
			ActionName: aws.String("Approve"), Token: aws.String(token),
			Result: &types.ApprovalResult{Status: types.ApprovalStatusApproved, Summary: aws.String("ok")}}
		if _, err := w.c.PutApprovalResult(context.Background(), in); err != nil {
			w.t.Fatalf("approve %s: %v", token, err)
		}
		w.approved[token] = true
		w.confirmed[id] = "the approval of action execution " + id
		if w.at("approved") {
			_, err := w.c.PutApprovalResult(context.Background(), in)
			if code := crashErrorCode(err); code != "ApprovalAlreadyCompletedException" && code != "InvalidApprovalTokenException" {
				w.t.Fatalf("approval answered again after the kill: %v", err)
			}
		}
		return true
	}
	return false
}

func (w *crashWorker) allSucceeded() bool {
	w.t.Helper()
	for _, id := range w.started {
		if w.status(id) != types.PipelineExecutionStatusSucceeded {
			return false
		}
	}
	return true
}

func (w *crashWorker) status(id string) types.PipelineExecutionStatus {
	w.t.Helper()
	out, err := w.c.GetPipelineExecution(context.Background(), &codepipeline.GetPipelineExecutionInput{
		PipelineName: aws.String(crashPipelineName), PipelineExecutionId: aws.String(id)})
	if err != nil {
		w.t.Fatalf("get execution %s: %v", id, err)
	}
	if s := out.PipelineExecution.Status; s == types.PipelineExecutionStatusFailed || s == types.PipelineExecutionStatusStopped {
		w.t.Fatalf("execution %s is %s: %s", id, s, aws.ToString(out.PipelineExecution.StatusSummary))
	}
	return out.PipelineExecution.Status
}

func (w *crashWorker) statuses() string {
	var s []string
	for _, id := range w.started {
		s = append(s, fmt.Sprintf("%s=%s", id, w.status(id)))
	}
	return strings.Join(s, " ")
}

// checkEnd checks the end state: one Succeeded run of every action of
// every execution, every result refused when sent again, no job left in
// any queue, no stage still busy, and the executions listed as started.
func (w *crashWorker) checkEnd() {
	w.t.Helper()
	ctx := context.Background()
	runs := w.actionExecutions()
	perAction := map[string][]types.ActionExecutionStatus{}
	for _, d := range runs {
		key := fmt.Sprintf("%s/%s/%s", aws.ToString(d.PipelineExecutionId), aws.ToString(d.StageName), aws.ToString(d.ActionName))
		perAction[key] = append(perAction[key], d.Status)
	}
	actions := []string{"Source/Fetch", "Stage1/BuildA", "Stage1/BuildB", "Stage1/BuildC", "Stage2/Approve", "Stage3/Deploy"}
	for _, ex := range w.started {
		for _, a := range actions {
			got := perAction[ex+"/"+a]
			if len(got) != 1 || got[0] != types.ActionExecutionStatusSucceeded {
				w.t.Errorf("execution %s action %s ran %v, want exactly one Succeeded run", ex, a, got)
			}
		}
	}
	if want := len(w.started) * len(actions); len(runs) != want {
		keys := make([]string, 0, len(perAction))
		for k, v := range perAction {
			keys = append(keys, fmt.Sprintf("%s=%v", k, v))
		}
		sort.Strings(keys)
		w.t.Errorf("%d action executions, want %d: %v", len(runs), want, keys)
	}
	if want := len(w.started) * (len(actions) - 1); len(w.done) != want { // every action but the approval is a job
		w.t.Errorf("%d jobs completed, want %d", len(w.done), want)
	}
	seen := map[string]bool{}
	for _, j := range w.done {
		if seen[aws.ToString(j.Id)] {
			w.t.Errorf("job %s completed twice", aws.ToString(j.Id))
		}
		seen[aws.ToString(j.Id)] = true
		_, err := w.c.PutJobSuccessResult(ctx, w.successOf(j))
		if crashErrorCode(err) != "InvalidJobStateException" {
			w.t.Errorf("result of finished job %s sent again: %v, want InvalidJobStateException", aws.ToString(j.Id), err)
		}
	}
	for _, q := range crashQueues() {
		out, err := w.c.PollForJobs(ctx, &codepipeline.PollForJobsInput{ActionTypeId: q.id, QueryParam: q.query, MaxBatchSize: aws.Int32(10)})
		if err != nil || len(out.Jobs) != 0 {
			w.t.Errorf("poll %s %v after the end: %d jobs, %v", aws.ToString(q.id.Provider), q.query, len(out.Jobs), err)
		}
	}
	state, err := w.c.GetPipelineState(ctx, &codepipeline.GetPipelineStateInput{Name: aws.String(crashPipelineName)})
	if err != nil {
		w.t.Fatal(err)
	}
	for _, s := range state.StageStates {
		if s.LatestExecution == nil || s.LatestExecution.Status != types.StageExecutionStatusSucceeded ||
			len(s.InboundExecutions) > 0 || s.InboundExecution != nil {
			w.t.Errorf("stage %s at the end: %+v, inbound %v", aws.ToString(s.StageName), s.LatestExecution, s.InboundExecutions)
		}
	}
	list, err := w.c.ListPipelineExecutions(ctx, &codepipeline.ListPipelineExecutionsInput{PipelineName: aws.String(crashPipelineName)})
	if err != nil {
		w.t.Fatal(err)
	}
	if len(list.PipelineExecutionSummaries) != len(w.started) {
		w.t.Errorf("%d executions listed, want %d", len(list.PipelineExecutionSummaries), len(w.started))
	}
	for _, s := range list.PipelineExecutionSummaries {
		if s.Status != types.PipelineExecutionStatusSucceeded || len(s.SourceRevisions) != 1 ||
			aws.ToString(s.SourceRevisions[0].RevisionId) != "rev-"+aws.ToString(s.PipelineExecutionId) {
			w.t.Errorf("execution summary %s: %s, sources %+v", aws.ToString(s.PipelineExecutionId), s.Status, s.SourceRevisions)
		}
	}
}
