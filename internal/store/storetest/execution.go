package storetest

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sluice-cd/sluice/internal/core"
	"github.com/sluice-cd/sluice/internal/store"
)

// exerciseExecutions runs the cases of the engine's tables.
func exerciseExecutions(t *testing.T, newStore func(t *testing.T) store.Store) {
	t.Run("Execution", func(t *testing.T) { t.Parallel(); exerciseExecution(t, newStore) })
	t.Run("StageRun", func(t *testing.T) { t.Parallel(); exerciseStageRun(t, newStore) })
	t.Run("ActionRun", func(t *testing.T) { t.Parallel(); exerciseActionRun(t, newStore) })
	t.Run("Job", func(t *testing.T) { t.Parallel(); exerciseJob(t, newStore) })
	t.Run("JobClaimRace", func(t *testing.T) { t.Parallel(); exerciseJobClaimRace(t, newStore) })
	t.Run("JobOwned", func(t *testing.T) { t.Parallel(); exerciseJobOwned(t, newStore) })
	t.Run("JobLease", func(t *testing.T) { t.Parallel(); exerciseJobLease(t, newStore) })
	t.Run("Deadline", func(t *testing.T) { t.Parallel(); exerciseDeadline(t, newStore) })
	t.Run("Transition", func(t *testing.T) { t.Parallel(); exerciseTransition(t, newStore) })
	t.Run("Revision", func(t *testing.T) { t.Parallel(); exerciseRevision(t, newStore) })
	t.Run("PipelineDeleteRuns", func(t *testing.T) { t.Parallel(); exercisePipelineDeleteRuns(t, newStore) })
	t.Run("ExecutionRollback", func(t *testing.T) { t.Parallel(); exerciseExecutionRollback(t, newStore) })
}

// onBoth runs check on the store itself and inside a transaction: every
// read must answer the same from the pool and from a Tx.
func onBoth(t *testing.T, s store.Store, check func(r store.Reader) error) {
	t.Helper()
	if err := check(s); err != nil {
		t.Fatalf("on the store: %v", err)
	}
	if err := inTx(t, s, func(tx store.Tx) error { return check(tx) }); err != nil {
		t.Fatalf("in a transaction: %v", err)
	}
}

// keys joins key(x) of every element, to compare lists in one line.
func keys[T any](xs []*T, key func(*T) string) string {
	out := make([]string, len(xs))
	for i, x := range xs {
		out[i] = key(x)
	}
	return strings.Join(out, ",")
}

func executionID(e *core.Execution) string { return e.ID }
func actionRunID(r *core.ActionRun) string { return r.ID }
func jobID(j *core.Job) string             { return j.ID }
func stageRunKey(r *core.StageRun) string  { return r.Stage + "=" + r.ExecutionID }

// want fails with a message naming what differed.
func want(what string, got, expected any) error {
	if !reflect.DeepEqual(got, expected) {
		return fmt.Errorf("%s = %#v, want %#v", what, got, expected)
	}
	return nil
}

// execution returns an execution created sec seconds after t0.
func execution(scope core.Scope, pipeline, id string, sec int) *core.Execution {
	at := time.Duration(sec) * time.Second
	return &core.Execution{
		Scope: scope, Pipeline: pipeline, ID: id, PipelineVersion: 1, Status: core.StatusInProgress,
		Mode: "QUEUED", Type: "STANDARD", TriggerType: "StartPipelineExecution",
		Variables:       map[string]string{"v": "1"},
		SourceRevisions: []core.SourceRevision{{ActionName: "Src", RevisionType: "COMMIT_ID", RevisionValue: "abc"}},
		Pinned:          map[string]core.Revision{"Src": {RevisionID: "abc", Created: t0}},
		Phase:           core.PhaseRunning, Arrived: t0.Add(at), Created: t0.Add(at), Updated: t0.Add(at),
	}
}

func stageRun(e *core.Execution, stage, status string) *core.StageRun {
	return &core.StageRun{Scope: e.Scope, Pipeline: e.Pipeline, ExecutionID: e.ID, Stage: stage,
		Status: status, Type: "STANDARD", Epoch: 1, PipelineVersion: 1, Updated: e.Created}
}

func actionRun(e *core.Execution, id, stage, action, status string) *core.ActionRun {
	return &core.ActionRun{Scope: e.Scope, Pipeline: e.Pipeline, ExecutionID: e.ID, ID: id,
		Stage: stage, Action: action, Epoch: 1, RunOrder: 1, PipelineVersion: 1, Status: status,
		Type:    core.ActionTypeID{Category: "Build", Owner: "Custom", Provider: "Make", Version: "1"},
		Started: e.Created, Updated: e.Created}
}

