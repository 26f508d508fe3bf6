package catalog

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/sluice-cd/sluice/internal/core"
	"github.com/sluice-cd/sluice/internal/page"
	"github.com/sluice-cd/sluice/internal/store"
	"github.com/sluice-cd/sluice/internal/wire"
)

// Limits and constants of action types.
const (
	// maxTypeProperties is the configuration property limit of J-1.1.
	maxTypeProperties = 10
	// maxTypeArtifacts is the artifact count limit of the ActionType shape
	// (ActionTypeDeclaration allows 10, but pipelines cannot use more).
	maxTypeArtifacts = 5
	// actionTypesPageSize is the page of ListActionTypes, which has no
	// maxResults member.
	actionTypesPageSize = 100
	actionTypesToken    = "actiontypes"
	ownerCustom         = string(wire.ActionOwnerCustom)
)

// configRef matches the {Config:<name>} references of a URL template.
var configRef = regexp.MustCompile(`\{Config:([^{}]*)\}`)

// CreateCustomActionType creates a custom action type of the caller's scope
// (J-1.1). Re-submitting a live type unchanged succeeds and only adds the
// tags (J-1.3); re-submitting a deleted type unchanged restores it, while a
// deleted type's id can never take another definition (J-1.2).
func (s *Service) CreateCustomActionType(ctx context.Context, in *wire.CreateCustomActionTypeInput) (*wire.CreateCustomActionTypeOutput, error) {
	sc, err := core.ScopeOf(ctx)
	if err != nil {
		return nil, err
	}
	t, err := cloneActionType(&wire.ActionType{
		Id: &wire.ActionTypeId{
			Category: in.Category,
			Owner:    wire.ActionOwnerCustom,
			Provider: in.Provider,
			Version:  in.Version,
		},
		Settings:                      in.Settings,
		ActionConfigurationProperties: in.ConfigurationProperties,
		InputArtifactDetails:          in.InputArtifactDetails,
		OutputArtifactDetails:         in.OutputArtifactDetails,
	})
	if err != nil {
		return nil, err
	}
	normalizeActionType(t)
	if err := checkCustomType(t, "settings"); err != nil {
		return nil, err
	}
	if err := checkTags(in.Tags); err != nil {
		return nil, err
	}
	def, err := json.Marshal(storedActionType{ActionType: *t})
	if err != nil {
		return nil, fmt.Errorf("encode action type: %w", err)
	}
	id := coreTypeID(t.Id)
	arn := id.ARN(sc)
	now := s.Clock.Now()
	var tags map[string]string
	err = s.Store.InTx(ctx, func(tx store.Tx) error {
		if err := putCustomType(ctx, tx, sc, t, def, now); err != nil {
			return err
		}
		if err := putTags(ctx, tx, sc, arn, in.Tags); err != nil {
			return err
		}
		var err error
		tags, err = tx.TagList(ctx, sc, arn)
		return err
	})
	if err != nil {
		return nil, core.Wrap(conflict(err, "The action type"), "create custom action type")
	}
	return &wire.CreateCustomActionTypeOutput{ActionType: t, Tags: tagsOut(tags)}, nil
}

// putCustomType stores a new type, restores an identical deleted one or
// accepts an identical live one, in tx.
func putCustomType(ctx context.Context, tx store.Tx, sc core.Scope, t *wire.ActionType, def []byte, now time.Time) error {
	id := coreTypeID(t.Id)
	old, err := tx.ActionTypeGet(ctx, sc, id)
	if errors.Is(err, store.ErrNotFound) {
		if err := checkCustomTypeQuota(ctx, tx, sc); err != nil {
			return err
		}
		return tx.ActionTypeCreate(ctx, &core.ActionType{Scope: sc, ID: id, Definition: def, Created: now, Updated: now})
	}
	if err != nil {
		return err
	}
	stored, err := decodeActionType(old.Definition)
	if err != nil {
		return err
	}
	stored.Id = wireTypeID(id)
	normalizeActionType(&stored.ActionType)
	switch same := sameDefinition(&stored.ActionType, t); {
	case !same && old.Deleted:
		return core.Errorf(core.Validation,
			"%s was deleted, so its version is already used and cannot take another definition. "+
				"Create the action type with a version that was never used, or resubmit the deleted definition unchanged to restore it",
			describeTypeID(id))
	case !same:
		return core.Errorf(core.Validation,
			"%s already exists with a different definition. Use UpdateActionType to change it, or create a new version",
			describeTypeID(id))
	case !old.Deleted:
		return nil // J-1.3: an identical live type is created already.
	}
	if err := checkCustomTypeQuota(ctx, tx, sc); err != nil {
		return err
	}
	return tx.ActionTypeRestore(ctx, sc, id, now)
}

