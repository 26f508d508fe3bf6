package catalog

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/sluice-cd/sluice/internal/core"
	"github.com/sluice-cd/sluice/internal/page"
	"github.com/sluice-cd/sluice/internal/store"
	"github.com/sluice-cd/sluice/internal/wire"
)

const (
	tagTestPipelineARN = "arn:aws:codepipeline:us-east-1:111111111111:app"
	tagTestWebhookARN  = "arn:aws:codepipeline:us-east-1:111111111111:webhook:hook"
	tagTestTypeARN     = "arn:aws:codepipeline:us-east-1:111111111111:actiontype:Custom/Build/MyCI/1"
)

// tagSetup adds pipeline "app", webhook "hook" and custom type MyCI/1 to the
// first account's us-east-1.
func tagSetup(t *testing.T) *typeBundle {
	t.Helper()
	b := typeSetup(t)
	bg := context.Background()
	now := time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)
	err := b.st.InTx(bg, func(tx store.Tx) error {
		err := tx.PipelineCreate(bg, &core.Pipeline{
			Scope: b.scope, Name: "app", Version: 1, PipelineType: "V1", ExecutionMode: "SUPERSEDED",
			Declaration: []byte(`{"name":"app"}`), Created: now, Updated: now,
		})
		if err != nil {
			return err
		}
		return tx.WebhookPut(bg, &core.Webhook{Scope: b.scope, Name: "hook", Definition: []byte(`{}`), URL: "http://x", Created: now})
	})
	if err != nil {
		t.Fatalf("setup: %v", err)
	}
	b.create(t, b.ctx, customTypeInput("MyCI", "1"))
	return b
}

func (b *typeBundle) tag(ctx context.Context, arn string, tags ...wire.Tag) error {
	_, err := b.svc.TagResource(ctx, &wire.TagResourceInput{ResourceArn: wire.Ptr(arn), Tags: tags})
	return err
}

func (b *typeBundle) tagsOf(t *testing.T, arn string) string {
	t.Helper()
	out, err := b.svc.ListTagsForResource(b.ctx, &wire.ListTagsForResourceInput{ResourceArn: wire.Ptr(arn)})
	if err != nil {
		t.Fatalf("ListTagsForResource(%s): %v", arn, err)
	}
	if out.NextToken != nil {
		t.Errorf("ListTagsForResource(%s) has a next token", arn)
	}
	var kv []string
	for _, tg := range out.Tags {
		kv = append(kv, wire.Value(tg.Key)+"="+wire.Value(tg.Value))
	}
	return strings.Join(kv, ",")
}

func tag(k, v string) wire.Tag { return wire.Tag{Key: wire.Ptr(k), Value: wire.Ptr(v)} }

// numberedTags returns n tags prefix0..prefix<n-1>.
func numberedTags(prefix string, n int) []wire.Tag {
	tags := make([]wire.Tag, n)
	for i := range tags {
		tags[i] = tag(fmt.Sprintf("%s%02d", prefix, i), "v")
	}
	return tags
}

// tagKeys joins the keys of tags with commas.
func tagKeys(tags []wire.Tag) string {
	keys := make([]string, len(tags))
	for i, tg := range tags {
		keys[i] = wire.Value(tg.Key)
	}
	return strings.Join(keys, ",")
}

func TestTagResource(t *testing.T) {
	t.Parallel()
	b := tagSetup(t)
	for _, arn := range []string{tagTestPipelineARN, tagTestWebhookARN, tagTestTypeARN} {
		if err := b.tag(b.ctx, arn, tag("b", "1"), tag("a", "2")); err != nil {
			t.Fatalf("TagResource(%s): %v", arn, err)
		}
		if err := b.tag(b.ctx, arn, tag("b", "changed"), tag("c", "")); err != nil {
			t.Fatalf("TagResource(%s): %v", arn, err)
		}
		if got, want := b.tagsOf(t, arn), "a=2,b=changed,c="; got != want {
			t.Errorf("%s: tags = %s, want %s", arn, got, want)
		}
		_, err := b.svc.UntagResource(b.ctx, &wire.UntagResourceInput{ResourceArn: wire.Ptr(arn), TagKeys: []string{"a", "absent"}})
		if err != nil {
			t.Fatalf("UntagResource(%s): %v", arn, err)
		}
		if got, want := b.tagsOf(t, arn), "b=changed,c="; got != want {
			t.Errorf("%s: tags after untag = %s, want %s", arn, got, want)
		}
	}
	// Empty lists are not nil: the member is there, empty.
	out, err := b.svc.ListTagsForResource(b.ctx, &wire.ListTagsForResourceInput{
		ResourceArn: wire.Ptr("arn:aws:codepipeline:us-east-1:111111111111:actiontype:Custom/Build/MyCI/1"),
	})
	if err != nil || out.Tags == nil {
		t.Errorf("ListTagsForResource = %+v, %v", out, err)
	}
}

