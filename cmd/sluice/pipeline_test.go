package main

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/codepipeline"
	"github.com/aws/aws-sdk-go-v2/service/codepipeline/types"
)

// testPipeline is a valid V1 pipeline: an S3 source feeding a CodeBuild build.
func testPipeline(name string) *types.PipelineDeclaration {
	return &types.PipelineDeclaration{
		Name:          aws.String(name),
		RoleArn:       aws.String("arn:aws:iam::123456789012:role/pipeline"),
		ArtifactStore: &types.ArtifactStore{Type: types.ArtifactStoreTypeS3, Location: aws.String("artifacts")},
		Stages: []types.StageDeclaration{
			{Name: aws.String("Source"), Actions: []types.ActionDeclaration{{
				Name: aws.String("Source"),
				ActionTypeId: &types.ActionTypeId{Category: types.ActionCategorySource, Owner: types.ActionOwnerAws,
					Provider: aws.String("S3"), Version: aws.String("1")},
				Configuration:   map[string]string{"S3Bucket": "src", "S3ObjectKey": "app.zip"},
				OutputArtifacts: []types.OutputArtifact{{Name: aws.String("Src")}},
			}}},
			{Name: aws.String("Build"), Actions: []types.ActionDeclaration{{
				Name: aws.String("Build"),
				ActionTypeId: &types.ActionTypeId{Category: types.ActionCategoryBuild, Owner: types.ActionOwnerAws,
					Provider: aws.String("CodeBuild"), Version: aws.String("1")},
				Configuration:  map[string]string{"ProjectName": "app"},
				InputArtifacts: []types.InputArtifact{{Name: aws.String("Src")}},
			}}},
		},
	}
}

// storedIn keeps p's artifacts in bucket: an account cannot use another
// account's artifact store bucket, so each account's pipelines need their own.
func storedIn(p *types.PipelineDeclaration, bucket string) *types.PipelineDeclaration {
	p.ArtifactStore.Location = aws.String(bucket)
	return p
}

// S-1.4, S-1.8: versions start at 1, grow by one, and old ones stay readable.
func TestPipelineLifecycle(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	c := newClient(MustOpen(t))
	before := time.Now().Add(-time.Second)

	created := must[*codepipeline.CreatePipelineOutput](t)(c.CreatePipeline(ctx, &codepipeline.CreatePipelineInput{
		Pipeline: testPipeline("app"),
		Tags:     []types.Tag{{Key: aws.String("team"), Value: aws.String("core")}},
	}))
	if v := aws.ToInt32(created.Pipeline.Version); v != 1 {
		t.Fatalf("created version = %d", v)
	}
	if created.Pipeline.PipelineType != types.PipelineTypeV1 || created.Pipeline.ExecutionMode != types.ExecutionModeSuperseded {
		t.Fatalf("defaults = %q %q", created.Pipeline.PipelineType, created.Pipeline.ExecutionMode)
	}
	if len(created.Tags) != 1 {
		t.Fatalf("tags = %v", created.Tags)
	}

	got := must[*codepipeline.GetPipelineOutput](t)(c.GetPipeline(ctx, &codepipeline.GetPipelineInput{Name: aws.String("app")}))
	if arn := aws.ToString(got.Metadata.PipelineArn); arn != "arn:aws:codepipeline:us-east-1:"+testAccount+":app" {
		t.Fatalf("arn = %s", arn)
	}
	if got.Metadata.Created.Before(before) || !got.Metadata.Created.Equal(*got.Metadata.Updated) {
		t.Fatalf("metadata times = %v %v", got.Metadata.Created, got.Metadata.Updated)
	}
	if cfg := got.Pipeline.Stages[0].Actions[0].Configuration; cfg["S3Bucket"] != "src" {
		t.Fatalf("configuration = %v", cfg)
	}

	decl := got.Pipeline
	decl.Stages[1].Actions[0].Configuration["ProjectName"] = "app-v2"
	decl.Version = aws.Int32(7) // ignored: the service assigns versions
	updated := must[*codepipeline.UpdatePipelineOutput](t)(c.UpdatePipeline(ctx, &codepipeline.UpdatePipelineInput{Pipeline: decl}))
	if v := aws.ToInt32(updated.Pipeline.Version); v != 2 {
		t.Fatalf("updated version = %d", v)
	}

	v1 := must[*codepipeline.GetPipelineOutput](t)(c.GetPipeline(ctx, &codepipeline.GetPipelineInput{Name: aws.String("app"), Version: aws.Int32(1)}))
	if p := v1.Pipeline.Stages[1].Actions[0].Configuration["ProjectName"]; p != "app" || aws.ToInt32(v1.Pipeline.Version) != 1 {
		t.Fatalf("version 1 = %s v%d", p, aws.ToInt32(v1.Pipeline.Version))
	}
	latest := must[*codepipeline.GetPipelineOutput](t)(c.GetPipeline(ctx, &codepipeline.GetPipelineInput{Name: aws.String("app")}))
	if p := latest.Pipeline.Stages[1].Actions[0].Configuration["ProjectName"]; p != "app-v2" || aws.ToInt32(latest.Pipeline.Version) != 2 {
		t.Fatalf("latest = %s v%d", p, aws.ToInt32(latest.Pipeline.Version))
	}
	if !latest.Metadata.Created.Equal(*got.Metadata.Created) || latest.Metadata.Updated.Before(*got.Metadata.Updated) {
		t.Fatalf("metadata after update = %v %v", latest.Metadata.Created, latest.Metadata.Updated)
	}

	_, err := c.GetPipeline(ctx, &codepipeline.GetPipelineInput{Name: aws.String("app"), Version: aws.Int32(3)})
	wantAPIError(t, err, "PipelineVersionNotFoundException")

	must[*codepipeline.DeletePipelineOutput](t)(c.DeletePipeline(ctx, &codepipeline.DeletePipelineInput{Name: aws.String("app")}))
	_, err = c.GetPipeline(ctx, &codepipeline.GetPipelineInput{Name: aws.String("app")})
	wantAPIError(t, err, "PipelineNotFoundException", "does not have a pipeline with name 'app'")
	// Deleting again succeeds: the operation has no not-found error.
	must[*codepipeline.DeletePipelineOutput](t)(c.DeletePipeline(ctx, &codepipeline.DeletePipelineInput{Name: aws.String("app")}))
}

