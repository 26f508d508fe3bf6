package main

import (
	"context"
	"fmt"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/codepipeline"
	"github.com/aws/aws-sdk-go-v2/service/codepipeline/types"
)

// customType is the input of a custom Build type taking one input artifact
// and giving at most one output, with a required, queryable Project and the
// given extra properties.
func customType(provider, version string, extra ...types.ActionConfigurationProperty) *codepipeline.CreateCustomActionTypeInput {
	props := append([]types.ActionConfigurationProperty{{
		Name: aws.String("Project"), Required: true, Key: true, Queryable: true,
		Type: types.ActionConfigurationPropertyTypeString,
	}}, extra...)
	return &codepipeline.CreateCustomActionTypeInput{
		Category: types.ActionCategoryBuild, Provider: aws.String(provider), Version: aws.String(version),
		Settings:                &types.ActionTypeSettings{EntityUrlTemplate: aws.String("https://ci.example.com/{Config:Project}")},
		ConfigurationProperties: props,
		InputArtifactDetails:    &types.ArtifactDetails{MinimumCount: 1, MaximumCount: 1},
		OutputArtifactDetails:   &types.ArtifactDetails{MinimumCount: 0, MaximumCount: 1},
	}
}

// secretProp is a required secret property named Token (S-3.10).
var secretProp = types.ActionConfigurationProperty{Name: aws.String("Token"), Required: true, Secret: true}

// customPipeline is testPipeline whose Build action runs the custom type
// Build/provider/1 with the given configuration.
func customPipeline(name, provider string, cfg map[string]string) *types.PipelineDeclaration {
	p := testPipeline(name)
	a := &p.Stages[1].Actions[0]
	a.ActionTypeId = &types.ActionTypeId{Category: types.ActionCategoryBuild, Owner: types.ActionOwnerCustom,
		Provider: aws.String(provider), Version: aws.String("1")}
	a.Configuration = cfg
	return p
}

// listTypes lists the action types of one owner through the paginator,
// failing unless they fit one page (ListActionTypes pages hold 100).
func listTypes(t *testing.T, c *codepipeline.Client, owner types.ActionOwner) map[string]types.ActionType {
	t.Helper()
	out := map[string]types.ActionType{}
	pages := 0
	pg := codepipeline.NewListActionTypesPaginator(c, &codepipeline.ListActionTypesInput{ActionOwnerFilter: owner})
	for pg.HasMorePages() {
		page := must[*codepipeline.ListActionTypesOutput](t)(pg.NextPage(context.Background()))
		pages++
		for _, at := range page.ActionTypes {
			id := at.Id
			out[fmt.Sprintf("%s/%s/%s/%s", id.Owner, id.Category, aws.ToString(id.Provider), aws.ToString(id.Version))] = at
		}
	}
	if pages != 1 {
		t.Fatalf("%d pages for owner %q", pages, owner)
	}
	return out
}

// deleteType deletes the custom type Build/provider/1 as c's account.
func deleteType(t *testing.T, c *codepipeline.Client, provider string) {
	t.Helper()
	must[*codepipeline.DeleteCustomActionTypeOutput](t)(c.DeleteCustomActionType(context.Background(), &codepipeline.DeleteCustomActionTypeInput{
		Category: types.ActionCategoryBuild, Provider: aws.String(provider), Version: aws.String("1")}))
}

// counts shows a type's artifact counts as "in lo..hi out lo..hi".
func counts(at types.ActionType) string {
	in, out := at.InputArtifactDetails, at.OutputArtifactDetails
	if in == nil || out == nil {
		return "missing"
	}
	return fmt.Sprintf("in %d..%d out %d..%d", in.MinimumCount, in.MaximumCount, out.MinimumCount, out.MaximumCount)
}

