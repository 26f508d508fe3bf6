package engine

import (
	"context"
	"crypto/subtle"
	"encoding/json"

	"github.com/sluice-cd/sluice/internal/core"
	"github.com/sluice-cd/sluice/internal/wire"
)

// Third-party jobs (J-3) are jobs of ThirdParty-owned action types, handed
// to the partner registered as Engine.ThirdParty: polls name its client id
// only, and every other call must present its client token.

// PollForThirdPartyJobs hands queued third-party jobs out as (clientId, jobId) pairs (J-3.1).
func (e *Engine) PollForThirdPartyJobs(ctx context.Context, in *wire.PollForThirdPartyJobsInput) (*wire.PollForThirdPartyJobsOutput, error) {
	sc, err := core.ScopeOf(ctx)
	if err != nil {
		return nil, err
	}
	if _, err := e.checkPollType(ctx, sc, in.ActionTypeId, wire.ActionOwnerThirdParty); err != nil {
		return nil, err
	}
	jobs, err := e.claim(ctx, sc, typeID(in.ActionTypeId), nil, batch(in.MaxBatchSize))
	if err != nil {
		return nil, core.Wrap(err, "poll for third-party jobs")
	}
	out := &wire.PollForThirdPartyJobsOutput{Jobs: []wire.ThirdPartyJob{}}
	for _, j := range jobs {
		out.Jobs = append(out.Jobs, wire.ThirdPartyJob{ClientId: wire.Ptr(j.ClientID), JobId: wire.Ptr(j.ID)})
	}
	return out, nil
}

// thirdPartyJob checks a job is a third-party one and the token is the
// partner's (J-3.3).
func (e *Engine) thirdPartyJob(token string) func(*core.Job) error {
	return func(j *core.Job) error {
		if j.Type.Owner != string(wire.ActionOwnerThirdParty) {
			return core.Errorf(core.InvalidJob, "Job '%s' is not a third-party job", j.ID)
		}
		want := e.ThirdParty.Token
		if want == "" || j.ClientID != e.ThirdParty.ClientID || subtle.ConstantTimeCompare([]byte(token), []byte(want)) != 1 {
			return core.Errorf(core.InvalidClientToken, "The client token is not valid for job '%s'", j.ID)
		}
		return nil
	}
}

// GetThirdPartyJobDetails returns a third-party job with its nonce (J-3.2).
func (e *Engine) GetThirdPartyJobDetails(ctx context.Context, in *wire.GetThirdPartyJobDetailsInput) (*wire.GetThirdPartyJobDetailsOutput, error) {
	sc, err := core.ScopeOf(ctx)
	if err != nil {
		return nil, err
	}
	j, err := getJob(ctx, e.Store, sc, wire.Value(in.JobId))
	if err == nil {
		err = e.thirdPartyJob(wire.Value(in.ClientToken))(j)
	}
	if err != nil {
		return nil, core.Wrap(err, "get third-party job details")
	}
	var data wire.ThirdPartyJobData
	if err := json.Unmarshal(j.Data, &data); err != nil {
		return nil, err
	}
	return &wire.GetThirdPartyJobDetailsOutput{JobDetails: &wire.ThirdPartyJobDetails{
		Id: wire.Ptr(j.ID), Data: &data, Nonce: wire.Ptr(j.Nonce),
	}}, nil
}

// AcknowledgeThirdPartyJob is AcknowledgeJob for partners (J-3.3).
func (e *Engine) AcknowledgeThirdPartyJob(ctx context.Context, in *wire.AcknowledgeThirdPartyJobInput) (*wire.AcknowledgeThirdPartyJobOutput, error) {
	sc, err := core.ScopeOf(ctx)
	if err != nil {
		return nil, err
	}
	status, err := e.acknowledge(ctx, sc, wire.Value(in.JobId), wire.Value(in.Nonce), e.thirdPartyJob(wire.Value(in.ClientToken)))
	if err != nil {
		return nil, core.Wrap(err, "acknowledge third-party job")
	}
	return &wire.AcknowledgeThirdPartyJobOutput{Status: wire.JobStatus(status)}, nil
}

// PutThirdPartyJobSuccessResult is PutJobSuccessResult for partners,
// without output variables (J-3.3).
func (e *Engine) PutThirdPartyJobSuccessResult(ctx context.Context, in *wire.PutThirdPartyJobSuccessResultInput) (*struct{}, error) {
	sc, err := core.ScopeOf(ctx)
	if err != nil {
		return nil, err
	}
	err = e.finishJob(ctx, sc, wire.Value(in.JobId), e.thirdPartyJob(wire.Value(in.ClientToken)), jobResult{
		revision: in.CurrentRevision, continuation: in.ContinuationToken, details: in.ExecutionDetails,
	})
	return nil, core.Wrap(err, "put third-party job success result")
}

// PutThirdPartyJobFailureResult is PutJobFailureResult for partners (J-3.3).
func (e *Engine) PutThirdPartyJobFailureResult(ctx context.Context, in *wire.PutThirdPartyJobFailureResultInput) (*struct{}, error) {
	sc, err := core.ScopeOf(ctx)
	if err != nil {
		return nil, err
	}
	err = e.finishJob(ctx, sc, wire.Value(in.JobId), e.thirdPartyJob(wire.Value(in.ClientToken)), jobResult{failure: in.FailureDetails})
	return nil, core.Wrap(err, "put third-party job failure result")
}