// checkCustomTypeQuota refuses a new live custom type when the scope has
// maxCustomTypes already (§11); deleted types do not count.
func checkCustomTypeQuota(ctx context.Context, r store.Reader, sc core.Scope) error {
	all, err := r.ActionTypeList(ctx, sc)
	if err != nil {
		return err
	}
	live := 0
	for _, t := range all {
		if !t.Deleted {
			live++
		}
	}
	if live >= maxCustomTypes {
		return core.Errorf(core.LimitExceeded,
			"The account already has %d custom action types in region %s, the most allowed. Delete unused custom action types first",
			live, sc.Region)
	}
	return nil
}

// DeleteCustomActionType marks a custom action type deleted (J-1.2); its
// tags go with it.
//
// The operation models no not-found error (only ConcurrentModification and
// Validation), so deleting a type that is absent or deleted already
// succeeds: what the caller wants, a type nobody can use, holds.
func (s *Service) DeleteCustomActionType(ctx context.Context, in *wire.DeleteCustomActionTypeInput) (*struct{}, error) {
	sc, err := core.ScopeOf(ctx)
	if err != nil {
		return nil, err
	}
	id := core.ActionTypeID{
		Category: string(in.Category),
		Owner:    ownerCustom,
		Provider: wire.Value(in.Provider),
		Version:  wire.Value(in.Version),
	}
	now := s.Clock.Now()
	err = s.Store.InTx(ctx, func(tx store.Tx) error {
		err := tx.ActionTypeMarkDeleted(ctx, sc, id, now)
		if errors.Is(err, store.ErrNotFound) {
			return nil
		}
		return err
	})
	return nil, core.Wrap(conflict(err, "The action type"), "delete custom action type")
}

// ListActionTypes lists the built-in types and the caller's live custom
// types, ordered by owner, category, provider and version, in pages of
// actionTypesPageSize. regionFilter picks the region whose custom types of
// the caller's account are listed; built-in types exist in every region.
func (s *Service) ListActionTypes(ctx context.Context, in *wire.ListActionTypesInput) (*wire.ListActionTypesOutput, error) {
	sc, err := core.ScopeOf(ctx)
	if err != nil {
		return nil, err
	}
	// A bad token fails before any work.
	if _, err := page.After(actionTypesToken, in.NextToken); err != nil {
		return nil, err
	}
	owner := in.ActionOwnerFilter
	var all []wire.ActionType
	if owner != wire.ActionOwnerCustom {
		for _, t := range builtinActionTypes() {
			if owner == "" || t.Id.Owner == owner {
				all = append(all, *localized(&t, s.PublicURL))
			}
		}
	}
	if owner == "" || owner == wire.ActionOwnerCustom {
		custom := sc
		if r := wire.Value(in.RegionFilter); r != "" {
			custom.Region = r
		}
		types, err := liveCustomTypes(ctx, s.Store, custom)
		if err != nil {
			return nil, core.Wrap(err, "list action types")
		}
		all = append(all, types...)
	}
	slices.SortFunc(all, func(a, b wire.ActionType) int {
		return strings.Compare(actionTypeKey(&a), actionTypeKey(&b))
	})
	page, next, err := pageActionTypes(all, in.NextToken)
	if err != nil {
		return nil, err
	}
	return &wire.ListActionTypesOutput{ActionTypes: page, NextToken: next}, nil
}

