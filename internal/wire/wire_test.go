package wire

import (
	"encoding/json"
	"errors"
	"sort"
	"strings"
	"testing"
	"time"
)

// pipelineJSON is a valid CreatePipeline body; the cases below break it.
const pipelineJSON = `{
  "pipeline": {
    "name": "my-pipeline",
    "roleArn": "arn:aws:iam::123456789012:role/service-role/cp",
    "artifactStore": {"type": "S3", "location": "my-bucket"},
    "stages": [
      {"name": "Source", "actions": [{
        "name": "Source",
        "actionTypeId": {"category": "Source", "owner": "AWS", "provider": "S3", "version": "1"},
        "configuration": {"S3Bucket": "b", "S3ObjectKey": "k.zip"},
        "outputArtifacts": [{"name": "src"}]
      }]},
      {"name": "Build", "actions": [{
        "name": "Build",
        "actionTypeId": {"category": "Build", "owner": "AWS", "provider": "CodeBuild", "version": "1"},
        "runOrder": 1,
        "inputArtifacts": [{"name": "src"}]
      }],
      "beforeEntry": {"conditions": [{"result": "FAIL", "rules": [{
        "name": "r", "ruleTypeId": {"category": "Rule", "owner": "AWS", "provider": "LambdaInvoke", "version": "1"}
      }]}]}}
    ],
    "executionMode": "QUEUED",
    "pipelineType": "V2",
    "variables": [{"name": "v1", "defaultValue": "x"}]
  },
  "tags": [{"key": "team", "value": "ci"}]
}`

