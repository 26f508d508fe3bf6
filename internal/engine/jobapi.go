package engine

import (
	"context"
	"encoding/json"

	"github.com/sluice-cd/sluice/internal/core"
	"github.com/sluice-cd/sluice/internal/wire"
)

// defaultBatch is PollForJobs' batch size when maxBatchSize is omitted
// (J-2.2 leaves it open; one job is what a worker that sizes its batch by
// free threads asks for when it has one).
const defaultBatch = 1

// PollForJobs hands queued jobs of a custom action type to a worker (J-2.2).
func (e *Engine) PollForJobs(ctx context.Context, in *wire.PollForJobsInput) (*wire.PollForJobsOutput, error) {
	sc, err := core.ScopeOf(ctx)
	if err != nil {
		return nil, err
	}
	def, err := e.checkPollType(ctx, sc, in.ActionTypeId, pollOwner(in.ActionTypeId))
	if err != nil {
		return nil, err
	}
	query, err := queryOf(def, in.QueryParam)
	if err != nil {
		return nil, err
	}
	jobs, err := e.claim(ctx, sc, typeID(in.ActionTypeId), query, batch(in.MaxBatchSize))
	if err != nil {
		return nil, core.Wrap(err, "poll for jobs")
	}
	out := &wire.PollForJobsOutput{Jobs: []wire.Job{}}
	for _, j := range jobs {
		var data wire.JobData
		if err := json.Unmarshal(j.Data, &data); err != nil {
			return nil, err
		}
		out.Jobs = append(out.Jobs, wire.Job{
			Id: wire.Ptr(j.ID), Data: &data, Nonce: wire.Ptr(j.Nonce), AccountId: wire.Ptr(sc.Account),
		})
	}
	return out, nil
}

func batch(n *int32) int {
	if n == nil {
		return defaultBatch
	}
	return int(*n)
}

// queryOf checks queryParam against the type's queryable property (J-2.2):
// required when the type has one, refused when it has none.
func queryOf(def *wire.ActionType, param map[string]string) (*string, error) {
	name := queryableProperty(def)
	if name == "" {
		if len(param) > 0 {
			return nil, core.Errorf(core.Validation, "queryParam was given but action type has no queryable property")
		}
		return nil, nil
	}
	v, ok := param[name]
	if !ok || len(param) != 1 {
		return nil, core.Errorf(core.Validation, "queryParam must hold exactly the queryable property '%s' of the action type", name)
	}
	return &v, nil
}

// AcknowledgeJob confirms a worker took a job (J-2.4).
func (e *Engine) AcknowledgeJob(ctx context.Context, in *wire.AcknowledgeJobInput) (*wire.AcknowledgeJobOutput, error) {
	sc, err := core.ScopeOf(ctx)
	if err != nil {
		return nil, err
	}
	status, err := e.acknowledge(ctx, sc, wire.Value(in.JobId), wire.Value(in.Nonce), customJob)
	if err != nil {
		return nil, core.Wrap(err, "acknowledge job")
	}
	return &wire.AcknowledgeJobOutput{Status: wire.JobStatus(status)}, nil
}

// customJob refuses third-party jobs on the custom-job operations.
func customJob(j *core.Job) error {
	if j.Type.Owner == string(wire.ActionOwnerThirdParty) {
		return jobNotFound(j.ID)
	}
	return nil
}

// GetJobDetails returns a job's data, secrets included (J-2.6).
func (e *Engine) GetJobDetails(ctx context.Context, in *wire.GetJobDetailsInput) (*wire.GetJobDetailsOutput, error) {
	sc, err := core.ScopeOf(ctx)
	if err != nil {
		return nil, err
	}
	j, err := getJob(ctx, e.Store, sc, wire.Value(in.JobId))
	if err == nil {
		err = customJob(j)
	}
	if err != nil {
		return nil, core.Wrap(err, "get job details")
	}
	var data wire.JobData
	if err := json.Unmarshal(j.Data, &data); err != nil {
		return nil, err
	}
	return &wire.GetJobDetailsOutput{JobDetails: &wire.JobDetails{
		Id: wire.Ptr(j.ID), Data: &data, AccountId: wire.Ptr(sc.Account),
	}}, nil
}

// PutJobSuccessResult reports a job done, or continuing (J-2.7).
func (e *Engine) PutJobSuccessResult(ctx context.Context, in *wire.PutJobSuccessResultInput) (*struct{}, error) {
	sc, err := core.ScopeOf(ctx)
	if err != nil {
		return nil, err
	}
	err = e.finishJob(ctx, sc, wire.Value(in.JobId), customJob, jobResult{
		revision: in.CurrentRevision, continuation: in.ContinuationToken,
		details: in.ExecutionDetails, variables: in.OutputVariables,
	})
	return nil, core.Wrap(err, "put job success result")
}

// PutJobFailureResult reports a job failed (J-2.8).
func (e *Engine) PutJobFailureResult(ctx context.Context, in *wire.PutJobFailureResultInput) (*struct{}, error) {
	sc, err := core.ScopeOf(ctx)
	if err != nil {
		return nil, err
	}
	err = e.finishJob(ctx, sc, wire.Value(in.JobId), customJob, jobResult{failure: in.FailureDetails})
	return nil, core.Wrap(err, "put job failure result")
}
