package engine

import (
	"crypto/rand"
	"fmt"
	"maps"
	"regexp"
	"time"

	"github.com/sluice-cd/sluice/internal/core"
	"github.com/sluice-cd/sluice/internal/wire"
)

// approvalType is the built-in manual approval (§8).
var approvalType = core.ActionTypeID{Category: "Approval", Owner: "AWS", Provider: "Manual", Version: "1"}

func isApproval(id core.ActionTypeID) bool { return id == approvalType }

// start creates the run of one action: resolved configuration (V-4), output
// artifact locations, and what it waits on: an approval token, a job, or
// nothing when the revision is pinned or a reference does not resolve.
func (p *plan) start(f *flow, a wire.ActionDeclaration) {
	e := f.exec
	r := &core.ActionRun{
		Scope: e.Scope, Pipeline: e.Pipeline, ExecutionID: e.ID, ID: p.newID(),
		Stage: f.stage.Stage, Action: wire.Value(a.Name), Epoch: f.stage.Epoch,
		RunOrder: int(runOrder(a)), PipelineVersion: e.PipelineVersion,
		Type: typeID(a.ActionTypeId), Namespace: wire.Value(a.Namespace),
		Region: wire.Value(a.Region), RoleARN: wire.Value(a.RoleArn),
		Status: core.StatusInProgress, Configuration: a.Configuration,
		Inputs: inputNames(a), Outputs: outputNames(a),
		Bucket: artifactBucket(f.decl, wire.Value(a.Region)), Started: p.now,
	}
	r.OutputKeys = p.outputKeys(e.Pipeline, r.Outputs)
	r.InputObjects = inputObjects(f, r.Inputs)
	f.runs = append(f.runs, r)
	p.touchRun(r)

	resolved, err := resolve(a.Configuration, namespaces(f))
	r.Resolved = resolved
	switch {
	case err != nil:
		r.Status, r.ErrorCode = core.StatusFailed, string(wire.FailureTypeConfigurationError)
		r.ErrorMessage = "An action in this pipeline failed because one or more variables could not be resolved: Action name=" + r.Action
		r.Summary = r.ErrorMessage + ": " + err.Error()
	case e.Stage == 0 && hasPin(e, r.Action):
		rev := e.Pinned[r.Action]
		r.Status, r.Revision, r.Summary = core.StatusSucceeded, &rev, rev.Summary
		recordSource(e, r)
		p.touchExec(e)
	case isApproval(r.Type):
		r.Token = p.newID()
		r.Summary = r.Resolved["CustomData"]
		if e.Mode == string(wire.ExecutionModePARALLEL) {
			r.ExternalID = r.Token // E-4.10: the token of PARALLEL approvals
		}
		r.Deadline = p.now.Add(timeout(a, p.limits.Approval))
	default:
		limit := p.limits.Action
		if workerOwned(r.Type) {
			limit = p.limits.Custom
		}
		r.Deadline = p.now.Add(timeout(a, limit))
		p.started = append(p.started, r)
	}
}

// workerOwned tells the types whose jobs an outside worker works, custom
// and third-party alike: both get the custom action timeout (J-2.10).
func workerOwned(id core.ActionTypeID) bool {
	return id.Owner == string(wire.ActionOwnerCustom) || id.Owner == string(wire.ActionOwnerThirdParty)
}

func hasPin(e *core.Execution, action string) bool {
	_, ok := e.Pinned[action]
	return ok
}

// recordSource keeps a source run's revision on its execution.
func recordSource(e *core.Execution, r *core.ActionRun) {
	artifact := ""
	if len(r.Outputs) > 0 {
		artifact = r.Outputs[0]
	}
	for i, s := range e.Sources {
		if s.Action == r.Action {
			e.Sources[i] = core.SourceRecord{Action: r.Action, Artifact: artifact, Revision: *r.Revision}
			return
		}
	}
	e.Sources = append(e.Sources, core.SourceRecord{Action: r.Action, Artifact: artifact, Revision: *r.Revision})
}

