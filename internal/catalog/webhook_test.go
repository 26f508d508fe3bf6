package catalog

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/sluice-cd/sluice/internal/core"
	"github.com/sluice-cd/sluice/internal/page"
	"github.com/sluice-cd/sluice/internal/store"
	"github.com/sluice-cd/sluice/internal/wire"
)

const webhookTestSecret = "s3cr3t-hmac-token"

// webhookTestDecl is a two-stage pipeline whose source action is "Src".
const webhookTestDecl = `{
	"name": "app", "roleArn": "arn:aws:iam::111111111111:role/pipe",
	"artifactStore": {"type": "S3", "location": "bucket"},
	"stages": [
		{"name": "Source", "actions": [{"name": "Src",
			"actionTypeId": {"category": "Source", "owner": "ThirdParty", "provider": "GitHub", "version": "1"},
			"configuration": {"Owner": "o", "Repo": "r", "Branch": "main", "OAuthToken": "x"},
			"outputArtifacts": [{"name": "code"}]}]},
		{"name": "Build", "actions": [{"name": "Compile",
			"actionTypeId": {"category": "Build", "owner": "AWS", "provider": "CodeBuild", "version": "1"},
			"configuration": {"ProjectName": "p"},
			"inputArtifacts": [{"name": "code"}]}]}
	]}`

type webhookBundle struct {
	svc   *Service
	ctx   context.Context // account 111111111111, us-east-1
	other context.Context // account 222222222222, us-east-1
	scope core.Scope
}

// webhookSetup gives each test its own database with pipeline "app" in the
// first account.
func webhookSetup(t *testing.T) *webhookBundle {
	t.Helper()
	bg := context.Background()
	b := &webhookBundle{
		svc:   newTestService(t),
		scope: core.Scope{Account: "111111111111", Region: "us-east-1"},
	}
	b.ctx = core.WithScope(bg, b.scope)
	b.other = core.WithScope(bg, core.Scope{Account: "222222222222", Region: "us-east-1"})
	err := b.svc.Store.InTx(bg, func(tx store.Tx) error {
		return tx.PipelineCreate(bg, &core.Pipeline{
			Scope: b.scope, Name: "app", Version: 1, PipelineType: "V1", ExecutionMode: "SUPERSEDED",
			Declaration: []byte(webhookTestDecl), Created: testNow, Updated: testNow,
		})
	})
	if err != nil {
		t.Fatalf("create pipeline: %v", err)
	}
	return b
}

// webhookDef is a valid GITHUB_HMAC webhook on app/Src.
func webhookDef(name string) *wire.WebhookDefinition {
	return &wire.WebhookDefinition{
		Name:           wire.Ptr(name),
		TargetPipeline: wire.Ptr("app"),
		TargetAction:   wire.Ptr("Src"),
		Filters: []wire.WebhookFilterRule{
			{JsonPath: wire.Ptr("$.ref"), MatchEquals: wire.Ptr("refs/heads/{Branch}")},
		},
		Authentication:              wire.WebhookAuthenticationTypeGITHUB_HMAC,
		AuthenticationConfiguration: &wire.WebhookAuthConfiguration{SecretToken: wire.Ptr(webhookTestSecret)},
	}
}

func (b *webhookBundle) put(t *testing.T, def *wire.WebhookDefinition, tags ...wire.Tag) *wire.ListWebhookItem {
	t.Helper()
	out, err := b.svc.PutWebhook(b.ctx, &wire.PutWebhookInput{Webhook: def, Tags: tags})
	if err != nil {
		t.Fatalf("PutWebhook %s: %v", wire.Value(def.Name), err)
	}
	return out.Webhook
}

func (b *webhookBundle) list(t *testing.T, ctx context.Context) []wire.ListWebhookItem {
	t.Helper()
	out, err := b.svc.ListWebhooks(ctx, &wire.ListWebhooksInput{})
	if err != nil {
		t.Fatalf("ListWebhooks: %v", err)
	}
	return out.Webhooks
}

