package engine

import (
	"context"
	"encoding/json"
	"strings"
	"time"

	"github.com/sluice-cd/sluice/internal/core"
	"github.com/sluice-cd/sluice/internal/store"
	"github.com/sluice-cd/sluice/internal/wire"
)

// maxOutputVariablesBytes is the quota of one action's output variables (V-6).
const maxOutputVariablesBytes = 122880

// claim hands out up to limit queued jobs of a type. With a poll wait in
// ctx (Sluice's long-poll) it waits for a job to be queued instead of
// answering empty at once.
func (e *Engine) claim(ctx context.Context, sc core.Scope, typ core.ActionTypeID, query *string, limit int) ([]*core.Job, error) {
	return e.claimWaiting(ctx, queueKey{sc, typ}, core.PollWaitFrom(ctx),
		func(tx store.Tx, now time.Time) ([]*core.Job, error) {
			return tx.JobClaim(ctx, sc, typ, query, limit, now, now.Add(e.Timeouts.Ack), e.NewID)
		})
}

// claimWaiting runs take in a transaction until it claims something or
// wait has passed, waking when the queue k is notified. Every job it
// hands out gets fresh artifact credentials.
func (e *Engine) claimWaiting(ctx context.Context, k queueKey, wait time.Duration,
	take func(tx store.Tx, now time.Time) ([]*core.Job, error)) ([]*core.Job, error) {
	give := time.Now().Add(wait)
	for {
		// Watch before looking, so a job queued in between still wakes us.
		woken := e.jobs.watch(k)
		var jobs []*core.Job
		err := e.inTx(ctx, func(tx store.Tx, fx *effects) error {
			now := e.now()
			var err error
			if jobs, err = take(tx, now); err != nil || len(jobs) == 0 {
				return err
			}
			fx.due(now.Add(e.Timeouts.Ack))
			for _, j := range jobs {
				fx.due(j.LeaseExpires)
			}
			return e.handOut(ctx, tx, jobs, now)
		})
		if err != nil || len(jobs) > 0 || wait <= 0 {
			return jobs, err
		}
		left := time.Until(give)
		if left <= 0 {
			return nil, nil
		}
		timer := time.NewTimer(left)
		select {
		case <-woken:
			timer.Stop()
		case <-timer.C:
			return nil, nil
		case <-ctx.Done():
			timer.Stop()
			return nil, nil
		case <-e.quit:
			timer.Stop()
			return nil, nil // shutting down: answer empty, as a short poll would
		}
	}
}

// acknowledge moves a dispatched job to InProgress when the nonce is the
// one it was handed out with (J-2.4). It answers the job's status, which is
// already InProgress when the same worker acknowledges twice. The job is
// read under its pipeline's lock, as the sweeper that may be queueing it
// again reads it.
func (e *Engine) acknowledge(ctx context.Context, sc core.Scope, id, nonce string, check func(*core.Job) error) (string, error) {
	var status string
	err := e.inTx(ctx, func(tx store.Tx, fx *effects) error {
		j, err := lockJob(ctx, tx, sc, id, check)
		if err != nil {
			return err
		}
		if j.Nonce == "" || j.Nonce != nonce {
			return core.Errorf(core.InvalidNonce, "The nonce for job '%s' is not valid: it was not handed out with this job, or the job was handed out again since", id)
		}
		if j.Status == core.JobDispatched {
			r, err := tx.ActionRunGet(ctx, sc, j.ActionRunID)
			if err != nil {
				return err
			}
			j.Status, j.Updated, j.Deadline = core.JobInProgress, e.now(), r.Deadline
			if err := tx.JobPut(ctx, j); err != nil {
				return err
			}
			fx.due(j.Deadline)
		}
		status = j.Status
		return nil
	})
	return status, err
}

