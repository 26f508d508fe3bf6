package catalog

import (
	"maps"
	"slices"
	"strings"

	"github.com/sluice-cd/sluice/internal/core"
	"github.com/sluice-cd/sluice/internal/wire"
)

// typeFinder returns the action type with this id visible to the pipeline's
// scope: built-in or custom, and for every check not deleted (only masking
// secrets also looks at deleted types).
type typeFinder func(id wire.ActionTypeId) (*wire.ActionType, bool)

// Structure limits of a pipeline (S-1.1, S-2.3).
const (
	minStages          = 2
	maxStages          = 50
	maxActionsPerStage = 50
)

// checkStructure applies the structure rules of CreatePipeline/UpdatePipeline
// to a declaration that already passed model validation (lengths, patterns,
// enums, required members are checked elsewhere). region is the pipeline's
// own region. It returns the first broken rule as a *core.Error and never
// changes decl.
//
// The order follows what a client most needs to fix first: the shape of the
// pipeline, then its stages, then each action, then the links between
// actions (artifacts, namespaces, artifact stores, triggers).
func checkStructure(decl *wire.PipelineDeclaration, region string, find typeFinder) error {
	c := &structureCheck{
		decl:   decl,
		region: region,
		find:   find,
		v2:     decl.PipelineType == wire.PipelineTypeV2,
	}
	steps := []func() error{
		c.checkStageCount,
		c.checkPipelineV2Features,
		c.checkVariables,
		c.checkArtifactStoreShape,
		c.checkStageNames,
		c.checkStages,
		c.checkSourcePlacement,
		c.checkActions,
		c.checkArtifacts,
		c.checkNamespaces,
		c.checkArtifactStoreRegions,
		c.checkTriggers,
	}
	for _, step := range steps {
		if err := step(); err != nil {
			return err
		}
	}
	return nil
}

// structureCheck carries one checkStructure run. Its steps are methods so
// that later steps can use what earlier ones learnt (the cross-region
// actions) without long parameter lists.
type structureCheck struct {
	decl   *wire.PipelineDeclaration
	region string
	find   typeFinder
	// v2 is false for V1 and for an absent pipelineType, which means V1
	// (S-1.10).
	v2 bool
	// crossRegion lists, in declaration order, the actions that run outside
	// the pipeline's region; filled by checkActions.
	crossRegion []regionUse
}

// regionUse is an action that runs in another region than the pipeline.
type regionUse struct {
	region, action string
}

// checkStageCount applies S-1.1.
func (c *structureCheck) checkStageCount() error {
	n := len(c.decl.Stages)
	if n < minStages {
		return core.Errorf(core.InvalidStructure,
			"Pipeline has only %d stages. There should be a minimum of %d stages in a pipeline", n, minStages)
	}
	if n > maxStages {
		return core.Errorf(core.InvalidStructure,
			"Pipeline has %d stages. There should be a maximum of %d stages in a pipeline", n, maxStages)
	}
	return nil
}

// checkPipelineV2Features refuses pipeline-level V2 features on a V1
// pipeline (S-1.9, S-1.10, S-1.11). We reject rather than silently upgrade
// the type, so what GetPipeline returns is what the client sent.
func (c *structureCheck) checkPipelineV2Features() error {
	if c.v2 {
		return nil
	}
	if len(c.decl.Variables) > 0 {
		return v2OnlyError("The 'variables' field")
	}
	if len(c.decl.Triggers) > 0 {
		return v2OnlyError("The 'triggers' field")
	}
	switch mode := c.decl.ExecutionMode; mode {
	case wire.ExecutionModeQUEUED, wire.ExecutionModePARALLEL:
		return v2OnlyError("The 'executionMode' value '" + string(mode) + "'")
	}
	return nil
}

// v2OnlyError is the ValidationException for a V2 feature on a V1 pipeline.
func v2OnlyError(what string) error {
	return core.Errorf(core.Validation, "%s is only supported for pipelineType V2", what)
}

// checkVariables applies the uniqueness part of S-1.12; the model checks
// names and lengths.
func (c *structureCheck) checkVariables() error {
	seen := make(map[string]bool, len(c.decl.Variables))
	for _, v := range c.decl.Variables {
		name := wire.Value(v.Name)
		if seen[name] {
			return core.Errorf(core.InvalidStructure,
				"Pipeline variable names must be unique. The following occurs more than once in the pipeline: %s", name)
		}
		seen[name] = true
	}
	return nil
}

