package build

import (
	"context"
	"time"
)

// build runs the phases in order, applying the transition rules of the
// package doc, and reads the exported variables from the last state.
func (s *session) build(ctx context.Context) *Result {
	res := &Result{Status: StatusSucceeded}
	s.logf("Moving to directory %s", s.run.SourceDir)
	for _, np := range s.run.Spec.Phases.list() {
		if np.phase == nil {
			continue
		}
		pr, out := s.phase(ctx, np)
		res.Phases = append(res.Phases, pr)
		if out.interrupted {
			res.Status, res.FailedPhase, res.Message = pr.Status, np.name, pr.Message
			break
		}
		if !out.failed {
			continue
		}
		if res.Status == StatusSucceeded {
			res.Status, res.FailedPhase, res.Message = StatusFailed, np.name, out.message
		}
		if !continuesAfter(np.name, np.phase.OnFailure) {
			break
		}
	}
	res.Exported = exported(s.env, s.run.Spec.Env.ExportedVariables)
	return res
}

// outcome is how one list of commands, or one phase, ended.
type outcome struct {
	failed      bool
	interrupted bool   // the build's context ended
	message     string // why it failed
}

// phase runs a phase's commands, then its finally commands whatever
// happened (unless the build was ended), and logs the phase as CodeBuild
// does.
func (s *session) phase(ctx context.Context, np namedPhase) (PhaseResult, outcome) {
	start := time.Now()
	s.logf("Entering phase %s", np.name)
	off := s.offsets[np.name]
	out := s.runList(ctx, off.commands, np.phase.Commands)
	if out.failed {
		s.succeeding = false
	}
	if !out.interrupted {
		fin := s.runList(ctx, off.finally, np.phase.Finally)
		if fin.interrupted || !out.failed {
			out = fin
		}
	}
	pr := PhaseResult{Name: np.name, Status: StatusSucceeded, Duration: time.Since(start), Message: out.message}
	code := ""
	switch {
	case out.interrupted:
		pr.Status, pr.Message = s.run.stopReason(ctx)
	case out.failed:
		s.succeeding = false
		pr.Status, code = StatusFailed, "COMMAND_EXECUTION_ERROR"
	}
	s.logf("Phase complete: %s State: %s", np.name, pr.Status)
	s.logf("Phase context status code: %s Message: %s", code, pr.Message)
	return pr, out
}
