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

// webhookDef is a GITHUB_HMAC webhook on the Source action of pipeline.
func webhookDef(name, pipeline string) *types.WebhookDefinition {
	return &types.WebhookDefinition{
		Name: aws.String(name), TargetPipeline: aws.String(pipeline), TargetAction: aws.String("Source"),
		Filters:                     []types.WebhookFilterRule{{JsonPath: aws.String("$.ref"), MatchEquals: aws.String("refs/heads/main")}},
		Authentication:              types.WebhookAuthenticationTypeGithubHmac,
		AuthenticationConfiguration: &types.WebhookAuthConfiguration{SecretToken: aws.String("s3cr3t")},
	}
}

// withAuth returns a copy of def with another authentication.
func withAuth(def *types.WebhookDefinition, typ types.WebhookAuthenticationType, secret, ipRange *string) *types.WebhookDefinition {
	c := *def
	c.Authentication = typ
	c.AuthenticationConfiguration = &types.WebhookAuthConfiguration{SecretToken: secret, AllowedIPRange: ipRange}
	return &c
}

func putWebhook(t *testing.T, c *codepipeline.Client, def *types.WebhookDefinition, tags ...types.Tag) *types.ListWebhookItem {
	t.Helper()
	out := must[*codepipeline.PutWebhookOutput](t)(c.PutWebhook(context.Background(), &codepipeline.PutWebhookInput{Webhook: def, Tags: tags}))
	return out.Webhook
}

// listWebhooks pages through ListWebhooks with pageSize and returns the
// items and the number of pages.
func listWebhooks(t *testing.T, c *codepipeline.Client, pageSize int32) ([]types.ListWebhookItem, int) {
	t.Helper()
	var items []types.ListWebhookItem
	pages := 0
	pg := codepipeline.NewListWebhooksPaginator(c, &codepipeline.ListWebhooksInput{MaxResults: aws.Int32(pageSize)})
	for pg.HasMorePages() {
		page := must[*codepipeline.ListWebhooksOutput](t)(pg.NextPage(context.Background()))
		pages++
		items = append(items, page.Webhooks...)
	}
	return items, pages
}

// wantNoSecret fails when an item shows its secret token (T-12).
func wantNoSecret(t *testing.T, w *types.ListWebhookItem) {
	t.Helper()
	if cfg := w.Definition.AuthenticationConfiguration; cfg != nil && cfg.SecretToken != nil {
		t.Fatalf("webhook %s shows its secret token %q", aws.ToString(w.Definition.Name), *cfg.SecretToken)
	}
}

// T-12, T-13: PutWebhook returns a URL and ARN and never the secret; a
// replaced webhook keeps its URL, a re-created one gets a new URL.
func TestPutWebhook(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	m := MustOpen(t)
	c := newClient(m)
	newTaggedPipeline(t, c, "app")

	w := putWebhook(t, c, webhookDef("hook", "app"), tagsOf("team=core")...)
	url := aws.ToString(w.Url)
	if !strings.HasPrefix(url, m.URL()+"/webhooks/us-east-1/trigger?t=") {
		t.Fatalf("url = %s", url)
	}
	arn := "arn:aws:codepipeline:us-east-1:" + testAccount + ":webhook:hook"
	if aws.ToString(w.Arn) != arn || len(w.Tags) != 1 {
		t.Fatalf("arn = %s, tags = %+v", aws.ToString(w.Arn), w.Tags)
	}
	d := w.Definition
	if aws.ToString(d.TargetPipeline) != "app" || aws.ToString(d.TargetAction) != "Source" ||
		d.Authentication != types.WebhookAuthenticationTypeGithubHmac || len(d.Filters) != 1 {
		t.Fatalf("definition = %+v", d)
	}
	wantNoSecret(t, w)
	if got := listTags(t, c, aws.String(arn)); got != "team=core" {
		t.Fatalf("webhook tags = %q", got)
	}

	def := webhookDef("hook", "app")
	def.Filters[0].MatchEquals = aws.String("refs/heads/release")
	replaced := putWebhook(t, c, def)
	if aws.ToString(replaced.Url) != url || aws.ToString(replaced.Definition.Filters[0].MatchEquals) != "refs/heads/release" {
		t.Fatalf("replaced = %s %+v", aws.ToString(replaced.Url), replaced.Definition.Filters)
	}

	// DeleteWebhook is idempotent.
	for range 2 {
		must[*codepipeline.DeleteWebhookOutput](t)(c.DeleteWebhook(ctx, &codepipeline.DeleteWebhookInput{Name: aws.String("hook")}))
	}
	if items, _ := listWebhooks(t, c, 10); len(items) != 0 {
		t.Fatalf("webhooks after delete = %+v", items)
	}
	_, err := c.ListTagsForResource(ctx, &codepipeline.ListTagsForResourceInput{ResourceArn: aws.String(arn)})
	wantAPIError(t, err, "ResourceNotFoundException")
	again := putWebhook(t, c, webhookDef("hook", "app"))
	if aws.ToString(again.Url) == url || len(again.Tags) != 0 {
		t.Fatalf("re-created webhook: url %s (old %s), tags %+v", aws.ToString(again.Url), url, again.Tags)
	}
}