// jobResult is what a worker reports with a Put*Result call.
type jobResult struct {
	failure      *wire.FailureDetails
	revision     *wire.CurrentRevision
	continuation *string
	details      *wire.ExecutionDetails
	variables    map[string]string
}

// finishJob applies a worker's result to its job and action run (J-2.7,
// J-2.8): success, failure, or a continuation that queues the next job of
// the same run. The job and the run are read under the pipeline's lock,
// so of two results for one job sent to two replicas at once, the second
// finds the job finished and is refused.
func (e *Engine) finishJob(ctx context.Context, sc core.Scope, id string, check func(*core.Job) error, res jobResult) error {
	if err := checkVariables(res); err != nil {
		return err
	}
	return e.inTx(ctx, func(tx store.Tx, fx *effects) error {
		j, err := lockJob(ctx, tx, sc, id, check)
		if err != nil {
			return err
		}
		if jobDone(j.Status) {
			return core.Errorf(core.InvalidJobState, "Job '%s' is in state %s and cannot take a result", id, j.Status)
		}
		r, err := tx.ActionRunGet(ctx, sc, j.ActionRunID)
		if err != nil {
			return err
		}
		if r.Status != core.StatusInProgress {
			return core.Errorf(core.InvalidJobState, "The action of job '%s' is no longer in progress (%s)", id, r.Status)
		}
		now := e.now()
		j.Updated = now
		if err := e.recordResult(ctx, tx, fx, j, r, res, now); err != nil {
			return err
		}
		if err := tx.JobPut(ctx, j); err != nil {
			return err
		}
		if err := tx.ActionRunPut(ctx, r); err != nil {
			return err
		}
		if r.Status == core.StatusInProgress {
			return nil // a continuation: the run goes on
		}
		// While another action of the group runs, the stage waits for it
		// whatever this result was (E-2.2, E-2.3): planning would move nothing.
		if busy, err := tx.ActionRunsBusy(ctx, sc, j.Pipeline, j.ExecutionID, r.Stage); err != nil || busy > 0 {
			return err
		}
		return e.reconcile(ctx, tx, fx, sc, j.Pipeline, j.ExecutionID)
	})
}

func checkVariables(res jobResult) error {
	if len(res.variables) == 0 {
		return nil
	}
	if res.continuation != nil {
		return core.Errorf(core.Validation, "outputVariables can only be given with the final result, not with a continuationToken")
	}
	size := 0
	for k, v := range res.variables {
		size += len(k) + len(v)
	}
	if size > maxOutputVariablesBytes {
		return core.Errorf(core.OutputVariablesSizeExceeded, "Output variables total %d bytes, more than the %d an action may produce", size, maxOutputVariablesBytes)
	}
	return nil
}

// recordResult changes the job and its run as the result says.
func (e *Engine) recordResult(ctx context.Context, tx store.Tx, fx *effects, j *core.Job, r *core.ActionRun, res jobResult, now time.Time) error {
	r.Updated = now
	if f := res.failure; f != nil {
		j.Status = core.JobFailed
		r.Status, r.ErrorCode = core.StatusFailed, string(f.Type)
		r.ErrorMessage, r.Summary = wire.Value(f.Message), wire.Value(f.Message)
		if f.ExternalExecutionId != nil {
			r.ExternalID = *f.ExternalExecutionId
		}
		return e.fillURL(ctx, tx, r)
	}
	j.Status = core.JobSucceeded
	if d := res.details; d != nil {
		if d.Summary != nil {
			r.Summary = *d.Summary
		}
		if d.ExternalExecutionId != nil {
			r.ExternalID = *d.ExternalExecutionId
		}
		if d.PercentComplete != nil {
			r.Percent = wire.Ptr(int(*d.PercentComplete))
		}
	}
	if err := e.fillURL(ctx, tx, r); err != nil {
		return err
	}
	if res.continuation != nil {
		return e.continueJob(ctx, tx, fx, j, *res.continuation, now)
	}
	r.Status, r.OutputVariables = core.StatusSucceeded, res.variables
	if rev := res.revision; rev != nil {
		r.Revision = &core.Revision{
			RevisionID: wire.Value(rev.Revision), ChangeIdentifier: wire.Value(rev.ChangeIdentifier),
			Summary: wire.Value(rev.RevisionSummary),
		}
		if rev.Created != nil {
			r.Revision.Created = rev.Created.Time
		}
		if err := recordSeen(ctx, tx, r, now); err != nil {
			return err
		}
		return recordSourceOf(ctx, tx, r)
	}
	return nil
}