// J-1.1, J-1.3: the service sets owner Custom; ListActionTypes filters by owner.
func TestCustomActionTypeCreateAndList(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	c := newClient(MustOpen(t))
	in := customType("Worker", "1", secretProp)
	in.Tags = tagsOf("team=core")
	out := must[*codepipeline.CreateCustomActionTypeOutput](t)(c.CreateCustomActionType(ctx, in))
	at := out.ActionType
	if at.Id.Owner != types.ActionOwnerCustom || aws.ToString(at.Id.Provider) != "Worker" || at.Id.Category != types.ActionCategoryBuild {
		t.Fatalf("id = %+v", at.Id)
	}
	if len(at.ActionConfigurationProperties) != 2 || counts(*at) != "in 1..1 out 0..1" || !at.ActionConfigurationProperties[1].Secret ||
		!at.ActionConfigurationProperties[0].Queryable || aws.ToString(at.Settings.EntityUrlTemplate) == "" {
		t.Fatalf("type = %+v (%s)", at, counts(*at))
	}
	if len(out.Tags) != 1 || aws.ToString(out.Tags[0].Key) != "team" {
		t.Fatalf("tags = %+v", out.Tags)
	}

	// J-1.3: an identical live type is created already; the tags are added.
	in.Tags = tagsOf("cost=ci")
	again := must[*codepipeline.CreateCustomActionTypeOutput](t)(c.CreateCustomActionType(ctx, in))
	if len(again.Tags) != 2 {
		t.Fatalf("tags after resubmit = %+v", again.Tags)
	}
	_, err := c.CreateCustomActionType(ctx, customType("Worker", "1"))
	wantAPIError(t, err, "ValidationException", "already exists with a different definition")
	// URL templates may only use required, non-secret properties.
	bad := customType("Worker", "2", secretProp)
	bad.Settings.ExecutionUrlTemplate = aws.String("https://ci.example.com/{Config:Token}")
	_, err = c.CreateCustomActionType(ctx, bad)
	wantAPIError(t, err, "ValidationException", "{Config:Token}")

	custom := listTypes(t, c, types.ActionOwnerCustom)
	if _, ok := custom["Custom/Build/Worker/1"]; !ok || len(custom) != 1 {
		t.Fatalf("custom types = %v", custom)
	}
	builtin := listTypes(t, c, types.ActionOwnerAws)
	if s3, cb := counts(builtin["AWS/Source/S3/1"]), counts(builtin["AWS/Build/CodeBuild/1"]); s3 != "in 0..0 out 1..1" || cb != "in 1..5 out 0..5" {
		t.Fatalf("S3 source %s, CodeBuild %s", s3, cb)
	}
	for k, v := range builtin {
		if v.Id.Owner != types.ActionOwnerAws {
			t.Fatalf("AWS filter returned %s", k)
		}
	}
	if all := listTypes(t, c, ""); len(all) < len(builtin)+len(custom) {
		t.Fatalf("unfiltered list has %d types, want at least %d", len(all), len(builtin)+len(custom))
	}
	_, err = c.ListActionTypes(ctx, &codepipeline.ListActionTypesInput{NextToken: aws.String("not-a-token")})
	wantAPIError(t, err, "InvalidNextTokenException")
}

func TestGetActionType(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	c := newClient(MustOpen(t))
	get := func(owner, provider string) (*codepipeline.GetActionTypeOutput, error) {
		return c.GetActionType(ctx, &codepipeline.GetActionTypeInput{Category: types.ActionCategoryBuild,
			Owner: aws.String(owner), Provider: aws.String(provider), Version: aws.String("1")})
	}
	out := must[*codepipeline.GetActionTypeOutput](t)(get("AWS", "CodeBuild"))
	d := out.ActionType
	if aws.ToString(d.Id.Owner) != "AWS" || aws.ToString(d.Id.Provider) != "CodeBuild" || d.Executor == nil {
		t.Fatalf("declaration = %+v", d)
	}
	if in := d.InputArtifactDetails; in.MinimumCount != 1 || in.MaximumCount != 5 {
		t.Fatalf("input counts = %+v", in)
	}
	if len(d.Properties) == 0 || aws.ToString(d.Properties[0].Name) != "ProjectName" || d.Properties[0].Optional || !d.Properties[0].Key {
		t.Fatalf("properties = %+v", d.Properties)
	}
	_, err := get("AWS", "Nope")
	wantAPIError(t, err, "ActionTypeNotFoundException", "Provider: 'Nope'")
	// The model's owner pattern is AWS|ThirdParty, as in AWS.
	must[*codepipeline.CreateCustomActionTypeOutput](t)(c.CreateCustomActionType(ctx, customType("Worker", "1")))
	_, err = get("Custom", "Worker")
	wantAPIError(t, err, "ValidationException", "owner")
}

