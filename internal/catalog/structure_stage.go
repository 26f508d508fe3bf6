package catalog

import (
	"fmt"
	"slices"
	"strings"

	"github.com/sluice-cd/sluice/internal/core"
	"github.com/sluice-cd/sluice/internal/wire"
)

// Limits of a stage condition (S-2.5).
const (
	minRulesPerCondition = 1
	maxRulesPerCondition = 5
)

// skipRuleProviders are the only rule providers a SKIP condition may use
// (C-5).
var skipRuleProviders = []string{"LambdaInvoke", "VariableCheck"}

// checkStageNames applies S-2.1: stage names are unique in the pipeline.
func (c *structureCheck) checkStageNames() error {
	seen := make(map[string]bool, len(c.decl.Stages))
	for _, s := range c.decl.Stages {
		name := wire.Value(s.Name)
		if seen[name] {
			return core.Errorf(core.InvalidStageDeclaration,
				"Stage names must be unique. The pipeline has more than one stage named '%s'", name)
		}
		seen[name] = true
	}
	return nil
}

// checkStages applies the rules that concern one stage on its own.
func (c *structureCheck) checkStages() error {
	for i := range c.decl.Stages {
		s := &c.decl.Stages[i]
		if err := checkStageActionCount(s); err != nil {
			return err
		}
		if len(s.Blockers) > 0 {
			// S-2.4: the model reserves blockers for future use; accepting
			// them would promise a behaviour we do not have.
			return core.Errorf(core.InvalidBlockerDeclaration,
				"Stage '%s' declares blockers, which are reserved for future use and not supported", wire.Value(s.Name))
		}
		if err := c.checkStageConditions(s); err != nil {
			return err
		}
	}
	return nil
}

// checkStageActionCount applies S-2.3: 1 to 50 actions per stage.
func checkStageActionCount(s *wire.StageDeclaration) error {
	n := len(s.Actions)
	if n == 0 {
		return core.Errorf(core.InvalidStageDeclaration,
			"Stage '%s' has no actions. There should be a minimum of 1 action in a stage", wire.Value(s.Name))
	}
	if n > maxActionsPerStage {
		return core.Errorf(core.InvalidStageDeclaration,
			"Stage '%s' has %d actions. There should be a maximum of %d actions in a stage", wire.Value(s.Name), n, maxActionsPerStage)
	}
	return nil
}

// checkSourcePlacement applies S-2.2. The first stage holds only source
// actions, and no later stage holds any. The first stage is not empty
// (checkStages ran before), so it has at least one source action; and with
// at least two non-empty stages some stage holds a non-source action, so
// the third part of S-2.2 needs no code of its own.
func (c *structureCheck) checkSourcePlacement() error {
	for i, s := range c.decl.Stages {
		for _, a := range s.Actions {
			isSource := actionTypeID(&a).Category == wire.ActionCategorySource
			if i == 0 && !isSource {
				return core.Errorf(core.InvalidStructure,
					"Pipeline should start with a stage that only contains source actions")
			}
			if i > 0 && isSource {
				return core.Errorf(core.InvalidStructure,
					"Source actions are only allowed in the first stage of a pipeline, but stage '%s' contains source action '%s'",
					wire.Value(s.Name), wire.Value(a.Name))
			}
		}
	}
	return nil
}

// conditionBlock is one of a stage's beforeEntry, onSuccess and onFailure
// condition lists, with the rules that differ between them (S-2.5, C-1).
type conditionBlock struct {
	field      string
	conditions []wire.Condition
	// required is true when the block must hold exactly one condition; the
	// conditions of onFailure are optional.
	required bool
	allowed  []wire.Result
}

// conditionBlocks returns the condition blocks the stage declares.
func conditionBlocks(s *wire.StageDeclaration) []conditionBlock {
	var blocks []conditionBlock
	if s.BeforeEntry != nil {
		blocks = append(blocks, conditionBlock{"beforeEntry", s.BeforeEntry.Conditions, true,
			[]wire.Result{wire.ResultFAIL, wire.ResultSKIP}})
	}
	if s.OnSuccess != nil {
		blocks = append(blocks, conditionBlock{"onSuccess", s.OnSuccess.Conditions, true,
			[]wire.Result{wire.ResultFAIL, wire.ResultROLLBACK}})
	}
	if s.OnFailure != nil {
		blocks = append(blocks, conditionBlock{"onFailure", s.OnFailure.Conditions, false,
			[]wire.Result{wire.ResultROLLBACK}})
	}
	return blocks
}

