package catalog

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/sluice-cd/sluice/internal/core"
	"github.com/sluice-cd/sluice/internal/page"
	"github.com/sluice-cd/sluice/internal/store"
	"github.com/sluice-cd/sluice/internal/wire"
)

// typeBundle is the fixture of the action type and tag tests: a service on
// its own database and the contexts of three callers.
type typeBundle struct {
	svc   *Service
	st    store.Store
	scope core.Scope
	ctx   context.Context // 111111111111, us-east-1
	other context.Context // 222222222222, us-east-1
	west  context.Context // 111111111111, us-west-2
}

func typeSetup(t *testing.T) *typeBundle {
	t.Helper()
	bg := context.Background()
	svc := newTestService(t)
	b := &typeBundle{
		svc:   svc,
		st:    svc.Store,
		scope: core.Scope{Account: "111111111111", Region: "us-east-1"},
	}
	b.ctx = core.WithScope(bg, b.scope)
	b.other = core.WithScope(bg, core.Scope{Account: "222222222222", Region: "us-east-1"})
	b.west = core.WithScope(bg, core.Scope{Account: "111111111111", Region: "us-west-2"})
	return b
}

// customTypeInput is a valid custom Build type with a queryable property
// and URL templates that use it.
func customTypeInput(provider, version string) *wire.CreateCustomActionTypeInput {
	return &wire.CreateCustomActionTypeInput{
		Category: wire.ActionCategoryBuild,
		Provider: wire.Ptr(provider),
		Version:  wire.Ptr(version),
		Settings: &wire.ActionTypeSettings{
			EntityUrlTemplate:    wire.Ptr("https://ci.example.com/job/{Config:ProjectName}"),
			ExecutionUrlTemplate: wire.Ptr("https://ci.example.com/job/{Config:ProjectName}/{ExternalExecutionId}"),
		},
		ConfigurationProperties: []wire.ActionConfigurationProperty{
			{
				Name: wire.Ptr("ProjectName"), Required: wire.Ptr(true), Key: wire.Ptr(true), Secret: wire.Ptr(false),
				Queryable: wire.Ptr(true), Description: wire.Ptr("Project to build"), Type: wire.ActionConfigurationPropertyTypeString,
			},
			{
				Name: wire.Ptr("Token"), Required: wire.Ptr(false), Key: wire.Ptr(false), Secret: wire.Ptr(true),
			},
		},
		InputArtifactDetails:  &wire.ArtifactDetails{MinimumCount: wire.Ptr[int32](1), MaximumCount: wire.Ptr[int32](1)},
		OutputArtifactDetails: &wire.ArtifactDetails{MinimumCount: wire.Ptr[int32](0), MaximumCount: wire.Ptr[int32](1)},
	}
}

func (b *typeBundle) create(t *testing.T, ctx context.Context, in *wire.CreateCustomActionTypeInput) *wire.CreateCustomActionTypeOutput {
	t.Helper()
	out, err := b.svc.CreateCustomActionType(ctx, in)
	if err != nil {
		t.Fatalf("CreateCustomActionType(%s/%s): %v", wire.Value(in.Provider), wire.Value(in.Version), err)
	}
	return out
}

func (b *typeBundle) deleteType(t *testing.T, ctx context.Context, provider, version string) {
	t.Helper()
	_, err := b.svc.DeleteCustomActionType(ctx, &wire.DeleteCustomActionTypeInput{
		Category: wire.ActionCategoryBuild, Provider: wire.Ptr(provider), Version: wire.Ptr(version),
	})
	if err != nil {
		t.Fatalf("DeleteCustomActionType: %v", err)
	}
}

func (b *typeBundle) get(ctx context.Context, owner, provider, version string) (*wire.ActionTypeDeclaration, error) {
	out, err := b.svc.GetActionType(ctx, &wire.GetActionTypeInput{
		Category: wire.ActionCategoryBuild, Owner: wire.Ptr(owner), Provider: wire.Ptr(provider), Version: wire.Ptr(version),
	})
	if err != nil {
		return nil, err
	}
	return out.ActionType, nil
}

