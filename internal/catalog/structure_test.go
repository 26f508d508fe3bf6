package catalog

import (
	"fmt"
	"strings"
	"testing"

	"github.com/sluice-cd/sluice/internal/core"
	"github.com/sluice-cd/sluice/internal/wire"
)

const testRegion = "us-east-1"

// jenkinsType is a custom action type with a queryable and a secret
// property, as a Jenkins integration declares them.
func jenkinsType() *wire.ActionType {
	prop := func(name string, required, key, secret, queryable bool) wire.ActionConfigurationProperty {
		return wire.ActionConfigurationProperty{
			Name: wire.Ptr(name), Required: wire.Ptr(required), Key: wire.Ptr(key),
			Secret: wire.Ptr(secret), Queryable: wire.Ptr(queryable),
		}
	}
	return &wire.ActionType{
		Id: testTypeID(wire.ActionCategoryBuild, wire.ActionOwnerCustom, "Jenkins"),
		ActionConfigurationProperties: []wire.ActionConfigurationProperty{
			prop("ProjectName", true, true, false, true),
			prop("Token", false, false, true, false),
		},
		InputArtifactDetails:  &wire.ArtifactDetails{MinimumCount: wire.Ptr[int32](0), MaximumCount: wire.Ptr[int32](5)},
		OutputArtifactDetails: &wire.ArtifactDetails{MinimumCount: wire.Ptr[int32](0), MaximumCount: wire.Ptr[int32](5)},
	}
}

// testFind sees the built-in catalogue plus jenkinsType.
func testFind(id wire.ActionTypeId) (*wire.ActionType, bool) {
	if t, ok := findBuiltin(id); ok {
		return t, true
	}
	if j := jenkinsType(); sameActionType(*j.Id, id) {
		return j, true
	}
	return nil, false
}

func testTypeID(category wire.ActionCategory, owner wire.ActionOwner, provider string) *wire.ActionTypeId {
	return &wire.ActionTypeId{Category: category, Owner: owner, Provider: wire.Ptr(provider), Version: wire.Ptr("1")}
}

func outputs(names ...string) []wire.OutputArtifact {
	out := make([]wire.OutputArtifact, len(names))
	for i, n := range names {
		out[i] = wire.OutputArtifact{Name: wire.Ptr(n)}
	}
	return out
}

func inputs(names ...string) []wire.InputArtifact {
	in := make([]wire.InputArtifact, len(names))
	for i, n := range names {
		in[i] = wire.InputArtifact{Name: wire.Ptr(n)}
	}
	return in
}

func s3Source(name, out string) wire.ActionDeclaration {
	return wire.ActionDeclaration{
		Name:            wire.Ptr(name),
		ActionTypeId:    testTypeID(wire.ActionCategorySource, wire.ActionOwnerAWS, "S3"),
		Configuration:   map[string]string{"S3Bucket": "src-bucket", "S3ObjectKey": "app.zip"},
		OutputArtifacts: outputs(out),
	}
}

func connectionSource(name, out string) wire.ActionDeclaration {
	return wire.ActionDeclaration{
		Name:         wire.Ptr(name),
		ActionTypeId: testTypeID(wire.ActionCategorySource, wire.ActionOwnerAWS, "CodeStarSourceConnection"),
		Configuration: map[string]string{
			"ConnectionArn":    "arn:aws:codestar-connections:us-east-1:123456789012:connection/abc",
			"FullRepositoryId": "owner/repo",
			"BranchName":       "main",
		},
		OutputArtifacts: outputs(out),
	}
}

func codeBuild(name, in, out string) wire.ActionDeclaration {
	a := wire.ActionDeclaration{
		Name:           wire.Ptr(name),
		ActionTypeId:   testTypeID(wire.ActionCategoryBuild, wire.ActionOwnerAWS, "CodeBuild"),
		Configuration:  map[string]string{"ProjectName": "proj"},
		InputArtifacts: inputs(in),
	}
	if out != "" {
		a.OutputArtifacts = outputs(out)
	}
	return a
}

func jenkins(name, in string) wire.ActionDeclaration {
	return wire.ActionDeclaration{
		Name:           wire.Ptr(name),
		ActionTypeId:   jenkinsType().Id,
		Configuration:  map[string]string{"ProjectName": "job-1", "Token": "s3cret"},
		InputArtifacts: inputs(in),
	}
}

func manualApproval(name string) wire.ActionDeclaration {
	return wire.ActionDeclaration{
		Name:         wire.Ptr(name),
		ActionTypeId: testTypeID(wire.ActionCategoryApproval, wire.ActionOwnerAWS, "Manual"),
	}
}

