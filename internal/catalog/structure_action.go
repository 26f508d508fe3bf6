package catalog

import (
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"

	"github.com/sluice-cd/sluice/internal/core"
	"github.com/sluice-cd/sluice/internal/wire"
)

// reservedNamespace is the namespace of the execution's own variables
// (S-3.8, V-1); pipelineVariablesNamespace holds a V2 pipeline's variables
// (S-1.12).
const (
	reservedNamespace          = "codepipeline"
	pipelineVariablesNamespace = "variables"
)

// queryableValue is the value a queryable property may take (S-3.13), so
// that PollForJobs can match it exactly.
var queryableValue = regexp.MustCompile(`^[A-Za-z0-9_-]{1,20}$`)

// checkActions applies the rules about each action on its own, in
// declaration order, and records the cross-region actions for
// checkArtifactStoreRegions.
func (c *structureCheck) checkActions() error {
	for _, s := range c.decl.Stages {
		names := make(map[string]bool, len(s.Actions))
		for i := range s.Actions {
			a := &s.Actions[i]
			name := wire.Value(a.Name)
			if names[name] {
				// S-3.1: names are unique within a stage only.
				return core.Errorf(core.InvalidActionDeclaration,
					"Action names must be unique within a stage. Stage '%s' has more than one action named '%s'",
					wire.Value(s.Name), name)
			}
			names[name] = true
			if err := c.checkAction(a); err != nil {
				return err
			}
		}
	}
	return nil
}

// checkAction applies S-3.3, S-1.11, S-3.11, S-3.4, S-3.7, S-3.9, S-3.13,
// S-1.12 and S-3.12 to one action.
func (c *structureCheck) checkAction(a *wire.ActionDeclaration) error {
	id := actionTypeID(a)
	t, ok := c.find(id)
	if !ok {
		return core.Errorf(core.InvalidActionDeclaration,
			"ActionType (Category: '%s', Provider: '%s', Owner: '%s', Version: '%s') in action '%s' is not available in region '%s'",
			id.Category, wire.Value(id.Provider), id.Owner, wire.Value(id.Version), wire.Value(a.Name), regionEnumName(c.region))
	}
	if !c.v2 && (id.Category == wire.ActionCategoryCompute || builtinV2Only(id)) {
		return v2OnlyError(fmt.Sprintf("The '%s' action category of action '%s'", id.Category, wire.Value(a.Name)))
	}
	if err := checkCommands(a, id); err != nil {
		return err
	}
	if err := checkArtifactCounts(a, t); err != nil {
		return err
	}
	if err := c.checkActionRegion(a, id); err != nil {
		return err
	}
	if err := checkConfiguration(a, t); err != nil {
		return err
	}
	if err := checkSourceUsesNoPipelineVariables(a, id); err != nil {
		return err
	}
	return checkActionTimeout(a, id)
}

// checkCommands applies S-3.11 and the single-line rule of §10.7.
func checkCommands(a *wire.ActionDeclaration, id wire.ActionTypeId) error {
	name := wire.Value(a.Name)
	if len(a.Commands) > 0 && id.Category != wire.ActionCategoryCompute {
		return core.Errorf(core.InvalidActionDeclaration,
			"The following action cannot contain a commands field: %s. To use the commands field, use a compute action.", name)
	}
	if isCommandsAction(id) && len(a.Commands) == 0 {
		return core.Errorf(core.InvalidActionDeclaration, "Action %s must have a non-empty commands field", name)
	}
	for _, cmd := range a.Commands {
		if strings.ContainsAny(cmd, "\r\n") {
			return core.Errorf(core.InvalidActionDeclaration,
				"Action %s has a multi-line command. Each command must be a single line", name)
		}
	}
	return nil
}

// isCommandsAction reports whether id is the built-in Commands action.
func isCommandsAction(id wire.ActionTypeId) bool {
	return id.Category == wire.ActionCategoryCompute && id.Owner == wire.ActionOwnerAWS &&
		wire.Value(id.Provider) == "Commands"
}

// checkArtifactCounts applies S-3.4.
func checkArtifactCounts(a *wire.ActionDeclaration, t *wire.ActionType) error {
	name := wire.Value(a.Name)
	if err := checkArtifactCount(name, "input", len(a.InputArtifacts), t.InputArtifactDetails); err != nil {
		return err
	}
	return checkArtifactCount(name, "output", len(a.OutputArtifacts), t.OutputArtifactDetails)
}