func wantWebhookCode(t *testing.T, err error, code core.Code) {
	t.Helper()
	var ce *core.Error
	if !errors.As(err, &ce) || ce.Code != code {
		t.Fatalf("error = %v, want %s", err, code)
	}
	if ce.Message == "" {
		t.Errorf("%s has an empty message", code)
	}
}

func wantNoSecret(t *testing.T, v any) {
	t.Helper()
	doc, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(doc), webhookTestSecret) || strings.Contains(string(doc), "SecretToken\":\"") {
		t.Errorf("secret token in output: %s", doc)
	}
}

var webhookURLPattern = regexp.MustCompile(`^http://127\.0\.0\.1:4747/webhooks/us-east-1/trigger\?t=[0-9a-f]{32,}&v=1$`)

func TestPutWebhook(t *testing.T) {
	t.Parallel()

	t.Run("creates with URL, ARN and tags; T-12 secret removed", func(t *testing.T) {
		t.Parallel()
		b := webhookSetup(t)
		item := b.put(t, webhookDef("gh"), wire.Tag{Key: wire.Ptr("team"), Value: wire.Ptr("ci")})
		if !webhookURLPattern.MatchString(wire.Value(item.Url)) {
			t.Errorf("url = %q", wire.Value(item.Url))
		}
		if got, want := wire.Value(item.Arn), "arn:aws:codepipeline:us-east-1:111111111111:webhook:gh"; got != want {
			t.Errorf("arn = %q, want %q", got, want)
		}
		if item.Definition == nil || item.Definition.AuthenticationConfiguration == nil {
			t.Fatalf("definition or authenticationConfiguration missing: %+v", item.Definition)
		}
		if item.Definition.AuthenticationConfiguration.SecretToken != nil {
			t.Error("SecretToken echoed")
		}
		if len(item.Tags) != 1 || wire.Value(item.Tags[0].Key) != "team" {
			t.Errorf("tags = %+v", item.Tags)
		}
		if item.LastTriggered != nil || item.ErrorCode != nil || item.ErrorMessage != nil {
			t.Errorf("unset fields present: %+v", item)
		}
		wantNoSecret(t, item)
	})

	t.Run("T-13 replace keeps the URL", func(t *testing.T) {
		t.Parallel()
		b := webhookSetup(t)
		first := b.put(t, webhookDef("gh"))
		def := webhookDef("gh")
		def.Filters[0].MatchEquals = wire.Ptr("refs/heads/release")
		second := b.put(t, def)
		if wire.Value(first.Url) != wire.Value(second.Url) {
			t.Errorf("url changed on replace: %q -> %q", wire.Value(first.Url), wire.Value(second.Url))
		}
		items := b.list(t, b.ctx)
		if len(items) != 1 || wire.Value(items[0].Definition.Filters[0].MatchEquals) != "refs/heads/release" {
			t.Errorf("list after replace = %+v", items)
		}
	})

	t.Run("T-13 delete and re-create gives a new URL", func(t *testing.T) {
		t.Parallel()
		b := webhookSetup(t)
		first := b.put(t, webhookDef("gh"))
		if _, err := b.svc.DeleteWebhook(b.ctx, &wire.DeleteWebhookInput{Name: wire.Ptr("gh")}); err != nil {
			t.Fatal(err)
		}
		second := b.put(t, webhookDef("gh"))
		if wire.Value(first.Url) == wire.Value(second.Url) {
			t.Errorf("url reused after delete: %q", wire.Value(first.Url))
		}
		if other := b.put(t, webhookDef("gh2")); wire.Value(other.Url) == wire.Value(second.Url) {
			t.Error("two webhooks share a URL")
		}
	})

	t.Run("unknown pipeline", func(t *testing.T) {
		t.Parallel()
		b := webhookSetup(t)
		def := webhookDef("gh")
		def.TargetPipeline = wire.Ptr("nope")
		_, err := b.svc.PutWebhook(b.ctx, &wire.PutWebhookInput{Webhook: def})
		wantWebhookCode(t, err, core.PipelineNotFound)
		if want := "Account '111111111111' does not have a pipeline with name 'nope'"; core.ErrorMessage(err) != want {
			t.Errorf("message = %q, want %q", core.ErrorMessage(err), want)
		}
	})

	t.Run("pipeline of another account", func(t *testing.T) {
		t.Parallel()
		b := webhookSetup(t)
		_, err := b.svc.PutWebhook(b.other, &wire.PutWebhookInput{Webhook: webhookDef("gh")})
		wantWebhookCode(t, err, core.PipelineNotFound)
	})

	for _, action := range []string{"Compile", "Missing"} {
		t.Run("T-10 target action "+action+" not in the first stage", func(t *testing.T) {
			t.Parallel()
			b := webhookSetup(t)
			def := webhookDef("gh")
			def.TargetAction = wire.Ptr(action)
			_, err := b.svc.PutWebhook(b.ctx, &wire.PutWebhookInput{Webhook: def})
			wantWebhookCode(t, err, core.Validation)
		})
	}

	t.Run("missing webhook", func(t *testing.T) {
		t.Parallel()
		b := webhookSetup(t)
		_, err := b.svc.PutWebhook(b.ctx, &wire.PutWebhookInput{})
		wantWebhookCode(t, err, core.Validation)
	})

	t.Run("invalid tag", func(t *testing.T) {
		t.Parallel()
		b := webhookSetup(t)
		_, err := b.svc.PutWebhook(b.ctx, &wire.PutWebhookInput{
			Webhook: webhookDef("gh"), Tags: []wire.Tag{{Key: wire.Ptr("aws:reserved"), Value: wire.Ptr("v")}},
		})
		wantWebhookCode(t, err, core.InvalidTags)
	})

	t.Run("tags are added on replace up to the limit", func(t *testing.T) {
		t.Parallel()
		b := webhookSetup(t)
		b.put(t, webhookDef("gh"), webhookTags("a", 30)...)
		item := b.put(t, webhookDef("gh"), webhookTags("b", 20)...)
		if len(item.Tags) != 50 {
			t.Errorf("got %d tags, want 50", len(item.Tags))
		}
		_, err := b.svc.PutWebhook(b.ctx, &wire.PutWebhookInput{Webhook: webhookDef("gh"), Tags: webhookTags("c", 1)})
		wantWebhookCode(t, err, core.TooManyTags)
	})

	t.Run("300 webhooks per scope, new names only", func(t *testing.T) {
		t.Parallel()
		b := webhookSetup(t)
		doc, err := json.Marshal(webhookDef("x"))
		if err != nil {
			t.Fatal(err)
		}
		err = b.svc.Store.InTx(b.ctx, func(tx store.Tx) error {
			for i := range maxWebhooks {
				w := &core.Webhook{Scope: b.scope, Name: fmt.Sprintf("w%03d", i), Definition: doc, URL: fmt.Sprintf("u%d", i)}
				if err := tx.WebhookPut(b.ctx, w); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		_, err = b.svc.PutWebhook(b.ctx, &wire.PutWebhookInput{Webhook: webhookDef("one-more")})
		wantWebhookCode(t, err, core.LimitExceeded)
		b.put(t, webhookDef("w000")) // replacing is not a new webhook
	})
}

func webhookTags(prefix string, n int) []wire.Tag {
	tags := make([]wire.Tag, n)
	for i := range tags {
		tags[i] = wire.Tag{Key: wire.Ptr(fmt.Sprintf("%s%d", prefix, i)), Value: wire.Ptr("v")}
	}
	return tags
}

func TestPutWebhookFilters(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		path string
		ok   bool
	}{
		{"$.ref", true},
		{"$['repository']['full_name']", true},
		{"$['a]b']", true},
		{"$.commits[?(@.author == 'x')]", true},
		{"ref", false},
		{".ref", false},
		{"$.a[0", false},
		{"$.a]", false},
		{"$.a[(0])", false},
		{"$['open", false},
	} {
		t.Run(fmt.Sprintf("T-11 jsonPath %q", tc.path), func(t *testing.T) {
			t.Parallel()
			b := webhookSetup(t)
			def := webhookDef("gh")
			def.Filters = append(def.Filters, wire.WebhookFilterRule{JsonPath: wire.Ptr(tc.path), MatchEquals: wire.Ptr("x")})
			_, err := b.svc.PutWebhook(b.ctx, &wire.PutWebhookInput{Webhook: def})
			if tc.ok {
				if err != nil {
					t.Fatalf("PutWebhook: %v", err)
				}
				return
			}
			wantWebhookCode(t, err, core.InvalidWebhookFilterPattern)
		})
	}
}

func TestPutWebhookAuthentication(t *testing.T) {
	t.Parallel()
	const (
		hmac   = wire.WebhookAuthenticationTypeGITHUB_HMAC
		ip     = wire.WebhookAuthenticationTypeIP
		unauth = wire.WebhookAuthenticationTypeUNAUTHENTICATED
	)
	secret, cidr := wire.Ptr("tok"), wire.Ptr("10.0.0.0/8")
	for _, tc := range []struct {
		name string
		typ  wire.WebhookAuthenticationType
		cfg  *wire.WebhookAuthConfiguration
		ok   bool
	}{
		{"GITHUB_HMAC with secret", hmac, &wire.WebhookAuthConfiguration{SecretToken: secret}, true},
		{"GITHUB_HMAC without secret", hmac, &wire.WebhookAuthConfiguration{}, false},
		{"GITHUB_HMAC with range", hmac, &wire.WebhookAuthConfiguration{SecretToken: secret, AllowedIPRange: cidr}, false},
		{"IP with range", ip, &wire.WebhookAuthConfiguration{AllowedIPRange: cidr}, true},
		{"IP with IPv6 range", ip, &wire.WebhookAuthConfiguration{AllowedIPRange: wire.Ptr("2001:db8::/32")}, true},
		{"IP without range", ip, &wire.WebhookAuthConfiguration{}, false},
		{"IP with secret", ip, &wire.WebhookAuthConfiguration{AllowedIPRange: cidr, SecretToken: secret}, false},
		{"IP with a bare address", ip, &wire.WebhookAuthConfiguration{AllowedIPRange: wire.Ptr("10.0.0.1")}, false},
		{"IP with garbage", ip, &wire.WebhookAuthConfiguration{AllowedIPRange: wire.Ptr("everyone")}, false},
		{"UNAUTHENTICATED empty", unauth, &wire.WebhookAuthConfiguration{}, true},
		{"UNAUTHENTICATED with secret", unauth, &wire.WebhookAuthConfiguration{SecretToken: secret}, false},
		{"UNAUTHENTICATED with range", unauth, &wire.WebhookAuthConfiguration{AllowedIPRange: cidr}, false},
	} {
		t.Run("T-12 "+tc.name, func(t *testing.T) {
			t.Parallel()
			b := webhookSetup(t)
			def := webhookDef("gh")
			def.Authentication, def.AuthenticationConfiguration = tc.typ, tc.cfg
			out, err := b.svc.PutWebhook(b.ctx, &wire.PutWebhookInput{Webhook: def})
			if !tc.ok {
				wantWebhookCode(t, err, core.InvalidWebhookAuthentication)
				return
			}
			if err != nil {
				t.Fatalf("PutWebhook: %v", err)
			}
			if got := out.Webhook.Definition.AuthenticationConfiguration.AllowedIPRange; wire.Value(got) != wire.Value(tc.cfg.AllowedIPRange) {
				t.Errorf("AllowedIPRange = %q, want %q", wire.Value(got), wire.Value(tc.cfg.AllowedIPRange))
			}
			wantNoSecret(t, out)
		})
	}
}

func TestListWebhooks(t *testing.T) {
	t.Parallel()

	t.Run("T-12 no secret, scope only, trigger state", func(t *testing.T) {
		t.Parallel()
		b := webhookSetup(t)
		b.put(t, webhookDef("gh"), wire.Tag{Key: wire.Ptr("k"), Value: wire.Ptr("v")})
		last := time.Date(2024, 6, 1, 0, 0, 0, 0, time.UTC)
		err := b.svc.Store.InTx(b.ctx, func(tx store.Tx) error {
			w, err := tx.WebhookGet(b.ctx, b.scope, "gh")
			if err != nil {
				return err
			}
			w.LastTriggered, w.ErrorCode, w.ErrorMessage = last, "403", "bad signature"
			return tx.WebhookPut(b.ctx, w)
		})
		if err != nil {
			t.Fatal(err)
		}
		out, err := b.svc.ListWebhooks(b.ctx, &wire.ListWebhooksInput{})
		if err != nil {
			t.Fatal(err)
		}
		if len(out.Webhooks) != 1 || out.NextToken != nil {
			t.Fatalf("list = %+v", out)
		}
		item := out.Webhooks[0]
		if item.LastTriggered == nil || wire.Value(item.ErrorCode) != "403" || wire.Value(item.ErrorMessage) != "bad signature" {
			t.Errorf("trigger state = %+v", item)
		}
		if len(item.Tags) != 1 || !webhookURLPattern.MatchString(wire.Value(item.Url)) {
			t.Errorf("item = %+v", item)
		}
		wantNoSecret(t, out)
		if other := b.list(t, b.other); len(other) != 0 {
			t.Errorf("other account sees %d webhooks", len(other))
		}
	})

	t.Run("pages by name", func(t *testing.T) {
		t.Parallel()
		b := webhookSetup(t)
		for _, n := range []string{"e", "c", "a", "d", "b"} {
			b.put(t, webhookDef(n))
		}
		var got []string
		var token *string
		for pages := 0; ; pages++ {
			if pages > 3 {
				t.Fatal("too many pages")
			}
			out, err := b.svc.ListWebhooks(b.ctx, &wire.ListWebhooksInput{MaxResults: wire.Ptr(int32(2)), NextToken: token})
			if err != nil {
				t.Fatal(err)
			}
			if len(out.Webhooks) > 2 {
				t.Fatalf("page of %d", len(out.Webhooks))
			}
			for _, w := range out.Webhooks {
				got = append(got, wire.Value(w.Definition.Name))
			}
			if out.NextToken == nil {
				break
			}
			token = out.NextToken
		}
		if strings.Join(got, ",") != "a,b,c,d,e" {
			t.Errorf("names = %v", got)
		}
	})

	t.Run("last full page has no token", func(t *testing.T) {
		t.Parallel()
		b := webhookSetup(t)
		b.put(t, webhookDef("a"))
		b.put(t, webhookDef("b"))
		out, err := b.svc.ListWebhooks(b.ctx, &wire.ListWebhooksInput{MaxResults: wire.Ptr(int32(2))})
		if err != nil || len(out.Webhooks) != 2 || out.NextToken != nil {
			t.Fatalf("list = %+v, %v", out, err)
		}
	})

	for name, token := range map[string]*string{
		"garbage":             wire.Ptr("not a token!"),
		"token of other list": page.Token("pipelines", "app"),
	} {
		t.Run("bad token: "+name, func(t *testing.T) {
			t.Parallel()
			b := webhookSetup(t)
			_, err := b.svc.ListWebhooks(b.ctx, &wire.ListWebhooksInput{NextToken: token})
			wantWebhookCode(t, err, core.InvalidNextToken)
		})
	}
}

func TestDeleteWebhook(t *testing.T) {
	t.Parallel()

	t.Run("T-13 deleting an absent webhook succeeds", func(t *testing.T) {
		t.Parallel()
		b := webhookSetup(t)
		if _, err := b.svc.DeleteWebhook(b.ctx, &wire.DeleteWebhookInput{Name: wire.Ptr("never")}); err != nil {
			t.Fatalf("DeleteWebhook: %v", err)
		}
	})

	t.Run("removes the webhook and its tags", func(t *testing.T) {
		t.Parallel()
		b := webhookSetup(t)
		b.put(t, webhookDef("gh"), wire.Tag{Key: wire.Ptr("k"), Value: wire.Ptr("v")})
		if _, err := b.svc.DeleteWebhook(b.other, &wire.DeleteWebhookInput{Name: wire.Ptr("gh")}); err != nil {
			t.Fatal(err)
		}
		if len(b.list(t, b.ctx)) != 1 {
			t.Fatal("another account deleted the webhook")
		}
		for range 2 {
			if _, err := b.svc.DeleteWebhook(b.ctx, &wire.DeleteWebhookInput{Name: wire.Ptr("gh")}); err != nil {
				t.Fatal(err)
			}
		}
		if n := len(b.list(t, b.ctx)); n != 0 {
			t.Fatalf("%d webhooks after delete", n)
		}
		if item := b.put(t, webhookDef("gh")); len(item.Tags) != 0 {
			t.Errorf("re-created webhook has old tags %+v", item.Tags)
		}
	})
}

func TestRegisterWebhookWithThirdParty(t *testing.T) {
	t.Parallel()

	registered := func(t *testing.T, b *webhookBundle) bool {
		t.Helper()
		w, err := b.svc.Store.WebhookGet(b.ctx, b.scope, "gh")
		if err != nil {
			t.Fatal(err)
		}
		return w.Registered
	}

	t.Run("register and deregister", func(t *testing.T) {
		t.Parallel()
		b := webhookSetup(t)
		url := b.put(t, webhookDef("gh")).Url
		for range 2 {
			if _, err := b.svc.RegisterWebhookWithThirdParty(b.ctx, &wire.RegisterWebhookWithThirdPartyInput{WebhookName: wire.Ptr("gh")}); err != nil {
				t.Fatal(err)
			}
		}
		if !registered(t, b) {
			t.Fatal("not registered")
		}
		if item := b.put(t, webhookDef("gh")); !registered(t, b) || wire.Value(item.Url) != wire.Value(url) {
			t.Error("replace lost the registration or the URL")
		}
		if _, err := b.svc.DeregisterWebhookWithThirdParty(b.ctx, &wire.DeregisterWebhookWithThirdPartyInput{WebhookName: wire.Ptr("gh")}); err != nil {
			t.Fatal(err)
		}
		if registered(t, b) {
			t.Fatal("still registered")
		}
	})

	t.Run("missing name", func(t *testing.T) {
		t.Parallel()
		b := webhookSetup(t)
		_, err := b.svc.RegisterWebhookWithThirdParty(b.ctx, &wire.RegisterWebhookWithThirdPartyInput{})
		wantWebhookCode(t, err, core.Validation)
		if !strings.Contains(core.ErrorMessage(err), "webhookName") {
			t.Errorf("message %q does not name webhookName", core.ErrorMessage(err))
		}
		_, err = b.svc.DeregisterWebhookWithThirdParty(b.ctx, &wire.DeregisterWebhookWithThirdPartyInput{})
		wantWebhookCode(t, err, core.Validation)
	})

	t.Run("unknown webhook", func(t *testing.T) {
		t.Parallel()
		b := webhookSetup(t)
		b.put(t, webhookDef("gh"))
		_, err := b.svc.RegisterWebhookWithThirdParty(b.other, &wire.RegisterWebhookWithThirdPartyInput{WebhookName: wire.Ptr("gh")})
		wantWebhookCode(t, err, core.WebhookNotFound)
		_, err = b.svc.DeregisterWebhookWithThirdParty(b.ctx, &wire.DeregisterWebhookWithThirdPartyInput{WebhookName: wire.Ptr("nope")})
		wantWebhookCode(t, err, core.WebhookNotFound)
	})
}
