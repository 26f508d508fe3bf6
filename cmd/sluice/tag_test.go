package main

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/codepipeline"
	"github.com/aws/aws-sdk-go-v2/service/codepipeline/types"
)

// pipelineARN is the ARN of a pipeline of account in us-east-1.
func pipelineARN(account, name string) *string {
	return aws.String("arn:aws:codepipeline:us-east-1:" + account + ":" + name)
}

// tagsOf builds tags from "key=value" pairs.
func tagsOf(pairs ...string) []types.Tag {
	tags := make([]types.Tag, 0, len(pairs))
	for _, p := range pairs {
		k, v, _ := strings.Cut(p, "=")
		tags = append(tags, types.Tag{Key: aws.String(k), Value: aws.String(v)})
	}
	return tags
}

// manyTags returns n distinct tags k0=v ... k<n-1>=v.
func manyTags(n int) []types.Tag {
	pairs := make([]string, n)
	for i := range pairs {
		pairs[i] = fmt.Sprintf("k%02d=v", i)
	}
	return tagsOf(pairs...)
}

// listTags returns a resource's tags as "key=value ..." in the order the
// service pages them, two a page.
func listTags(t *testing.T, c *codepipeline.Client, arn *string) string {
	t.Helper()
	var got []string
	pg := codepipeline.NewListTagsForResourcePaginator(c, &codepipeline.ListTagsForResourceInput{
		ResourceArn: arn, MaxResults: aws.Int32(2)})
	for pg.HasMorePages() {
		page := must[*codepipeline.ListTagsForResourceOutput](t)(pg.NextPage(context.Background()))
		if len(page.Tags) > 2 {
			t.Fatalf("page of %d tags", len(page.Tags))
		}
		for _, tag := range page.Tags {
			got = append(got, aws.ToString(tag.Key)+"="+aws.ToString(tag.Value))
		}
	}
	return strings.Join(got, " ")
}

// newTaggedPipeline creates testPipeline(name) with the given tags.
func newTaggedPipeline(t *testing.T, c *codepipeline.Client, name string, tags ...string) {
	t.Helper()
	must[*codepipeline.CreatePipelineOutput](t)(c.CreatePipeline(context.Background(), &codepipeline.CreatePipelineInput{
		Pipeline: testPipeline(name), Tags: tagsOf(tags...)}))
}

// Tags are listed by key; tagging a key again replaces its value; untagging
// a key the resource lacks is no error.
func TestTagLifecycle(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	c := newClient(MustOpen(t))
	newTaggedPipeline(t, c, "app", "b=2")
	arn := pipelineARN(testAccount, "app")
	tag := func(pairs ...string) {
		t.Helper()
		must[*codepipeline.TagResourceOutput](t)(c.TagResource(ctx, &codepipeline.TagResourceInput{ResourceArn: arn, Tags: tagsOf(pairs...)}))
	}
	untag := func(keys ...string) {
		t.Helper()
		must[*codepipeline.UntagResourceOutput](t)(c.UntagResource(ctx, &codepipeline.UntagResourceInput{ResourceArn: arn, TagKeys: keys}))
	}

	tag("c=3", "a=1", "e=5", "d=4")
	if got := listTags(t, c, arn); got != "a=1 b=2 c=3 d=4 e=5" {
		t.Fatalf("tags = %q", got)
	}
	tag("a=10", "b=")
	if got := listTags(t, c, arn); got != "a=10 b= c=3 d=4 e=5" {
		t.Fatalf("tags after replacing = %q", got)
	}
	untag("b", "missing", "d")
	if got := listTags(t, c, arn); got != "a=10 c=3 e=5" {
		t.Fatalf("tags after untag = %q", got)
	}
	untag("a", "c", "e")
	if got := listTags(t, c, arn); got != "" {
		t.Fatalf("tags after untagging all = %q", got)
	}
	_, err := c.ListTagsForResource(ctx, &codepipeline.ListTagsForResourceInput{ResourceArn: arn, NextToken: aws.String("bogus")})
	wantAPIError(t, err, "InvalidNextTokenException")
}