func checkArtifactCount(action, kind string, n int, d *wire.ArtifactDetails) error {
	if d == nil {
		return nil
	}
	if lo := int(wire.Value(d.MinimumCount)); n < lo {
		return core.Errorf(core.InvalidActionDeclaration,
			"Action %s declares %d %s artifacts which is less than the minimum count (%d)", action, n, kind, lo)
	}
	if hi := int(wire.Value(d.MaximumCount)); n > hi {
		return core.Errorf(core.InvalidActionDeclaration,
			"Action %s declares %d %s artifacts which is more than the maximum count (%d)", action, n, kind, hi)
	}
	return nil
}

// checkActionRegion applies S-3.7 and records the action's region when it
// is not the pipeline's, for S-1.5.
func (c *structureCheck) checkActionRegion(a *wire.ActionDeclaration, id wire.ActionTypeId) error {
	r := wire.Value(a.Region)
	if r == "" || r == c.region {
		return nil
	}
	if kind := regionBoundKind(id); kind != "" {
		return core.Errorf(core.InvalidActionDeclaration,
			"Action '%s' cannot run in region '%s': %s actions must run in the pipeline's region '%s'",
			wire.Value(a.Name), r, kind, c.region)
	}
	c.crossRegion = append(c.crossRegion, regionUse{region: r, action: wire.Value(a.Name)})
	return nil
}

// regionBoundKind names the kind of action that cannot be cross-region, or
// returns "" when id may be. Sources, partner and custom actions are served
// by pollers of the pipeline's region, and Commands runs on the pipeline's
// own compute (S-3.7).
func regionBoundKind(id wire.ActionTypeId) string {
	switch {
	case id.Category == wire.ActionCategorySource:
		return "source"
	case id.Owner == wire.ActionOwnerThirdParty:
		return "ThirdParty"
	case id.Owner == wire.ActionOwnerCustom:
		return "Custom"
	case id.Category == wire.ActionCategoryCompute:
		return "Compute"
	}
	return ""
}

// checkConfiguration applies S-3.9 (required and unknown keys) and S-3.13
// (queryable values) against the type's configuration properties.
func checkConfiguration(a *wire.ActionDeclaration, t *wire.ActionType) error {
	name := wire.Value(a.Name)
	declared := make(map[string]bool, len(t.ActionConfigurationProperties))
	for _, p := range t.ActionConfigurationProperties {
		key := wire.Value(p.Name)
		declared[key] = true
		v, present := a.Configuration[key]
		if !present && wire.Value(p.Required) {
			return core.Errorf(core.InvalidActionDeclaration,
				"Action configuration for action '%s' is missing required configuration '%s'", name, key)
		}
		if present && wire.Value(p.Queryable) && !queryableValue.MatchString(v) {
			return core.Errorf(core.InvalidActionDeclaration,
				"Action configuration for action '%s' has an invalid value for the queryable property '%s'. It must be 1 to 20 characters from [A-Za-z0-9_-]",
				name, key)
		}
	}
	// A type without properties (some custom types) gives no list to check
	// keys against, so anything goes.
	if len(declared) == 0 {
		return nil
	}
	for _, key := range slices.Sorted(maps.Keys(a.Configuration)) {
		if !declared[key] {
			return core.Errorf(core.InvalidActionDeclaration,
				"Action configuration for action '%s' contains unknown configuration '%s'", name, key)
		}
	}
	return nil
}

// checkSourceUsesNoPipelineVariables applies S-1.12: pipeline variables are
// resolved when an execution starts, after its sources were chosen, so a
// source action cannot depend on them.
func checkSourceUsesNoPipelineVariables(a *wire.ActionDeclaration, id wire.ActionTypeId) error {
	if id.Category != wire.ActionCategorySource {
		return nil
	}
	for _, key := range slices.Sorted(maps.Keys(a.Configuration)) {
		if strings.Contains(a.Configuration[key], "#{"+pipelineVariablesNamespace+".") {
			return core.Errorf(core.InvalidActionDeclaration,
				"Pipeline variables cannot be used in source actions. Action '%s' uses one in configuration '%s'",
				wire.Value(a.Name), key)
		}
	}
	return nil
}

// checkActionTimeout applies S-3.12: the model documents timeoutInMinutes
// as available only to the manual approval action type.
func checkActionTimeout(a *wire.ActionDeclaration, id wire.ActionTypeId) error {
	if a.TimeoutInMinutes == nil {
		return nil
	}
	if id.Category == wire.ActionCategoryApproval && id.Owner == wire.ActionOwnerAWS && wire.Value(id.Provider) == "Manual" {
		return nil
	}
	return core.Errorf(core.InvalidActionDeclaration,
		"Action '%s' cannot set timeoutInMinutes. It is only available to the manual approval action type", wire.Value(a.Name))
}