func TestTagResourceInvalidARN(t *testing.T) {
	t.Parallel()
	b := tagSetup(t)
	for _, arn := range []string{
		"",
		"app",
		"arn:aws:s3:::bucket",
		"arn:aws-cn:codepipeline:cn-north-1:111111111111:app",
		"arn:aws:codepipeline:us-east-1:1111:app",
		"arn:aws:codepipeline:us-east-1:11111111111x:app",
		"arn:aws:codepipeline::111111111111:app",
		"arn:aws:codepipeline:us-east-1:111111111111:",
		"arn:aws:codepipeline:us-east-1:111111111111",
	} {
		err := b.tag(b.ctx, arn, tag("k", "v"))
		if ce := wantTypeCode(t, err, core.InvalidArn); ce.Message != "The ARN was not in valid format" {
			t.Errorf("%q: message = %q", arn, ce.Message)
		}
		_, err = b.svc.ListTagsForResource(b.ctx, &wire.ListTagsForResourceInput{ResourceArn: wire.Ptr(arn)})
		wantTypeCode(t, err, core.InvalidArn)
		_, err = b.svc.UntagResource(b.ctx, &wire.UntagResourceInput{ResourceArn: wire.Ptr(arn), TagKeys: []string{"k"}})
		wantTypeCode(t, err, core.InvalidArn)
	}
}

func TestTagResourceNotFound(t *testing.T) {
	t.Parallel()
	b := tagSetup(t)
	if err := b.tag(b.ctx, tagTestPipelineARN, tag("owner", "me")); err != nil {
		t.Fatal(err)
	}
	b.create(t, b.ctx, customTypeInput("Gone", "1"))
	b.deleteType(t, b.ctx, "Gone", "1")
	cases := []struct {
		name string
		ctx  context.Context
		arn  string
	}{
		// Another account's resources are absent, whoever asks.
		{"other account's pipeline", b.other, tagTestPipelineARN},
		{"other account's type", b.other, tagTestTypeARN},
		{"own account in other ARN", b.other, "arn:aws:codepipeline:us-east-1:222222222222:app"},
		{"other region", b.west, tagTestPipelineARN},
		{"absent pipeline", b.ctx, "arn:aws:codepipeline:us-east-1:111111111111:nope"},
		{"absent webhook", b.ctx, "arn:aws:codepipeline:us-east-1:111111111111:webhook:nope"},
		{"deleted type", b.ctx, "arn:aws:codepipeline:us-east-1:111111111111:actiontype:Custom/Build/Gone/1"},
		{"built-in type", b.ctx, "arn:aws:codepipeline:us-east-1:111111111111:actiontype:AWS/Build/CodeBuild/1"},
		{"malformed type", b.ctx, "arn:aws:codepipeline:us-east-1:111111111111:actiontype:Custom/Build/MyCI"},
	}
	for _, c := range cases {
		err := b.tag(c.ctx, c.arn, tag("k", "v"))
		ce := wantTypeCode(t, err, core.ResourceNotFound)
		if want := "The resource with the ARN " + c.arn + " was not found"; ce.Message != want {
			t.Errorf("%s: message = %q, want %q", c.name, ce.Message, want)
		}
		_, err = b.svc.ListTagsForResource(c.ctx, &wire.ListTagsForResourceInput{ResourceArn: wire.Ptr(c.arn)})
		wantTypeCode(t, err, core.ResourceNotFound)
		_, err = b.svc.UntagResource(c.ctx, &wire.UntagResourceInput{ResourceArn: wire.Ptr(c.arn), TagKeys: []string{"owner"}})
		wantTypeCode(t, err, core.ResourceNotFound)
	}
	if got := b.tagsOf(t, tagTestPipelineARN); got != "owner=me" {
		t.Errorf("pipeline tags = %s after other callers' attempts", got)
	}
}