func decodePipeline(t testing.TB) *CreatePipelineInput {
	t.Helper()
	in := new(CreatePipelineInput)
	if err := json.Unmarshal([]byte(pipelineJSON), in); err != nil {
		t.Fatal(err)
	}
	return in
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

func TestValidPipeline(t *testing.T) {
	in := decodePipeline(t)
	if err := Validate(in); err != nil {
		t.Fatalf("valid pipeline: %v", err)
	}
	if got := in.Pipeline.Stages[0].Actions[0].ActionTypeId.Category; got != ActionCategorySource {
		t.Fatalf("category = %q", got)
	}
}

func TestValidateMessages(t *testing.T) {
	const namePattern = `Member must satisfy regular expression pattern: [A-Za-z0-9.@\-_]+`
	tests := []struct {
		name   string
		edit   func(in *CreatePipelineInput)
		in     Validatable // instead of edit, when set
		want   string
		length int // number of violations
	}{
		{
			name: "required top-level member",
			in:   &CreatePipelineInput{},
			want: "1 validation error detected: Value null at 'pipeline' failed to satisfy constraint: Member must not be null",
		},
		{
			name: "nil input is empty input",
			in:   (*CreatePipelineInput)(nil),
			want: "1 validation error detected: Value null at 'pipeline' failed to satisfy constraint: Member must not be null",
		},
		{
			name: "pattern",
			edit: func(in *CreatePipelineInput) { in.Pipeline.Name = Ptr("my name") },
			want: "1 validation error detected: Value 'my name' at 'pipeline.name' failed to satisfy constraint: " + namePattern,
		},
		{
			name: "length max",
			edit: func(in *CreatePipelineInput) { in.Pipeline.Name = Ptr(strings.Repeat("a", 101)) },
			want: "1 validation error detected: Value '" + strings.Repeat("a", 101) +
				"' at 'pipeline.name' failed to satisfy constraint: Member must have length less than or equal to 100",
		},
		{
			name: "length min and pattern",
			edit: func(in *CreatePipelineInput) { in.Pipeline.Name = Ptr("") },
			want: "2 validation errors detected: " +
				"Value '' at 'pipeline.name' failed to satisfy constraint: Member must have length greater than or equal to 1; " +
				"Value '' at 'pipeline.name' failed to satisfy constraint: " + namePattern,
		},
		{
			name: "nested list path",
			edit: func(in *CreatePipelineInput) { in.Pipeline.Stages[1].Actions[0].Name = Ptr("bad name!") },
			want: "1 validation error detected: Value 'bad name!' at 'pipeline.stages.2.member.actions.1.member.name' failed to satisfy constraint: " + namePattern,
		},
		{
			name: "nested required",
			edit: func(in *CreatePipelineInput) { in.Pipeline.Stages[0].Actions[0].ActionTypeId.Version = nil },
			want: "1 validation error detected: Value null at 'pipeline.stages.1.member.actions.1.member.actionTypeId.version' failed to satisfy constraint: Member must not be null",
		},
		{
			name: "enum",
			edit: func(in *CreatePipelineInput) { in.Pipeline.ExecutionMode = "FAST" },
			want: "1 validation error detected: Value 'FAST' at 'pipeline.executionMode' failed to satisfy constraint: Member must satisfy enum value set: [QUEUED, SUPERSEDED, PARALLEL]",
		},
		{
			name: "enum deep",
			edit: func(in *CreatePipelineInput) { in.Pipeline.Stages[0].Actions[0].ActionTypeId.Owner = "aws" },
			want: "1 validation error detected: Value 'aws' at 'pipeline.stages.1.member.actions.1.member.actionTypeId.owner' failed to satisfy constraint: Member must satisfy enum value set: [AWS, ThirdParty, Custom]",
		},
		{
			name: "integer range",
			edit: func(in *CreatePipelineInput) { in.Pipeline.Stages[1].Actions[0].RunOrder = Ptr(int32(1000)) },
			want: "1 validation error detected: Value '1000' at 'pipeline.stages.2.member.actions.1.member.runOrder' failed to satisfy constraint: Member must have value less than or equal to 999",
		},
		{
			name: "list length",
			edit: func(in *CreatePipelineInput) {
				c := in.Pipeline.Stages[1].BeforeEntry.Conditions
				in.Pipeline.Stages[1].BeforeEntry.Conditions = append(c, c[0])
			},
			want: "1 validation error detected: Value '[{...}, {...}]' at 'pipeline.stages.2.member.beforeEntry.conditions' failed to satisfy constraint: Member must have length less than or equal to 1",
		},
		{
			name: "list of strings",
			edit: func(in *CreatePipelineInput) { in.Pipeline.Stages[1].Actions[0].Commands = []string{"make", ""} },
			want: "1 validation error detected: Value '' at 'pipeline.stages.2.member.actions.1.member.commands.2.member' failed to satisfy constraint: Member must have length greater than or equal to 1",
		},
		{
			name: "empty list below min",
			edit: func(in *CreatePipelineInput) { in.Pipeline.Stages[1].Actions[0].Commands = []string{} },
			want: "1 validation error detected: Value '[]' at 'pipeline.stages.2.member.actions.1.member.commands' failed to satisfy constraint: Member must have length greater than or equal to 1",
		},
		{
			name: "map value and key",
			edit: func(in *CreatePipelineInput) {
				in.Pipeline.ArtifactStore = nil
				in.Pipeline.ArtifactStores = map[string]ArtifactStore{
					"us-east-1": {Type: ArtifactStoreTypeS3},
					"eu":        {Type: ArtifactStoreTypeS3, Location: Ptr("b")},
				}
			},
			want: "3 validation errors detected: " +
				"Value 'eu' at 'pipeline.artifactStores' failed to satisfy constraint: Member must have length greater than or equal to 4; " +
				"Value 'b' at 'pipeline.artifactStores.eu.location' failed to satisfy constraint: Member must have length greater than or equal to 3; " +
				"Value null at 'pipeline.artifactStores.us-east-1.location' failed to satisfy constraint: Member must not be null",
		},
		{
			name: "map of strings",
			edit: func(in *CreatePipelineInput) {
				in.Pipeline.Stages[0].Actions[0].Configuration["S3ObjectKey"] = ""
			},
			want: "1 validation error detected: Value '' at 'pipeline.stages.1.member.actions.1.member.configuration.S3ObjectKey' failed to satisfy constraint: Member must have length greater than or equal to 1",
		},
		{
			name: "prefix pattern (RoleArn)",
			edit: func(in *CreatePipelineInput) { in.Pipeline.RoleArn = Ptr("arn:aws:iam::123:role/x") },
			want: "1 validation error detected: Value 'arn:aws:iam::123:role/x' at 'pipeline.roleArn' failed to satisfy constraint: Member must satisfy regular expression pattern: arn:aws(-[\\w]+)*:iam::[0-9]{12}:role/.*",
		},
		{
			name: "string length counts characters",
			edit: func(in *CreatePipelineInput) { in.Tags[0].Key = Ptr(strings.Repeat("é", 128)) },
		},
		{
			name:   "string length counts characters, over",
			edit:   func(in *CreatePipelineInput) { in.Tags[0].Key = Ptr(strings.Repeat("é", 129)) },
			length: 1,
		},
		{
			name: "model order, depth first",
			edit: func(in *CreatePipelineInput) {
				in.Pipeline.Name = nil
				in.Pipeline.Stages[0].Name = Ptr("a b")
				in.Pipeline.Stages[0].Actions[0].ActionTypeId = nil
				in.Pipeline.PipelineType = "V3"
				in.Tags[0].Key = nil
			},
			want: "5 validation errors detected: " +
				"Value null at 'pipeline.name' failed to satisfy constraint: Member must not be null; " +
				"Value 'a b' at 'pipeline.stages.1.member.name' failed to satisfy constraint: " + namePattern + "; " +
				"Value null at 'pipeline.stages.1.member.actions.1.member.actionTypeId' failed to satisfy constraint: Member must not be null; " +
				"Value 'V3' at 'pipeline.pipelineType' failed to satisfy constraint: Member must satisfy enum value set: [V1, V2]; " +
				"Value null at 'tags.1.member.key' failed to satisfy constraint: Member must not be null",
		},
		{
			name: "ListPipelines maxResults above range",
			in:   &ListPipelinesInput{MaxResults: Ptr(int32(1001))},
			want: "1 validation error detected: Value '1001' at 'maxResults' failed to satisfy constraint: Member must have value less than or equal to 1000",
		},
		{
			name: "ListPipelines maxResults below range",
			in:   &ListPipelinesInput{MaxResults: Ptr(int32(0))},
			want: "1 validation error detected: Value '0' at 'maxResults' failed to satisfy constraint: Member must have value greater than or equal to 1",
		},
		{
			name: "ListPipelines maxResults bounds are inclusive",
			in:   &ListPipelinesInput{MaxResults: Ptr(int32(1000)), NextToken: Ptr("t")},
		},
		{
			name: "ListPipelines nextToken length",
			in:   &ListPipelinesInput{NextToken: Ptr("")},
			want: "1 validation error detected: Value '' at 'nextToken' failed to satisfy constraint: Member must have length greater than or equal to 1",
		},
		{
			name: "ListWebhooks is PascalCase",
			in:   &ListWebhooksInput{MaxResults: Ptr(int32(101))},
			want: "1 validation error detected: Value '101' at 'MaxResults' failed to satisfy constraint: Member must have value less than or equal to 100",
		},
		{
			name: "ActionTypeOwner alternation is whole-value",
			in:   &GetActionTypeInput{Category: ActionCategoryBuild, Owner: Ptr("AWSX"), Provider: Ptr("p"), Version: Ptr("1")},
			want: "1 validation error detected: Value 'AWSX' at 'owner' failed to satisfy constraint: Member must satisfy regular expression pattern: AWS|ThirdParty",
		},
		{
			name: "ActionTypeOwner ThirdParty",
			in:   &GetActionTypeInput{Category: ActionCategoryBuild, Owner: Ptr("ThirdParty"), Provider: Ptr("p"), Version: Ptr("1")},
		},
		{
			name: "UUID pattern is lower-case",
			in:   &GetPipelineExecutionInput{PipelineName: Ptr("p"), PipelineExecutionId: Ptr("2F0C1B1E-8D8F-4F38-9E64-4D5B1E0C9A11")},
			want: "1 validation error detected: Value '2F0C1B1E-8D8F-4F38-9E64-4D5B1E0C9A11' at 'pipelineExecutionId' failed to satisfy constraint: Member must satisfy regular expression pattern: [0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}",
		},
		{
			name: "map length and key pattern (PollForJobs)",
			in: &PollForJobsInput{
				ActionTypeId: &ActionTypeId{Category: ActionCategoryBuild, Owner: ActionOwnerCustom, Provider: Ptr("p"), Version: Ptr("1")},
				QueryParam:   map[string]string{"a": "x", "b": "bad value"},
			},
			want: "2 validation errors detected: " +
				"Value '{a=x, b=bad value}' at 'queryParam' failed to satisfy constraint: Member must have length less than or equal to 1; " +
				"Value 'bad value' at 'queryParam.b' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9_-]+",
		},
		{
			name: "required boolean with a default",
			in: &CreateCustomActionTypeInput{
				Category: ActionCategoryBuild, Provider: Ptr("p"), Version: Ptr("1"),
				InputArtifactDetails:    &ArtifactDetails{MinimumCount: Ptr(int32(0)), MaximumCount: Ptr(int32(6))},
				OutputArtifactDetails:   &ArtifactDetails{MinimumCount: Ptr(int32(0)), MaximumCount: Ptr(int32(0))},
				ConfigurationProperties: []ActionConfigurationProperty{{Name: Ptr("k"), Required: Ptr(true), Key: Ptr(true)}},
			},
			want: "2 validation errors detected: " +
				"Value null at 'configurationProperties.1.member.secret' failed to satisfy constraint: Member must not be null; " +
				"Value '6' at 'inputArtifactDetails.maximumCount' failed to satisfy constraint: Member must have value less than or equal to 5",
		},
		{
			name: "nil interface",
			in:   nil,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := tt.in
			if tt.edit != nil {
				p := decodePipeline(t)
				tt.edit(p)
				in = p
			}
			err := Validate(in)
			if tt.length > 0 {
				var ve *ValidationError
				if !errors.As(err, &ve) || len(ve.Violations) != tt.length {
					t.Fatalf("want %d violations, got %v", tt.length, err)
				}
				return
			}
			if got := errString(err); got != tt.want {
				t.Fatalf("message\n got: %s\nwant: %s", got, tt.want)
			}
		})
	}
}