// listAll follows ListActionTypes to its last page.
func (b *typeBundle) listAll(t *testing.T, ctx context.Context, in wire.ListActionTypesInput) []wire.ActionType {
	t.Helper()
	var all []wire.ActionType
	for page := 0; ; page++ {
		out, err := b.svc.ListActionTypes(ctx, &in)
		if err != nil {
			t.Fatalf("ListActionTypes: %v", err)
		}
		if out.ActionTypes == nil {
			t.Fatal("ListActionTypes: actionTypes is nil, but the member is required")
		}
		all = append(all, out.ActionTypes...)
		if out.NextToken == nil {
			return all
		}
		if page > 10 {
			t.Fatal("ListActionTypes does not end")
		}
		in.NextToken = out.NextToken
	}
}

func wantTypeCode(t *testing.T, err error, code core.Code) *core.Error {
	t.Helper()
	var ce *core.Error
	if !errors.As(err, &ce) || ce.Code != code {
		t.Fatalf("error = %v, want %s", err, code)
	}
	if ce.Message == "" {
		t.Errorf("%s has an empty message", code)
	}
	return ce
}

func typeIDs(types []wire.ActionType) []string {
	ids := make([]string, len(types))
	for i, at := range types {
		id := coreTypeID(at.Id)
		ids[i] = id.Owner + "/" + id.Category + "/" + id.Provider + "/" + id.Version
	}
	return ids
}

func TestCreateCustomActionType(t *testing.T) {
	t.Parallel()
	b := typeSetup(t)
	in := customTypeInput("MyCI", "1")
	in.Tags = []wire.Tag{{Key: wire.Ptr("team"), Value: wire.Ptr("b")}, {Key: wire.Ptr("env"), Value: wire.Ptr("a")}}
	out := b.create(t, b.ctx, in)

	if out.ActionType.Id.Owner != wire.ActionOwnerCustom || wire.Value(out.ActionType.Id.Provider) != "MyCI" {
		t.Errorf("id = %+v, want Custom/MyCI", out.ActionType.Id)
	}
	// Absent booleans come back explicit, as in the built-in catalogue.
	if p := out.ActionType.ActionConfigurationProperties[1]; p.Queryable == nil || *p.Queryable {
		t.Errorf("Token.queryable = %v, want explicit false", p.Queryable)
	}
	if got := tagKeys(out.Tags); got != "env,team" {
		t.Errorf("tags = %s, want env,team in key order", got)
	}
	if in.ConfigurationProperties[1].Queryable != nil {
		t.Error("CreateCustomActionType changed its input")
	}

	// The type is listed with the built-in ones, and the other account
	// does not see it.
	if ids := strings.Join(typeIDs(b.listAll(t, b.ctx, wire.ListActionTypesInput{})), " "); !strings.Contains(ids, "Custom/Build/MyCI/1") {
		t.Errorf("ListActionTypes lacks the new type: %s", ids)
	}
	if ids := strings.Join(typeIDs(b.listAll(t, b.other, wire.ListActionTypesInput{})), " "); strings.Contains(ids, "Custom/") {
		t.Errorf("another account lists custom types: %s", ids)
	}
	tags, err := b.svc.ListTagsForResource(b.ctx, &wire.ListTagsForResourceInput{
		ResourceArn: wire.Ptr("arn:aws:codepipeline:us-east-1:111111111111:actiontype:Custom/Build/MyCI/1"),
	})
	if err != nil || tagKeys(tags.Tags) != "env,team" {
		t.Errorf("ListTagsForResource = %v, %v; want env,team", tags, err)
	}
}

