package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// The scenario test drives the built binary only with the tools a user
// has: the aws CLI and a job worker written in Python with boto3. Either
// is enough: without boto3 the CLI works the jobs (poll-for-jobs,
// acknowledge-job, put-job-success-result); without the CLI, one-shot
// boto3 calls do what the CLI would. SLUICE_SCENARIO_TOOLS=cli or =boto3
// restricts the test to one of them, to exercise each path on a machine
// that has both.

// scenarioTools tells which of the aws CLI and python3 with boto3 the
// scenario may use.
func scenarioTools(t *testing.T) (cli, boto bool) {
	t.Helper()
	only := os.Getenv("SLUICE_SCENARIO_TOOLS")
	if _, err := exec.LookPath("aws"); err == nil && only != "boto3" {
		cli = true
	}
	if only != "cli" {
		if err := exec.Command("python3", "-c", "import boto3").Run(); err == nil {
			boto = true
		}
	}
	if !cli && !boto {
		if os.Getenv("CI") != "" {
			t.Fatal("the scenario test needs the aws CLI or python3 with boto3 in CI: .ci/run installs the aws CLI")
		}
		t.Skip("neither the aws CLI nor python3 with boto3 is installed; skipping the aws-tools scenario")
	}
	return cli, boto
}

// scenarioEnv keeps the tools away from the user's AWS configuration.
func scenarioEnv(extra ...string) []string {
	return append(append(os.Environ(), "AWS_ACCESS_KEY_ID="+testAccount, "AWS_SECRET_ACCESS_KEY=secret",
		"AWS_CONFIG_FILE=/dev/null", "AWS_SHARED_CREDENTIALS_FILE=/dev/null", "AWS_PAGER=", "AWS_MAX_ATTEMPTS=1",
		"AWS_DEFAULT_REGION=us-east-1"), extra...)
}

// scenarioError is an error answer of the API as a tool reported it.
type scenarioError struct{ code, message string }

func (e *scenarioError) Error() string { return e.code + ": " + e.message }

func scenarioCode(err error) string {
	var se *scenarioError
	if errors.As(err, &se) {
		return se.code
	}
	return ""
}

// caller calls one CodePipeline operation with its input in the API's
// JSON shape and returns the output in the same shape.
type caller func(op string, in map[string]any) (map[string]any, error)

var cliErrorCode = regexp.MustCompile(`An error occurred \((\w+)\)`)

// cliCaller runs `aws codepipeline <operation> --cli-input-json`.
func cliCaller(t *testing.T, url string) caller {
	return func(op string, in map[string]any) (map[string]any, error) {
		t.Helper()
		raw, err := json.Marshal(in)
		if err != nil {
			t.Fatal(err)
		}
		out, err := awsCLI(t, url, kebab(op), "--cli-input-json", string(raw))
		var ce *cliError
		if errors.As(err, &ce) {
			if m := cliErrorCode.FindStringSubmatch(ce.stderr); m != nil {
				return nil, &scenarioError{code: m[1], message: strings.TrimSpace(ce.stderr)}
			}
		}
		return out, err
	}
}

// kebab turns CreateCustomActionType into create-custom-action-type.
func kebab(op string) string {
	var b strings.Builder
	for i, r := range op {
		if r >= 'A' && r <= 'Z' {
			if i > 0 {
				b.WriteByte('-')
			}
			r += 'a' - 'A'
		}
		b.WriteRune(r)
	}
	return b.String()
}

// botoCall is one boto3 call: endpoint, operation and input as arguments,
// the output or the error code as JSON on stdout.
const botoCall = `
import json, sys
import boto3, botocore
from botocore.config import Config
c = boto3.client("codepipeline", endpoint_url=sys.argv[1], region_name="us-east-1",
                 config=Config(retries={"max_attempts": 1, "mode": "standard"}))
try:
    out = getattr(c, botocore.xform_name(sys.argv[2]))(**json.loads(sys.argv[3]))
    out.pop("ResponseMetadata", None)
    print(json.dumps(out, default=str))
except botocore.exceptions.ClientError as e:
    print(json.dumps({"__error__": e.response["Error"]["Code"], "message": e.response["Error"].get("Message", "")}))
`

