package catalog

import (
	"context"
	"encoding/json"
	"errors"

	"github.com/sluice-cd/sluice/internal/core"
	"github.com/sluice-cd/sluice/internal/page"
	"github.com/sluice-cd/sluice/internal/store"
	"github.com/sluice-cd/sluice/internal/wire"
)

// CreatePipeline stores version 1 of a new pipeline (S-1.4).
func (s *Service) CreatePipeline(ctx context.Context, in *wire.CreatePipelineInput) (*wire.CreatePipelineOutput, error) {
	sc, err := core.ScopeOf(ctx)
	if err != nil {
		return nil, err
	}
	if err := checkTags(in.Tags); err != nil {
		return nil, err
	}
	decl := in.Pipeline
	after := noop
	err = s.Store.InTx(ctx, func(tx store.Tx) error {
		find, err := s.typeFinder(ctx, tx, sc)
		if err != nil {
			return err
		}
		if err := s.prepare(decl, nil, sc, find); err != nil {
			return err
		}
		if n, err := tx.PipelineCount(ctx, sc); err != nil {
			return err
		} else if n >= maxPipelines {
			return core.Errorf(core.LimitExceeded, "Account '%s' already has %d pipelines in %s, the most a region allows", sc.Account, n, sc.Region)
		}
		decl.Version = wire.Ptr(int32(1))
		p, err := s.record(sc, decl)
		if err != nil {
			return err
		}
		p.Created = p.Updated
		if err := tx.PipelineCreate(ctx, p); err != nil {
			if errors.Is(err, store.ErrConflict) {
				return core.Errorf(core.PipelineNameInUse, "A pipeline with the name '%s' already exists in account '%s'", p.Name, sc.Account)
			}
			return err
		}
		if err := tx.TagPut(ctx, sc, p.ARN(), tagsIn(in.Tags)); err != nil {
			return err
		}
		if s.Runner != nil {
			if after, err = s.Runner.PipelineCreated(ctx, tx, p); err != nil {
				return err
			}
		}
		maskSecrets(decl, find) // after record: the store keeps the secrets
		return nil
	})
	if err != nil {
		return nil, core.Wrap(err, "create pipeline")
	}
	after()
	return &wire.CreatePipelineOutput{Pipeline: decl, Tags: in.Tags}, nil
}

// GetPipeline returns the latest or the asked version, secrets masked (S-3.10).
func (s *Service) GetPipeline(ctx context.Context, in *wire.GetPipelineInput) (*wire.GetPipelineOutput, error) {
	sc, err := core.ScopeOf(ctx)
	if err != nil {
		return nil, err
	}
	name, version := wire.Value(in.Name), int(wire.Value(in.Version))
	p, err := s.Store.PipelineGet(ctx, sc, name, version)
	if errors.Is(err, store.ErrNotFound) {
		if version == 0 {
			return nil, pipelineNotFound(sc, name)
		}
		if _, err := s.Store.PipelineGet(ctx, sc, name, 0); errors.Is(err, store.ErrNotFound) {
			return nil, pipelineNotFound(sc, name)
		}
		return nil, core.Errorf(core.PipelineVersionNotFound, "Pipeline '%s' does not have a version %d", name, version)
	}
	if err != nil {
		return nil, core.Wrap(err, "get pipeline")
	}
	decl, err := declaration(p)
	if err != nil {
		return nil, err
	}
	find := typeFinder(findBuiltin)
	if usesCustomTypes(decl) {
		// Only custom types are in the store; most pipelines need none.
		if find, err = s.secretFinder(ctx, s.Store, sc); err != nil {
			return nil, err
		}
	}
	maskSecrets(decl, find)
	return &wire.GetPipelineOutput{Pipeline: decl, Metadata: &wire.PipelineMetadata{
		PipelineArn: wire.Ptr(p.ARN()),
		Created:     wire.NewTime(p.Created),
		Updated:     wire.NewTime(p.Updated),
	}}, nil
}