// checkArtifacts applies S-3.6 (output names unique in the pipeline), then
// S-3.5 (each input is the output of an action that runs earlier).
func (c *structureCheck) checkArtifacts() error {
	producer := make(map[string]string)
	for _, s := range c.decl.Stages {
		for _, a := range s.Actions {
			for _, out := range a.OutputArtifacts {
				art, name := wire.Value(out.Name), wire.Value(a.Name)
				if prev, dup := producer[art]; dup {
					return core.Errorf(core.InvalidActionDeclaration,
						"Output Artifact Bundle %s in action %s is already declared as Output Artifact Bundle in action %s. Output artifact names must be unique in the pipeline",
						art, name, prev)
				}
				producer[art] = name
			}
		}
	}
	available := make(map[string]bool, len(producer))
	for _, s := range c.decl.Stages {
		for _, group := range runGroups(s.Actions) {
			if err := checkInputsAvailable(group, available); err != nil {
				return err
			}
			// Only after the whole group: actions with the same runOrder run
			// in parallel and cannot feed each other.
			for _, a := range group {
				for _, out := range a.OutputArtifacts {
					available[wire.Value(out.Name)] = true
				}
			}
		}
	}
	return nil
}

func checkInputsAvailable(group []*wire.ActionDeclaration, available map[string]bool) error {
	for _, a := range group {
		for _, in := range a.InputArtifacts {
			if art := wire.Value(in.Name); !available[art] {
				return core.Errorf(core.InvalidActionDeclaration,
					"Input Artifact Bundle %s in action %s is not declared as Output Artifact Bundle in any of the preceding actions",
					art, wire.Value(a.Name))
			}
		}
	}
	return nil
}

// runGroups splits a stage's actions into groups of equal runOrder, in
// ascending runOrder, keeping declaration order inside a group (S-3.2).
func runGroups(actions []wire.ActionDeclaration) [][]*wire.ActionDeclaration {
	byOrder := make(map[int32][]*wire.ActionDeclaration)
	for i := range actions {
		o := actionRunOrder(&actions[i])
		byOrder[o] = append(byOrder[o], &actions[i])
	}
	groups := make([][]*wire.ActionDeclaration, 0, len(byOrder))
	for _, o := range slices.Sorted(maps.Keys(byOrder)) {
		groups = append(groups, byOrder[o])
	}
	return groups
}

// checkNamespaces applies S-3.8 and the V2 reservation of S-1.12.
func (c *structureCheck) checkNamespaces() error {
	artifacts := make(map[string]bool)
	for _, s := range c.decl.Stages {
		for _, a := range s.Actions {
			for _, out := range a.OutputArtifacts {
				artifacts[wire.Value(out.Name)] = true
			}
		}
	}
	seen := make(map[string]bool)
	for _, s := range c.decl.Stages {
		for _, a := range s.Actions {
			ns := wire.Value(a.Namespace)
			if ns == "" {
				continue
			}
			if err := c.checkNamespace(ns, wire.Value(a.Name), artifacts); err != nil {
				return err
			}
			if seen[ns] {
				return core.Errorf(core.InvalidActionDeclaration,
					"Namespaces must be unique across the pipeline definition. The following occur more than once in the pipeline. StageName=[%s], ActionName=[%s], Namespace=[%s]",
					wire.Value(s.Name), wire.Value(a.Name), ns)
			}
			seen[ns] = true
		}
	}
	return nil
}

// checkNamespace applies the rules of S-3.8 that concern one namespace.
func (c *structureCheck) checkNamespace(ns, action string, artifacts map[string]bool) error {
	switch {
	case ns == reservedNamespace:
		return core.Errorf(core.InvalidActionDeclaration,
			"Namespace '%s' of action '%s' is reserved", ns, action)
	case ns == pipelineVariablesNamespace && c.v2:
		return core.Errorf(core.InvalidActionDeclaration,
			"Namespace '%s' of action '%s' is reserved for pipeline variables in V2 pipelines", ns, action)
	case artifacts[ns]:
		return core.Errorf(core.InvalidActionDeclaration,
			"Namespace '%s' of action '%s' is also the name of an artifact. A namespace must not equal an artifact name", ns, action)
	}
	return nil
}