// botoCaller makes each call a python3 process that calls boto3.
func botoCaller(t *testing.T, url string) caller {
	return func(op string, in map[string]any) (map[string]any, error) {
		t.Helper()
		raw, err := json.Marshal(in)
		if err != nil {
			t.Fatal(err)
		}
		cmd := exec.Command("python3", "-c", botoCall, url, op, string(raw))
		cmd.Env = scenarioEnv()
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		stdout, err := cmd.Output()
		if err != nil {
			return nil, fmt.Errorf("boto3 %s: %v: %s", op, err, stderr.String())
		}
		var v map[string]any
		if err := json.Unmarshal(stdout, &v); err != nil {
			t.Fatalf("boto3 %s: %v: %s", op, err, stdout)
		}
		if code, ok := v["__error__"].(string); ok {
			return nil, &scenarioError{code: code, message: fmt.Sprint(v["message"])}
		}
		return v, nil
	}
}

// scenarioWorker is a boto3 job worker: it works the source job, the
// build job and the deploy job that follows the approval, checks on the
// way that boto3's modeled error classes catch the server's errors, and
// prints what it did as JSON.
const scenarioWorker = `
import json, os, sys, time, uuid
import boto3, botocore
from botocore.config import Config

c = boto3.client("codepipeline", endpoint_url=os.environ["SLUICE_URL"], region_name="us-east-1",
                 config=Config(retries={"max_attempts": 1, "mode": "standard"}))
src = {"category": "Source", "owner": "Custom", "provider": "ScenarioSrc", "version": "1"}
build = {"category": "Build", "owner": "Custom", "provider": "ScenarioBuild", "version": "1"}
deadline = time.time() + 90
report = {"jobs": [], "exceptions": {}}

def poll(type_id, query=None):
    kw = {"actionTypeId": type_id, "maxBatchSize": 1}
    if query:
        kw["queryParam"] = query
    while time.time() < deadline:
        jobs = c.poll_for_jobs(**kw)["jobs"]
        if jobs:
            return jobs[0]
        time.sleep(0.05)
    sys.exit("timed out polling for a job of %s %s" % (type_id["provider"], query))

def raises(name, call):
    cls = getattr(c.exceptions, name)
    try:
        call()
    except cls as e:
        if not isinstance(e, botocore.exceptions.ClientError):
            sys.exit("%s is not a ClientError" % name)
        report["exceptions"][name] = e.response["Error"]["Code"]
        return
    except botocore.exceptions.ClientError as e:
        sys.exit("wanted %s, got %s: %s" % (name, e.response["Error"]["Code"], e))
    sys.exit("wanted %s, nothing was raised" % name)

def work(type_id, query=None, check=None, **result):
    job = poll(type_id, query)
    if check:
        check(job)
    status = c.acknowledge_job(jobId=job["id"], nonce=job["nonce"])["status"]
    if status != "InProgress":
        sys.exit("acknowledged job %s is %s" % (job["id"], status))
    c.put_job_success_result(jobId=job["id"], **result)
    data, ctx = job["data"], job["data"]["pipelineContext"]
    report["jobs"].append({
        "id": job["id"], "stage": ctx["stage"]["name"], "action": ctx["action"]["name"],
        "execution": ctx["pipelineExecutionId"],
        "configuration": data["actionConfiguration"].get("configuration", {}),
        "inputRevisions": [a.get("revision") for a in data["inputArtifacts"]],
    })
    return job

raises("ValidationException", lambda: c.poll_for_jobs(actionTypeId=build))  # a queryable type needs its query
raises("ActionTypeNotFoundException", lambda: c.poll_for_jobs(actionTypeId=dict(src, provider="NoSuchProvider")))
raises("JobNotFoundException", lambda: c.get_job_details(jobId=str(uuid.uuid4())))

def wrong_nonce(job):
    raises("InvalidNonceException", lambda: c.acknowledge_job(jobId=job["id"], nonce="not-the-nonce"))

first = work(src, check=wrong_nonce,
             currentRevision={"revision": "abc123", "changeIdentifier": "abc123", "revisionSummary": "from boto3"},
             outputVariables={"CommitId": "abc123"},
             executionDetails={"summary": "fetched", "externalExecutionId": "fetch-1", "percentComplete": 100})
raises("InvalidJobStateException", lambda: c.put_job_success_result(jobId=first["id"]))
work(build, {"Project": "app"}, executionDetails={"summary": "built", "externalExecutionId": "build-1"})
work(build, {"Project": "deploy"}, outputVariables={"Url": "https://app.example.com"})
print(json.dumps(report))
`