var (
	typeMake = core.ActionTypeID{Category: "Build", Owner: "Custom", Provider: "Make", Version: "1"}
	typeTest = core.ActionTypeID{Category: "Test", Owner: "Custom", Provider: "Make", Version: "1"}
)

// job returns a Queued job created sec seconds after t0.
func job(scope core.Scope, id string, typ core.ActionTypeID, query string, sec int) *core.Job {
	at := time.Duration(sec) * time.Second
	return &core.Job{Scope: scope, ID: id, Pipeline: "p", ExecutionID: "e", ActionRunID: "run-" + id,
		Type: typ, Status: core.JobQueued, QueryValue: query, Data: []byte(`{"job":"` + id + `"}`),
		Created: t0.Add(at), Updated: t0.Add(at)}
}

// mustPipelines creates a pipeline of each name in scope.
func mustPipelines(t *testing.T, s store.Store, scope core.Scope, names ...string) {
	t.Helper()
	for _, name := range names {
		mustTx(t, s, func(tx store.Tx) error { return tx.PipelineCreate(context.Background(), pipeline(scope, name, 1)) })
	}
}

func exerciseExecution(t *testing.T, newStore func(t *testing.T) store.Store) {
	ctx := context.Background()
	s := newStore(t)
	mustPipelines(t, s, scopeA, "p", "q")
	mustPipelines(t, s, scopeB, "p")
	mustTx(t, s, func(tx store.Tx) error { return tx.PipelineLock(ctx, scopeA, "p") })
	wantErr(t, inTx(t, s, func(tx store.Tx) error { return tx.PipelineLock(ctx, scopeC, "p") }), store.ErrNotFound)

	e1, e2, e3 := execution(scopeA, "p", "e1", 1), execution(scopeA, "p", "e2", 2), execution(scopeA, "p", "e3", 3)
	e1.ClientToken, e3.ClientToken = "tok-1", "tok-3"
	other := execution(scopeB, "p", "b1", 1)
	otherPipeline := execution(scopeA, "q", "q1", 1)
	otherPipeline.ClientToken = "tok-3" // a token is unique per pipeline only
	for _, e := range []*core.Execution{e1, e2, e3, other, otherPipeline} {
		mustTx(t, s, func(tx store.Tx) error { return tx.ExecutionCreate(ctx, e) })
	}
	if e1.Seq <= 0 || e2.Seq <= e1.Seq || e3.Seq <= e2.Seq {
		t.Fatalf("seqs = %d, %d, %d, want increasing", e1.Seq, e2.Seq, e3.Seq)
	}
	wantErr(t, inTx(t, s, func(tx store.Tx) error { return tx.ExecutionCreate(ctx, execution(scopeA, "p", "e1", 9)) }), store.ErrConflict)
	dupToken := execution(scopeA, "p", "e9", 9)
	dupToken.ClientToken = "tok-3"
	wantErr(t, inTx(t, s, func(tx store.Tx) error { return tx.ExecutionCreate(ctx, dupToken) }), store.ErrConflict)

	onBoth(t, s, func(r store.Reader) error {
		got, err := r.ExecutionGet(ctx, scopeA, "p", "e1")
		if err != nil {
			return err
		}
		if err := want("execution", got, e1); err != nil {
			return err
		}
		if got, err := r.ExecutionByToken(ctx, scopeA, "p", "tok-3"); err != nil || got.ID != "e3" {
			return fmt.Errorf("by token = %v, %v", got, err)
		}
		return errors.Join(
			wantNotFound("another scope's execution")(r.ExecutionGet(ctx, scopeB, "p", "e1")),
			wantNotFound("another pipeline's execution")(r.ExecutionGet(ctx, scopeA, "q", "e1")),
			wantNotFound("empty token")(r.ExecutionByToken(ctx, scopeA, "p", "")),
			wantNotFound("token of another scope")(r.ExecutionByToken(ctx, scopeB, "p", "tok-3")),
		)
	})

	// An update keeps the seq; only the stored row's key finds it.
	e1.Status, e1.Phase, e1.Seq = core.StatusSucceeded, core.PhaseDone, 0
	e2.Status = core.StatusStopping
	mustTx(t, s, func(tx store.Tx) error { return errors.Join(tx.ExecutionUpdate(ctx, e1), tx.ExecutionUpdate(ctx, e2)) })
	if e1.Seq == 0 {
		t.Fatalf("update did not set Seq")
	}
	absent := execution(scopeC, "p", "e1", 1)
	wantErr(t, inTx(t, s, func(tx store.Tx) error { return tx.ExecutionUpdate(ctx, absent) }), store.ErrNotFound)

	// e1's Build run succeeded, e2's failed, e3 never reached Build.
	mustTx(t, s, func(tx store.Tx) error {
		return errors.Join(tx.StageRunPut(ctx, stageRun(e1, "Build", core.StatusSucceeded)),
			tx.StageRunPut(ctx, stageRun(e2, "Build", core.StatusFailed)),
			tx.StageRunPut(ctx, stageRun(e3, "Source", core.StatusSucceeded)))
	})
	onBoth(t, s, func(r store.Reader) error {
		got, err := r.ExecutionGet(ctx, scopeA, "p", "e1")
		if err != nil {
			return err
		}
		list := func(f store.ExecutionFilter) string {
			es, err := r.ExecutionList(ctx, scopeA, "p", f)
			if err != nil {
				return err.Error()
			}
			return keys(es, executionID)
		}
		active, err := r.ExecutionActive(ctx, scopeA, "p")
		if err != nil {
			return err
		}
		pipelines, err := r.ActivePipelines(ctx)
		if err != nil {
			return err
		}
		sortRefs(pipelines)
		return errors.Join(
			want("updated", got, e1),
			want("list", list(store.ExecutionFilter{Limit: 10}), "e3,e2,e1"),
			want("first page", list(store.ExecutionFilter{Limit: 2}), "e3,e2"),
			want("next page", list(store.ExecutionFilter{Before: e2.Seq, Limit: 2}), "e1"),
			want("succeeded in Build", list(store.ExecutionFilter{SucceededIn: "Build", Limit: 10}), "e1"),
			want("succeeded in Deploy", list(store.ExecutionFilter{SucceededIn: "Deploy", Limit: 10}), ""),
			want("active", keys(active, executionID), "e2,e3"),
			want("active pipelines", pipelines, []core.PipelineRef{
				{Scope: scopeA, Name: "p"}, {Scope: scopeA, Name: "q"}, {Scope: scopeB, Name: "p"}}),
		)
	})
	onBoth(t, s, func(r store.Reader) error {
		es, err := r.ExecutionList(ctx, scopeB, "p", store.ExecutionFilter{Limit: 10})
		return errors.Join(err, want("other scope's list", keys(es, executionID), "b1"))
	})
}