// UpdatePipeline stores the declaration as the next version. The version
// in the input is ignored (S-1.4: the service assigns it).
func (s *Service) UpdatePipeline(ctx context.Context, in *wire.UpdatePipelineInput) (*wire.UpdatePipelineOutput, error) {
	sc, err := core.ScopeOf(ctx)
	if err != nil {
		return nil, err
	}
	decl := in.Pipeline
	after := noop
	err = s.Store.InTx(ctx, func(tx store.Tx) error {
		cur, err := tx.PipelineGet(ctx, sc, wire.Value(decl.Name), 0)
		if errors.Is(err, store.ErrNotFound) {
			return pipelineNotFound(sc, wire.Value(decl.Name))
		}
		if err != nil {
			return err
		}
		old, err := declaration(cur)
		if err != nil {
			return err
		}
		find, err := s.typeFinder(ctx, tx, sc)
		if err != nil {
			return err
		}
		if err := s.prepare(decl, old, sc, find); err != nil {
			return err
		}
		decl.Version = wire.Ptr(int32(cur.Version + 1))
		p, err := s.record(sc, decl)
		if err != nil {
			return err
		}
		p.Created = cur.Created
		if err := tx.PipelineAddVersion(ctx, p); err != nil {
			return conflict(err, "The pipeline")
		}
		if s.Runner != nil {
			if after, err = s.Runner.PipelineUpdated(ctx, tx, p); err != nil {
				return err
			}
		}
		maskSecrets(decl, find) // after record: the store keeps the secrets
		return nil
	})
	if err != nil {
		return nil, core.Wrap(err, "update pipeline")
	}
	after()
	return &wire.UpdatePipelineOutput{Pipeline: decl}, nil
}

// DeletePipeline removes a pipeline, its versions and its tags. Deleting a
// pipeline that does not exist succeeds: the model gives the operation no
// not-found error.
func (s *Service) DeletePipeline(ctx context.Context, in *wire.DeletePipelineInput) (*struct{}, error) {
	sc, err := core.ScopeOf(ctx)
	if err != nil {
		return nil, err
	}
	err = s.Store.InTx(ctx, func(tx store.Tx) error {
		return tx.PipelineDelete(ctx, sc, wire.Value(in.Name))
	})
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return nil, core.Wrap(err, "delete pipeline")
	}
	return nil, nil
}

// ListPipelines lists the latest versions by name, 100 a page by default.
func (s *Service) ListPipelines(ctx context.Context, in *wire.ListPipelinesInput) (*wire.ListPipelinesOutput, error) {
	sc, err := core.ScopeOf(ctx)
	if err != nil {
		return nil, err
	}
	after, err := page.After("pipelines", in.NextToken)
	if err != nil {
		return nil, err
	}
	limit := page.Size(in.MaxResults, 100)
	rows, err := s.Store.PipelineList(ctx, sc, store.Page{After: after, Limit: limit + 1})
	if err != nil {
		return nil, core.Wrap(err, "list pipelines")
	}
	out := &wire.ListPipelinesOutput{Pipelines: []wire.PipelineSummary{}}
	if len(rows) > limit {
		rows = rows[:limit]
		out.NextToken = page.Token("pipelines", rows[limit-1].Name)
	}
	for _, p := range rows {
		out.Pipelines = append(out.Pipelines, wire.PipelineSummary{
			Name:          wire.Ptr(p.Name),
			Version:       wire.Ptr(int32(p.Version)),
			PipelineType:  wire.PipelineType(p.PipelineType),
			ExecutionMode: wire.ExecutionMode(p.ExecutionMode),
			Created:       wire.NewTime(p.Created),
			Updated:       wire.NewTime(p.Updated),
		})
	}
	return out, nil
}