func commandsAction(name, in string) wire.ActionDeclaration {
	return wire.ActionDeclaration{
		Name:           wire.Ptr(name),
		ActionTypeId:   testTypeID(wire.ActionCategoryCompute, wire.ActionOwnerAWS, "Commands"),
		Commands:       []string{"make test"},
		InputArtifacts: inputs(in),
	}
}

func rule(name, provider string) wire.RuleDeclaration {
	return wire.RuleDeclaration{
		Name: wire.Ptr(name),
		RuleTypeId: &wire.RuleTypeId{
			Category: wire.RuleCategoryRule, Owner: wire.RuleOwnerAWS,
			Provider: wire.Ptr(provider), Version: wire.Ptr("1"),
		},
	}
}

func condition(result wire.Result, rules ...wire.RuleDeclaration) []wire.Condition {
	return []wire.Condition{{Result: result, Rules: rules}}
}

func stage(name string, actions ...wire.ActionDeclaration) wire.StageDeclaration {
	return wire.StageDeclaration{Name: wire.Ptr(name), Actions: actions}
}

// validV1 is the base of most cases: a V1 pipeline whose S3 source feeds a
// CodeBuild action.
func validV1() *wire.PipelineDeclaration {
	return &wire.PipelineDeclaration{
		Name:          wire.Ptr("app"),
		RoleArn:       wire.Ptr("arn:aws:iam::123456789012:role/app"),
		ArtifactStore: &wire.ArtifactStore{Type: wire.ArtifactStoreTypeS3, Location: wire.Ptr("artifacts")},
		Stages: []wire.StageDeclaration{
			stage("Source", s3Source("Src", "SourceOut")),
			stage("Build", codeBuild("Build", "SourceOut", "BuildOut")),
		},
	}
}

// validV2 uses every V2 feature at once: variables, a trigger, QUEUED mode,
// conditions, automatic retry, the Commands action and a cross-region deploy.
func validV2() *wire.PipelineDeclaration {
	src := connectionSource("Src", "SourceOut")
	src.Namespace = wire.Ptr("SourceVariables")
	build := commandsAction("Test", "SourceOut")
	build.OutputArtifacts = outputs("TestOut")
	approve := manualApproval("Approve")
	approve.TimeoutInMinutes = wire.Ptr[int32](60)
	deploy := wire.ActionDeclaration{
		Name:           wire.Ptr("Stack"),
		ActionTypeId:   testTypeID(wire.ActionCategoryDeploy, wire.ActionOwnerAWS, "CloudFormation"),
		Configuration:  map[string]string{"ActionMode": "CREATE_UPDATE", "StackName": "app-#{variables.Env}"},
		InputArtifacts: inputs("TestOut"),
		Region:         wire.Ptr("eu-west-1"),
		RunOrder:       wire.Ptr[int32](2),
	}
	p := &wire.PipelineDeclaration{
		Name:          wire.Ptr("app"),
		RoleArn:       wire.Ptr("arn:aws:iam::123456789012:role/app"),
		PipelineType:  wire.PipelineTypeV2,
		ExecutionMode: wire.ExecutionModeQUEUED,
		ArtifactStores: map[string]wire.ArtifactStore{
			testRegion:  {Type: wire.ArtifactStoreTypeS3, Location: wire.Ptr("artifacts-use1")},
			"eu-west-1": {Type: wire.ArtifactStoreTypeS3, Location: wire.Ptr("artifacts-euw1")},
		},
		Variables: []wire.PipelineVariableDeclaration{{Name: wire.Ptr("Env"), DefaultValue: wire.Ptr("dev")}},
		Triggers: []wire.PipelineTriggerDeclaration{{
			ProviderType:     wire.PipelineTriggerProviderTypeCodeStarSourceConnection,
			GitConfiguration: &wire.GitConfiguration{SourceActionName: wire.Ptr("Src")},
		}},
		Stages: []wire.StageDeclaration{
			stage("Source", src),
			stage("Test", build),
			stage("Deploy", approve, deploy),
		},
	}
	p.Stages[1].OnFailure = &wire.FailureConditions{
		Result:             wire.ResultRETRY,
		RetryConfiguration: &wire.RetryConfiguration{RetryMode: wire.StageRetryModeFAILED_ACTIONS},
	}
	p.Stages[2].BeforeEntry = &wire.BeforeEntryConditions{Conditions: condition(wire.ResultSKIP, rule("OnlyProd", "VariableCheck"))}
	p.Stages[2].OnSuccess = &wire.SuccessConditions{Conditions: condition(wire.ResultROLLBACK, rule("Alarm", "CloudWatchAlarm"))}
	return p
}