func TestCreateCustomActionTypeRules(t *testing.T) {
	t.Parallel()
	b := typeSetup(t)
	prop := func(name string, required, secret, queryable bool) wire.ActionConfigurationProperty {
		return wire.ActionConfigurationProperty{
			Name: wire.Ptr(name), Required: wire.Ptr(required), Key: wire.Ptr(false),
			Secret: wire.Ptr(secret), Queryable: wire.Ptr(queryable),
		}
	}
	cases := []struct {
		name   string
		change func(in *wire.CreateCustomActionTypeInput)
		code   core.Code
		msg    string
	}{
		{"eleven properties", func(in *wire.CreateCustomActionTypeInput) {
			in.Settings = nil
			in.ConfigurationProperties = nil
			for i := range 11 {
				in.ConfigurationProperties = append(in.ConfigurationProperties, prop(fmt.Sprint("P", i), false, false, false))
			}
		}, core.Validation, "at most 10 configuration properties"},
		{"duplicate property", func(in *wire.CreateCustomActionTypeInput) {
			in.ConfigurationProperties = append(in.ConfigurationProperties, prop("Token", false, false, false))
		}, core.Validation, "'Token' occurs more than once"},
		{"two queryable", func(in *wire.CreateCustomActionTypeInput) {
			in.ConfigurationProperties = append(in.ConfigurationProperties, prop("Other", true, false, true))
		}, core.Validation, "at most one queryable"},
		{"queryable optional", func(in *wire.CreateCustomActionTypeInput) {
			in.Settings = nil
			in.ConfigurationProperties = []wire.ActionConfigurationProperty{prop("Q", false, false, true)}
		}, core.Validation, "'Q' must be required and not secret"},
		{"queryable secret", func(in *wire.CreateCustomActionTypeInput) {
			in.Settings = nil
			in.ConfigurationProperties = []wire.ActionConfigurationProperty{prop("Q", true, true, true)}
		}, core.Validation, "'Q' must be required and not secret"},
		{"template names unknown property", func(in *wire.CreateCustomActionTypeInput) {
			in.Settings.RevisionUrlTemplate = wire.Ptr("https://x/{Config:Nope}")
		}, core.Validation, "settings.revisionUrlTemplate references {Config:Nope}, but the action type has no configuration property named 'Nope'"},
		{"template names optional property", func(in *wire.CreateCustomActionTypeInput) {
			in.ConfigurationProperties = append(in.ConfigurationProperties, prop("Opt", false, false, false))
			in.Settings.EntityUrlTemplate = wire.Ptr("https://x/{Config:Opt}")
		}, core.Validation, "required and not secret"},
		{"template names secret property", func(in *wire.CreateCustomActionTypeInput) {
			in.ConfigurationProperties = append(in.ConfigurationProperties, prop("Key", true, true, false))
			in.Settings.ExecutionUrlTemplate = wire.Ptr("https://x/{Config:Key}")
		}, core.Validation, "settings.executionUrlTemplate references {Config:Key}"},
		{"minimum above maximum", func(in *wire.CreateCustomActionTypeInput) {
			in.OutputArtifactDetails = &wire.ArtifactDetails{MinimumCount: wire.Ptr[int32](2), MaximumCount: wire.Ptr[int32](1)}
		}, core.Validation, "outputArtifactDetails.minimumCount (2) must not be greater than maximumCount (1)"},
		{"reserved tag", func(in *wire.CreateCustomActionTypeInput) {
			in.Tags = []wire.Tag{{Key: wire.Ptr("aws:cloudformation:stack-name"), Value: wire.Ptr("x")}}
		}, core.InvalidTags, "reserved for AWS"},
		{"duplicate tag", func(in *wire.CreateCustomActionTypeInput) {
			in.Tags = []wire.Tag{{Key: wire.Ptr("k"), Value: wire.Ptr("1")}, {Key: wire.Ptr("k"), Value: wire.Ptr("2")}}
		}, core.InvalidTags, "'k' occurs more than once"},
		{"too many tags", func(in *wire.CreateCustomActionTypeInput) {
			in.Tags = numberedTags("t", 51)
		}, core.TooManyTags, "at most 50 tags"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			in := customTypeInput("Rules", "1")
			c.change(in)
			_, err := b.svc.CreateCustomActionType(b.ctx, in)
			if ce := wantTypeCode(t, err, c.code); !strings.Contains(ce.Message, c.msg) {
				t.Errorf("message %q does not contain %q", ce.Message, c.msg)
			}
		})
	}
}