func TestTagErrors(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	m := MustOpen(t)
	c := newClient(m)
	newTaggedPipeline(t, c, "app")
	other := newClient(m, clientOpts{accessKey: "210987654321", secret: "x", region: "us-east-1"})
	must[*codepipeline.CreatePipelineOutput](t)(other.CreatePipeline(ctx, &codepipeline.CreatePipelineInput{
		Pipeline: storedIn(testPipeline("theirs"), "artifacts-theirs"), Tags: tagsOf("team=x")}))
	mine := pipelineARN(testAccount, "app")
	tagResource := func(arn *string, tags []types.Tag) error {
		_, err := c.TagResource(ctx, &codepipeline.TagResourceInput{ResourceArn: arn, Tags: tags})
		return err
	}

	tests := []struct {
		name      string
		call      func() error
		code      string
		fragments []string
	}{
		{"aws: key refused", func() error { return tagResource(mine, tagsOf("aws:team=x")) },
			"InvalidTagsException", []string{"aws:team"}},
		{"aws: key refused in any case", func() error { return tagResource(mine, tagsOf("AWS:Team=x")) },
			"InvalidTagsException", nil},
		{"aws: key refused by untag", func() error {
			_, err := c.UntagResource(ctx, &codepipeline.UntagResourceInput{ResourceArn: mine, TagKeys: []string{"aws:team"}})
			return err
		}, "InvalidTagsException", nil},
		{"aws: key refused by CreatePipeline", func() error {
			_, err := c.CreatePipeline(ctx, &codepipeline.CreatePipelineInput{Pipeline: testPipeline("new"), Tags: tagsOf("aws:x=1")})
			return err
		}, "InvalidTagsException", nil},
		{"§11 51 tags in one request", func() error { return tagResource(mine, manyTags(51)) },
			"TooManyTagsException", []string{"50"}},
		{"§11 51 tags at create", func() error {
			_, err := c.CreatePipeline(ctx, &codepipeline.CreatePipelineInput{Pipeline: testPipeline("new"), Tags: manyTags(51)})
			return err
		}, "TooManyTagsException", nil},
		{"not an ARN at all (model pattern)", func() error { return tagResource(aws.String("not-an-arn"), tagsOf("a=1")) },
			"ValidationException", []string{"resourceArn"}},
		{"malformed account", func() error {
			return tagResource(aws.String("arn:aws:codepipeline:us-east-1:abc:123456789012:app"), tagsOf("a=1"))
		}, "InvalidArnException", nil},
		{"other account's pipeline", func() error { return tagResource(pipelineARN("210987654321", "theirs"), tagsOf("a=1")) },
			"ResourceNotFoundException", []string{"theirs"}},
		{"other account's pipeline listed", func() error {
			_, err := c.ListTagsForResource(ctx, &codepipeline.ListTagsForResourceInput{ResourceArn: pipelineARN("210987654321", "theirs")})
			return err
		}, "ResourceNotFoundException", nil},
		{"other region", func() error {
			return tagResource(aws.String("arn:aws:codepipeline:eu-west-1:"+testAccount+":app"), tagsOf("a=1"))
		}, "ResourceNotFoundException", nil},
		{"absent pipeline", func() error { return tagResource(pipelineARN(testAccount, "absent"), tagsOf("a=1")) },
			"ResourceNotFoundException", []string{"absent"}},
		{"absent pipeline untagged", func() error {
			_, err := c.UntagResource(ctx, &codepipeline.UntagResourceInput{ResourceArn: pipelineARN(testAccount, "absent"), TagKeys: []string{"a"}})
			return err
		}, "ResourceNotFoundException", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			wantAPIError(t, tt.call(), tt.code, tt.fragments...)
		})
	}
	t.Run("nothing changed", func(t *testing.T) {
		t.Parallel()
		if got := listTags(t, other, pipelineARN("210987654321", "theirs")); got != "team=x" {
			t.Fatalf("other account's tags = %q", got)
		}
	})
}

// §11: a resource has at most 50 tags, counted after the request.
func TestTagLimitAcrossRequests(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	c := newClient(MustOpen(t))
	newTaggedPipeline(t, c, "app")
	arn := pipelineARN(testAccount, "app")
	must[*codepipeline.TagResourceOutput](t)(c.TagResource(ctx, &codepipeline.TagResourceInput{ResourceArn: arn, Tags: manyTags(50)}))
	_, err := c.TagResource(ctx, &codepipeline.TagResourceInput{ResourceArn: arn, Tags: tagsOf("one-more=x")})
	wantAPIError(t, err, "TooManyTagsException")
	// Replacing the value of a tag it has keeps the resource at 50.
	must[*codepipeline.TagResourceOutput](t)(c.TagResource(ctx, &codepipeline.TagResourceInput{ResourceArn: arn, Tags: tagsOf("k00=new")}))
	if got := strings.Fields(listTags(t, c, arn)); len(got) != 50 || got[0] != "k00=new" {
		t.Fatalf("%d tags, first %v", len(got), got[:1])
	}
}

// DeletePipeline takes the tags with it: a pipeline created again under the
// same name starts untagged.
func TestTagsGoneAfterDeletePipeline(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	c := newClient(MustOpen(t))
	newTaggedPipeline(t, c, "app", "team=core")
	arn := pipelineARN(testAccount, "app")
	must[*codepipeline.TagResourceOutput](t)(c.TagResource(ctx, &codepipeline.TagResourceInput{ResourceArn: arn, Tags: tagsOf("cost=ci")}))
	if got := listTags(t, c, arn); got != "cost=ci team=core" {
		t.Fatalf("tags = %q", got)
	}
	must[*codepipeline.DeletePipelineOutput](t)(c.DeletePipeline(ctx, &codepipeline.DeletePipelineInput{Name: aws.String("app")}))
	_, err := c.ListTagsForResource(ctx, &codepipeline.ListTagsForResourceInput{ResourceArn: arn})
	wantAPIError(t, err, "ResourceNotFoundException")
	newTaggedPipeline(t, c, "app")
	if got := listTags(t, c, arn); got != "" {
		t.Fatalf("recreated pipeline has tags %q", got)
	}
}