// checkStageConditions applies S-1.11 (conditions, retry and rollback are
// V2 only), S-2.5, S-2.6 and S-2.7 to one stage.
func (c *structureCheck) checkStageConditions(s *wire.StageDeclaration) error {
	stage := wire.Value(s.Name)
	blocks := conditionBlocks(s)
	if len(blocks) == 0 {
		return nil
	}
	if !c.v2 {
		return v2OnlyError(fmt.Sprintf("The '%s' field of stage '%s'", blocks[0].field, stage))
	}
	for _, b := range blocks {
		if err := checkConditionBlock(stage, b); err != nil {
			return err
		}
	}
	if err := checkOnFailure(stage, s.OnFailure); err != nil {
		return err
	}
	if c.decl.ExecutionMode == wire.ExecutionModePARALLEL && stageRollsBack(s) {
		// S-2.7: a PARALLEL pipeline has no single previous execution to
		// roll back to.
		return core.Errorf(core.InvalidStageDeclaration,
			"Stage '%s' cannot use the ROLLBACK result in a pipeline whose executionMode is PARALLEL", stage)
	}
	return nil
}

// checkConditionBlock applies S-2.5 and C-1/C-5 to one condition block.
func checkConditionBlock(stage string, b conditionBlock) error {
	n := len(b.conditions)
	if (b.required && n != 1) || n > 1 {
		return core.Errorf(core.InvalidStageDeclaration,
			"The %s of stage '%s' must have exactly 1 condition, not %d", b.field, stage, n)
	}
	for _, cond := range b.conditions {
		if r := len(cond.Rules); r < minRulesPerCondition || r > maxRulesPerCondition {
			return core.Errorf(core.InvalidStageDeclaration,
				"A condition in the %s of stage '%s' must have %d to %d rules, not %d",
				b.field, stage, minRulesPerCondition, maxRulesPerCondition, r)
		}
		if cond.Result != "" && !slices.Contains(b.allowed, cond.Result) {
			return core.Errorf(core.InvalidStageDeclaration,
				"Result '%s' is not allowed in a condition of the %s of stage '%s'; allowed results are %s",
				cond.Result, b.field, stage, joinResults(b.allowed))
		}
		if cond.Result == wire.ResultSKIP {
			if err := checkSkipRules(stage, b.field, cond.Rules); err != nil {
				return err
			}
		}
	}
	return nil
}

// checkSkipRules applies C-5: a SKIP condition only runs rules that can
// decide before the stage starts without side effects.
func checkSkipRules(stage, field string, rules []wire.RuleDeclaration) error {
	for _, r := range rules {
		var provider string
		if r.RuleTypeId != nil {
			provider = wire.Value(r.RuleTypeId.Provider)
		}
		if !slices.Contains(skipRuleProviders, provider) {
			return core.Errorf(core.InvalidStageDeclaration,
				"Rule '%s' in the %s of stage '%s' uses provider '%s', but a condition with result SKIP only allows the %s providers",
				wire.Value(r.Name), field, stage, provider, strings.Join(skipRuleProviders, " and "))
		}
	}
	return nil
}

// checkOnFailure applies C-1 to onFailure.result and S-2.6: automatic retry
// and failure conditions exclude each other.
func checkOnFailure(stage string, f *wire.FailureConditions) error {
	if f == nil {
		return nil
	}
	allowed := []wire.Result{wire.ResultROLLBACK, wire.ResultRETRY}
	if f.Result != "" && !slices.Contains(allowed, f.Result) {
		return core.Errorf(core.InvalidStageDeclaration,
			"Result '%s' is not allowed in the onFailure of stage '%s'; allowed results are %s",
			f.Result, stage, joinResults(allowed))
	}
	if f.Result == wire.ResultRETRY && len(f.Conditions) > 0 {
		return core.Errorf(core.InvalidStageDeclaration,
			"Stage '%s' cannot have both automatic retry (onFailure result RETRY) and onFailure conditions", stage)
	}
	return nil
}

// stageRollsBack reports whether any result of the stage is ROLLBACK.
func stageRollsBack(s *wire.StageDeclaration) bool {
	if s.OnFailure != nil && s.OnFailure.Result == wire.ResultROLLBACK {
		return true
	}
	for _, b := range conditionBlocks(s) {
		for _, cond := range b.conditions {
			if cond.Result == wire.ResultROLLBACK {
				return true
			}
		}
	}
	return false
}

func joinResults(rs []wire.Result) string {
	parts := make([]string, len(rs))
	for i, r := range rs {
		parts[i] = string(r)
	}
	return strings.Join(parts, ", ")
}