func TestViolationFields(t *testing.T) {
	in := decodePipeline(t)
	in.Pipeline.Stages[1].Actions[0].Name = Ptr("bad name")
	var ve *ValidationError
	if !errors.As(Validate(in), &ve) {
		t.Fatal("want a *ValidationError")
	}
	want := Violation{
		Path:    "pipeline.stages.2.member.actions.1.member.name",
		Value:   "'bad name'",
		Message: `Member must satisfy regular expression pattern: [A-Za-z0-9.@\-_]+`,
	}
	if len(ve.Violations) != 1 || ve.Violations[0] != want {
		t.Fatalf("violations = %+v", ve.Violations)
	}
	if got, wantS := want.String(), "Value 'bad name' at '"+want.Path+"' failed to satisfy constraint: "+want.Message; got != wantS {
		t.Fatalf("String() = %s", got)
	}
}

func TestValueIsTruncated(t *testing.T) {
	long := strings.Repeat("x", 5001)
	err := Validate(&PutJobFailureResultInput{
		JobId:          Ptr("0f8fad5b-d9cb-469f-a165-70867728950e"),
		FailureDetails: &FailureDetails{Type: FailureTypeJobFailed, Message: &long},
	})
	var ve *ValidationError
	if !errors.As(err, &ve) || len(ve.Violations) != 1 {
		t.Fatalf("err = %v", err)
	}
	v := ve.Violations[0]
	if v.Path != "failureDetails.message" || v.Message != "Member must have length less than or equal to 5000" {
		t.Fatalf("violation = %+v", v)
	}
	if len(v.Value) > 300 || !strings.HasSuffix(v.Value, "...'") {
		t.Fatalf("value not truncated: %d bytes", len(v.Value))
	}
	// A long list is cut as well.
	accounts := make([]string, 1001)
	for i := range accounts {
		accounts[i] = "123456789012"
	}
	err = Validate(&UpdateActionTypeInput{ActionType: &ActionTypeDeclaration{
		Executor:              &ActionTypeExecutor{Type: ExecutorTypeJobWorker, Configuration: &ExecutorConfiguration{}},
		Id:                    &ActionTypeIdentifier{Category: ActionCategoryBuild, Owner: Ptr("AWS"), Provider: Ptr("p"), Version: Ptr("1")},
		InputArtifactDetails:  &ActionTypeArtifactDetails{MinimumCount: Ptr(int32(0)), MaximumCount: Ptr(int32(0))},
		OutputArtifactDetails: &ActionTypeArtifactDetails{MinimumCount: Ptr(int32(0)), MaximumCount: Ptr(int32(0))},
		Permissions:           &ActionTypePermissions{AllowedAccounts: accounts},
	}})
	if !errors.As(err, &ve) || len(ve.Violations) != 1 {
		t.Fatalf("err = %v", err)
	}
	v = ve.Violations[0]
	if v.Path != "actionType.permissions.allowedAccounts" || len(v.Value) > 300 || !strings.HasSuffix(v.Value, "...]'") {
		t.Fatalf("violation = %+v (%d bytes)", v, len(v.Value))
	}
}

