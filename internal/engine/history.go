package engine

import (
	"context"
	"maps"
	"slices"
	"strconv"

	"github.com/sluice-cd/sluice/internal/core"
	"github.com/sluice-cd/sluice/internal/page"
	"github.com/sluice-cd/sluice/internal/store"
	"github.com/sluice-cd/sluice/internal/wire"
)

// GetPipelineExecution describes one execution.
func (e *Engine) GetPipelineExecution(ctx context.Context, in *wire.GetPipelineExecutionInput) (*wire.GetPipelineExecutionOutput, error) {
	sc, err := core.ScopeOf(ctx)
	if err != nil {
		return nil, err
	}
	name := wire.Value(in.PipelineName)
	if _, _, err := pipeline(ctx, e.Store, sc, name, 0); err != nil {
		return nil, err
	}
	ex, err := execution(ctx, e.Store, sc, name, wire.Value(in.PipelineExecutionId))
	if err != nil {
		return nil, core.Wrap(err, "get pipeline execution")
	}
	pe := &wire.PipelineExecution{
		PipelineName: wire.Ptr(name), PipelineVersion: wire.Ptr(int32(ex.PipelineVersion)),
		PipelineExecutionId: wire.Ptr(ex.ID), Status: wire.PipelineExecutionStatus(ex.Status),
		StatusSummary: optional(ex.Summary), ArtifactRevisions: []wire.ArtifactRevision{},
		Trigger: trig(ex), ExecutionMode: wire.ExecutionMode(ex.Mode),
		ExecutionType: wire.ExecutionType(ex.Type), RollbackMetadata: rollbackOf(ex),
	}
	for _, s := range ex.Sources {
		pe.ArtifactRevisions = append(pe.ArtifactRevisions, wire.ArtifactRevision{
			Name: wire.Ptr(s.Artifact), RevisionId: wire.Ptr(s.Revision.RevisionID),
			RevisionChangeIdentifier: optional(s.Revision.ChangeIdentifier), RevisionSummary: optional(s.Revision.Summary),
			Created: timeOrNil(s.Revision.Created), RevisionUrl: optional(s.Revision.URL),
		})
	}
	for _, n := range slices.Sorted(maps.Keys(ex.Variables)) {
		pe.Variables = append(pe.Variables, wire.ResolvedPipelineVariable{Name: wire.Ptr(n), ResolvedValue: wire.Ptr(ex.Variables[n])})
	}
	return &wire.GetPipelineExecutionOutput{PipelineExecution: pe}, nil
}

func trig(ex *core.Execution) *wire.ExecutionTrigger {
	return &wire.ExecutionTrigger{TriggerType: wire.TriggerType(ex.TriggerType), TriggerDetail: optional(ex.TriggerDetail)}
}

func rollbackOf(ex *core.Execution) *wire.PipelineRollbackMetadata {
	if ex.RollbackTarget == "" {
		return nil
	}
	return &wire.PipelineRollbackMetadata{RollbackTargetPipelineExecutionId: wire.Ptr(ex.RollbackTarget)}
}

// ListPipelineExecutions lists executions newest first (E-6.5).
func (e *Engine) ListPipelineExecutions(ctx context.Context, in *wire.ListPipelineExecutionsInput) (*wire.ListPipelineExecutionsOutput, error) {
	name := wire.Value(in.PipelineName)
	sc, before, limit, err := e.listing(ctx, name, "executions", in.NextToken, in.MaxResults)
	if err != nil {
		return nil, err
	}
	f := store.ExecutionFilter{Before: before, Limit: limit + 1}
	if in.Filter != nil && in.Filter.SucceededInStage != nil {
		f.SucceededIn = wire.Value(in.Filter.SucceededInStage.StageName)
	}
	rows, err := e.Store.ExecutionList(ctx, sc, name, f)
	if err != nil {
		return nil, core.Wrap(err, "list pipeline executions")
	}
	out := &wire.ListPipelineExecutionsOutput{PipelineExecutionSummaries: []wire.PipelineExecutionSummary{}}
	rows, out.NextToken = pageOf(rows, limit, "executions", func(ex *core.Execution) int64 { return ex.Seq })
	for _, ex := range rows {
		out.PipelineExecutionSummaries = append(out.PipelineExecutionSummaries, summary(ex))
	}
	return out, nil
}