// checkArtifactStoreShape applies S-1.5 (exactly one of artifactStore and
// artifactStores) and S-1.6 (store and key types).
func (c *structureCheck) checkArtifactStoreShape() error {
	single, multi := c.decl.ArtifactStore != nil, len(c.decl.ArtifactStores) > 0
	switch {
	case single && multi:
		return core.Errorf(core.InvalidStructure,
			"Pipeline cannot have both artifactStore and artifactStores; use artifactStores for cross-region pipelines")
	case !single && !multi:
		return core.Errorf(core.InvalidStructure,
			"Pipeline must have either artifactStore or artifactStores")
	case single:
		return checkArtifactStore(c.decl.ArtifactStore, "artifactStore")
	}
	// Sorted, so that the error names the same store on every call.
	for _, r := range slices.Sorted(maps.Keys(c.decl.ArtifactStores)) {
		store := c.decl.ArtifactStores[r]
		if err := checkArtifactStore(&store, "artifactStores["+r+"]"); err != nil {
			return err
		}
	}
	return nil
}

// checkArtifactStore applies S-1.6 to one store; field names it in messages.
func checkArtifactStore(s *wire.ArtifactStore, field string) error {
	if s.Type != wire.ArtifactStoreTypeS3 {
		return core.Errorf(core.InvalidStructure,
			"The type of %s must be S3, not '%s'", field, s.Type)
	}
	if k := s.EncryptionKey; k != nil && k.Type != wire.EncryptionKeyTypeKMS {
		return core.Errorf(core.InvalidStructure,
			"The encryptionKey type of %s must be KMS, not '%s'", field, k.Type)
	}
	return nil
}

// checkArtifactStoreRegions applies the region part of S-1.5: cross-region
// actions need artifactStores, and artifactStores needs the pipeline's
// region and every region an action runs in.
func (c *structureCheck) checkArtifactStoreRegions() error {
	if c.decl.ArtifactStore != nil {
		if len(c.crossRegion) > 0 {
			u := c.crossRegion[0]
			return core.Errorf(core.InvalidStructure,
				"Action '%s' runs in region '%s', so the pipeline must use artifactStores with an artifact store for each region instead of artifactStore",
				u.action, u.region)
		}
		return nil
	}
	if _, ok := c.decl.ArtifactStores[c.region]; !ok {
		return core.Errorf(core.InvalidStructure,
			"artifactStores must contain an artifact store for the pipeline's region '%s'", c.region)
	}
	for _, u := range c.crossRegion {
		if _, ok := c.decl.ArtifactStores[u.region]; !ok {
			return core.Errorf(core.InvalidStructure,
				"artifactStores must contain an artifact store for region '%s', which action '%s' runs in", u.region, u.action)
		}
	}
	return nil
}

// checkTriggers applies S-1.13. Trigger filters themselves are model-checked.
func (c *structureCheck) checkTriggers() error {
	seen := make(map[string]bool, len(c.decl.Triggers))
	for _, t := range c.decl.Triggers {
		if t.ProviderType != wire.PipelineTriggerProviderTypeCodeStarSourceConnection {
			return core.Errorf(core.InvalidStructure,
				"Trigger providerType '%s' is not supported; the only supported providerType is CodeStarSourceConnection", t.ProviderType)
		}
		var name string
		if t.GitConfiguration != nil {
			name = wire.Value(t.GitConfiguration.SourceActionName)
		}
		if !c.isConnectionSource(name) {
			return core.Errorf(core.InvalidStructure,
				"Trigger sourceActionName '%s' does not name a CodeStarSourceConnection source action of the pipeline", name)
		}
		if seen[name] {
			return core.Errorf(core.InvalidStructure,
				"Source action '%s' has more than one trigger configuration", name)
		}
		seen[name] = true
	}
	return nil
}

// isConnectionSource reports whether name is a CodeStarSourceConnection
// action of the first stage, the only stage with source actions (S-2.2).
func (c *structureCheck) isConnectionSource(name string) bool {
	for _, a := range c.decl.Stages[0].Actions {
		id := actionTypeID(&a)
		if wire.Value(a.Name) == name && id.Category == wire.ActionCategorySource &&
			id.Owner == wire.ActionOwnerAWS && wire.Value(id.Provider) == "CodeStarSourceConnection" {
			return true
		}
	}
	return false
}

// actionTypeID returns the action's type id, or the zero id when the model
// layer let a missing one through, so no rule has to guard against nil.
func actionTypeID(a *wire.ActionDeclaration) wire.ActionTypeId {
	if a.ActionTypeId == nil {
		return wire.ActionTypeId{}
	}
	return *a.ActionTypeId
}

// actionRunOrder returns the action's runOrder, 1 when absent (S-3.2).
func actionRunOrder(a *wire.ActionDeclaration) int32 {
	if a.RunOrder == nil {
		return 1
	}
	return *a.RunOrder
}

// regionEnumName renders a region the way AWS names it in the unknown
// action type message: us-east-1 becomes US_EAST_1.
func regionEnumName(region string) string {
	return strings.ToUpper(strings.ReplaceAll(region, "-", "_"))
}