// S-3.3, S-3.13: a pipeline may use a live custom type.
func TestPipelineWithCustomAction(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	c := newClient(MustOpen(t))
	must[*codepipeline.CreateCustomActionTypeOutput](t)(c.CreateCustomActionType(ctx, customType("Worker", "1")))
	must[*codepipeline.CreatePipelineOutput](t)(c.CreatePipeline(ctx, &codepipeline.CreatePipelineInput{
		Pipeline: customPipeline("app", "Worker", map[string]string{"Project": "app"})}))
	got := must[*codepipeline.GetPipelineOutput](t)(c.GetPipeline(ctx, &codepipeline.GetPipelineInput{Name: aws.String("app")}))
	if id := got.Pipeline.Stages[1].Actions[0].ActionTypeId; id.Owner != types.ActionOwnerCustom {
		t.Fatalf("action type = %+v", id)
	}
	_, err := c.CreatePipeline(ctx, &codepipeline.CreatePipelineInput{
		Pipeline: customPipeline("bad", "Worker", map[string]string{"Project": "not valid!"})})
	wantAPIError(t, err, "InvalidActionDeclarationException", "queryable")
}

// S-3.10, Q-7: secrets are masked, kept on update, refused on new actions.
func TestCustomActionSecrets(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	c := newClient(MustOpen(t))
	must[*codepipeline.CreateCustomActionTypeOutput](t)(c.CreateCustomActionType(ctx, customType("Worker", "1", secretProp)))
	_, err := c.CreatePipeline(ctx, &codepipeline.CreatePipelineInput{
		Pipeline: customPipeline("app", "Worker", map[string]string{"Project": "app", "Token": "****"})})
	wantAPIError(t, err, "InvalidActionDeclarationException", `new action "Build"`, `secret property "Token"`)
	created := must[*codepipeline.CreatePipelineOutput](t)(c.CreatePipeline(ctx, &codepipeline.CreatePipelineInput{
		Pipeline: customPipeline("app", "Worker", map[string]string{"Project": "app", "Token": "s3cr3t"})}))
	wantToken := func(t *testing.T, decl *types.PipelineDeclaration) {
		t.Helper()
		if cfg := decl.Stages[1].Actions[0].Configuration; cfg["Token"] != "****" || cfg["Project"] != "app" {
			t.Fatalf("configuration = %v", cfg)
		}
	}
	wantToken(t, created.Pipeline)
	get := func(t *testing.T) *types.PipelineDeclaration {
		return must[*codepipeline.GetPipelineOutput](t)(c.GetPipeline(ctx, &codepipeline.GetPipelineInput{Name: aws.String("app")})).Pipeline
	}
	update := func(decl *types.PipelineDeclaration) (*codepipeline.UpdatePipelineOutput, error) {
		return c.UpdatePipeline(ctx, &codepipeline.UpdatePipelineInput{Pipeline: decl})
	}
	// Sending "****" back keeps the secret, again and again.
	for v := int32(2); v <= 3; v++ {
		decl := get(t)
		wantToken(t, decl)
		out := must[*codepipeline.UpdatePipelineOutput](t)(update(decl))
		wantToken(t, out.Pipeline)
		if aws.ToInt32(out.Pipeline.Version) != v {
			t.Fatalf("version = %d, want %d", aws.ToInt32(out.Pipeline.Version), v)
		}
	}
	wantToken(t, get(t))

	decl := get(t)
	second := decl.Stages[1].Actions[0]
	second.Name, second.RunOrder = aws.String("Second"), aws.Int32(2)
	decl.Stages[1].Actions = append(decl.Stages[1].Actions, second)
	_, err = update(decl)
	wantAPIError(t, err, "InvalidActionDeclarationException",
		`new action "Second"`, `secret property "Token"`, "only when updating an existing action")

	decl = get(t)
	decl.Stages[1].Name = aws.String("Renamed") // a renamed stage loses its secrets
	_, err = update(decl)
	wantAPIError(t, err, "InvalidActionDeclarationException", `secret property "Token"`)

	decl = get(t)
	decl.Stages[1].Actions[0].Configuration["Token"] = "new-secret"
	wantToken(t, must[*codepipeline.UpdatePipelineOutput](t)(update(decl)).Pipeline)
	wantToken(t, get(t))

	t.Run("S-3.10 after the type is deleted", func(t *testing.T) {
		t.Parallel() // runs once the steps above are done
		deleteType(t, c, "Worker")
		wantToken(t, get(t))
	})
}