func summary(ex *core.Execution) wire.PipelineExecutionSummary {
	s := wire.PipelineExecutionSummary{
		PipelineExecutionId: wire.Ptr(ex.ID), Status: wire.PipelineExecutionStatus(ex.Status),
		StatusSummary: optional(ex.Summary), StartTime: wire.NewTime(ex.Created), LastUpdateTime: wire.NewTime(ex.Updated),
		SourceRevisions: []wire.SourceRevision{}, Trigger: trig(ex),
		ExecutionMode: wire.ExecutionMode(ex.Mode), ExecutionType: wire.ExecutionType(ex.Type),
		RollbackMetadata: rollbackOf(ex),
	}
	for _, src := range ex.Sources {
		s.SourceRevisions = append(s.SourceRevisions, wire.SourceRevision{
			ActionName: wire.Ptr(src.Action), RevisionId: wire.Ptr(src.Revision.RevisionID),
			RevisionSummary: optional(src.Revision.Summary), RevisionUrl: optional(src.Revision.URL),
		})
	}
	if ex.Halt == core.HaltStop || ex.Halt == core.HaltAbandon {
		s.StopTrigger = &wire.StopExecutionTrigger{Reason: wire.Ptr(ex.StopReason)}
	}
	return s
}

// ListActionExecutions lists action runs newest first, of one execution
// when the filter names one (E-6.6).
func (e *Engine) ListActionExecutions(ctx context.Context, in *wire.ListActionExecutionsInput) (*wire.ListActionExecutionsOutput, error) {
	name := wire.Value(in.PipelineName)
	sc, before, limit, err := e.listing(ctx, name, "actions", in.NextToken, in.MaxResults)
	if err != nil {
		return nil, err
	}
	f := store.ActionRunFilter{Before: before, Limit: limit + 1}
	if fl := in.Filter; fl != nil {
		f.ExecutionID = wire.Value(fl.PipelineExecutionId)
		if fl.LatestInPipelineExecution != nil {
			f.ExecutionID = wire.Value(fl.LatestInPipelineExecution.PipelineExecutionId)
		}
	}
	if f.ExecutionID != "" {
		if _, err := execution(ctx, e.Store, sc, name, f.ExecutionID); err != nil {
			return nil, err
		}
	}
	rows, err := e.Store.ActionRunList(ctx, sc, name, f)
	if err != nil {
		return nil, core.Wrap(err, "list action executions")
	}
	out := &wire.ListActionExecutionsOutput{ActionExecutionDetails: []wire.ActionExecutionDetail{}}
	rows, out.NextToken = pageOf(rows, limit, "actions", func(r *core.ActionRun) int64 { return r.Seq })
	for _, r := range rows {
		d, err := e.detail(ctx, sc, r)
		if err != nil {
			return nil, err
		}
		out.ActionExecutionDetails = append(out.ActionExecutionDetails, d)
	}
	return out, nil
}