func TestTagResourceRules(t *testing.T) {
	t.Parallel()
	b := tagSetup(t)
	if err := b.tag(b.ctx, tagTestPipelineARN, numberedTags("k", 40)...); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		tags []wire.Tag
		code core.Code
	}{
		{"reserved prefix", []wire.Tag{tag("aws:owner", "x")}, core.InvalidTags},
		{"reserved prefix in capitals", []wire.Tag{tag("AWS:owner", "x")}, core.InvalidTags},
		{"duplicate keys", []wire.Tag{tag("x", "1"), tag("x", "2")}, core.InvalidTags},
		{"51 after the change", numberedTags("n", 11), core.TooManyTags},
		{"51 in the request", numberedTags("k", 51), core.TooManyTags},
	}
	for _, c := range cases {
		wantTypeCode(t, b.tag(b.ctx, tagTestPipelineARN, c.tags...), c.code)
	}
	// Changing existing keys and adding up to 50 in all is fine.
	tags := append(numberedTags("k", 40), numberedTags("n", 10)...)
	if err := b.tag(b.ctx, tagTestPipelineARN, tags...); err != nil {
		t.Fatalf("50 tags: %v", err)
	}
	_, err := b.svc.UntagResource(b.ctx, &wire.UntagResourceInput{ResourceArn: wire.Ptr(tagTestPipelineARN), TagKeys: []string{"aws:x"}})
	wantTypeCode(t, err, core.InvalidTags)
}

func TestListTagsForResourcePages(t *testing.T) {
	t.Parallel()
	b := tagSetup(t)
	if err := b.tag(b.ctx, tagTestWebhookARN, numberedTags("k", 5)...); err != nil {
		t.Fatal(err)
	}
	in := &wire.ListTagsForResourceInput{ResourceArn: wire.Ptr(tagTestWebhookARN), MaxResults: wire.Ptr[int32](2)}
	var pages []string
	for {
		out, err := b.svc.ListTagsForResource(b.ctx, in)
		if err != nil {
			t.Fatal(err)
		}
		pages = append(pages, tagKeys(out.Tags))
		if out.NextToken == nil {
			break
		}
		if len(pages) > 5 {
			t.Fatal("ListTagsForResource does not end")
		}
		in.NextToken = out.NextToken
	}
	if got, want := strings.Join(pages, " | "), "k00,k01 | k02,k03 | k04"; got != want {
		t.Errorf("pages = %s, want %s", got, want)
	}

	// Exactly one full page: no token.
	in = &wire.ListTagsForResourceInput{ResourceArn: wire.Ptr(tagTestWebhookARN), MaxResults: wire.Ptr[int32](5)}
	if out, err := b.svc.ListTagsForResource(b.ctx, in); err != nil || out.NextToken != nil || len(out.Tags) != 5 {
		t.Errorf("one full page = %+v, %v", out, err)
	}

	for name, token := range map[string]*string{
		"garbage":    wire.Ptr("%%%"),
		"other list": page.Token(actionTypesToken, "k00"),
	} {
		in := &wire.ListTagsForResourceInput{ResourceArn: wire.Ptr(tagTestWebhookARN), NextToken: token}
		_, err := b.svc.ListTagsForResource(b.ctx, in)
		if ce := wantTypeCode(t, err, core.InvalidNextToken); ce == nil {
			t.Errorf("%s token accepted", name)
		}
	}
}

func TestCheckTags(t *testing.T) {
	t.Parallel()
	cases := []struct {
		tags []wire.Tag
		code core.Code // "" when valid
	}{
		{nil, ""},
		{[]wire.Tag{tag("awsome", "x"), tag("team", "")}, ""},
		{numberedTags("t", maxTags), ""},
		{numberedTags("t", maxTags+1), core.TooManyTags},
		{[]wire.Tag{tag("aws:x", "1")}, core.InvalidTags},
		{[]wire.Tag{tag("Aws:x", "1")}, core.InvalidTags},
		{[]wire.Tag{tag("", "1")}, core.InvalidTags},
		{[]wire.Tag{tag("a", "1"), tag("b", "1"), tag("a", "2")}, core.InvalidTags},
	}
	for i, c := range cases {
		err := checkTags(c.tags)
		if c.code == "" {
			if err != nil {
				t.Errorf("case %d: %v", i, err)
			}
			continue
		}
		wantTypeCode(t, err, c.code)
	}
}

func TestTagsOut(t *testing.T) {
	t.Parallel()
	if got := tagsOut(nil); got != nil {
		t.Errorf("tagsOut(nil) = %v, want nil", got)
	}
	got := tagsOut(map[string]string{"b": "2", "a": "1", "c": ""})
	if keys := tagKeys(got); keys != "a,b,c" || wire.Value(got[0].Value) != "1" || got[2].Value == nil {
		t.Errorf("tagsOut = %s", mustJSON(t, got))
	}
}