func TestTimeMarshal(t *testing.T) {
	tests := []struct {
		t    time.Time
		want string
	}{
		{time.Unix(1700000000, 123_000_000), "1700000000.123"},
		{time.Unix(1700000000, 123_999_999), "1700000000.123"},
		{time.Unix(1700000000, 500_000_000), "1700000000.5"},
		{time.Unix(1700000000, 0), "1700000000"},
		{time.Unix(0, 0), "0"},
		{time.Unix(-1, 500_000_000), "-0.5"},
	}
	for _, tt := range tests {
		b, err := json.Marshal(Time{tt.t})
		if err != nil || string(b) != tt.want {
			t.Errorf("Marshal(%v) = %s, %v; want %s", tt.t, b, err, tt.want)
		}
	}
	// Inside a struct, through the pointer field.
	b, err := json.Marshal(PipelineMetadata{Created: NewTime(time.Unix(1700000000, 0))})
	if err != nil || string(b) != `{"created":1700000000}` {
		t.Errorf("Marshal(PipelineMetadata) = %s, %v", b, err)
	}
}

func TestTimeUnmarshal(t *testing.T) {
	tests := []struct {
		in   string
		want time.Time
		err  bool
	}{
		{in: "1700000000", want: time.Unix(1700000000, 0)},
		{in: "1700000000.123", want: time.Unix(1700000000, 123_000_000)},
		{in: "1.7e9", want: time.Unix(1700000000, 0)},
		{in: "1700000000.5", want: time.Unix(1700000000, 500_000_000)},
		{in: "-0.5", want: time.Unix(-1, 500_000_000)},
		{in: `"1700000000"`, err: true},
		{in: `"2023-11-14T22:13:20Z"`, err: true},
		{in: "true", err: true},
		{in: "{}", err: true},
		{in: "[1]", err: true},
		{in: "1e300", err: true},
	}
	for _, tt := range tests {
		var got Time
		err := json.Unmarshal([]byte(tt.in), &got)
		if tt.err {
			if err == nil {
				t.Errorf("Unmarshal(%s) = %v, want an error", tt.in, got)
			}
			continue
		}
		if err != nil || !got.Equal(tt.want) {
			t.Errorf("Unmarshal(%s) = %v, %v; want %v", tt.in, got.Time, err, tt.want)
		}
	}
	// Inside an input: PutActionRevision's actionRevision.created.
	var in PutActionRevisionInput
	body := `{"pipelineName":"p","stageName":"s","actionName":"a","actionRevision":{"revisionId":"r","revisionChangeId":"c","created":1700000000.25}}`
	if err := json.Unmarshal([]byte(body), &in); err != nil {
		t.Fatal(err)
	}
	if got := in.ActionRevision.Created.Time; !got.Equal(time.Unix(1700000000, 250_000_000)) {
		t.Fatalf("created = %v", got)
	}
	if err := Validate(&in); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal([]byte(strings.Replace(body, "1700000000.25", `"2023-11-14T22:13:20Z"`, 1)), &in); err == nil {
		t.Fatal("a string timestamp was accepted")
	}
}