// scenarioPipeline is custom source -> custom build -> manual approval ->
// custom deploy that uses the source's output variable.
func scenarioPipeline() map[string]any {
	custom := func(cat, provider string) map[string]any {
		return map[string]any{"category": cat, "owner": "Custom", "provider": provider, "version": "1"}
	}
	return map[string]any{"pipeline": map[string]any{
		"name": "scenario", "roleArn": "arn:aws:iam::" + testAccount + ":role/pipeline",
		"artifactStore": map[string]any{"type": "S3", "location": "artifacts"},
		"stages": []any{
			map[string]any{"name": "Source", "actions": []any{map[string]any{
				"name": "Fetch", "actionTypeId": custom("Source", "ScenarioSrc"), "namespace": "SourceVars",
				"outputArtifacts": []any{map[string]any{"name": "Src"}}}}},
			map[string]any{"name": "Build", "actions": []any{map[string]any{
				"name": "Compile", "actionTypeId": custom("Build", "ScenarioBuild"), "configuration": map[string]any{"Project": "app"},
				"inputArtifacts": []any{map[string]any{"name": "Src"}}}}},
			map[string]any{"name": "Approve", "actions": []any{map[string]any{
				"name": "Review", "configuration": map[string]any{"CustomData": "ship it?"},
				"actionTypeId": map[string]any{"category": "Approval", "owner": "AWS", "provider": "Manual", "version": "1"}}}},
			map[string]any{"name": "Deploy", "actions": []any{map[string]any{
				"name": "Ship", "actionTypeId": custom("Build", "ScenarioBuild"),
				"configuration":  map[string]any{"Project": "deploy", "Message": "ship #{SourceVars.CommitId}"},
				"inputArtifacts": []any{map[string]any{"name": "Src"}}}}},
		},
	}}
}

func scenarioTypes() []map[string]any {
	artifacts := func(min, max int) map[string]any { return map[string]any{"minimumCount": min, "maximumCount": max} }
	return []map[string]any{{
		"category": "Source", "provider": "ScenarioSrc", "version": "1",
		"settings":              map[string]any{"executionUrlTemplate": "https://src.example.com/{ExternalExecutionId}"},
		"inputArtifactDetails":  artifacts(0, 0),
		"outputArtifactDetails": artifacts(1, 1),
	}, {
		"category": "Build", "provider": "ScenarioBuild", "version": "1",
		"configurationProperties": []any{
			map[string]any{"name": "Project", "required": true, "key": true, "secret": false, "queryable": true, "type": "String"},
			map[string]any{"name": "Message", "required": false, "key": false, "secret": false, "type": "String"},
		},
		"settings":              map[string]any{"executionUrlTemplate": "https://ci.example.com/{Config:Project}/{ExternalExecutionId}"},
		"inputArtifactDetails":  artifacts(1, 1),
		"outputArtifactDetails": artifacts(0, 1),
	}}
}