// J-1.2, S-3.3: a deleted type is unusable; only its own definition restores it.
func TestDeleteCustomActionType(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	c := newClient(MustOpen(t))
	in := customType("Worker", "1")
	in.Tags = tagsOf("team=core")
	must[*codepipeline.CreateCustomActionTypeOutput](t)(c.CreateCustomActionType(ctx, in))
	arn := aws.String("arn:aws:codepipeline:us-east-1:" + testAccount + ":actiontype:Custom/Build/Worker/1")
	tags := must[*codepipeline.ListTagsForResourceOutput](t)(c.ListTagsForResource(ctx, &codepipeline.ListTagsForResourceInput{ResourceArn: arn}))
	if len(tags.Tags) != 1 {
		t.Fatalf("tags = %+v", tags.Tags)
	}
	live := must[*codepipeline.CreatePipelineOutput](t)(c.CreatePipeline(ctx, &codepipeline.CreatePipelineInput{
		Pipeline: customPipeline("live", "Worker", map[string]string{"Project": "app"})}))
	deleteType(t, c, "Worker")
	deleteType(t, c, "Worker") // the operation has no not-found error

	if custom := listTypes(t, c, types.ActionOwnerCustom); len(custom) != 0 {
		t.Fatalf("deleted type listed: %v", custom)
	}
	_, err := c.ListTagsForResource(ctx, &codepipeline.ListTagsForResourceInput{ResourceArn: arn})
	wantAPIError(t, err, "ResourceNotFoundException")
	pipeline := &codepipeline.CreatePipelineInput{Pipeline: customPipeline("app", "Worker", map[string]string{"Project": "app"})}
	_, err = c.CreatePipeline(ctx, pipeline)
	wantAPIError(t, err, "InvalidActionDeclarationException",
		"ActionType (Category: 'Build', Provider: 'Worker', Owner: 'Custom', Version: '1')", "US_EAST_1")

	// S-3.13: an existing pipeline cannot be updated while it uses the deleted type.
	_, err = c.UpdatePipeline(ctx, &codepipeline.UpdatePipelineInput{Pipeline: live.Pipeline})
	wantAPIError(t, err, "InvalidActionDeclarationException", "Provider: 'Worker'")

	_, err = c.CreateCustomActionType(ctx, customType("Worker", "1", types.ActionConfigurationProperty{Name: aws.String("Extra")}))
	wantAPIError(t, err, "ValidationException", "was deleted")

	restored := must[*codepipeline.CreateCustomActionTypeOutput](t)(c.CreateCustomActionType(ctx, customType("Worker", "1")))
	if restored.ActionType.Id.Owner != types.ActionOwnerCustom || len(restored.Tags) != 0 {
		t.Fatalf("restored = %+v, tags %+v", restored.ActionType.Id, restored.Tags)
	}
	must[*codepipeline.CreatePipelineOutput](t)(c.CreatePipeline(ctx, pipeline))
}

// Custom types belong to one account and region.
func TestCustomActionTypeIsolation(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	m := MustOpen(t)
	owner, other := newClient(m), newClient(m, clientOpts{accessKey: "210987654321", secret: "x", region: "us-east-1"})
	must[*codepipeline.CreateCustomActionTypeOutput](t)(owner.CreateCustomActionType(ctx, customType("Worker", "1")))

	if custom := listTypes(t, other, types.ActionOwnerCustom); len(custom) != 0 {
		t.Fatalf("other account sees %v", custom)
	}
	_, err := other.CreatePipeline(ctx, &codepipeline.CreatePipelineInput{
		Pipeline: customPipeline("app", "Worker", map[string]string{"Project": "app"})})
	wantAPIError(t, err, "InvalidActionDeclarationException", "Owner: 'Custom'")
	deleteType(t, other, "Worker")
	if custom := listTypes(t, owner, types.ActionOwnerCustom); len(custom) != 1 {
		t.Fatalf("owner's types after the other account's delete = %v", custom)
	}
}

// J-1.1, §11: at most 50 live custom types per region; deleted ones do not count.
func TestCustomActionTypeLimit(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	c := newClient(MustOpen(t))
	for i := range 50 {
		must[*codepipeline.CreateCustomActionTypeOutput](t)(c.CreateCustomActionType(ctx, customType(fmt.Sprintf("P%d", i), "1")))
	}
	_, err := c.CreateCustomActionType(ctx, customType("P50", "1"))
	wantAPIError(t, err, "LimitExceededException")
	deleteType(t, c, "P0")
	must[*codepipeline.CreateCustomActionTypeOutput](t)(c.CreateCustomActionType(ctx, customType("P50", "1")))
	if n := len(listTypes(t, c, types.ActionOwnerCustom)); n != 50 {
		t.Fatalf("%d custom types listed", n)
	}
}