// checkCase mutates a valid pipeline and expects code (none when empty)
// with a message containing msg.
type checkCase struct {
	name   string
	base   func() *wire.PipelineDeclaration
	mutate func(p *wire.PipelineDeclaration)
	code   core.Code
	msg    string
}

func runCheckCases(t *testing.T, cases []checkCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			base := tc.base
			if base == nil {
				base = validV1
			}
			p := base()
			if tc.mutate != nil {
				tc.mutate(p)
			}
			requireCode(t, checkStructure(p, testRegion, testFind), tc.code, tc.msg)
		})
	}
}

func requireCode(t *testing.T, err error, code core.Code, msg string) {
	t.Helper()
	if code == "" {
		if err != nil {
			t.Fatalf("want no error, got %v", err)
		}
		return
	}
	if err == nil {
		t.Fatalf("want %s, got no error", code)
	}
	if got := core.ErrorCode(err); got != code {
		t.Fatalf("want code %s, got %v", code, err)
	}
	if got := core.ErrorMessage(err); !strings.Contains(got, msg) {
		t.Fatalf("want message containing %q, got %q", msg, got)
	}
}

func TestCheckStructureValid(t *testing.T) {
	t.Parallel()
	runCheckCases(t, []checkCase{
		{name: "valid V1 pipeline"},
		{name: "valid V2 pipeline", base: validV2},
		{name: "S-1.9 SUPERSEDED is allowed on V1", mutate: func(p *wire.PipelineDeclaration) {
			p.ExecutionMode = wire.ExecutionModeSUPERSEDED
		}},
		{name: "S-1.10 explicit V1 is V1", mutate: func(p *wire.PipelineDeclaration) {
			p.PipelineType = wire.PipelineTypeV1
		}},
		{name: "S-1.12 namespace variables is allowed on V1", mutate: func(p *wire.PipelineDeclaration) {
			p.Stages[1].Actions[0].Namespace = wire.Ptr("variables")
		}},
		{name: "S-2.7 QUEUED may roll back", base: validV2, mutate: func(p *wire.PipelineDeclaration) {
			p.Stages[1].OnFailure = &wire.FailureConditions{Result: wire.ResultROLLBACK}
		}},
		{name: "S-3.1 same action name in two stages", mutate: func(p *wire.PipelineDeclaration) {
			p.Stages[1].Actions[0].Name = wire.Ptr("Src")
		}},
		{name: "S-3.2 non-contiguous run orders", mutate: func(p *wire.PipelineDeclaration) {
			second := codeBuild("Again", "BuildOut", "")
			second.RunOrder = wire.Ptr[int32](3)
			p.Stages[1].Actions = append(p.Stages[1].Actions, second)
		}},
		{name: "S-3.5 input from two stages back", mutate: func(p *wire.PipelineDeclaration) {
			p.Stages = append(p.Stages, stage("Test", codeBuild("UnitTest", "SourceOut", "")))
		}},
		{name: "S-3.7 region equal to the pipeline's is not cross-region", mutate: func(p *wire.PipelineDeclaration) {
			p.Stages[0].Actions[0].Region = wire.Ptr(testRegion)
		}},
		{name: "S-3.9 optional keys are accepted", mutate: func(p *wire.PipelineDeclaration) {
			p.Stages[0].Actions[0].Configuration["PollForSourceChanges"] = "false"
			p.Stages[1].Actions[0].Configuration["EnvironmentVariables"] = `[{"name":"A","value":"b"}]`
		}},
		{name: "S-3.9 S-3.13 custom type with queryable and secret values", mutate: func(p *wire.PipelineDeclaration) {
			p.Stages[1].Actions = append(p.Stages[1].Actions, jenkins("Jenkins", "SourceOut"))
		}},
	})
}