func TestScenarioAWSTools(t *testing.T) {
	t.Parallel()
	cli, boto := scenarioTools(t)
	p := startProcess(t, t.TempDir())
	began := time.Now()
	call, via := botoCaller(t, p.url), "boto3 one-shot calls"
	if cli {
		call, via = cliCaller(t, p.url), "the aws CLI"
	}
	mustCall := func(op string, in map[string]any) map[string]any {
		t.Helper()
		out, err := call(op, in)
		if err != nil {
			t.Fatalf("%s: %v", op, err)
		}
		return out
	}
	for _, typ := range scenarioTypes() {
		mustCall("CreateCustomActionType", typ)
	}
	mustCall("CreatePipeline", scenarioPipeline())
	sums := mustCall("ListPipelineExecutions", map[string]any{"pipelineName": "scenario"})["pipelineExecutionSummaries"].([]any)
	if len(sums) != 1 {
		t.Fatalf("executions after CreatePipeline: %v", sums)
	}
	id := sums[0].(map[string]any)["pipelineExecutionId"].(string)

	// The worker: a boto3 process working every job while this test
	// answers the approval, or the CLI working them in between.
	var workerOut, workerErr bytes.Buffer
	var worker *exec.Cmd
	var workerExit error
	workerDone := make(chan struct{}) // closed when the worker exited
	if boto {
		script := filepath.Join(t.TempDir(), "worker.py")
		if err := os.WriteFile(script, []byte(scenarioWorker), 0o600); err != nil {
			t.Fatal(err)
		}
		worker = exec.Command("python3", script)
		worker.Env = scenarioEnv("SLUICE_URL=" + p.url)
		worker.Stdout, worker.Stderr = &workerOut, &workerErr
		if err := worker.Start(); err != nil {
			t.Fatal(err)
		}
		go func() { workerExit = worker.Wait(); close(workerDone) }()
		t.Cleanup(func() {
			select {
			case <-workerDone:
			default:
				_ = worker.Process.Kill()
				<-workerDone
			}
		})
	} else {
		scenarioCLIWork(t, call, "ScenarioSrc", nil, true)
		scenarioCLIWork(t, call, "ScenarioBuild", map[string]any{"Project": "app"}, false)
	}

	// The approval: its token from get-pipeline-state, answered with
	// put-approval-result.
	var token string
	scenarioEventually(t, "the approval token in get-pipeline-state", func() bool {
		select {
		case <-workerDone: // it cannot be done before the approval
			t.Fatalf("the boto3 worker ended before the approval: %v\n%s%s", workerExit, workerErr.String(), workerOut.String())
		default:
		}
		state := mustCall("GetPipelineState", map[string]any{"name": "scenario"})
		for _, s := range state["stageStates"].([]any) {
			stage := s.(map[string]any)
			if stage["stageName"] != "Approve" {
				continue
			}
			for _, a := range stage["actionStates"].([]any) {
				if le, ok := a.(map[string]any)["latestExecution"].(map[string]any); ok && le["token"] != nil && le["status"] == "InProgress" {
					token = le["token"].(string)
				}
			}
		}
		return token != ""
	})
	approval := map[string]any{"pipelineName": "scenario", "stageName": "Approve", "actionName": "Review",
		"token": token, "result": map[string]any{"status": "Approved", "summary": "looks good"}}
	if out := mustCall("PutApprovalResult", approval); out["approvedAt"] == nil {
		t.Fatalf("put-approval-result answered %v, want approvedAt", out)
	}
	if _, err := call("PutApprovalResult", approval); scenarioCode(err) != "ApprovalAlreadyCompletedException" {
		t.Fatalf("approving twice: %v, want ApprovalAlreadyCompletedException", err)
	}

	if boto {
		select {
		case <-workerDone:
			if workerExit != nil {
				t.Fatalf("boto3 worker: %v\n%s", workerExit, workerErr.String())
			}
		case <-time.After(60 * time.Second):
			_ = worker.Process.Kill() // its output is only safe to read once it exited
			<-workerDone
			t.Fatalf("the boto3 worker did not finish within 60s: %s", workerErr.String())
		}
		scenarioCheckReport(t, workerOut.Bytes(), id)
	} else {
		scenarioCLIWork(t, call, "ScenarioBuild", map[string]any{"Project": "deploy"}, false)
	}

	var pe map[string]any
	scenarioEventually(t, "get-pipeline-execution to say Succeeded", func() bool {
		pe = mustCall("GetPipelineExecution", map[string]any{"pipelineName": "scenario", "pipelineExecutionId": id})["pipelineExecution"].(map[string]any)
		if s := pe["status"]; s == "Failed" || s == "Stopped" {
			t.Fatalf("execution %s: %v", s, pe["statusSummary"])
		}
		return pe["status"] == "Succeeded"
	})
	revs := pe["artifactRevisions"].([]any)
	if trig := pe["trigger"].(map[string]any); trig["triggerType"] != "CreatePipeline" ||
		len(revs) != 1 || revs[0].(map[string]any)["revisionId"] != "abc123" {
		t.Fatalf("execution %v", pe)
	}
	sums = mustCall("ListPipelineExecutions", map[string]any{"pipelineName": "scenario"})["pipelineExecutionSummaries"].([]any)
	if len(sums) != 1 || sums[0].(map[string]any)["pipelineExecutionId"] != id || sums[0].(map[string]any)["status"] != "Succeeded" {
		t.Fatalf("list-pipeline-executions: %v", sums)
	}
	runs := mustCall("ListActionExecutions", map[string]any{"pipelineName": "scenario",
		"filter": map[string]any{"pipelineExecutionId": id}})["actionExecutionDetails"].([]any)
	got := map[string]any{}
	for _, r := range runs {
		d := r.(map[string]any)
		got[d["stageName"].(string)+"/"+d["actionName"].(string)] = d["status"]
		if d["actionName"] == "Ship" {
			if msg := d["input"].(map[string]any)["resolvedConfiguration"].(map[string]any)["Message"]; msg != "ship abc123" {
				t.Errorf("deploy resolved Message %v, want \"ship abc123\"", msg)
			}
		}
	}
	want := map[string]any{"Source/Fetch": "Succeeded", "Build/Compile": "Succeeded", "Approve/Review": "Succeeded", "Deploy/Ship": "Succeeded"}
	if len(runs) != len(want) || fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("list-action-executions: %v, want %v", got, want)
	}
	worked := "the aws CLI (poll-for-jobs, acknowledge-job, put-job-success-result)"
	if boto {
		worked = "a python3 boto3 worker"
	}
	t.Logf("calls through %s, jobs worked by %s; %v after the server started", via, worked, time.Since(began).Round(time.Millisecond))
}