// sortRefs orders pipeline references, which ActivePipelines answers in
// no particular order.
func sortRefs(refs []core.PipelineRef) {
	slices.SortFunc(refs, func(a, b core.PipelineRef) int {
		return strings.Compare(a.Scope.Account+"/"+a.Scope.Region+"/"+a.Name, b.Scope.Account+"/"+b.Scope.Region+"/"+b.Name)
	})
}

// wantNotFound checks the answer of a getter is ErrNotFound; it takes the
// getter's two results directly.
func wantNotFound(what string) func(any, error) error {
	return func(_ any, err error) error {
		if !errors.Is(err, store.ErrNotFound) {
			return fmt.Errorf("%s: error = %v, want not found", what, err)
		}
		return nil
	}
}

func exerciseStageRun(t *testing.T, newStore func(t *testing.T) store.Store) {
	ctx := context.Background()
	s := newStore(t)
	e1, e2, e3 := execution(scopeA, "p", "e1", 1), execution(scopeA, "p", "e2", 2), execution(scopeA, "p", "e3", 3)
	other := execution(scopeB, "p", "b1", 4)
	src1, build1 := stageRun(e1, "Source", core.StatusSucceeded), stageRun(e1, "Build", core.StatusInProgress)
	mustTx(t, s, func(tx store.Tx) error {
		return errors.Join(tx.StageRunPut(ctx, src1), tx.StageRunPut(ctx, build1),
			tx.StageRunPut(ctx, stageRun(e2, "Source", core.StatusSucceeded)),
			tx.StageRunPut(ctx, stageRun(e2, "Build", core.StatusFailed)),
			tx.StageRunPut(ctx, stageRun(e3, "Source", core.StatusInProgress)),
			tx.StageRunPut(ctx, stageRun(other, "Deploy", core.StatusInProgress)))
	})
	if src1.Seq <= 0 || build1.Seq <= src1.Seq {
		t.Fatalf("seqs = %d, %d, want increasing", src1.Seq, build1.Seq)
	}
	// Replacing e1's Build run (a retry) keeps its seq: e2's stays the latest.
	seq := build1.Seq
	build1.Status, build1.Epoch, build1.ManualRetries, build1.Seq = core.StatusSucceeded, 2, 1, 0
	mustTx(t, s, func(tx store.Tx) error { return tx.StageRunPut(ctx, build1) })
	if build1.Seq != seq {
		t.Fatalf("replaced seq = %d, want %d", build1.Seq, seq)
	}
	onBoth(t, s, func(r store.Reader) error {
		got, err := r.StageRunGet(ctx, scopeA, "p", "e1", "Build")
		if err != nil {
			return err
		}
		of, err := r.StageRunsOf(ctx, scopeA, "p", "e1")
		if err != nil {
			return err
		}
		latest, err := r.StageRunsLatest(ctx, scopeA, "p")
		if err != nil {
			return err
		}
		otherLatest, err := r.StageRunsLatest(ctx, scopeB, "p")
		if err != nil {
			return err
		}
		none, err := r.StageRunsLatest(ctx, scopeA, "nothing-ran")
		if err != nil {
			return err
		}
		slices.SortFunc(latest, func(a, b *core.StageRun) int { return strings.Compare(a.Stage, b.Stage) })
		return errors.Join(
			want("stage run", got, build1),
			want("runs of e1", keys(of, stageRunKey), "Source=e1,Build=e1"),
			want("latest", keys(latest, stageRunKey), "Build=e2,Source=e3"),
			want("latest of another scope", keys(otherLatest, stageRunKey), "Deploy=b1"),
			want("latest of an idle pipeline", len(none), 0),
			wantNotFound("a stage never entered")(r.StageRunGet(ctx, scopeA, "p", "e3", "Build")),
			wantNotFound("another scope's run")(r.StageRunGet(ctx, scopeB, "p", "e1", "Build")),
		)
	})
}