func TestCheckStructurePipeline(t *testing.T) {
	t.Parallel()
	runCheckCases(t, []checkCase{
		{name: "S-1.1 one stage", mutate: func(p *wire.PipelineDeclaration) {
			p.Stages = p.Stages[:1]
		}, code: core.InvalidStructure, msg: "Pipeline has only 1 stages. There should be a minimum of 2 stages in a pipeline"},
		{name: "S-1.1 51 stages", mutate: func(p *wire.PipelineDeclaration) {
			for i := len(p.Stages); i < 51; i++ {
				p.Stages = append(p.Stages, stage(fmt.Sprintf("Extra%d", i), codeBuild(fmt.Sprintf("B%d", i), "SourceOut", "")))
			}
		}, code: core.InvalidStructure, msg: "maximum of 50 stages"},
		{name: "S-1.5 both artifactStore and artifactStores", mutate: func(p *wire.PipelineDeclaration) {
			p.ArtifactStores = map[string]wire.ArtifactStore{testRegion: *p.ArtifactStore}
		}, code: core.InvalidStructure, msg: "both artifactStore and artifactStores"},
		{name: "S-1.5 no artifact store", mutate: func(p *wire.PipelineDeclaration) {
			p.ArtifactStore = nil
		}, code: core.InvalidStructure, msg: "either artifactStore or artifactStores"},
		{name: "S-1.5 artifactStores without the pipeline region", mutate: func(p *wire.PipelineDeclaration) {
			p.ArtifactStores = map[string]wire.ArtifactStore{"eu-west-1": *p.ArtifactStore}
			p.ArtifactStore = nil
		}, code: core.InvalidStructure, msg: "pipeline's region 'us-east-1'"},
		{name: "S-1.5 cross-region action needs artifactStores", mutate: func(p *wire.PipelineDeclaration) {
			p.Stages[1].Actions[0].Region = wire.Ptr("eu-west-1")
		}, code: core.InvalidStructure, msg: "Action 'Build' runs in region 'eu-west-1'"},
		{name: "S-1.5 artifactStores without a cross-region action's region", mutate: func(p *wire.PipelineDeclaration) {
			p.ArtifactStores = map[string]wire.ArtifactStore{testRegion: *p.ArtifactStore}
			p.ArtifactStore = nil
			p.Stages[1].Actions[0].Region = wire.Ptr("eu-west-1")
		}, code: core.InvalidStructure, msg: "region 'eu-west-1', which action 'Build' runs in"},
		{name: "S-1.6 store type must be S3", mutate: func(p *wire.PipelineDeclaration) {
			p.ArtifactStore.Type = wire.ArtifactStoreType("GCS")
		}, code: core.InvalidStructure, msg: "must be S3"},
		{name: "S-1.6 encryption key type must be KMS", mutate: func(p *wire.PipelineDeclaration) {
			p.ArtifactStore.EncryptionKey = &wire.EncryptionKey{Id: wire.Ptr("k"), Type: wire.EncryptionKeyType("AES")}
		}, code: core.InvalidStructure, msg: "must be KMS"},
		{name: "S-1.9 QUEUED needs V2", mutate: func(p *wire.PipelineDeclaration) {
			p.ExecutionMode = wire.ExecutionModeQUEUED
		}, code: core.Validation, msg: "'executionMode' value 'QUEUED' is only supported for pipelineType V2"},
		{name: "S-1.9 PARALLEL needs V2", mutate: func(p *wire.PipelineDeclaration) {
			p.ExecutionMode = wire.ExecutionModePARALLEL
		}, code: core.Validation, msg: "'PARALLEL'"},
		{name: "S-1.10 absent pipelineType is V1 and refuses variables", mutate: func(p *wire.PipelineDeclaration) {
			p.Variables = []wire.PipelineVariableDeclaration{{Name: wire.Ptr("Env")}}
		}, code: core.Validation, msg: "'variables' field is only supported for pipelineType V2"},
		{name: "S-1.11 triggers need V2", base: validV2, mutate: func(p *wire.PipelineDeclaration) {
			p.PipelineType = wire.PipelineTypeV1
			p.ExecutionMode = ""
			p.Variables = nil
		}, code: core.Validation, msg: "'triggers' field"},
		{name: "S-1.11 stage conditions need V2", mutate: func(p *wire.PipelineDeclaration) {
			p.Stages[1].BeforeEntry = &wire.BeforeEntryConditions{Conditions: condition(wire.ResultFAIL, rule("R", "VariableCheck"))}
		}, code: core.Validation, msg: "'beforeEntry' field of stage 'Build'"},
		{name: "S-1.11 automatic retry needs V2", mutate: func(p *wire.PipelineDeclaration) {
			p.Stages[1].OnFailure = &wire.FailureConditions{Result: wire.ResultRETRY}
		}, code: core.Validation, msg: "'onFailure' field of stage 'Build'"},
		{name: "S-1.11 Commands action needs V2", mutate: func(p *wire.PipelineDeclaration) {
			p.Stages[1].Actions[0] = commandsAction("Cmd", "SourceOut")
		}, code: core.Validation, msg: "'Compute' action category of action 'Cmd'"},
		{name: "S-1.12 variable names are unique", base: validV2, mutate: func(p *wire.PipelineDeclaration) {
			p.Variables = append(p.Variables, wire.PipelineVariableDeclaration{Name: wire.Ptr("Env")})
		}, code: core.InvalidStructure, msg: "more than once in the pipeline: Env"},
		{name: "S-1.12 namespace variables is reserved on V2", base: validV2, mutate: func(p *wire.PipelineDeclaration) {
			p.Stages[0].Actions[0].Namespace = wire.Ptr("variables")
		}, code: core.InvalidActionDeclaration, msg: "Namespace 'variables' of action 'Src' is reserved"},
		{name: "S-1.12 pipeline variables not usable in a source action", base: validV2, mutate: func(p *wire.PipelineDeclaration) {
			p.Stages[0].Actions[0].Configuration["BranchName"] = "#{variables.Env}"
		}, code: core.InvalidActionDeclaration, msg: "Action 'Src' uses one in configuration 'BranchName'"},
		{name: "S-1.13 trigger must name a connection source action", base: validV2, mutate: func(p *wire.PipelineDeclaration) {
			p.Stages[0].Actions = append(p.Stages[0].Actions, s3Source("S3Src", "Other"))
			p.Triggers[0].GitConfiguration.SourceActionName = wire.Ptr("S3Src")
		}, code: core.InvalidStructure, msg: "sourceActionName 'S3Src'"},
		{name: "S-1.13 trigger naming a non-source action", base: validV2, mutate: func(p *wire.PipelineDeclaration) {
			p.Triggers[0].GitConfiguration.SourceActionName = wire.Ptr("Test")
		}, code: core.InvalidStructure, msg: "sourceActionName 'Test'"},
		{name: "S-1.13 one trigger per source action", base: validV2, mutate: func(p *wire.PipelineDeclaration) {
			p.Triggers = append(p.Triggers, p.Triggers[0])
		}, code: core.InvalidStructure, msg: "Source action 'Src' has more than one trigger configuration"},
	})
}

