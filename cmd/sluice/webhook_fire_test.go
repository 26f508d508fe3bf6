package main

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/codepipeline"
	"github.com/aws/aws-sdk-go-v2/service/codepipeline/types"
)

// callWebhook posts a body to a webhook URL, signed GitHub-style with
// secret unless it is empty.
func callWebhook(t *testing.T, url, secret string, body []byte) (int, map[string]string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if secret != "" {
		mac := hmac.New(sha256.New, []byte(secret))
		mac.Write(body)
		req.Header.Set("X-Hub-Signature-256", "sha256="+hex.EncodeToString(mac.Sum(nil)))
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	out := map[string]string{}
	_ = json.NewDecoder(resp.Body).Decode(&out)
	return resp.StatusCode, out
}

// TestWebhookFires: a webhook URL starts its pipeline when the caller
// authenticates and every filter matches (T-11, T-12, T-13).
func TestWebhookFires(t *testing.T) {
	m := MustOpen(t)
	c := newClient(m)
	ctx := context.Background()
	setupTypes(t, c, "HookSrc", "HookBuild")
	must[*codepipeline.CreatePipelineOutput](t)(c.CreatePipeline(ctx, &codepipeline.CreatePipelineInput{
		Pipeline: flowPipeline("hooked", "HookSrc", types.ExecutionModeQueued, []types.ActionDeclaration{buildAction("Build", "HookBuild", "app", 1)})}))
	def := webhookDef("hook", "hooked")
	def.TargetAction = aws.String("Fetch")
	w := putWebhook(t, c, def)
	url := aws.ToString(w.Url)

	if code, out := callWebhook(t, url, "wrong", []byte(`{"ref":"refs/heads/main"}`)); code != http.StatusForbidden {
		t.Fatalf("a bad signature: %d %v, want 403", code, out)
	}
	if code, out := callWebhook(t, url, "s3cr3t", []byte(`{"ref":"refs/heads/dev"}`)); code != http.StatusOK || out["pipelineExecutionId"] != "" {
		t.Fatalf("a push to another branch: %d %v, want 200 and no execution", code, out)
	}
	code, out := callWebhook(t, url, "s3cr3t", []byte(`{"ref":"refs/heads/main","commits":[{"id":"c1"}]}`))
	if code != http.StatusOK || out["pipelineExecutionId"] == "" {
		t.Fatalf("a matching push: %d %v", code, out)
	}
	pe := must[*codepipeline.GetPipelineExecutionOutput](t)(c.GetPipelineExecution(ctx, &codepipeline.GetPipelineExecutionInput{
		PipelineName: aws.String("hooked"), PipelineExecutionId: aws.String(out["pipelineExecutionId"])})).PipelineExecution
	if pe.Trigger.TriggerType != types.TriggerTypeWebhook || aws.ToString(pe.Trigger.TriggerDetail) != aws.ToString(w.Arn) {
		t.Fatalf("trigger %+v, want Webhook with the webhook ARN", pe.Trigger)
	}
	hooks := must[*codepipeline.ListWebhooksOutput](t)(c.ListWebhooks(ctx, &codepipeline.ListWebhooksInput{}))
	if len(hooks.Webhooks) != 1 || hooks.Webhooks[0].LastTriggered == nil {
		t.Fatalf("webhooks %+v, want lastTriggered set", hooks.Webhooks)
	}
	if code, _ := callWebhook(t, m.URL()+"/webhooks/us-east-1/trigger?t=00112233445566778899&v=1", "", []byte(`{}`)); code != http.StatusBadRequest {
		t.Fatalf("an unknown webhook: %d, want 400", code)
	}
}

func TestJSONPathFilters(t *testing.T) {
	m := MustOpen(t)
	c := newClient(m)
	ctx := context.Background()
	setupTypes(t, c, "PathSrc", "PathBuild")
	must[*codepipeline.CreatePipelineOutput](t)(c.CreatePipeline(ctx, &codepipeline.CreatePipelineInput{
		Pipeline: flowPipeline("paths", "PathSrc", types.ExecutionModeQueued, []types.ActionDeclaration{buildAction("Build", "PathBuild", "app", 1)})}))
	def := webhookDef("open", "paths")
	def.TargetAction = aws.String("Fetch")
	def.Authentication, def.AuthenticationConfiguration = types.WebhookAuthenticationTypeUnauthenticated, &types.WebhookAuthConfiguration{}
	def.Filters = []types.WebhookFilterRule{
		{JsonPath: aws.String("$.repository['full_name']"), MatchEquals: aws.String("acme/app")},
		{JsonPath: aws.String("$.commits[1].id"), MatchEquals: aws.String("c2")},
		{JsonPath: aws.String("$.forced"), MatchEquals: aws.String("false")},
	}
	url := aws.ToString(putWebhook(t, c, def).Url)
	body := `{"repository":{"full_name":"acme/app"},"commits":[{"id":"c1"},{"id":"c2"}],"forced":false}`
	if _, out := callWebhook(t, url, "", []byte(body)); out["pipelineExecutionId"] == "" {
		t.Fatalf("every filter matches, yet no execution: %v", out)
	}
	if _, out := callWebhook(t, url, "", []byte(`{"repository":{"full_name":"acme/app"},"commits":[{"id":"c1"}],"forced":false}`)); out["pipelineExecutionId"] != "" {
		t.Fatalf("a filter that does not match started %v", out)
	}
}