func TestCreateCustomActionTypeResubmit(t *testing.T) {
	t.Parallel()
	b := typeSetup(t)
	in := customTypeInput("MyCI", "1")
	in.Tags = []wire.Tag{{Key: wire.Ptr("a"), Value: wire.Ptr("1")}}
	b.create(t, b.ctx, in)

	// J-1.3: the identical definition succeeds again and adds its tags,
	// even when it spells default booleans differently.
	again := customTypeInput("MyCI", "1")
	again.ConfigurationProperties[1].Queryable = wire.Ptr(false)
	again.Tags = []wire.Tag{{Key: wire.Ptr("b"), Value: wire.Ptr("2")}}
	out := b.create(t, b.ctx, again)
	if got := tagKeys(out.Tags); got != "a,b" {
		t.Errorf("tags = %s, want a,b", got)
	}

	changed := customTypeInput("MyCI", "1")
	changed.ConfigurationProperties[0].Description = wire.Ptr("Another description")
	_, err := b.svc.CreateCustomActionType(b.ctx, changed)
	if ce := wantTypeCode(t, err, core.Validation); !strings.Contains(ce.Message, "already exists with a different definition") {
		t.Errorf("message = %q", ce.Message)
	}

	// The same id in another account is another type.
	b.create(t, b.other, changed)
}

func TestCreateCustomActionTypeAfterDelete(t *testing.T) {
	t.Parallel()
	b := typeSetup(t)
	in := customTypeInput("MyCI", "1")
	in.Tags = []wire.Tag{{Key: wire.Ptr("old"), Value: wire.Ptr("1")}}
	b.create(t, b.ctx, in)
	b.deleteType(t, b.ctx, "MyCI", "1")

	// J-1.2: a deleted version cannot take another definition...
	changed := customTypeInput("MyCI", "1")
	changed.InputArtifactDetails.MaximumCount = wire.Ptr[int32](2)
	_, err := b.svc.CreateCustomActionType(b.ctx, changed)
	if ce := wantTypeCode(t, err, core.Validation); !strings.Contains(ce.Message, "version is already used") {
		t.Errorf("message = %q", ce.Message)
	}
	if _, err := b.get(b.ctx, "Custom", "MyCI", "1"); err == nil {
		t.Fatal("a refused re-creation made the deleted type live")
	}
	// ...while a new version can.
	b.create(t, b.ctx, customTypeInput("MyCI", "2"))

	// The identical definition restores the type, without its old tags.
	same := customTypeInput("MyCI", "1")
	same.Tags = []wire.Tag{{Key: wire.Ptr("new"), Value: wire.Ptr("2")}}
	out := b.create(t, b.ctx, same)
	if got := tagKeys(out.Tags); got != "new" {
		t.Errorf("tags = %s, want new", got)
	}
	if _, err := b.get(b.ctx, "Custom", "MyCI", "1"); err != nil {
		t.Errorf("GetActionType after restore: %v", err)
	}
}