func TestCheckStructureStages(t *testing.T) {
	t.Parallel()
	manyActions := func(p *wire.PipelineDeclaration) {
		for i := 1; i < 51; i++ {
			p.Stages[1].Actions = append(p.Stages[1].Actions, codeBuild(fmt.Sprintf("B%d", i), "SourceOut", ""))
		}
	}
	runCheckCases(t, []checkCase{
		{name: "S-2.1 stage names are unique", mutate: func(p *wire.PipelineDeclaration) {
			p.Stages[1].Name = wire.Ptr("Source")
		}, code: core.InvalidStageDeclaration, msg: "more than one stage named 'Source'"},
		{name: "S-2.2 first stage with a build action", mutate: func(p *wire.PipelineDeclaration) {
			p.Stages[0].Actions = append(p.Stages[0].Actions, codeBuild("Early", "SourceOut", ""))
		}, code: core.InvalidStructure, msg: "Pipeline should start with a stage that only contains source actions"},
		{name: "S-2.2 first stage without a source action", mutate: func(p *wire.PipelineDeclaration) {
			p.Stages[0], p.Stages[1] = p.Stages[1], p.Stages[0]
		}, code: core.InvalidStructure, msg: "Pipeline should start with a stage that only contains source actions"},
		{name: "S-2.2 source action in a later stage", mutate: func(p *wire.PipelineDeclaration) {
			p.Stages[1].Actions = append(p.Stages[1].Actions, s3Source("Late", "LateOut"))
		}, code: core.InvalidStructure, msg: "stage 'Build' contains source action 'Late'"},
		{name: "S-2.3 stage without actions", mutate: func(p *wire.PipelineDeclaration) {
			p.Stages[1].Actions = nil
		}, code: core.InvalidStageDeclaration, msg: "Stage 'Build' has no actions"},
		{name: "S-2.3 stage with 51 actions", mutate: manyActions,
			code: core.InvalidStageDeclaration, msg: "Stage 'Build' has 51 actions"},
		{name: "S-2.4 blockers are refused", mutate: func(p *wire.PipelineDeclaration) {
			p.Stages[1].Blockers = []wire.BlockerDeclaration{{Name: wire.Ptr("b"), Type: wire.BlockerTypeSchedule}}
		}, code: core.InvalidBlockerDeclaration, msg: "Stage 'Build' declares blockers"},
		{name: "S-2.5 beforeEntry holds exactly one condition", base: validV2, mutate: func(p *wire.PipelineDeclaration) {
			c := p.Stages[2].BeforeEntry.Conditions[0]
			p.Stages[2].BeforeEntry.Conditions = append(p.Stages[2].BeforeEntry.Conditions, c)
		}, code: core.InvalidStageDeclaration, msg: "beforeEntry of stage 'Deploy' must have exactly 1 condition, not 2"},
		{name: "S-2.5 onSuccess without a condition", base: validV2, mutate: func(p *wire.PipelineDeclaration) {
			p.Stages[2].OnSuccess.Conditions = nil
		}, code: core.InvalidStageDeclaration, msg: "onSuccess of stage 'Deploy' must have exactly 1 condition, not 0"},
		{name: "S-2.5 condition with 6 rules", base: validV2, mutate: func(p *wire.PipelineDeclaration) {
			c := &p.Stages[2].OnSuccess.Conditions[0]
			for i := 0; i < 5; i++ {
				c.Rules = append(c.Rules, rule(fmt.Sprintf("Alarm%d", i), "CloudWatchAlarm"))
			}
		}, code: core.InvalidStageDeclaration, msg: "must have 1 to 5 rules, not 6"},
		{name: "S-2.5 beforeEntry cannot ROLLBACK", base: validV2, mutate: func(p *wire.PipelineDeclaration) {
			p.Stages[2].BeforeEntry.Conditions[0].Result = wire.ResultROLLBACK
		}, code: core.InvalidStageDeclaration, msg: "Result 'ROLLBACK' is not allowed in a condition of the beforeEntry of stage 'Deploy'"},
		{name: "S-2.5 onSuccess cannot SKIP", base: validV2, mutate: func(p *wire.PipelineDeclaration) {
			p.Stages[2].OnSuccess.Conditions[0].Result = wire.ResultSKIP
		}, code: core.InvalidStageDeclaration, msg: "Result 'SKIP' is not allowed in a condition of the onSuccess"},
		{name: "S-2.5 onFailure conditions only ROLLBACK", base: validV2, mutate: func(p *wire.PipelineDeclaration) {
			p.Stages[1].OnFailure = &wire.FailureConditions{Conditions: condition(wire.ResultFAIL, rule("Alarm", "CloudWatchAlarm"))}
		}, code: core.InvalidStageDeclaration, msg: "Result 'FAIL' is not allowed in a condition of the onFailure"},
		{name: "S-2.5 onFailure result cannot be SKIP", base: validV2, mutate: func(p *wire.PipelineDeclaration) {
			p.Stages[1].OnFailure.Result = wire.ResultSKIP
		}, code: core.InvalidStageDeclaration, msg: "Result 'SKIP' is not allowed in the onFailure of stage 'Test'"},
		{name: "S-2.5 C-5 SKIP only with LambdaInvoke or VariableCheck rules", base: validV2, mutate: func(p *wire.PipelineDeclaration) {
			p.Stages[2].BeforeEntry.Conditions[0].Rules = []wire.RuleDeclaration{rule("Window", "DeploymentWindow")}
		}, code: core.InvalidStageDeclaration, msg: "Rule 'Window' in the beforeEntry of stage 'Deploy' uses provider 'DeploymentWindow'"},
		{name: "S-2.6 retry and failure conditions exclude each other", base: validV2, mutate: func(p *wire.PipelineDeclaration) {
			p.Stages[1].OnFailure.Conditions = condition(wire.ResultROLLBACK, rule("Alarm", "CloudWatchAlarm"))
		}, code: core.InvalidStageDeclaration, msg: "Stage 'Test' cannot have both automatic retry"},
		{name: "S-2.7 PARALLEL cannot roll back on failure", base: validV2, mutate: func(p *wire.PipelineDeclaration) {
			p.ExecutionMode = wire.ExecutionModePARALLEL
			p.Stages[2].OnSuccess = nil
			p.Stages[1].OnFailure = &wire.FailureConditions{Result: wire.ResultROLLBACK}
		}, code: core.InvalidStageDeclaration, msg: "Stage 'Test' cannot use the ROLLBACK result"},
		{name: "S-2.7 PARALLEL cannot have a ROLLBACK condition", base: validV2, mutate: func(p *wire.PipelineDeclaration) {
			p.ExecutionMode = wire.ExecutionModePARALLEL
		}, code: core.InvalidStageDeclaration, msg: "Stage 'Deploy' cannot use the ROLLBACK result"},
	})
}