// scenarioCheckReport checks what the boto3 worker saw: three jobs of the
// execution, the deploy configuration resolved from the source's output
// variable, the source revision on the build's input, and every error
// class caught.
func scenarioCheckReport(t *testing.T, out []byte, id string) {
	t.Helper()
	var report struct {
		Jobs []struct {
			Stage, Action, Execution string
			Configuration            map[string]string
			InputRevisions           []*string
		}
		Exceptions map[string]string
	}
	if err := json.Unmarshal(out, &report); err != nil {
		t.Fatalf("worker report %q: %v", out, err)
	}
	if len(report.Jobs) != 3 {
		t.Fatalf("worker worked %d jobs, want 3: %+v", len(report.Jobs), report.Jobs)
	}
	for _, j := range report.Jobs {
		if j.Execution != id {
			t.Errorf("job of %s/%s belongs to execution %s, want %s", j.Stage, j.Action, j.Execution, id)
		}
	}
	build, deploy := report.Jobs[1], report.Jobs[2]
	if build.Stage != "Build" || len(build.InputRevisions) != 1 || build.InputRevisions[0] == nil || *build.InputRevisions[0] != "abc123" {
		t.Errorf("build job %+v: want the source revision abc123 on its input", build)
	}
	if deploy.Stage != "Deploy" || deploy.Configuration["Message"] != "ship abc123" {
		t.Errorf("deploy job %+v: want Message resolved to \"ship abc123\"", deploy)
	}
	for _, name := range []string{"ValidationException", "ActionTypeNotFoundException", "JobNotFoundException", "InvalidNonceException", "InvalidJobStateException"} {
		if report.Exceptions[name] != name {
			t.Errorf("boto3 client.exceptions.%s did not catch the error: %v", name, report.Exceptions)
		}
	}
}

// scenarioCLIWork works one job through the caller: poll-for-jobs,
// acknowledge-job (first with a wrong nonce when checkNonce), and
// put-job-success-result.
func scenarioCLIWork(t *testing.T, call caller, provider string, query map[string]any, checkNonce bool) {
	t.Helper()
	cat := "Build"
	if provider == "ScenarioSrc" {
		cat = "Source"
	}
	in := map[string]any{"actionTypeId": map[string]any{"category": cat, "owner": "Custom", "provider": provider, "version": "1"}, "maxBatchSize": 1}
	if query != nil {
		in["queryParam"] = query
	}
	var job map[string]any
	scenarioEventually(t, "a job of "+provider, func() bool {
		out, err := call("PollForJobs", in)
		if err != nil {
			t.Fatalf("poll-for-jobs: %v", err)
		}
		if jobs, _ := out["jobs"].([]any); len(jobs) > 0 {
			job = jobs[0].(map[string]any)
		}
		return job != nil
	})
	jobID := job["id"].(string)
	if checkNonce {
		if _, err := call("AcknowledgeJob", map[string]any{"jobId": jobID, "nonce": "not-the-nonce"}); scenarioCode(err) != "InvalidNonceException" {
			t.Fatalf("acknowledge-job with a wrong nonce: %v, want InvalidNonceException", err)
		}
	}
	out, err := call("AcknowledgeJob", map[string]any{"jobId": jobID, "nonce": job["nonce"]})
	if err != nil || out["status"] != "InProgress" {
		t.Fatalf("acknowledge-job: %v %v", out, err)
	}
	result := map[string]any{"jobId": jobID}
	if cat == "Source" {
		result["currentRevision"] = map[string]any{"revision": "abc123", "changeIdentifier": "abc123"}
		result["outputVariables"] = map[string]any{"CommitId": "abc123"}
	}
	if _, err := call("PutJobSuccessResult", result); err != nil {
		t.Fatalf("put-job-success-result: %v", err)
	}
	if cat == "Source" {
		if _, err := call("PutJobSuccessResult", result); scenarioCode(err) != "InvalidJobStateException" {
			t.Fatalf("put-job-success-result twice: %v, want InvalidJobStateException", err)
		}
	}
}

// scenarioEventually polls cond until it holds, for at most 60 s: each
// try may start a tool process.
func scenarioEventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