// recordSourceOf keeps a source revision on the run's execution.
func recordSourceOf(ctx context.Context, tx store.Tx, r *core.ActionRun) error {
	ex, err := tx.ExecutionGet(ctx, r.Scope, r.Pipeline, r.ExecutionID)
	if err != nil {
		return err
	}
	recordSource(ex, r)
	return tx.ExecutionUpdate(ctx, ex)
}

// continueJob queues the next job of a run, with the worker's token (J-2.7).
func (e *Engine) continueJob(ctx context.Context, tx store.Tx, fx *effects, prev *core.Job, token string, now time.Time) error {
	var data wire.JobData
	if err := json.Unmarshal(prev.Data, &data); err != nil {
		return err
	}
	data.ContinuationToken = wire.Ptr(token)
	data.ArtifactCredentials = nil // minted when the job is handed out
	raw, err := json.Marshal(&data)
	if err != nil {
		return err
	}
	next := *prev
	next.ID, next.Status, next.Nonce, next.Data = e.NewID(), core.JobQueued, "", raw
	next.Created, next.Updated = now, now
	next.AccessKeyID, next.CredentialsExpire = "", time.Time{}
	next.LeaseOwner, next.LeaseExpires = "", time.Time{} // leased anew when claimed
	if err := tx.JobPut(ctx, &next); err != nil {
		return err
	}
	fx.queue(next.Scope, next.Type)
	return nil
}

// fillURL sets the run's external execution URL from its type's template.
func (e *Engine) fillURL(ctx context.Context, tx store.Reader, r *core.ActionRun) error {
	if r.ExternalID == "" {
		return nil
	}
	def, _, err := e.Types.ActionTypeDefinition(ctx, tx, r.Scope, r.Type)
	if err != nil || def == nil || def.Settings == nil || def.Settings.ExecutionUrlTemplate == nil {
		return err
	}
	r.ExternalURL = expandURL(*def.Settings.ExecutionUrlTemplate, r.Resolved, r.ExternalID)
	return nil
}

// expandURL fills a URL template's {Config:Name} and {ExternalExecutionId}
// placeholders (J-1.1).
func expandURL(tmpl string, config map[string]string, externalID string) string {
	out := strings.ReplaceAll(tmpl, "{ExternalExecutionId}", externalID)
	for k, v := range config {
		out = strings.ReplaceAll(out, "{Config:"+k+"}", v)
	}
	return out
}

// checkPollType checks the type a poll names exists and is live, and
// returns its definition.
func (e *Engine) checkPollType(ctx context.Context, sc core.Scope, id *wire.ActionTypeId, owner wire.ActionOwner) (*wire.ActionType, error) {
	if id.Owner != owner {
		return nil, core.Errorf(core.Validation, "Jobs of owner %s cannot be polled with this operation; it polls %s action types", id.Owner, owner)
	}
	def, live, err := e.Types.ActionTypeDefinition(ctx, e.Store, sc, typeID(id))
	if err != nil {
		return nil, err
	}
	if def == nil || !live { // J-1.2: a deleted type has no jobs to poll
		t := typeID(id)
		return nil, core.Errorf(core.ActionTypeNotFound, "Action type %s/%s/%s/%s does not exist", t.Owner, t.Category, t.Provider, t.Version)
	}
	return def, nil
}