// pageActionTypes returns the page of sorted types that follows token, never
// nil, and the token of the page after it, nil on the last page.
func pageActionTypes(all []wire.ActionType, token *string) ([]wire.ActionType, *string, error) {
	after, err := page.After(actionTypesToken, token)
	if err != nil {
		return nil, nil, err
	}
	start := 0
	if after != "" {
		start = len(all)
		if i := slices.IndexFunc(all, func(t wire.ActionType) bool { return actionTypeKey(&t) > after }); i >= 0 {
			start = i
		}
	}
	end := min(start+actionTypesPageSize, len(all))
	types := append([]wire.ActionType{}, all[start:end]...)
	if end == len(all) {
		return types, nil, nil
	}
	return types, page.Token(actionTypesToken, actionTypeKey(&all[end-1])), nil
}

// actionTypeKey orders action types by owner, category, provider and
// version. NUL sorts before every character of those fields, so comparing
// keys compares the fields in turn.
func actionTypeKey(t *wire.ActionType) string {
	id := coreTypeID(t.Id)
	return strings.Join([]string{id.Owner, id.Category, id.Provider, id.Version}, "\x00")
}

// liveCustomTypes returns the custom types of a scope that are not deleted,
// in the shape of ListActionTypes.
func liveCustomTypes(ctx context.Context, r store.Reader, sc core.Scope) ([]wire.ActionType, error) {
	recs, err := r.ActionTypeList(ctx, sc)
	if err != nil {
		return nil, err
	}
	var out []wire.ActionType
	for _, rec := range recs {
		if rec.Deleted {
			continue
		}
		st, err := decodeActionType(rec.Definition)
		if err != nil {
			return nil, err
		}
		st.Id = wireTypeID(rec.ID)
		out = append(out, st.ActionType)
	}
	return out, nil
}

// liveCustomType returns a custom type that exists and is not deleted, or
// ActionTypeNotFoundException.
func liveCustomType(ctx context.Context, r store.Reader, sc core.Scope, id core.ActionTypeID) (*storedActionType, error) {
	rec, err := r.ActionTypeGet(ctx, sc, id)
	if errors.Is(err, store.ErrNotFound) || err == nil && rec.Deleted {
		return nil, actionTypeNotFound(id)
	}
	if err != nil {
		return nil, err
	}
	st, err := decodeActionType(rec.Definition)
	if err != nil {
		return nil, err
	}
	st.Id = wireTypeID(rec.ID)
	return st, nil
}

// GetActionType returns a built-in or live custom action type in the
// ActionTypeDeclaration shape.
func (s *Service) GetActionType(ctx context.Context, in *wire.GetActionTypeInput) (*wire.GetActionTypeOutput, error) {
	sc, err := core.ScopeOf(ctx)
	if err != nil {
		return nil, err
	}
	id := core.ActionTypeID{
		Category: string(in.Category),
		Owner:    wire.Value(in.Owner),
		Provider: wire.Value(in.Provider),
		Version:  wire.Value(in.Version),
	}
	if id.Owner == ownerCustom {
		st, err := liveCustomType(ctx, s.Store, sc, id)
		if err != nil {
			return nil, core.Wrap(err, "get action type")
		}
		return &wire.GetActionTypeOutput{ActionType: declarationOf(&st.ActionType, st, sc.Account)}, nil
	}
	t, ok := findBuiltin(*wireTypeID(id))
	if !ok {
		return nil, actionTypeNotFound(id)
	}
	return &wire.GetActionTypeOutput{ActionType: declarationOf(localized(t, s.PublicURL), nil, sc.Account)}, nil
}