func TestPtrValue(t *testing.T) {
	if *Ptr("a") != "a" || Value(Ptr(int32(3))) != 3 || Value[string](nil) != "" || Value[*Time](nil) != nil {
		t.Fatal("Ptr/Value")
	}
}

func TestOperations(t *testing.T) {
	if len(Operations) != 44 {
		t.Fatalf("len(Operations) = %d, want 44", len(Operations))
	}
	unit := 0
	for name, op := range Operations {
		if op.Name != name {
			t.Errorf("Operations[%q].Name = %q", name, op.Name)
		}
		if op.UnitOutput {
			unit++
		}
		if len(op.Errors) == 0 {
			t.Errorf("%s: no modeled errors", name)
		}
		in := op.NewInput()
		if err := json.Unmarshal([]byte(`{}`), in); err != nil {
			t.Errorf("%s: decode {}: %v", name, err)
		}
		err := Validate(in)
		var ve *ValidationError
		if err != nil && !errors.As(err, &ve) {
			t.Errorf("%s: Validate: %T %v", name, err, err)
		}
	}
	if unit != 10 {
		t.Errorf("%d operations with Unit output, want 10", unit)
	}
	for _, name := range []string{"DeletePipeline", "PutJobSuccessResult", "OverrideStageCondition"} {
		if !Operations[name].UnitOutput {
			t.Errorf("%s: want UnitOutput", name)
		}
	}
	if Operations["ListPipelines"].NewInput() == nil || Operations["CreatePipeline"].UnitOutput {
		t.Error("CreatePipeline has an output")
	}
	// Inputs without required members validate clean when empty.
	for _, name := range []string{"ListPipelines", "ListActionTypes", "ListWebhooks", "PollForJobs"} {
		err := Validate(Operations[name].NewInput())
		if name == "PollForJobs" {
			if errString(err) != "1 validation error detected: Value null at 'actionTypeId' failed to satisfy constraint: Member must not be null" {
				t.Errorf("PollForJobs {}: %v", err)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s {}: %v", name, err)
		}
	}
}

func TestEnumValues(t *testing.T) {
	got := ExecutionMode("").Values()
	want := []ExecutionMode{ExecutionModeQUEUED, ExecutionModeSUPERSEDED, ExecutionModePARALLEL}
	if len(got) != len(want) {
		t.Fatalf("Values() = %v", got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("Values() = %v", got)
		}
	}
	if ActionCategoryCompute != "Compute" || TriggerTypeWebhookV2 != "WebhookV2" {
		t.Fatal("enum constants")
	}
}

func TestJSONNames(t *testing.T) {
	b, err := json.Marshal(ArtifactDetail{Name: Ptr("a"), S3location: &S3Location{Bucket: Ptr("b"), Key: Ptr("k")}})
	if err != nil || string(b) != `{"name":"a","s3location":{"bucket":"b","key":"k"}}` {
		t.Fatalf("ArtifactDetail = %s, %v", b, err)
	}
	b, err = json.Marshal(ListWebhooksOutput{NextToken: Ptr("t")})
	if err != nil || string(b) != `{"NextToken":"t"}` {
		t.Fatalf("ListWebhooksOutput = %s, %v", b, err)
	}
	// Absent lists are omitted; present empty lists are kept.
	b, err = json.Marshal(ListPipelinesOutput{Pipelines: []PipelineSummary{}})
	if err != nil || string(b) != `{"pipelines":[]}` {
		t.Fatalf("ListPipelinesOutput = %s, %v", b, err)
	}
	b, err = json.Marshal(ListPipelinesOutput{})
	if err != nil || string(b) != `{}` {
		t.Fatalf("ListPipelinesOutput = %s, %v", b, err)
	}
}

func TestDeterministicMapOrder(t *testing.T) {
	in := &PutJobSuccessResultInput{
		JobId:           Ptr("0f8fad5b-d9cb-469f-a165-70867728950e"),
		OutputVariables: map[string]string{"z z": "1", "a a": "2", "m m": "3", "b": "ok"},
	}
	first := errString(Validate(in))
	for range 20 {
		if got := errString(Validate(in)); got != first {
			t.Fatalf("order changed:\n%s\n%s", first, got)
		}
	}
	paths := []string{}
	var ve *ValidationError
	errors.As(Validate(in), &ve)
	for _, v := range ve.Violations {
		paths = append(paths, v.Value)
	}
	if !sort.StringsAreSorted(paths) || len(paths) != 3 {
		t.Fatalf("violations = %v", paths)
	}
}

var fuzzSeeds = []struct {
	op   string
	body string
}{
	{"CreatePipeline", pipelineJSON},
	{"CreatePipeline", `{"pipeline":{"name":"my name","roleArn":"x","stages":[{"name":"","actions":[{}]}]}}`},
	{"ListPipelines", `{"maxResults":1001,"nextToken":""}`},
	{"ListWebhooks", `{"MaxResults":5,"NextToken":"abc"}`},
	{"StartPipelineExecution", `{"name":"p","variables":[{"name":"v","value":"x"}],"clientRequestToken":"b6a0c2f4-1111-2222-3333-444455556666","sourceRevisions":[{"actionName":"Source","revisionType":"COMMIT_ID","revisionValue":"abc"}]}`},
	{"PutJobSuccessResult", `{"jobId":"0f8fad5b-d9cb-469f-a165-70867728950e","currentRevision":{"revision":"r","changeIdentifier":"c","created":1700000000.5},"outputVariables":{"k":"v"}}`},
	{"PollForJobs", `{"actionTypeId":{"category":"Build","owner":"Custom","provider":"p","version":"1"},"maxBatchSize":0,"queryParam":{"a":"b","c":"d"}}`},
	{"PutActionRevision", `{"pipelineName":"p","stageName":"s","actionName":"a","actionRevision":{"revisionId":"r","revisionChangeId":"c","created":"2023"}}`},
	{"TagResource", `{"resourceArn":"arn:aws:codepipeline:us-east-1:123456789012:p","tags":[{"key":"k","value":"v"},null]}`},
	{"UpdateActionType", `{"actionType":{"executor":{"configuration":{"lambdaExecutorConfiguration":{"lambdaFunctionArn":"arn"}},"type":"Lambda"},"id":{"category":"Build","owner":"x","provider":"p","version":"1"},"inputArtifactDetails":{"minimumCount":0,"maximumCount":11},"outputArtifactDetails":{"minimumCount":0,"maximumCount":0}}}`},
}

// opNames are the operation names in a fixed order, for the fuzz index.
func opNames() []string {
	names := make([]string, 0, len(Operations))
	for name := range Operations {
		names = append(names, name)
	}
	sort.Strings(names)
	return names
}

func FuzzDecodeValidate(f *testing.F) {
	names := opNames()
	index := map[string]int{}
	for i, n := range names {
		index[n] = i
	}
	for _, s := range fuzzSeeds {
		f.Add(uint8(index[s.op]), []byte(s.body))
	}
	f.Add(uint8(0), []byte(`{}`))
	f.Add(uint8(1), []byte(`null`))
	f.Fuzz(func(t *testing.T, op uint8, body []byte) {
		in := Operations[names[int(op)%len(names)]].NewInput()
		if err := json.Unmarshal(body, in); err != nil {
			return
		}
		err := Validate(in)
		if err == nil {
			return
		}
		var ve *ValidationError
		if !errors.As(err, &ve) || len(ve.Violations) == 0 {
			t.Fatalf("Validate returned %T %v", err, err)
		}
		msg := ve.Error()
		for _, v := range ve.Violations {
			if v.Path == "" || v.Message == "" || len(v.Value) > 2*maxValue+16 {
				t.Fatalf("bad violation %+v", v)
			}
		}
		if !strings.Contains(msg, "validation error") {
			t.Fatalf("message %q", msg)
		}
	})
}

func BenchmarkValidateCreatePipeline(b *testing.B) {
	in := decodePipeline(b)
	b.ReportAllocs()
	for b.Loop() {
		if err := Validate(in); err != nil {
			b.Fatal(err)
		}
	}
}