func exerciseActionRun(t *testing.T, newStore func(t *testing.T) store.Store) {
	ctx := context.Background()
	s := newStore(t)
	e1, e2 := execution(scopeA, "p", "e1", 1), execution(scopeA, "p", "e2", 2)
	other := execution(scopeB, "p", "b1", 3)
	full := actionRun(e1, "a1", "Source", "Src", core.StatusSucceeded)
	percent := 40
	full.Percent, full.ExternalID, full.Configuration = &percent, "ext", map[string]string{"k": "v"}
	full.Outputs, full.OutputVariables = []string{"out"}, map[string]string{"id": "1"}
	full.Revision = &core.Revision{RevisionID: "abc", Summary: "first", Created: t0}
	approval := actionRun(e2, "a5", "Approve", "Gate", core.StatusInProgress)
	runs := []*core.ActionRun{
		full,
		actionRun(e1, "a2", "Build", "Compile", core.StatusSucceeded),
		actionRun(e1, "a3", "Build", "Test", core.StatusSucceeded),
		actionRun(e2, "a4", "Source", "Src", core.StatusSucceeded),
		approval,
		actionRun(e2, "a6", "Build", "Compile", core.StatusFailed),
		actionRun(e2, "a7", "Build", "Compile", core.StatusInProgress), // a retry
		actionRun(other, "b1", "Source", "Src", core.StatusSucceeded),
	}
	mustTx(t, s, func(tx store.Tx) error {
		for _, r := range runs {
			if err := tx.ActionRunPut(ctx, r); err != nil {
				return err
			}
		}
		return nil
	})
	for i := 1; i < len(runs); i++ {
		if runs[i].Seq <= runs[i-1].Seq {
			t.Fatalf("seq of %s = %d, not after %d", runs[i].ID, runs[i].Seq, runs[i-1].Seq)
		}
	}
	// Replacing a run keeps its seq. An approval gets its token once it
	// runs, so the token too can come with a replacement.
	seq := full.Seq
	full.Summary, full.Seq = "done", 0
	approval.Token = "approval-token"
	mustTx(t, s, func(tx store.Tx) error {
		return errors.Join(tx.ActionRunPut(ctx, full), tx.ActionRunPut(ctx, approval))
	})
	if full.Seq != seq {
		t.Fatalf("replaced seq = %d, want %d", full.Seq, seq)
	}
	onBoth(t, s, func(r store.Reader) error {
		got, err := r.ActionRunGet(ctx, scopeA, "a1")
		if err != nil {
			return err
		}
		of, err := r.ActionRunsOf(ctx, scopeA, "p", "e1")
		if err != nil {
			return err
		}
		latest, err := r.ActionRunsLatest(ctx, scopeA, "p")
		if err != nil {
			return err
		}
		slices.SortFunc(latest, func(a, b *core.ActionRun) int { return strings.Compare(a.ID, b.ID) })
		list := func(f store.ActionRunFilter) string {
			rs, err := r.ActionRunList(ctx, scopeA, "p", f)
			if err != nil {
				return err.Error()
			}
			return keys(rs, actionRunID)
		}
		byToken, err := r.ActionRunByToken(ctx, scopeA, "p", "Approve", "Gate", "approval-token")
		if err != nil {
			return err
		}
		busy := func(exec, stage string) string {
			n, err := r.ActionRunsBusy(ctx, scopeA, "p", exec, stage)
			if err != nil {
				return err.Error()
			}
			return strconv.Itoa(n)
		}
		return errors.Join(
			want("busy in e2's Build", busy("e2", "Build"), "1"),
			want("busy in e2's Source", busy("e2", "Source"), "0"),
			want("busy in e1's Build", busy("e1", "Build"), "0"),
			want("action run", got, full),
			want("runs of e1", keys(of, actionRunID), "a1,a2,a3"),
			want("latest", keys(latest, actionRunID), "a3,a4,a5,a7"),
			want("list", list(store.ActionRunFilter{Limit: 3}), "a7,a6,a5"),
			want("next page", list(store.ActionRunFilter{Before: runs[4].Seq, Limit: 3}), "a4,a3,a2"),
			want("list of e1", list(store.ActionRunFilter{ExecutionID: "e1", Limit: 10}), "a3,a2,a1"),
			want("page of e2", list(store.ActionRunFilter{ExecutionID: "e2", Before: runs[6].Seq, Limit: 1}), "a6"),
			want("by token", byToken.ID, "a5"),
			wantNotFound("another scope's run")(r.ActionRunGet(ctx, scopeB, "a1")),
			wantNotFound("token of another action")(r.ActionRunByToken(ctx, scopeA, "p", "Approve", "Other", "approval-token")),
			wantNotFound("wrong token")(r.ActionRunByToken(ctx, scopeA, "p", "Approve", "Gate", "nope")),
			wantNotFound("empty token")(r.ActionRunByToken(ctx, scopeA, "p", "Build", "Compile", "")),
			wantNotFound("token of another scope")(r.ActionRunByToken(ctx, scopeB, "p", "Approve", "Gate", "approval-token")),
		)
	})
	onBoth(t, s, func(r store.Reader) error {
		latest, err := r.ActionRunsLatest(ctx, scopeB, "p")
		if err != nil {
			return err
		}
		list, err := r.ActionRunList(ctx, scopeB, "p", store.ActionRunFilter{Limit: 10})
		return errors.Join(err, want("other scope's latest", keys(latest, actionRunID), "b1"),
			want("other scope's list", keys(list, actionRunID), "b1"))
	})
}