// UpdateActionType replaces the definition of a live custom action type
// with a declaration of the newer shape. Built-in types cannot be changed
// and are reported as not found, like absent and deleted ones.
func (s *Service) UpdateActionType(ctx context.Context, in *wire.UpdateActionTypeInput) (*struct{}, error) {
	sc, err := core.ScopeOf(ctx)
	if err != nil {
		return nil, err
	}
	d := in.ActionType
	if d == nil || d.Id == nil {
		return nil, core.Errorf(core.Validation, "actionType and actionType.id are required")
	}
	id := core.ActionTypeID{
		Category: string(d.Id.Category),
		Owner:    wire.Value(d.Id.Owner),
		Provider: wire.Value(d.Id.Provider),
		Version:  wire.Value(d.Id.Version),
	}
	if id.Owner != ownerCustom {
		return nil, actionTypeNotFound(id)
	}
	if err := checkExecutor(d.Executor); err != nil {
		return nil, err
	}
	now := s.Clock.Now()
	err = s.Store.InTx(ctx, func(tx store.Tx) error {
		old, err := liveCustomType(ctx, tx, sc, id)
		if err != nil {
			return err
		}
		st := legacyOf(d, id, &old.ActionType)
		if err := checkCustomType(&st.ActionType, "urls"); err != nil {
			return err
		}
		def, err := json.Marshal(st)
		if err != nil {
			return fmt.Errorf("encode action type: %w", err)
		}
		err = tx.ActionTypeUpdate(ctx, &core.ActionType{Scope: sc, ID: id, Definition: def, Updated: now})
		if errors.Is(err, store.ErrNotFound) {
			return actionTypeNotFound(id)
		}
		return err
	})
	return nil, core.Wrap(conflict(err, "The action type"), "update action type")
}

// actionTypeNotFound is the error of an absent, deleted or built-in-only
// action type, worded as AWS words it.
func actionTypeNotFound(id core.ActionTypeID) error {
	return core.Errorf(core.ActionTypeNotFound, "%s is not available", describeTypeID(id))
}

func describeTypeID(id core.ActionTypeID) string {
	return fmt.Sprintf("ActionType (Category: '%s', Provider: '%s', Owner: '%s', Version: '%s')",
		id.Category, id.Provider, id.Owner, id.Version)
}

// cloneActionType returns a deep copy of t, so that normalizing it never
// changes the caller's input.
func cloneActionType(t *wire.ActionType) (*wire.ActionType, error) {
	raw, err := json.Marshal(t)
	if err != nil {
		return nil, fmt.Errorf("copy action type: %w", err)
	}
	var c wire.ActionType
	if err := json.Unmarshal(raw, &c); err != nil {
		return nil, fmt.Errorf("copy action type: %w", err)
	}
	return &c, nil
}

// ActionTypeDefinition returns a built-in or custom action type for the
// engine: nil when it never existed, live false when it was deleted since
// (a running action keeps the type it started with).
func (s *Service) ActionTypeDefinition(ctx context.Context, r store.Reader, sc core.Scope, id core.ActionTypeID) (*wire.ActionType, bool, error) {
	if t, ok := findBuiltin(*wireTypeID(id)); ok {
		return localized(t, s.PublicURL), true, nil
	}
	rec, err := r.ActionTypeGet(ctx, sc, id)
	if errors.Is(err, store.ErrNotFound) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	t, err := definitions.decode(rec)
	return t, !rec.Deleted, err
}

// definitions keeps decoded custom action types for the engine, which asks
// for one on every job it queues. The key is the stored document and id,
// so an updated type is a new entry. Callers treat results as read-only.
var definitions = &definitionCache{m: map[string]*wire.ActionType{}}

type definitionCache struct {
	mu sync.Mutex
	m  map[string]*wire.ActionType
}

// definitionCacheSize bounds the cache; it starts over when full.
const definitionCacheSize = 256

func (c *definitionCache) decode(rec *core.ActionType) (*wire.ActionType, error) {
	key := describeTypeID(rec.ID) + "\x00" + string(rec.Definition)
	c.mu.Lock()
	t, ok := c.m[key]
	c.mu.Unlock()
	if ok {
		return t, nil
	}
	st, err := decodeActionType(rec.Definition)
	if err != nil {
		return nil, err
	}
	st.Id = wireTypeID(rec.ID)
	c.mu.Lock()
	if len(c.m) >= definitionCacheSize {
		clear(c.m)
	}
	c.m[key] = &st.ActionType
	c.mu.Unlock()
	return &st.ActionType, nil
}