func TestCustomActionTypeQuota(t *testing.T) {
	t.Parallel()
	b := typeSetup(t)
	for i := range maxCustomTypes {
		b.create(t, b.ctx, customTypeInput(fmt.Sprint("P", i), "1"))
	}
	_, err := b.svc.CreateCustomActionType(b.ctx, customTypeInput("OneTooMany", "1"))
	wantTypeCode(t, err, core.LimitExceeded)

	// Re-submitting a live type is not a new one; other scopes have their
	// own quota; deleted types free their place.
	b.create(t, b.ctx, customTypeInput("P0", "1"))
	b.create(t, b.other, customTypeInput("OneTooMany", "1"))
	b.create(t, b.west, customTypeInput("OneTooMany", "1"))
	b.deleteType(t, b.ctx, "P0", "1")
	b.create(t, b.ctx, customTypeInput("OneTooMany", "1"))
}

func TestDeleteCustomActionType(t *testing.T) {
	t.Parallel()
	b := typeSetup(t)
	b.create(t, b.ctx, customTypeInput("MyCI", "1"))

	// Another account cannot delete it: for that account it is absent,
	// which succeeds without effect.
	b.deleteType(t, b.other, "MyCI", "1")
	if _, err := b.get(b.ctx, "Custom", "MyCI", "1"); err != nil {
		t.Fatalf("another account deleted the type: %v", err)
	}

	b.deleteType(t, b.ctx, "MyCI", "1")
	b.deleteType(t, b.ctx, "MyCI", "1") // already deleted: idempotent
	b.deleteType(t, b.ctx, "Never", "1")

	_, err := b.get(b.ctx, "Custom", "MyCI", "1")
	ce := wantTypeCode(t, err, core.ActionTypeNotFound)
	if want := "ActionType (Category: 'Build', Provider: 'MyCI', Owner: 'Custom', Version: '1') is not available"; ce.Message != want {
		t.Errorf("message = %q, want %q", ce.Message, want)
	}
	if ids := strings.Join(typeIDs(b.listAll(t, b.ctx, wire.ListActionTypesInput{})), " "); strings.Contains(ids, "Custom/") {
		t.Errorf("a deleted type is listed: %s", ids)
	}
	_, err = b.svc.ListTagsForResource(b.ctx, &wire.ListTagsForResourceInput{
		ResourceArn: wire.Ptr("arn:aws:codepipeline:us-east-1:111111111111:actiontype:Custom/Build/MyCI/1"),
	})
	wantTypeCode(t, err, core.ResourceNotFound)
}

func TestListActionTypes(t *testing.T) {
	t.Parallel()
	b := typeSetup(t)
	b.create(t, b.ctx, customTypeInput("Zeta", "1"))
	b.create(t, b.ctx, customTypeInput("Alpha", "2"))
	b.create(t, b.ctx, customTypeInput("Alpha", "1"))
	b.create(t, b.west, customTypeInput("WestOnly", "1"))
	builtins := len(builtinActionTypes())

	all := b.listAll(t, b.ctx, wire.ListActionTypesInput{})
	if len(all) != builtins+3 {
		t.Fatalf("listed %d types, want %d built-in and 3 custom", len(all), builtins)
	}
	ids := typeIDs(all)
	for i := 1; i < len(all); i++ {
		if actionTypeKey(&all[i-1]) >= actionTypeKey(&all[i]) {
			t.Errorf("not ordered by owner, category, provider, version: %s before %s", ids[i-1], ids[i])
		}
	}
	if joined := strings.Join(ids, " "); !strings.Contains(joined, "Custom/Build/Alpha/1 Custom/Build/Alpha/2 Custom/Build/Zeta/1") {
		t.Errorf("custom types missing or out of order: %s", joined)
	}

	for _, owner := range []wire.ActionOwner{wire.ActionOwnerAWS, wire.ActionOwnerThirdParty, wire.ActionOwnerCustom} {
		got := b.listAll(t, b.ctx, wire.ListActionTypesInput{ActionOwnerFilter: owner})
		if len(got) == 0 {
			t.Errorf("owner %s: nothing listed", owner)
		}
		for _, at := range got {
			if at.Id.Owner != owner {
				t.Errorf("owner filter %s listed %s", owner, typeIDs([]wire.ActionType{at}))
			}
		}
	}

	// regionFilter lists the custom types of that region; built-in types
	// are in every region.
	west := typeIDs(b.listAll(t, b.ctx, wire.ListActionTypesInput{RegionFilter: wire.Ptr("us-west-2")}))
	if len(west) != builtins+1 || !strings.Contains(strings.Join(west, " "), "Custom/Build/WestOnly/1") {
		t.Errorf("regionFilter us-west-2 listed %v", west)
	}
}