// timeout is the action's own timeoutInMinutes, or the default.
func timeout(a wire.ActionDeclaration, def time.Duration) time.Duration {
	if a.TimeoutInMinutes != nil && *a.TimeoutInMinutes > 0 {
		return time.Duration(*a.TimeoutInMinutes) * time.Minute
	}
	return def
}

func typeID(id *wire.ActionTypeId) core.ActionTypeID {
	if id == nil {
		return core.ActionTypeID{}
	}
	return core.ActionTypeID{
		Category: string(id.Category), Owner: string(id.Owner),
		Provider: wire.Value(id.Provider), Version: wire.Value(id.Version),
	}
}

func wireTypeID(id core.ActionTypeID) *wire.ActionTypeId {
	return &wire.ActionTypeId{
		Category: wire.ActionCategory(id.Category), Owner: wire.ActionOwner(id.Owner),
		Provider: wire.Ptr(id.Provider), Version: wire.Ptr(id.Version),
	}
}

func inputNames(a wire.ActionDeclaration) []string {
	var out []string
	for _, in := range a.InputArtifacts {
		out = append(out, wire.Value(in.Name))
	}
	return out
}

func outputNames(a wire.ActionDeclaration) []string {
	var out []string
	for _, o := range a.OutputArtifacts {
		out = append(out, wire.Value(o.Name))
	}
	return out
}

// artifactBucket is the artifact store of the action's region (AR-1).
func artifactBucket(d *wire.PipelineDeclaration, region string) string {
	if s, ok := d.ArtifactStores[region]; ok && region != "" {
		return wire.Value(s.Location)
	}
	if d.ArtifactStore != nil {
		return wire.Value(d.ArtifactStore.Location)
	}
	for _, s := range d.ArtifactStores {
		return wire.Value(s.Location)
	}
	return ""
}

// outputKeys allocates object keys as CodePipeline lays them out (AR-2):
// pipeline name (20), artifact name (10), 7 random characters.
func (p *plan) outputKeys(pipeline string, names []string) map[string]string {
	if len(names) == 0 {
		return nil
	}
	keys := map[string]string{}
	for _, n := range names {
		keys[n] = prefix(pipeline, 20) + "/" + prefix(n, 10) + "/" + randomKey(7)
	}
	return keys
}

func prefix(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}

const keyAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"

func randomKey(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	for i := range b {
		b[i] = keyAlphabet[int(b[i])%len(keyAlphabet)]
	}
	return string(b)
}

// namespaces are the variables an action of the flow may reference (V-1):
// codepipeline, the pipeline variables, and the output variables of every
// succeeded run with a namespace, later runs winning.
func namespaces(f *flow) map[string]map[string]string {
	ns := map[string]map[string]string{
		"codepipeline": {"PipelineExecutionId": f.exec.ID},
		"variables":    f.exec.Variables,
	}
	for _, runs := range [][]*core.ActionRun{f.inherited, f.runs} {
		for _, r := range runs {
			if r.Namespace != "" && r.Status == core.StatusSucceeded {
				ns[r.Namespace] = r.OutputVariables
			}
		}
	}
	return ns
}

var reference = regexp.MustCompile(`#\{([A-Za-z0-9@\-_]+)\.([A-Za-z0-9@\-_]+)\}`)

// resolve substitutes #{namespace.name} references. A reference to an
// unknown namespace or variable is an error naming it (V-5).
func resolve(config map[string]string, ns map[string]map[string]string) (map[string]string, error) {
	out := maps.Clone(config)
	var missing error
	for k, v := range config {
		out[k] = reference.ReplaceAllStringFunc(v, func(ref string) string {
			m := reference.FindStringSubmatch(ref)
			val, ok := ns[m[1]][m[2]]
			if !ok && missing == nil {
				missing = fmt.Errorf("%s cannot be resolved", ref)
			}
			return val
		})
	}
	return out, missing
}
