package main

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/codepipeline"
)

// rawCall sends body to target, signed as testAccount unless sign is false.
func rawCall(t *testing.T, m *Main, target, body string, sign bool) (*http.Response, map[string]string) {
	t.Helper()
	req := signedRequest(t, m.URL(), "", []byte(body))
	if !sign {
		req.Header.Del("Authorization")
	}
	if target != "" {
		req.Header.Set("X-Amz-Target", target)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var out map[string]string
	_ = json.Unmarshal(raw, &out)
	if out == nil {
		out = map[string]string{"raw": string(raw)}
	}
	return resp, out
}

func TestProtocolErrors(t *testing.T) {
	t.Parallel()
	m := MustOpen(t)
	const target = "CodePipeline_20150709.ListPipelines"
	tests := []struct {
		name, target, body string
		sign               bool
		status             int
		code               string
	}{
		{"unknown operation", "CodePipeline_20150709.DoThings", "{}", true, 400, "UnknownOperationException"},
		{"wrong target prefix", "Other_20150709.ListPipelines", "{}", true, 400, "UnknownOperationException"},
		{"no target", "", "{}", true, 400, "UnknownOperationException"},
		{"not JSON", target, "{nope", true, 400, "SerializationException"},
		{"not an object", target, "[1,2]", true, 400, "SerializationException"},
		{"wrong member type", target, `{"maxResults":"ten"}`, true, 400, "SerializationException"},
		{"trailing data", target, `{} {}`, true, 400, "SerializationException"},
		{"missing signature", target, "{}", false, 403, "MissingAuthenticationTokenException"},
		{"operation not served yet", "CodePipeline_20150709.ListRuleExecutions",
			`{"pipelineName":"x"}`, true, 400, "UnsupportedOperationException"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			resp, body := rawCall(t, m, tt.target, tt.body, tt.sign)
			if resp.StatusCode != tt.status || body["__type"] != tt.code || body["message"] == "" {
				t.Fatalf("status %d body %v, want %d %s", resp.StatusCode, body, tt.status, tt.code)
			}
			if got := resp.Header.Get("X-Amzn-ErrorType"); got != tt.code {
				t.Fatalf("X-Amzn-ErrorType = %q", got)
			}
			if resp.Header.Get("x-amzn-RequestId") == "" || resp.Header.Get("Content-Type") != "application/x-amz-json-1.1" {
				t.Fatalf("headers = %v", resp.Header)
			}
		})
	}
}

func TestProtocolSuccess(t *testing.T) {
	t.Parallel()
	m := MustOpen(t)
	// An empty body is an empty input (the protocol requires servers to accept it).
	resp, body := rawCall(t, m, "CodePipeline_20150709.ListPipelines", "", true)
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/x-amz-json-1.1" || resp.Header.Get("x-amzn-RequestId") == "" {
		t.Fatalf("status %d headers %v body %v", resp.StatusCode, resp.Header, body)
	}
	// Timestamps are epoch seconds as JSON numbers.
	_, err := newClient(m).CreatePipeline(context.Background(), &codepipeline.CreatePipelineInput{Pipeline: testPipeline("ts")})
	if err != nil {
		t.Fatal(err)
	}
	req := signedRequest(t, m.URL(), "GetPipeline", []byte(`{"name":"ts"}`))
	r, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Body.Close()
	var out struct {
		Metadata map[string]any `json:"metadata"`
	}
	if err := json.NewDecoder(r.Body).Decode(&out); err != nil {
		t.Fatal(err)
	}
	if created, ok := out.Metadata["created"].(float64); !ok || created < 1.7e9 || created > 1e11 {
		t.Fatalf("created = %#v, want epoch seconds", out.Metadata["created"])
	}
}

func TestHealthz(t *testing.T) {
	t.Parallel()
	m := MustOpen(t)
	resp, err := http.Get(m.URL() + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("healthz = %d", resp.StatusCode)
	}
}

// With credentials configured, signatures are verified for real.
func TestSignatureVerification(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	m := MustOpen(t, func(c *Config) {
		c.AccessKeyID, c.SecretAccessKey, c.AccountID = "AKIDSLUICETEST", "right-secret", "111122223333"
	})
	good := newClient(m, clientOpts{accessKey: "AKIDSLUICETEST", secret: "right-secret", region: "us-east-1"})
	must[*codepipeline.CreatePipelineOutput](t)(good.CreatePipeline(ctx, &codepipeline.CreatePipelineInput{Pipeline: testPipeline("signed")}))
	got := must[*codepipeline.GetPipelineOutput](t)(good.GetPipeline(ctx, &codepipeline.GetPipelineInput{Name: aws.String("signed")}))
	if !strings.Contains(aws.ToString(got.Metadata.PipelineArn), ":111122223333:") {
		t.Fatalf("arn = %s, want the credential's account", aws.ToString(got.Metadata.PipelineArn))
	}

	wrongSecret := newClient(m, clientOpts{accessKey: "AKIDSLUICETEST", secret: "wrong", region: "us-east-1"})
	_, err := wrongSecret.ListPipelines(ctx, &codepipeline.ListPipelinesInput{})
	wantAPIError(t, err, "InvalidSignatureException")
	unknown := newClient(m, clientOpts{accessKey: "AKIDUNKNOWN", secret: "right-secret", region: "us-east-1"})
	_, err = unknown.ListPipelines(ctx, &codepipeline.ListPipelinesInput{})
	wantAPIError(t, err, "UnrecognizedClientException")
}

// Without credentials, only a loopback address may be served.
func TestOpenRefusesExposedListenWithoutCredentials(t *testing.T) {
	t.Parallel()
	cfg := DefaultConfig()
	cfg.Listen, cfg.DataDir = "0.0.0.0:0", t.TempDir()
	if _, err := Open(context.Background(), cfg, nil); err == nil || !strings.Contains(err.Error(), "without credentials") {
		t.Fatalf("err = %v", err)
	}
}