func TestListActionTypesTokens(t *testing.T) {
	t.Parallel()
	b := typeSetup(t)
	all := b.listAll(t, b.ctx, wire.ListActionTypesInput{})

	// A token continues after the key it holds.
	out, err := b.svc.ListActionTypes(b.ctx, &wire.ListActionTypesInput{
		NextToken: page.Token(actionTypesToken, actionTypeKey(&all[4])),
	})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := typeIDs(out.ActionTypes), typeIDs(all[5:]); strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("page after the fifth type = %v, want %v", got, want)
	}
	if out.NextToken != nil {
		t.Error("the last page has a next token")
	}

	for name, token := range map[string]*string{
		"garbage":        wire.Ptr("not a token!"),
		"other list":     page.Token(tagsToken, "a"),
		"empty key":      page.Token(actionTypesToken, ""),
		"not base64 url": wire.Ptr("++++"),
	} {
		_, err := b.svc.ListActionTypes(b.ctx, &wire.ListActionTypesInput{NextToken: token})
		if ce := new(core.Error); !errors.As(err, &ce) || ce.Code != core.InvalidNextToken {
			t.Errorf("%s token: error = %v, want InvalidNextTokenException", name, err)
		}
	}
}

func TestListActionTypesPages(t *testing.T) {
	t.Parallel()
	// A scope holds fewer types than a page (the built-in ones and at most
	// 50 custom), so the paging itself is checked on a long list.
	types := make([]wire.ActionType, 250)
	for i := range types {
		types[i] = wire.ActionType{Id: wireTypeID(core.ActionTypeID{
			Owner: "Custom", Category: "Build", Provider: fmt.Sprintf("P%03d", i), Version: "1",
		})}
	}
	var got []wire.ActionType
	var token *string
	for pages := 1; ; pages++ {
		page, next, err := pageActionTypes(types, token)
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, page...)
		if next == nil {
			if pages != 3 || len(got) != len(types) {
				t.Fatalf("%d pages with %d types, want 3 pages with %d", pages, len(got), len(types))
			}
			break
		}
		if len(page) != actionTypesPageSize {
			t.Fatalf("page %d has %d types", pages, len(page))
		}
		token = next
	}
	if strings.Join(typeIDs(got), " ") != strings.Join(typeIDs(types), " ") {
		t.Error("pages do not add up to the list")
	}
}

