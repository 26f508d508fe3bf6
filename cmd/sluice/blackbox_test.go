package main

import (
	"bufio"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// These tests build the real binary, run it as a process and drive it with
// the aws CLI, the way a user would.

var buildBinary = sync.OnceValues(func() (string, error) {
	dir, err := os.MkdirTemp("", "sluice-bin-")
	if err != nil {
		return "", err
	}
	bin := filepath.Join(dir, "sluice")
	out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput()
	if err != nil {
		return "", &buildError{out: string(out), err: err}
	}
	return bin, nil
})

type buildError struct {
	out string
	err error
}

func (e *buildError) Error() string { return e.err.Error() + ": " + e.out }

// process is a running `sluice serve`.
type process struct {
	cmd *exec.Cmd
	url string
}

// startProcess runs the binary on a free loopback port over dataDir and
// waits until it says where it serves.
func startProcess(t *testing.T, dataDir string, args ...string) *process {
	t.Helper()
	bin, err := buildBinary()
	if err != nil {
		t.Fatalf("build: %v", err)
	}
	cmd := exec.Command(bin, append([]string{"serve", "--listen", "127.0.0.1:0", "--data-dir", dataDir}, args...)...)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &process{cmd: cmd}
	t.Cleanup(func() { p.kill() })
	urls := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			if _, rest, ok := strings.Cut(sc.Text(), " url="); ok {
				urls <- strings.Fields(rest)[0]
			}
		}
	}()
	select {
	case p.url = <-urls:
	case <-time.After(30 * time.Second):
		t.Fatal("sluice serve did not report its URL within 30s")
	}
	return p
}

// kill ends the process with SIGKILL: nothing gets a chance to flush.
func (p *process) kill() {
	if p.cmd.ProcessState == nil {
		_ = p.cmd.Process.Signal(syscall.SIGKILL)
		_ = p.cmd.Wait()
	}
}

// awsCLI runs the aws CLI against url and decodes its JSON output.
func awsCLI(t *testing.T, url string, args ...string) (map[string]any, error) {
	t.Helper()
	cmd := exec.Command("aws", append([]string{"--endpoint-url", url, "--region", "us-east-1", "--output", "json", "codepipeline"}, args...)...)
	cmd.Env = append(os.Environ(), "AWS_ACCESS_KEY_ID="+testAccount, "AWS_SECRET_ACCESS_KEY=secret",
		"AWS_CONFIG_FILE=/dev/null", "AWS_SHARED_CREDENTIALS_FILE=/dev/null", "AWS_PAGER=", "AWS_MAX_ATTEMPTS=1")
	out, err := cmd.Output()
	if err != nil {
		if ee, ok := err.(*exec.ExitError); ok {
			return nil, &cliError{stderr: string(ee.Stderr)}
		}
		return nil, err
	}
	var v map[string]any
	if len(strings.TrimSpace(string(out))) > 0 {
		if err := json.Unmarshal(out, &v); err != nil {
			t.Fatalf("aws %v: %v: %s", args, err, out)
		}
	}
	return v, nil
}

type cliError struct{ stderr string }

func (e *cliError) Error() string { return e.stderr }

func requireCLI(t *testing.T) {
	t.Helper()
	if _, err := exec.LookPath("aws"); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("the aws CLI is required in CI: .ci/run installs it")
		}
		t.Skip("the aws CLI is not installed; skipping the black-box test")
	}
}

const cliPipeline = `{"name": "cli", "roleArn": "arn:aws:iam::123456789012:role/p",
  "artifactStore": {"type": "S3", "location": "artifacts"},
  "stages": [
    {"name": "Source", "actions": [{"name": "Source",
      "actionTypeId": {"category": "Source", "owner": "AWS", "provider": "S3", "version": "1"},
      "configuration": {"S3Bucket": "src", "S3ObjectKey": "app.zip"},
      "outputArtifacts": [{"name": "Src"}]}]},
    {"name": "Approve", "actions": [{"name": "Approve",
      "actionTypeId": {"category": "Approval", "owner": "AWS", "provider": "Manual", "version": "1"}}]}]}`

func TestBlackBoxCLI(t *testing.T) {
	t.Parallel()
	requireCLI(t)
	p := startProcess(t, t.TempDir())

	out, err := awsCLI(t, p.url, "create-pipeline", "--pipeline", cliPipeline, "--tags", "key=team,value=core")
	if err != nil {
		t.Fatal(err)
	}
	if v := out["pipeline"].(map[string]any)["version"]; v != 1.0 {
		t.Fatalf("version = %v", v)
	}
	out, err = awsCLI(t, p.url, "get-pipeline", "--name", "cli")
	if err != nil {
		t.Fatal(err)
	}
	if arn := out["metadata"].(map[string]any)["pipelineArn"]; arn != "arn:aws:codepipeline:us-east-1:"+testAccount+":cli" {
		t.Fatalf("arn = %v", arn)
	}
	out, err = awsCLI(t, p.url, "list-pipelines")
	if err != nil || len(out["pipelines"].([]any)) != 1 {
		t.Fatalf("list = %v, %v", out, err)
	}
	out, err = awsCLI(t, p.url, "list-tags-for-resource", "--resource-arn", "arn:aws:codepipeline:us-east-1:"+testAccount+":cli")
	if err != nil || len(out["tags"].([]any)) != 1 {
		t.Fatalf("tags = %v, %v", out, err)
	}
	out, err = awsCLI(t, p.url, "list-action-types", "--action-owner-filter", "AWS")
	if err != nil || len(out["actionTypes"].([]any)) < 10 {
		t.Fatalf("action types = %v, %v", out, err)
	}
	_, err = awsCLI(t, p.url, "get-pipeline", "--name", "absent")
	if err == nil || !strings.Contains(err.Error(), "PipelineNotFoundException") {
		t.Fatalf("get absent: %v", err)
	}
	_, err = awsCLI(t, p.url, "create-pipeline", "--pipeline", cliPipeline)
	if err == nil || !strings.Contains(err.Error(), "PipelineNameInUseException") {
		t.Fatalf("create twice: %v", err)
	}
	if _, err = awsCLI(t, p.url, "delete-pipeline", "--name", "cli"); err != nil {
		t.Fatal(err)
	}
}

// Nothing acknowledged to a client is lost when the process is killed with
// SIGKILL right after the answer.
func TestBlackBoxKillNineLosesNothing(t *testing.T) {
	t.Parallel()
	requireCLI(t)
	dir := t.TempDir()
	p := startProcess(t, dir)
	if _, err := awsCLI(t, p.url, "create-pipeline", "--pipeline", cliPipeline); err != nil {
		t.Fatal(err)
	}
	for want := 2; want <= 4; want++ {
		p.kill()
		p = startProcess(t, dir)
		if _, err := awsCLI(t, p.url, "update-pipeline", "--pipeline", cliPipeline); err != nil {
			t.Fatal(err)
		}
	}
	p.kill()
	p = startProcess(t, dir)
	out, err := awsCLI(t, p.url, "get-pipeline", "--name", "cli")
	if err != nil {
		t.Fatal(err)
	}
	if v := out["pipeline"].(map[string]any)["version"]; v != 4.0 {
		t.Fatalf("version after kills = %v, want 4", v)
	}
}