func exerciseJob(t *testing.T, newStore func(t *testing.T) store.Store) {
	ctx := context.Background()
	s := newStore(t)
	// Created in neither id nor storing order: claims and JobsOf follow Created.
	jobs := []*core.Job{
		job(scopeA, "a", typeMake, "x", 3), job(scopeA, "c", typeMake, "x", 1), job(scopeA, "b", typeMake, "y", 2),
		job(scopeA, "d", typeTest, "x", 0), job(scopeB, "e", typeMake, "x", 0), job(scopeC, "f", typeMake, "x", 0),
	}
	for _, j := range jobs[:3] {
		j.ActionRunID = "run"
	}
	mustTx(t, s, func(tx store.Tx) error {
		for _, j := range jobs {
			if err := tx.JobPut(ctx, j); err != nil {
				return err
			}
		}
		return nil
	})
	onBoth(t, s, func(r store.Reader) error {
		got, err := r.JobGet(ctx, scopeA, "a")
		if err != nil {
			return err
		}
		of, err := r.JobsOf(ctx, scopeA, "run")
		if err != nil {
			return err
		}
		none, err := r.JobsOf(ctx, scopeB, "run")
		return errors.Join(err, want("job", got, jobs[0]), want("jobs of run", keys(of, jobID), "c,b,a"),
			want("jobs of run in another scope", len(none), 0),
			wantNotFound("another scope's job")(r.JobGet(ctx, scopeB, "a")),
			wantNotFound("another region's job")(r.JobGet(ctx, scopeC, "e")))
	})

	nonces := 0
	nonce := func() string { nonces++; return fmt.Sprintf("n%d", nonces) }
	deadline := t0.Add(time.Hour)
	claim := func(scope core.Scope, typ core.ActionTypeID, query *string, limit int) string {
		t.Helper()
		var got []*core.Job
		mustTx(t, s, func(tx store.Tx) (err error) {
			got, err = tx.JobClaim(ctx, scope, typ, query, limit, t0, deadline, nonce)
			return err
		})
		for _, j := range got {
			if j.Status != core.JobDispatched || j.Nonce == "" || !j.Deadline.Equal(deadline) || !j.Updated.Equal(t0) || len(j.Data) == 0 {
				t.Fatalf("claimed job = %+v", j)
			}
		}
		return keys(got, jobID)
	}
	x := "x"
	if got := claim(scopeA, typeMake, &x, 10); got != "c,a" {
		t.Fatalf("claim by query value = %q, want c,a", got)
	}
	if got := claim(scopeA, typeMake, nil, 10); got != "b" {
		t.Fatalf("claim of the rest = %q, want b", got)
	}
	if got := claim(scopeA, typeMake, nil, 10); got != "" {
		t.Fatalf("claim of nothing = %q", got)
	}
	if got := claim(scopeA, typeTest, nil, 0); got != "" {
		t.Fatalf("claim of zero jobs = %q", got)
	}
	if got := claim(scopeA, typeTest, nil, 5); got != "d" {
		t.Fatalf("claim of another type = %q, want d", got)
	}
	if got := claim(scopeB, typeMake, &x, 1); got != "e" {
		t.Fatalf("claim of another account = %q, want e", got)
	}
	onBoth(t, s, func(r store.Reader) error {
		got, err := r.JobGet(ctx, scopeA, "a")
		if err != nil {
			return err
		}
		return errors.Join(want("claimed status", got.Status, core.JobDispatched), want("nonce", got.Nonce, "n2"),
			want("deadline", got.Deadline.Equal(deadline), true))
	})

	// A job put back in the queue is handed out again, with a new nonce,
	// and the limit keeps the rest queued.
	requeued := []*core.Job{job(scopeA, "a", typeMake, "x", 3), job(scopeA, "b", typeMake, "y", 2)}
	mustTx(t, s, func(tx store.Tx) error { return errors.Join(tx.JobPut(ctx, requeued[0]), tx.JobPut(ctx, requeued[1])) })
	if got := claim(scopeA, typeMake, nil, 1); got != "b" {
		t.Fatalf("claim of a requeued job = %q, want b", got)
	}
	if j, err := s.JobGet(ctx, scopeA, "b"); err != nil || j.Nonce != "n6" {
		t.Fatalf("requeued job = %+v, %v", j, err)
	}
}

