package worker

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"strings"
	"time"

	"github.com/sluice-cd/sluice/internal/action/gitsource"
	"github.com/sluice-cd/sluice/internal/artifact"
	"github.com/sluice-cd/sluice/internal/core"
	"github.com/sluice-cd/sluice/internal/engine"
	"github.com/sluice-cd/sluice/internal/store"
	"github.com/sluice-cd/sluice/internal/wire"
)

// Detector finds new revisions of the sources of every pipeline and starts
// executions for them: S3 objects (PollForSourceChanges), CodeCommit
// branches (PollForSourceChanges) and connection branches (DetectChanges).
// It checks every ChangeDetection interval, and S3 sources at once when
// the S3 endpoint reports a change of their object.
type Detector struct {
	Store     store.Reader
	Engine    *engine.Engine
	Artifacts artifact.Store
	Worker    *Worker // for the configuration of repositories
	Log       *slog.Logger

	kick chan struct{}
}

// source is one source action change detection watches.
type source struct {
	scope    core.Scope
	pipeline string
	action   string
	provider string
	config   map[string]string
}

// Run checks sources until ctx ends.
func (d *Detector) Run(ctx context.Context) {
	d.init()
	t := time.NewTicker(d.Worker.config().changeInterval())
	defer t.Stop()
	for {
		d.scan(ctx)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-d.kick:
		}
	}
}

func (d *Detector) init() {
	if d.kick == nil {
		d.kick = make(chan struct{}, 1)
	}
}

// ObjectChanged asks for a check now; the S3 endpoint calls it after a
// write, so an uploaded source starts its pipeline at once.
func (d *Detector) ObjectChanged() {
	d.init()
	select {
	case d.kick <- struct{}{}:
	default:
	}
}

// scan checks every watched source once.
func (d *Detector) scan(ctx context.Context) {
	sources, err := d.sources(ctx)
	if err != nil {
		d.Log.Error("change detection: list sources", "err", err)
		return
	}
	for _, s := range sources {
		rev, kind, detail, err := d.revision(ctx, s)
		if err != nil || rev == "" {
			continue // a missing object or branch fails in the action, not here
		}
		id, err := d.Engine.SourceChange(ctx, s.scope, s.pipeline, s.action, rev, kind, detail)
		if err != nil {
			d.Log.Warn("change detection: start execution", "pipeline", s.pipeline, "err", err)
		} else if id != "" {
			d.Log.Info("change detected", "pipeline", s.pipeline, "action", s.action, "revision", rev, "execution", id)
		}
	}
}

// sources lists the first-stage source actions that want change detection.
func (d *Detector) sources(ctx context.Context) ([]source, error) {
	scopes, err := d.Store.PipelineScopes(ctx)
	if err != nil {
		return nil, err
	}
	var out []source
	for _, sc := range scopes {
		after := ""
		for {
			page, err := d.Store.PipelineList(ctx, sc, store.Page{After: after, Limit: 100})
			if err != nil {
				return nil, err
			}
			for _, p := range page {
				out = append(out, d.watched(ctx, sc, p.Name)...)
			}
			if len(page) < 100 {
				break
			}
			after = page[len(page)-1].Name
		}
	}
	return out, nil
}

func (d *Detector) watched(ctx context.Context, sc core.Scope, name string) []source {
	p, err := d.Store.PipelineGet(ctx, sc, name, 0)
	if err != nil {
		return nil
	}
	var decl wire.PipelineDeclaration
	if err := json.Unmarshal(p.Declaration, &decl); err != nil || len(decl.Stages) == 0 {
		return nil
	}
	var out []source
	for _, a := range decl.Stages[0].Actions {
		id := a.ActionTypeId
		if id == nil || id.Owner != wire.ActionOwnerAWS || id.Category != wire.ActionCategorySource {
			continue
		}
		s := source{scope: sc, pipeline: name, action: wire.Value(a.Name), provider: wire.Value(id.Provider), config: a.Configuration}
		if s.wantsDetection() {
			out = append(out, s)
		}
	}
	return out
}

// wantsDetection applies each provider's switch and its default.
func (s source) wantsDetection() bool {
	switch s.provider {
	case "S3", "CodeCommit":
		return !strings.EqualFold(s.config["PollForSourceChanges"], "false")
	case "CodeStarSourceConnection":
		return !strings.EqualFold(s.config["DetectChanges"], "false")
	}
	return false
}

// revision is the source's current revision, and the trigger to record.
func (d *Detector) revision(ctx context.Context, s source) (string, wire.TriggerType, string, error) {
	switch s.provider {
	case "S3":
		bucket, key := s.config["S3Bucket"], s.config["S3ObjectKey"]
		if ok, err := d.Worker.allows(ctx, s.scope.Account, bucket); err != nil || !ok {
			return "", "", "", err // changes in another account's bucket start nothing
		}
		obj, err := d.Artifacts.Head(ctx, bucket, key, "")
		if errors.Is(err, artifact.ErrNotFound) || errors.Is(err, artifact.ErrBucketNotFound) {
			return "", "", "", nil
		}
		return obj.VersionID, wire.TriggerTypePollForSourceChanges, "arn:aws:s3:::" + bucket + "/" + key, err
	case "CodeCommit":
		id, err := d.head(ctx, s.config["RepositoryName"], s.config["BranchName"])
		detail := "arn:aws:codecommit:" + s.scope.Region + ":" + s.scope.Account + ":" + s.config["RepositoryName"]
		return id, wire.TriggerTypePollForSourceChanges, detail, err
	default:
		id, err := d.head(ctx, s.config["FullRepositoryId"], s.config["BranchName"])
		return id, wire.TriggerTypeWebhookV2, s.config["ConnectionArn"], err
	}
}

func (d *Detector) head(ctx context.Context, name, branch string) (string, error) {
	repo, err := d.Worker.repository(name)
	if err != nil {
		return "", err
	}
	return gitsource.HeadID(ctx, repo, branch)
}