// ListWebhooks pages with the PascalCase NextToken and MaxResults.
func TestListWebhooksPagination(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	c := newClient(MustOpen(t))
	newTaggedPipeline(t, c, "app")
	putWebhook(t, c, webhookDef("c", "app"))
	putWebhook(t, c, withAuth(webhookDef("a", "app"), types.WebhookAuthenticationTypeIp, nil, aws.String("10.0.0.0/8")))
	putWebhook(t, c, withAuth(webhookDef("b", "app"), types.WebhookAuthenticationTypeUnauthenticated, nil, nil))

	items, pages := listWebhooks(t, c, 1)
	var names []string
	for i := range items {
		names = append(names, aws.ToString(items[i].Definition.Name))
		wantNoSecret(t, &items[i])
		if aws.ToString(items[i].Url) == "" || aws.ToString(items[i].Arn) == "" {
			t.Fatalf("item = %+v", items[i])
		}
	}
	if fmt.Sprint(names) != "[a b c]" || pages != 3 {
		t.Fatalf("names = %v in %d pages", names, pages)
	}
	if r := items[0].Definition.AuthenticationConfiguration; r == nil || aws.ToString(r.AllowedIPRange) != "10.0.0.0/8" {
		t.Fatalf("IP webhook configuration = %+v", r)
	}
	if all, pages := listWebhooks(t, c, 100); len(all) != 3 || pages != 1 {
		t.Fatalf("%d webhooks in %d pages", len(all), pages)
	}
	_, err := c.ListWebhooks(ctx, &codepipeline.ListWebhooksInput{NextToken: aws.String("bogus")})
	wantAPIError(t, err, "InvalidNextTokenException")
	_, err = c.ListWebhooks(ctx, &codepipeline.ListWebhooksInput{MaxResults: aws.Int32(101)})
	wantAPIError(t, err, "ValidationException")
}