// prepare fills the defaults a stored declaration carries (S-1.9, S-1.10),
// checks the structure, and puts back secrets sent as "****" (S-3.10).
func (s *Service) prepare(decl, old *wire.PipelineDeclaration, sc core.Scope, find typeFinder) error {
	if decl.PipelineType == "" {
		decl.PipelineType = wire.PipelineTypeV1
	}
	if decl.ExecutionMode == "" {
		decl.ExecutionMode = wire.ExecutionModeSUPERSEDED
	}
	if err := checkStructure(decl, sc.Region, find); err != nil {
		return err
	}
	return restoreSecrets(decl, old, find)
}

// record turns a checked declaration into the stored record.
func (s *Service) record(sc core.Scope, decl *wire.PipelineDeclaration) (*core.Pipeline, error) {
	doc, err := json.Marshal(decl)
	if err != nil {
		return nil, err
	}
	return &core.Pipeline{
		Scope:         sc,
		Name:          wire.Value(decl.Name),
		Version:       int(wire.Value(decl.Version)),
		PipelineType:  string(decl.PipelineType),
		ExecutionMode: string(decl.ExecutionMode),
		Declaration:   doc,
		Updated:       s.Clock.Now(),
	}, nil
}

// declaration decodes a stored declaration.
func declaration(p *core.Pipeline) (*wire.PipelineDeclaration, error) {
	var decl wire.PipelineDeclaration
	if err := json.Unmarshal(p.Declaration, &decl); err != nil {
		return nil, core.Wrap(err, "decode stored pipeline %s version %d", p.Name, p.Version)
	}
	return &decl, nil
}

// usesCustomTypes tells whether any action of decl has a custom type.
func usesCustomTypes(decl *wire.PipelineDeclaration) bool {
	for _, st := range decl.Stages {
		for _, a := range st.Actions {
			if a.ActionTypeId != nil && a.ActionTypeId.Owner == wire.ActionOwnerCustom {
				return true
			}
		}
	}
	return false
}

func pipelineNotFound(sc core.Scope, name string) error {
	// The wording is the one AWS clients and tests match on.
	return core.Errorf(core.PipelineNotFound, "Account '%s' does not have a pipeline with name '%s'", sc.Account, name)
}

// typeFinder returns a finder over the built-in types and the scope's live
// custom types, read once: a pipeline check asks for many types.
func (s *Service) typeFinder(ctx context.Context, r store.Reader, sc core.Scope) (typeFinder, error) {
	return s.customTypeFinder(ctx, r, sc, false)
}

// secretFinder is typeFinder with deleted types too: a stored pipeline may
// still hold secrets of a type deleted since, and they stay masked.
func (s *Service) secretFinder(ctx context.Context, r store.Reader, sc core.Scope) (typeFinder, error) {
	return s.customTypeFinder(ctx, r, sc, true)
}

func (s *Service) customTypeFinder(ctx context.Context, r store.Reader, sc core.Scope, withDeleted bool) (typeFinder, error) {
	rows, err := r.ActionTypeList(ctx, sc)
	if err != nil {
		return nil, core.Wrap(err, "list action types")
	}
	custom := map[core.ActionTypeID]*wire.ActionType{}
	for _, row := range rows {
		if row.Deleted && !withDeleted {
			continue
		}
		var t wire.ActionType
		if err := json.Unmarshal(row.Definition, &t); err != nil {
			return nil, core.Wrap(err, "decode action type")
		}
		custom[row.ID] = &t
	}
	return func(id wire.ActionTypeId) (*wire.ActionType, bool) {
		if t, ok := custom[typeID(id)]; ok {
			return t, true
		}
		return findBuiltin(id)
	}, nil
}

// typeID converts a wire id to the comparable core one.
func typeID(id wire.ActionTypeId) core.ActionTypeID {
	return core.ActionTypeID{
		Category: string(id.Category), Owner: string(id.Owner),
		Provider: wire.Value(id.Provider), Version: wire.Value(id.Version),
	}
}

// tagsIn turns request tags into the stored map.
func tagsIn(tags []wire.Tag) map[string]string {
	m := make(map[string]string, len(tags))
	for _, t := range tags {
		m[wire.Value(t.Key)] = wire.Value(t.Value)
	}
	return m
}