func TestCreatePipelineErrors(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	c := newClient(MustOpen(t))
	must[*codepipeline.CreatePipelineOutput](t)(c.CreatePipeline(ctx, &codepipeline.CreatePipelineInput{Pipeline: testPipeline("taken")}))

	tests := []struct {
		name      string
		mutate    func(p *types.PipelineDeclaration)
		code      string
		fragments []string
	}{
		{"S-1.2 name in use", func(p *types.PipelineDeclaration) { p.Name = aws.String("taken") },
			"PipelineNameInUseException", []string{"taken"}},
		{"S-1.2 name pattern", func(p *types.PipelineDeclaration) { p.Name = aws.String("bad name") },
			"ValidationException", []string{"1 validation error detected: Value 'bad name' at 'pipeline.name' failed to satisfy constraint: Member must satisfy regular expression pattern"}},
		{"Q-11 nested path", func(p *types.PipelineDeclaration) { p.Stages[1].Actions[0].Name = aws.String("bad/name") },
			"ValidationException", []string{"at 'pipeline.stages.2.member.actions.1.member.name'"}},
		{"S-3.2 runOrder range", func(p *types.PipelineDeclaration) { p.Stages[1].Actions[0].RunOrder = aws.Int32(1000) },
			"ValidationException", []string{"Member must have value less than or equal to 999"}},
		{"S-1.1 one stage", func(p *types.PipelineDeclaration) { p.Stages = p.Stages[:1] },
			"InvalidStructureException", []string{"Pipeline has only 1 stages"}},
		{"S-2.2 source outside first stage", func(p *types.PipelineDeclaration) { p.Stages[0], p.Stages[1] = p.Stages[1], p.Stages[0] },
			"InvalidStructureException", nil},
		{"S-3.3 unknown provider", func(p *types.PipelineDeclaration) { p.Stages[1].Actions[0].ActionTypeId.Provider = aws.String("Nope") },
			"InvalidActionDeclarationException", []string{"Provider: 'Nope'", "US_EAST_1"}},
		{"S-3.5 input not produced", func(p *types.PipelineDeclaration) {
			p.Stages[1].Actions[0].InputArtifacts[0].Name = aws.String("Other")
		}, "InvalidActionDeclarationException", []string{"Other"}},
		{"S-3.4 too few inputs", func(p *types.PipelineDeclaration) { p.Stages[1].Actions[0].InputArtifacts = nil },
			"InvalidActionDeclarationException", []string{"declares 0 input artifacts which is less than the minimum count (1)"}},
		{"S-3.9 required configuration", func(p *types.PipelineDeclaration) { delete(p.Stages[1].Actions[0].Configuration, "ProjectName") },
			"InvalidActionDeclarationException", []string{"ProjectName"}},
		{"S-1.11 V2 field on V1", func(p *types.PipelineDeclaration) { p.ExecutionMode = types.ExecutionModeQueued },
			"ValidationException", nil},
		{"S-1.5 no artifact store", func(p *types.PipelineDeclaration) { p.ArtifactStore = nil },
			"InvalidStructureException", nil},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p := testPipeline(fmt.Sprintf("p%d", i))
			tt.mutate(p)
			_, err := c.CreatePipeline(ctx, &codepipeline.CreatePipelineInput{Pipeline: p})
			wantAPIError(t, err, tt.code, tt.fragments...)
		})
	}
}