// exerciseJobClaimRace has claimers race over one queue, each claim in its
// own transaction: every job must be handed out exactly once.
func exerciseJobClaimRace(t *testing.T, newStore func(t *testing.T) store.Store) {
	ctx := context.Background()
	s := newStore(t)
	const total, claimers = 200, 8
	mustTx(t, s, func(tx store.Tx) error {
		for i := range total {
			if err := tx.JobPut(ctx, job(scopeA, fmt.Sprintf("j%03d", i), typeMake, "", i)); err != nil {
				return err
			}
		}
		return nil
	})
	var mu sync.Mutex
	seen := map[string]int{}
	errs := make([]error, claimers)
	var wg sync.WaitGroup
	for c := range claimers {
		wg.Go(func() {
			for {
				var got []*core.Job
				err := s.InTx(ctx, func(tx store.Tx) (err error) {
					got, err = tx.JobClaim(ctx, scopeA, typeMake, nil, 3, t0, t0.Add(time.Minute),
						func() string { return fmt.Sprintf("c%d", c) })
					return err
				})
				if err != nil {
					errs[c] = err
					return
				}
				if len(got) == 0 {
					return
				}
				mu.Lock()
				for _, j := range got {
					seen[j.ID]++
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatal(err)
	}
	if len(seen) != total {
		t.Fatalf("%d jobs claimed, want %d", len(seen), total)
	}
	for id, n := range seen {
		if n != 1 {
			t.Fatalf("job %s claimed %d times", id, n)
		}
	}
}

func exerciseDeadline(t *testing.T, newStore func(t *testing.T) store.Store) {
	ctx := context.Background()
	s := newStore(t)
	onBoth(t, s, func(r store.Reader) error {
		at, ok, err := r.NextDeadline(ctx)
		return errors.Join(err, want("deadline of an empty store", ok, false), want("zero", at.IsZero(), true))
	})
	e, other := execution(scopeA, "p", "e1", 0), execution(scopeB, "p", "b1", 0)
	runs := []*core.ActionRun{
		actionRun(e, "due", "Build", "Compile", core.StatusInProgress),
		actionRun(e, "no-deadline", "Build", "Test", core.StatusInProgress),
		actionRun(e, "finished", "Build", "Lint", core.StatusSucceeded),
		actionRun(other, "later", "Build", "Compile", core.StatusInProgress),
	}
	runs[0].Deadline, runs[2].Deadline, runs[3].Deadline = t0.Add(10*time.Minute), t0.Add(time.Minute), t0.Add(40*time.Minute)
	jobs := []*core.Job{
		job(scopeB, "z-dispatched", typeMake, "", 0), job(scopeA, "a-working", typeMake, "", 0),
		job(scopeA, "queued", typeMake, "", 0), job(scopeA, "done", typeMake, "", 0),
	}
	jobs[0].Status, jobs[0].Deadline = core.JobDispatched, t0.Add(5*time.Minute)
	jobs[1].Status, jobs[1].Deadline = core.JobInProgress, t0.Add(20*time.Minute)
	jobs[2].Deadline = t0.Add(time.Minute)
	jobs[3].Status, jobs[3].Deadline = core.JobSucceeded, t0.Add(time.Minute)
	mustTx(t, s, func(tx store.Tx) error {
		var errs []error
		for _, r := range runs {
			errs = append(errs, tx.ActionRunPut(ctx, r))
		}
		for _, j := range jobs {
			errs = append(errs, tx.JobPut(ctx, j))
		}
		return errors.Join(errs...)
	})
	onBoth(t, s, func(r store.Reader) error {
		at, ok, err := r.NextDeadline(ctx)
		return errors.Join(err, want("next deadline", at.Equal(t0.Add(5*time.Minute)) && ok, true))
	})
	mustTx(t, s, func(tx store.Tx) error {
		expired := func(now time.Duration, limit int) string {
			rs, err := tx.ActionRunsExpired(ctx, t0.Add(now), limit)
			js, jerr := tx.JobsExpired(ctx, t0.Add(now), limit)
			if err = errors.Join(err, jerr); err != nil {
				return err.Error()
			}
			return keys(rs, actionRunID) + "/" + keys(js, jobID)
		}
		return errors.Join(
			want("expired at the first deadline", expired(5*time.Minute, 10), "/"),
			want("expired later", expired(15*time.Minute, 10), "due/z-dispatched"),
			want("expired at the end", expired(time.Hour, 10), "due,later/z-dispatched,a-working"),
			want("expired, limited", expired(time.Hour, 1), "due/z-dispatched"),
		)
	})
}

func exerciseTransition(t *testing.T, newStore func(t *testing.T) store.Store) {
	ctx := context.Background()
	s := newStore(t)
	tr := func(scope core.Scope, pipeline, stage, kind string, enabled bool, reason string) *core.Transition {
		return &core.Transition{Scope: scope, Pipeline: pipeline, Stage: stage, Kind: kind,
			Enabled: enabled, Reason: reason, By: "me", At: t0}
	}
	inbound := tr(scopeA, "p", "Build", "Inbound", false, "freeze")
	mustTx(t, s, func(tx store.Tx) error {
		return errors.Join(tx.TransitionPut(ctx, inbound),
			tx.TransitionPut(ctx, tr(scopeA, "p", "Build", "Outbound", false, "hold")),
			tx.TransitionPut(ctx, tr(scopeA, "q", "Build", "Inbound", false, "other pipeline")),
			tx.TransitionPut(ctx, tr(scopeB, "p", "Build", "Inbound", false, "other scope")))
	})
	// A second put of a transition replaces the first.
	inbound.Enabled, inbound.Reason, inbound.At = true, "", t0.Add(time.Hour)
	mustTx(t, s, func(tx store.Tx) error { return tx.TransitionPut(ctx, inbound) })
	onBoth(t, s, func(r store.Reader) error {
		list, err := r.TransitionList(ctx, scopeA, "p")
		if err != nil {
			return err
		}
		slices.SortFunc(list, func(a, b *core.Transition) int { return strings.Compare(a.Kind, b.Kind) })
		none, err := r.TransitionList(ctx, scopeC, "p")
		return errors.Join(err, want("transitions", len(list), 2), want("inbound", list[0], inbound),
			want("outbound reason", list[1].Reason, "hold"), want("another scope's", len(none), 0))
	})
}

func exerciseRevision(t *testing.T, newStore func(t *testing.T) store.Store) {
	ctx := context.Background()
	s := newStore(t)
	rev := &core.RevisionSeen{Scope: scopeA, Pipeline: "p", Stage: "Source", Action: "Src",
		RevisionID: "abc", ExecutionID: "e1", Created: t0}
	mustTx(t, s, func(tx store.Tx) error { return tx.RevisionPut(ctx, rev) })
	again := *rev
	again.ExecutionID = "e2"
	wantErr(t, inTx(t, s, func(tx store.Tx) error { return tx.RevisionPut(ctx, &again) }), store.ErrConflict)
	// The same revision for another action or scope is another record.
	again.Action = "Other"
	mustTx(t, s, func(tx store.Tx) error { return tx.RevisionPut(ctx, &again) })
	again.Action, again.Scope = "Src", scopeB
	mustTx(t, s, func(tx store.Tx) error { return tx.RevisionPut(ctx, &again) })
	onBoth(t, s, func(r store.Reader) error {
		got, err := r.RevisionGet(ctx, scopeA, "p", "Source", "Src", "abc")
		return errors.Join(err, want("revision", got, rev),
			wantNotFound("a revision never given")(r.RevisionGet(ctx, scopeA, "p", "Source", "Src", "def")),
			wantNotFound("another region's")(r.RevisionGet(ctx, scopeC, "p", "Source", "Src", "abc")))
	})
}

// fillPipeline stores one of everything a pipeline runs.
func fillPipeline(ctx context.Context, tx store.Tx, scope core.Scope, name, prefix string) error {
	e := execution(scope, name, prefix+"-e", 0)
	j := job(scope, prefix+"-j", typeMake, "", 0)
	j.Pipeline, j.ExecutionID, j.ActionRunID = name, e.ID, prefix+"-a"
	return errors.Join(tx.ExecutionCreate(ctx, e),
		tx.StageRunPut(ctx, stageRun(e, "Build", core.StatusInProgress)),
		tx.ActionRunPut(ctx, actionRun(e, prefix+"-a", "Build", "Compile", core.StatusInProgress)),
		tx.JobPut(ctx, j),
		tx.TransitionPut(ctx, &core.Transition{Scope: scope, Pipeline: name, Stage: "Build", Kind: "Inbound"}),
		tx.RevisionPut(ctx, &core.RevisionSeen{Scope: scope, Pipeline: name, Stage: "Source", Action: "Src",
			RevisionID: "abc", ExecutionID: e.ID, Created: t0}))
}

// pipelineRows counts what fillPipeline stored that can still be read.
func pipelineRows(ctx context.Context, r store.Reader, scope core.Scope, name, prefix string) (int, error) {
	n := 0
	count := func(found bool, err error) error {
		if found {
			n++
		}
		if errors.Is(err, store.ErrNotFound) {
			return nil
		}
		return err
	}
	_, err := r.ExecutionGet(ctx, scope, name, prefix+"-e")
	errs := []error{count(err == nil, err)}
	stages, err := r.StageRunsOf(ctx, scope, name, prefix+"-e")
	errs = append(errs, count(len(stages) > 0, err))
	_, err = r.ActionRunGet(ctx, scope, prefix+"-a")
	errs = append(errs, count(err == nil, err))
	_, err = r.JobGet(ctx, scope, prefix+"-j")
	errs = append(errs, count(err == nil, err))
	transitions, err := r.TransitionList(ctx, scope, name)
	errs = append(errs, count(len(transitions) > 0, err))
	_, err = r.RevisionGet(ctx, scope, name, "Source", "Src", "abc")
	errs = append(errs, count(err == nil, err))
	return n, errors.Join(errs...)
}

func exercisePipelineDeleteRuns(t *testing.T, newStore func(t *testing.T) store.Store) {
	ctx := context.Background()
	s := newStore(t)
	mustPipelines(t, s, scopeA, "p", "q")
	mustPipelines(t, s, scopeB, "p")
	mustTx(t, s, func(tx store.Tx) error {
		return errors.Join(fillPipeline(ctx, tx, scopeA, "p", "ap"), fillPipeline(ctx, tx, scopeA, "q", "aq"),
			fillPipeline(ctx, tx, scopeB, "p", "bp"))
	})
	mustTx(t, s, func(tx store.Tx) error { return tx.PipelineDelete(ctx, scopeA, "p") })
	onBoth(t, s, func(r store.Reader) error {
		deleted, err := pipelineRows(ctx, r, scopeA, "p", "ap")
		sibling, serr := pipelineRows(ctx, r, scopeA, "q", "aq")
		otherScope, oerr := pipelineRows(ctx, r, scopeB, "p", "bp")
		active, aerr := r.ActivePipelines(ctx)
		sortRefs(active)
		return errors.Join(err, serr, oerr, aerr, want("rows of the deleted pipeline", deleted, 0),
			want("rows of another pipeline", sibling, 6), want("rows of another scope", otherScope, 6),
			want("active pipelines", active, []core.PipelineRef{{Scope: scopeA, Name: "q"}, {Scope: scopeB, Name: "p"}}))
	})
}

// exerciseExecutionRollback checks a failed transaction leaves nothing of
// what it wrote.
func exerciseExecutionRollback(t *testing.T, newStore func(t *testing.T) store.Store) {
	ctx := context.Background()
	s := newStore(t)
	boom := errors.New("boom")
	err := inTx(t, s, func(tx store.Tx) error {
		if err := fillPipeline(ctx, tx, scopeA, "p", "ap"); err != nil {
			return err
		}
		return boom
	})
	wantErr(t, err, boom)
	// A conflict half-way through fails the whole transaction too.
	mustTx(t, s, func(tx store.Tx) error { return tx.ExecutionCreate(ctx, execution(scopeA, "q", "taken", 0)) })
	err = inTx(t, s, func(tx store.Tx) error {
		if err := fillPipeline(ctx, tx, scopeA, "q", "aq"); err != nil {
			return err
		}
		return tx.ExecutionCreate(ctx, execution(scopeA, "q", "taken", 0))
	})
	wantErr(t, err, store.ErrConflict)
	onBoth(t, s, func(r store.Reader) error {
		p, err := pipelineRows(ctx, r, scopeA, "p", "ap")
		q, qerr := pipelineRows(ctx, r, scopeA, "q", "aq")
		return errors.Join(err, qerr, want("rows rolled back", p, 0), want("rows after a conflict", q, 0))
	})
}