func TestPutWebhookErrors(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	c := newClient(MustOpen(t))
	newTaggedPipeline(t, c, "app")
	hmac, ip, open := types.WebhookAuthenticationTypeGithubHmac, types.WebhookAuthenticationTypeIp, types.WebhookAuthenticationTypeUnauthenticated
	secret, cidr := aws.String("s3cr3t"), aws.String("10.0.0.0/8")

	tests := []struct {
		name      string
		def       func(d *types.WebhookDefinition) *types.WebhookDefinition
		code      string
		fragments []string
	}{
		{"T-10 action outside the first stage", func(d *types.WebhookDefinition) *types.WebhookDefinition {
			d.TargetAction = aws.String("Build")
			return d
		}, "ValidationException", []string{"Build", "first stage"}},
		{"T-10 absent action", func(d *types.WebhookDefinition) *types.WebhookDefinition {
			d.TargetAction = aws.String("Nope")
			return d
		}, "ValidationException", []string{"Nope"}},
		{"absent pipeline", func(d *types.WebhookDefinition) *types.WebhookDefinition {
			d.TargetPipeline = aws.String("absent")
			return d
		}, "PipelineNotFoundException", []string{"absent"}},
		{"T-11 bad filter path", func(d *types.WebhookDefinition) *types.WebhookDefinition {
			d.Filters[0].JsonPath = aws.String("ref")
			return d
		}, "InvalidWebhookFilterPatternException", nil},
		{"T-12 HMAC without secret", func(d *types.WebhookDefinition) *types.WebhookDefinition { return withAuth(d, hmac, nil, nil) },
			"InvalidWebhookAuthenticationParametersException", []string{"SecretToken"}},
		{"T-12 HMAC with IP range", func(d *types.WebhookDefinition) *types.WebhookDefinition { return withAuth(d, hmac, secret, cidr) },
			"InvalidWebhookAuthenticationParametersException", nil},
		{"T-12 IP without range", func(d *types.WebhookDefinition) *types.WebhookDefinition { return withAuth(d, ip, nil, nil) },
			"InvalidWebhookAuthenticationParametersException", []string{"AllowedIPRange"}},
		{"T-12 IP with secret", func(d *types.WebhookDefinition) *types.WebhookDefinition { return withAuth(d, ip, secret, cidr) },
			"InvalidWebhookAuthenticationParametersException", nil},
		{"T-12 IP range not CIDR", func(d *types.WebhookDefinition) *types.WebhookDefinition {
			return withAuth(d, ip, nil, aws.String("10.0.0.300/8"))
		}, "InvalidWebhookAuthenticationParametersException", []string{"CIDR"}},
		{"T-12 UNAUTHENTICATED with secret", func(d *types.WebhookDefinition) *types.WebhookDefinition { return withAuth(d, open, secret, nil) },
			"InvalidWebhookAuthenticationParametersException", nil},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			def := tt.def(webhookDef(fmt.Sprintf("w%d", i), "app"))
			_, err := c.PutWebhook(ctx, &codepipeline.PutWebhookInput{Webhook: def})
			wantAPIError(t, err, tt.code, tt.fragments...)
		})
	}
}

// T-13: registering records state only; an absent webhook is not found.
func TestWebhookRegistration(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	c := newClient(MustOpen(t))
	newTaggedPipeline(t, c, "app")
	putWebhook(t, c, webhookDef("hook", "app"))
	register := func(name string) error {
		_, err := c.RegisterWebhookWithThirdParty(ctx, &codepipeline.RegisterWebhookWithThirdPartyInput{WebhookName: aws.String(name)})
		return err
	}
	deregister := func(name string) error {
		_, err := c.DeregisterWebhookWithThirdParty(ctx, &codepipeline.DeregisterWebhookWithThirdPartyInput{WebhookName: aws.String(name)})
		return err
	}
	for _, step := range []func(string) error{register, register, deregister, deregister} {
		if err := step("hook"); err != nil {
			t.Fatalf("existing webhook: %v", err)
		}
	}
	wantAPIError(t, register("absent"), "WebhookNotFoundException")
	wantAPIError(t, deregister("absent"), "WebhookNotFoundException")
}

// Webhooks belong to one account: another sees, registers and deletes none.
func TestWebhookIsolation(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	m := MustOpen(t)
	owner, other := newClient(m), newClient(m, clientOpts{accessKey: "210987654321", secret: "x", region: "us-east-1"})
	newTaggedPipeline(t, owner, "app")
	putWebhook(t, owner, webhookDef("hook", "app"))

	if items, _ := listWebhooks(t, other, 100); len(items) != 0 {
		t.Fatalf("other account sees %+v", items)
	}
	_, err := other.RegisterWebhookWithThirdParty(ctx, &codepipeline.RegisterWebhookWithThirdPartyInput{WebhookName: aws.String("hook")})
	wantAPIError(t, err, "WebhookNotFoundException")
	_, err = other.PutWebhook(ctx, &codepipeline.PutWebhookInput{Webhook: webhookDef("hook", "app")})
	wantAPIError(t, err, "PipelineNotFoundException")
	must[*codepipeline.DeleteWebhookOutput](t)(other.DeleteWebhook(ctx, &codepipeline.DeleteWebhookInput{Name: aws.String("hook")}))
	if items, _ := listWebhooks(t, owner, 100); len(items) != 1 {
		t.Fatalf("owner's webhooks after the other account's delete = %+v", items)
	}
}