func TestGetActionTypeBuiltin(t *testing.T) {
	t.Parallel()
	b := typeSetup(t)
	out, err := b.svc.GetActionType(b.ctx, &wire.GetActionTypeInput{
		Category: wire.ActionCategorySource, Owner: wire.Ptr("AWS"), Provider: wire.Ptr("CodeCommit"), Version: wire.Ptr("1"),
	})
	if err != nil {
		t.Fatal(err)
	}
	d := out.ActionType
	if d.Executor.Type != wire.ExecutorTypeJobWorker || d.Executor.Configuration.JobWorkerExecutorConfiguration == nil {
		t.Errorf("executor = %+v, want a JobWorker", d.Executor)
	}
	if wire.Value(d.Id.Owner) != "AWS" || wire.Value(d.OutputArtifactDetails.MaximumCount) != 1 {
		t.Errorf("id %+v / outputs %+v", d.Id, d.OutputArtifactDetails)
	}
	if d.Urls == nil || !strings.Contains(wire.Value(d.Urls.EntityUrlTemplate), "{Config:RepositoryName}") {
		t.Errorf("urls = %+v", d.Urls)
	}
	byName := map[string]wire.ActionTypeProperty{}
	for _, p := range d.Properties {
		byName[wire.Value(p.Name)] = p
	}
	if p := byName["RepositoryName"]; wire.Value(p.Optional) || !wire.Value(p.Key) {
		t.Errorf("RepositoryName = %+v, want required key", p)
	}
	if p := byName["PollForSourceChanges"]; !wire.Value(p.Optional) {
		t.Errorf("PollForSourceChanges = %+v, want optional", p)
	}

	out, err = b.svc.GetActionType(b.ctx, &wire.GetActionTypeInput{
		Category: wire.ActionCategoryDeploy, Owner: wire.Ptr("ThirdParty"), Provider: wire.Ptr("AlexaSkillsKit"), Version: wire.Ptr("1"),
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range out.ActionType.Properties {
		if wire.Value(p.Name) == "ClientSecret" && !wire.Value(p.NoEcho) {
			t.Error("ClientSecret is not noEcho")
		}
	}

	_, err = b.get(b.ctx, "AWS", "Nope", "1")
	ce := wantTypeCode(t, err, core.ActionTypeNotFound)
	if want := "ActionType (Category: 'Build', Provider: 'Nope', Owner: 'AWS', Version: '1') is not available"; ce.Message != want {
		t.Errorf("message = %q", ce.Message)
	}
}

func TestGetActionTypeCustom(t *testing.T) {
	t.Parallel()
	b := typeSetup(t)
	b.create(t, b.ctx, customTypeInput("MyCI", "1"))
	d, err := b.get(b.ctx, "Custom", "MyCI", "1")
	if err != nil {
		t.Fatal(err)
	}
	want := `{"executor":{"configuration":{"jobWorkerExecutorConfiguration":{"pollingAccounts":["111111111111"]}},"type":"JobWorker"},` +
		`"id":{"category":"Build","owner":"Custom","provider":"MyCI","version":"1"},` +
		`"inputArtifactDetails":{"minimumCount":1,"maximumCount":1},"outputArtifactDetails":{"minimumCount":0,"maximumCount":1},` +
		`"properties":[{"name":"ProjectName","optional":false,"key":true,"noEcho":false,"queryable":true,"description":"Project to build"},` +
		`{"name":"Token","optional":true,"key":false,"noEcho":true,"queryable":false}],` +
		`"urls":{"entityUrlTemplate":"https://ci.example.com/job/{Config:ProjectName}",` +
		`"executionUrlTemplate":"https://ci.example.com/job/{Config:ProjectName}/{ExternalExecutionId}"}}`
	if got := mustJSON(t, d); got != want {
		t.Errorf("declaration =\n%s\nwant\n%s", got, want)
	}

	_, err = b.get(b.other, "Custom", "MyCI", "1")
	wantTypeCode(t, err, core.ActionTypeNotFound)
}

func TestUpdateActionType(t *testing.T) {
	t.Parallel()
	b := typeSetup(t)
	b.create(t, b.ctx, customTypeInput("MyCI", "1"))
	d, err := b.get(b.ctx, "Custom", "MyCI", "1")
	if err != nil {
		t.Fatal(err)
	}
	long := strings.Repeat("d", 200)
	d.Description = wire.Ptr("Builds on our CI")
	d.Properties[1].Optional = wire.Ptr(false)
	d.Properties[1].Description = wire.Ptr(long)
	d.Properties = append(d.Properties, wire.ActionTypeProperty{
		Name: wire.Ptr("Branch"), Optional: wire.Ptr(true), Key: wire.Ptr(false), NoEcho: wire.Ptr(false), Queryable: wire.Ptr(false),
	})
	d.Urls.RevisionUrlTemplate = wire.Ptr("https://ci.example.com/rev/{Config:ProjectName}")
	d.Executor.JobTimeout = wire.Ptr[int32](600)
	if _, err := b.svc.UpdateActionType(b.ctx, &wire.UpdateActionTypeInput{ActionType: d}); err != nil {
		t.Fatalf("UpdateActionType: %v", err)
	}

	got, err := b.get(b.ctx, "Custom", "MyCI", "1")
	if err != nil {
		t.Fatal(err)
	}
	if g, w := mustJSON(t, got), mustJSON(t, d); g != w {
		t.Errorf("GetActionType after update =\n%s\nwant\n%s", g, w)
	}
	// The older shape keeps each property's type and fits its limits.
	var listed *wire.ActionType
	for _, at := range b.listAll(t, b.ctx, wire.ListActionTypesInput{ActionOwnerFilter: wire.ActionOwnerCustom}) {
		listed = &at
	}
	props := listed.ActionConfigurationProperties
	if len(props) != 3 || props[0].Type != wire.ActionConfigurationPropertyTypeString || !wire.Value(props[1].Required) ||
		len([]rune(wire.Value(props[1].Description))) != maxLegacyDescription || wire.Value(props[2].Required) {
		t.Errorf("listed properties = %s", mustJSON(t, props))
	}
	if wire.Value(listed.Settings.RevisionUrlTemplate) == "" {
		t.Error("listed settings lack the revision URL template")
	}
}

func TestUpdateActionTypeErrors(t *testing.T) {
	t.Parallel()
	b := typeSetup(t)
	b.create(t, b.ctx, customTypeInput("MyCI", "1"))
	b.create(t, b.ctx, customTypeInput("Gone", "1"))
	b.deleteType(t, b.ctx, "Gone", "1")
	valid, err := b.get(b.ctx, "Custom", "MyCI", "1")
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name   string
		ctx    context.Context
		change func(d *wire.ActionTypeDeclaration)
		code   core.Code
	}{
		{"absent", b.ctx, func(d *wire.ActionTypeDeclaration) { d.Id.Provider = wire.Ptr("Nope") }, core.ActionTypeNotFound},
		{"deleted", b.ctx, func(d *wire.ActionTypeDeclaration) { d.Id.Provider = wire.Ptr("Gone") }, core.ActionTypeNotFound},
		{"other account", b.other, func(*wire.ActionTypeDeclaration) {}, core.ActionTypeNotFound},
		{"built-in", b.ctx, func(d *wire.ActionTypeDeclaration) {
			d.Id.Owner, d.Id.Provider = wire.Ptr("AWS"), wire.Ptr("CodeBuild")
		}, core.ActionTypeNotFound},
		{"lambda executor", b.ctx, func(d *wire.ActionTypeDeclaration) { d.Executor.Type = wire.ExecutorTypeLambda }, core.RequestFailed},
		{"queryable optional", b.ctx, func(d *wire.ActionTypeDeclaration) { d.Properties[0].Optional = wire.Ptr(true) }, core.Validation},
		{"too many inputs", b.ctx, func(d *wire.ActionTypeDeclaration) {
			d.InputArtifactDetails.MaximumCount = wire.Ptr[int32](8)
		}, core.Validation},
		{"template names secret", b.ctx, func(d *wire.ActionTypeDeclaration) {
			d.Urls.EntityUrlTemplate = wire.Ptr("https://x/{Config:Token}")
		}, core.Validation},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			var d wire.ActionTypeDeclaration
			if err := json.Unmarshal([]byte(mustJSON(t, valid)), &d); err != nil {
				t.Fatal(err)
			}
			c.change(&d)
			_, err := b.svc.UpdateActionType(c.ctx, &wire.UpdateActionTypeInput{ActionType: &d})
			wantTypeCode(t, err, c.code)
		})
	}
	if got, err := b.get(b.ctx, "Custom", "MyCI", "1"); err != nil || mustJSON(t, got) != mustJSON(t, valid) {
		t.Errorf("a refused update changed the type: %v", err)
	}
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	raw, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(raw)
}