func TestCheckStructureActions(t *testing.T) {
	t.Parallel()
	runCheckCases(t, []checkCase{
		{name: "S-3.1 action names are unique in a stage", mutate: func(p *wire.PipelineDeclaration) {
			p.Stages[1].Actions = append(p.Stages[1].Actions, codeBuild("Build", "SourceOut", ""))
		}, code: core.InvalidActionDeclaration, msg: "Stage 'Build' has more than one action named 'Build'"},
		{name: "S-3.3 unknown custom type", mutate: func(p *wire.PipelineDeclaration) {
			a := &p.Stages[0].Actions[0]
			a.Name = wire.Ptr("Y")
			a.ActionTypeId = testTypeID(wire.ActionCategorySource, wire.ActionOwnerCustom, "X")
		}, code: core.InvalidActionDeclaration,
			msg: "ActionType (Category: 'Source', Provider: 'X', Owner: 'Custom', Version: '1') in action 'Y' is not available in region 'US_EAST_1'"},
		{name: "S-3.3 unknown version of a built-in type", mutate: func(p *wire.PipelineDeclaration) {
			p.Stages[1].Actions[0].ActionTypeId.Version = wire.Ptr("2")
		}, code: core.InvalidActionDeclaration, msg: "Version: '2') in action 'Build' is not available"},
		{name: "S-3.4 too few inputs", mutate: func(p *wire.PipelineDeclaration) {
			p.Stages[1].Actions[0].InputArtifacts = nil
		}, code: core.InvalidActionDeclaration, msg: "Action Build declares 0 input artifacts which is less than the minimum count (1)"},
		{name: "S-3.4 too many outputs", mutate: func(p *wire.PipelineDeclaration) {
			p.Stages[0].Actions[0].OutputArtifacts = outputs("A", "B")
		}, code: core.InvalidActionDeclaration, msg: "Action Src declares 2 output artifacts which is more than the maximum count (1)"},
		{name: "S-3.5 input from a same runOrder sibling", mutate: func(p *wire.PipelineDeclaration) {
			p.Stages[1].Actions = append(p.Stages[1].Actions, codeBuild("Test", "BuildOut", ""))
		}, code: core.InvalidActionDeclaration,
			msg: "Input Artifact Bundle BuildOut in action Test is not declared as Output Artifact Bundle in any of the preceding actions"},
		{name: "S-3.2 S-3.5 absent runOrder equals runOrder 1", mutate: func(p *wire.PipelineDeclaration) {
			test := codeBuild("Test", "BuildOut", "")
			test.RunOrder = wire.Ptr[int32](1)
			p.Stages[1].Actions = append(p.Stages[1].Actions, test)
		}, code: core.InvalidActionDeclaration, msg: "Input Artifact Bundle BuildOut in action Test"},
		{name: "S-3.5 input from a later runOrder", mutate: func(p *wire.PipelineDeclaration) {
			p.Stages[1].Actions[0].RunOrder = wire.Ptr[int32](2)
			test := codeBuild("Test", "BuildOut", "")
			test.RunOrder = wire.Ptr[int32](1)
			p.Stages[1].Actions = append(p.Stages[1].Actions, test)
		}, code: core.InvalidActionDeclaration, msg: "Input Artifact Bundle BuildOut in action Test"},
		{name: "S-3.5 input from a later stage", mutate: func(p *wire.PipelineDeclaration) {
			p.Stages = append(p.Stages, stage("Package", codeBuild("Pack", "SourceOut", "PackOut")))
			p.Stages[1].Actions[0].InputArtifacts = inputs("PackOut")
		}, code: core.InvalidActionDeclaration, msg: "Input Artifact Bundle PackOut in action Build"},
		{name: "S-3.5 input from a lower runOrder is fine", mutate: func(p *wire.PipelineDeclaration) {
			test := codeBuild("Test", "BuildOut", "")
			test.RunOrder = wire.Ptr[int32](2)
			p.Stages[1].Actions = append(p.Stages[1].Actions, test)
		}},
		{name: "S-3.6 output names are unique in the pipeline", mutate: func(p *wire.PipelineDeclaration) {
			p.Stages[1].Actions[0].OutputArtifacts = outputs("SourceOut")
		}, code: core.InvalidActionDeclaration, msg: "Output Artifact Bundle SourceOut in action Build is already declared"},
		{name: "S-3.7 source action cannot be cross-region", mutate: func(p *wire.PipelineDeclaration) {
			p.Stages[0].Actions[0].Region = wire.Ptr("eu-west-1")
		}, code: core.InvalidActionDeclaration, msg: "Action 'Src' cannot run in region 'eu-west-1': source actions"},
		{name: "S-3.7 custom action cannot be cross-region", mutate: func(p *wire.PipelineDeclaration) {
			j := jenkins("Jenkins", "SourceOut")
			j.Region = wire.Ptr("eu-west-1")
			p.Stages[1].Actions = append(p.Stages[1].Actions, j)
		}, code: core.InvalidActionDeclaration, msg: "Custom actions must run in the pipeline's region"},
		{name: "S-3.8 namespaces are unique", mutate: func(p *wire.PipelineDeclaration) {
			p.Stages[0].Actions[0].Namespace = wire.Ptr("NS")
			p.Stages[1].Actions[0].Namespace = wire.Ptr("NS")
		}, code: core.InvalidActionDeclaration,
			msg: "Namespaces must be unique across the pipeline definition. The following occur more than once in the pipeline. StageName=[Build], ActionName=[Build], Namespace=[NS]"},
		{name: "S-3.8 codepipeline is reserved", mutate: func(p *wire.PipelineDeclaration) {
			p.Stages[1].Actions[0].Namespace = wire.Ptr("codepipeline")
		}, code: core.InvalidActionDeclaration, msg: "Namespace 'codepipeline' of action 'Build' is reserved"},
		{name: "S-3.8 namespace cannot be an artifact name", mutate: func(p *wire.PipelineDeclaration) {
			p.Stages[1].Actions[0].Namespace = wire.Ptr("SourceOut")
		}, code: core.InvalidActionDeclaration, msg: "Namespace 'SourceOut' of action 'Build' is also the name of an artifact"},
		{name: "S-3.9 required configuration missing", mutate: func(p *wire.PipelineDeclaration) {
			delete(p.Stages[0].Actions[0].Configuration, "S3ObjectKey")
		}, code: core.InvalidActionDeclaration, msg: "Action configuration for action 'Src' is missing required configuration 'S3ObjectKey'"},
		{name: "S-3.9 unknown configuration key", mutate: func(p *wire.PipelineDeclaration) {
			p.Stages[1].Actions[0].Configuration["Projectname"] = "typo"
		}, code: core.InvalidActionDeclaration, msg: "Action configuration for action 'Build' contains unknown configuration 'Projectname'"},
		{name: "S-3.11 commands only on compute actions", mutate: func(p *wire.PipelineDeclaration) {
			p.Stages[1].Actions[0].Commands = []string{"make"}
		}, code: core.InvalidActionDeclaration,
			msg: "The following action cannot contain a commands field: Build. To use the commands field, use a compute action."},
		{name: "S-3.11 Commands action needs commands", base: validV2, mutate: func(p *wire.PipelineDeclaration) {
			p.Stages[1].Actions[0].Commands = nil
		}, code: core.InvalidActionDeclaration, msg: "Action Test must have a non-empty commands field"},
		{name: "S-3.11 commands are single lines", base: validV2, mutate: func(p *wire.PipelineDeclaration) {
			p.Stages[1].Actions[0].Commands = []string{"make\nmake test"}
		}, code: core.InvalidActionDeclaration, msg: "Action Test has a multi-line command"},
		{name: "S-3.7 Commands action cannot be cross-region", base: validV2, mutate: func(p *wire.PipelineDeclaration) {
			p.Stages[1].Actions[0].Region = wire.Ptr("eu-west-1")
		}, code: core.InvalidActionDeclaration, msg: "Compute actions must run in the pipeline's region"},
		{name: "S-3.12 timeoutInMinutes only on manual approval", mutate: func(p *wire.PipelineDeclaration) {
			p.Stages[1].Actions[0].TimeoutInMinutes = wire.Ptr[int32](10)
		}, code: core.InvalidActionDeclaration, msg: "Action 'Build' cannot set timeoutInMinutes"},
		{name: "S-3.13 queryable value longer than 20 characters", mutate: func(p *wire.PipelineDeclaration) {
			j := jenkins("Jenkins", "SourceOut")
			j.Configuration["ProjectName"] = strings.Repeat("a", 21)
			p.Stages[1].Actions = append(p.Stages[1].Actions, j)
		}, code: core.InvalidActionDeclaration, msg: "invalid value for the queryable property 'ProjectName'"},
		{name: "S-3.13 queryable value with a forbidden character", mutate: func(p *wire.PipelineDeclaration) {
			j := jenkins("Jenkins", "SourceOut")
			j.Configuration["ProjectName"] = "job.1"
			p.Stages[1].Actions = append(p.Stages[1].Actions, j)
		}, code: core.InvalidActionDeclaration, msg: "invalid value for the queryable property 'ProjectName'"},
	})
}

func TestCheckStructureDoesNotChangeDeclaration(t *testing.T) {
	t.Parallel()
	p := validV1()
	if err := checkStructure(p, testRegion, testFind); err != nil {
		t.Fatal(err)
	}
	if p.Stages[1].Actions[0].RunOrder != nil {
		t.Fatal("checkStructure filled in runOrder; defaults are the caller's job")
	}
}

func TestRegionEnumName(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{"us-east-1": "US_EAST_1", "eu-central-2": "EU_CENTRAL_2"} {
		if got := regionEnumName(in); got != want {
			t.Errorf("regionEnumName(%q) = %q, want %q", in, got, want)
		}
	}
}