func TestListPipelinesPagination(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	c := newClient(MustOpen(t))
	for i := range 5 {
		must[*codepipeline.CreatePipelineOutput](t)(c.CreatePipeline(ctx, &codepipeline.CreatePipelineInput{Pipeline: testPipeline(fmt.Sprintf("p%d", i))}))
	}
	var names []string
	pages := 0
	pg := codepipeline.NewListPipelinesPaginator(c, &codepipeline.ListPipelinesInput{MaxResults: aws.Int32(2)})
	for pg.HasMorePages() {
		page := must[*codepipeline.ListPipelinesOutput](t)(pg.NextPage(ctx))
		pages++
		for _, p := range page.Pipelines {
			names = append(names, aws.ToString(p.Name))
			if aws.ToInt32(p.Version) != 1 || p.Created == nil || p.Updated == nil || p.PipelineType != types.PipelineTypeV1 {
				t.Fatalf("summary = %+v", p)
			}
		}
	}
	if fmt.Sprint(names) != "[p0 p1 p2 p3 p4]" || pages != 3 {
		t.Fatalf("names = %v in %d pages", names, pages)
	}
	_, err := c.ListPipelines(ctx, &codepipeline.ListPipelinesInput{NextToken: aws.String("not-a-token")})
	wantAPIError(t, err, "InvalidNextTokenException")
	_, err = c.ListPipelines(ctx, &codepipeline.ListPipelinesInput{MaxResults: aws.Int32(1001)})
	wantAPIError(t, err, "ValidationException", "Value '1001' at 'maxResults'", "less than or equal to 1000")
}

// One account or region never sees another's pipelines.
func TestScopeIsolation(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	m := MustOpen(t)
	owner := newClient(m)
	otherAccount := newClient(m, clientOpts{accessKey: "210987654321", secret: "x", region: "us-east-1"})
	otherRegion := newClient(m, clientOpts{accessKey: testAccount, secret: "x", region: "eu-west-1"})
	must[*codepipeline.CreatePipelineOutput](t)(owner.CreatePipeline(ctx, &codepipeline.CreatePipelineInput{Pipeline: testPipeline("mine")}))

	for name, c := range map[string]*codepipeline.Client{"account": otherAccount, "region": otherRegion} {
		p := testPipeline("mine")
		if c == otherAccount {
			p = storedIn(p, "artifacts-other") // the bucket "artifacts" is the owner's
		}
		_, err := c.GetPipeline(ctx, &codepipeline.GetPipelineInput{Name: aws.String("mine")})
		wantAPIError(t, err, "PipelineNotFoundException")
		list := must[*codepipeline.ListPipelinesOutput](t)(c.ListPipelines(ctx, &codepipeline.ListPipelinesInput{}))
		if len(list.Pipelines) != 0 {
			t.Fatalf("%s sees %v", name, list.Pipelines)
		}
		// The same name is free in another scope.
		must[*codepipeline.CreatePipelineOutput](t)(c.CreatePipeline(ctx, &codepipeline.CreatePipelineInput{Pipeline: p}))
	}
}