// detail is a run as ListActionExecutions shows it, secrets masked.
func (e *Engine) detail(ctx context.Context, sc core.Scope, r *core.ActionRun) (wire.ActionExecutionDetail, error) {
	def, _, err := e.Types.ActionTypeDefinition(ctx, e.Store, sc, r.Type)
	if err != nil {
		return wire.ActionExecutionDetail{}, err
	}
	d := wire.ActionExecutionDetail{
		PipelineExecutionId: wire.Ptr(r.ExecutionID), ActionExecutionId: wire.Ptr(r.ID),
		PipelineVersion: wire.Ptr(int32(r.PipelineVersion)), StageName: wire.Ptr(r.Stage), ActionName: wire.Ptr(r.Action),
		StartTime: wire.NewTime(r.Started), LastUpdateTime: wire.NewTime(r.Updated), UpdatedBy: optional(r.UpdatedBy),
		Status: wire.ActionExecutionStatus(r.Status),
		Input: &wire.ActionExecutionInput{
			ActionTypeId: wireTypeID(r.Type), Configuration: masked(r.Configuration, def),
			ResolvedConfiguration: masked(r.Resolved, def), RoleArn: optional(r.RoleARN), Region: optional(r.Region),
			Namespace: optional(r.Namespace), InputArtifacts: []wire.ArtifactDetail{},
		},
		Output: &wire.ActionExecutionOutput{
			OutputArtifacts: []wire.ArtifactDetail{}, OutputVariables: r.OutputVariables,
			ExecutionResult: &wire.ActionExecutionResult{
				ExternalExecutionId: optional(r.ExternalID), ExternalExecutionSummary: optional(r.Summary),
				ExternalExecutionUrl: optional(r.ExternalURL),
			},
		},
	}
	if r.Status == core.StatusFailed {
		d.Output.ExecutionResult.ErrorDetails = &wire.ErrorDetails{Code: optional(r.ErrorCode), Message: optional(r.ErrorMessage)}
	}
	for _, n := range r.Inputs {
		in := wire.ArtifactDetail{Name: wire.Ptr(n)}
		if o, ok := r.InputObjects[n]; ok {
			in.S3location = &wire.S3Location{Bucket: wire.Ptr(o.Bucket), Key: wire.Ptr(o.Key)}
		}
		d.Input.InputArtifacts = append(d.Input.InputArtifacts, in)
	}
	for _, n := range r.Outputs {
		d.Output.OutputArtifacts = append(d.Output.OutputArtifacts, wire.ArtifactDetail{
			Name: wire.Ptr(n), S3location: &wire.S3Location{Bucket: wire.Ptr(r.Bucket), Key: wire.Ptr(r.OutputKeys[n])},
		})
	}
	return d, nil
}

// masked replaces the values of secret properties with "****" (S-3.10).
func masked(config map[string]string, def *wire.ActionType) map[string]string {
	if def == nil || len(config) == 0 {
		return config
	}
	out := maps.Clone(config)
	for _, p := range def.ActionConfigurationProperties {
		if _, ok := out[wire.Value(p.Name)]; ok && wire.Value(p.Secret) {
			out[wire.Value(p.Name)] = "****"
		}
	}
	return out
}

// listing checks what every listing of a pipeline's history needs: the
// caller's scope, the pipeline, and the page asked for (100 rows unless
// maxResults says otherwise).
func (e *Engine) listing(ctx context.Context, name, kind string, token *string, max *int32) (core.Scope, int64, int, error) {
	sc, err := core.ScopeOf(ctx)
	if err != nil {
		return sc, 0, 0, err
	}
	if _, _, err := pipeline(ctx, e.Store, sc, name, 0); err != nil {
		return sc, 0, 0, err
	}
	before, err := afterSeq(kind, token)
	return sc, before, page.Size(max, 100), err
}

// pageOf cuts rows read with one extra down to limit, with the token of
// the next page when there is one.
func pageOf[T any](rows []T, limit int, kind string, seq func(T) int64) ([]T, *string) {
	if len(rows) <= limit {
		return rows, nil
	}
	rows = rows[:limit]
	return rows, page.Token(kind, strconv.FormatInt(seq(rows[limit-1]), 10))
}

// afterSeq reads a token of page.Token whose key is a Seq.
func afterSeq(kind string, token *string) (int64, error) {
	key, err := page.After(kind, token)
	if err != nil || key == "" {
		return 0, err
	}
	seq, err := strconv.ParseInt(key, 10, 64)
	if err != nil || seq <= 0 {
		return 0, page.Invalid()
	}
	return seq, nil
}
