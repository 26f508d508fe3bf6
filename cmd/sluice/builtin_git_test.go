package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/codepipeline"
	"github.com/aws/aws-sdk-go-v2/service/codepipeline/types"
	"github.com/go-git/go-git/v5"
	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/object"
)

// gitRepo is a local repository tests commit to.
type gitRepo struct {
	t    *testing.T
	dir  string
	repo *git.Repository
}

func newGitRepo(t *testing.T) *gitRepo {
	t.Helper()
	dir := t.TempDir()
	r, err := git.PlainInitWithOptions(dir, &git.PlainInitOptions{
		InitOptions: git.InitOptions{DefaultBranch: plumbing.NewBranchReferenceName("main")}})
	if err != nil {
		t.Fatal(err)
	}
	return &gitRepo{t: t, dir: dir, repo: r}
}

// commit writes the files and commits them, returning the commit id.
func (g *gitRepo) commit(msg string, files map[string]string) string {
	g.t.Helper()
	wt, err := g.repo.Worktree()
	if err != nil {
		g.t.Fatal(err)
	}
	for name, content := range files {
		path := filepath.Join(g.dir, name)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			g.t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
			g.t.Fatal(err)
		}
		if _, err := wt.Add(name); err != nil {
			g.t.Fatal(err)
		}
	}
	h, err := wt.Commit(msg, &git.CommitOptions{Author: &object.Signature{Name: "Dev", Email: "dev@example.com", When: time.Now()}})
	if err != nil {
		g.t.Fatal(err)
	}
	return h.String()
}

// writeConfig writes a server configuration file.
func writeConfig(t *testing.T, yaml string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "sluice.yaml")
	if err := os.WriteFile(path, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// A CodeCommit source mapped to a local repository is fetched at the
// branch head, built, and a new commit starts a new execution whose
// revision is the commit, summarised by its message.
func TestBuiltinGitSource(t *testing.T) {
	repo := newGitRepo(t)
	buildspec := "version: 0.2\nenv:\n  exported-variables: [MSG]\nphases:\n  build:\n    commands:\n      - MSG=$(cat message.txt)\n"
	first := repo.commit("First commit\n\nWith a body.", map[string]string{"buildspec.yml": buildspec, "message.txt": "one"})
	cfg := writeConfig(t, "repositories:\n  my-repo: "+repo.dir+"\nchangeDetection: 50ms\n")
	m := MustOpen(t, func(c *Config) { c.ConfigFile = cfg })
	c := newClient(m)
	id := createPipeline(t, c, builtinPipeline("git",
		awsAction("Source", types.ActionCategorySource, "CodeCommit", map[string]string{"RepositoryName": "my-repo", "BranchName": "main"}, nil, []string{"Src"}),
		awsAction("Build", types.ActionCategoryBuild, "CodeBuild", map[string]string{"ProjectName": "p"}, []string{"Src"}, nil),
	))
	ex := waitExecution(t, c, "git", id, types.PipelineExecutionStatusSucceeded)
	rev := ex.ArtifactRevisions[0]
	if aws.ToString(rev.RevisionId) != first || aws.ToString(rev.RevisionSummary) != "First commit" {
		t.Fatalf("revision = %s %q, want %s \"First commit\"", aws.ToString(rev.RevisionId), aws.ToString(rev.RevisionSummary), first)
	}
	if v := actionExecutions(t, c, "git", id)["Build"].Output.OutputVariables["MSG"]; v != "one" {
		t.Fatalf("built message = %q", v)
	}

	second := repo.commit("Second commit", map[string]string{"message.txt": "two"})
	var next string
	eventually(t, "an execution for the new commit", func() bool {
		next = latestExecution(t, c, "git")
		return next != id
	})
	ex = waitExecution(t, c, "git", next, types.PipelineExecutionStatusSucceeded)
	if aws.ToString(ex.ArtifactRevisions[0].RevisionId) != second || ex.Trigger == nil || ex.Trigger.TriggerType != types.TriggerTypePollForSourceChanges {
		t.Fatalf("second execution: revisions %+v trigger %+v", ex.ArtifactRevisions, ex.Trigger)
	}
	if v := actionExecutions(t, c, "git", next)["Build"].Output.OutputVariables["MSG"]; v != "two" {
		t.Fatalf("built message = %q", v)
	}
	// A connection source with CODEBUILD_CLONE_REF hands the build a full
	// clone, .git included, checked out on the branch.
	cloneSpec := "version: 0.2\nenv:\n  exported-variables: [HEAD_REF]\nphases:\n  build:\n    commands:\n      - test -d .git\n      - HEAD_REF=$(cat .git/HEAD)\n"
	repo.commit("Clone spec", map[string]string{"buildspec.yml": cloneSpec})
	id = createPipeline(t, c, builtinPipeline("clone",
		awsAction("Source", types.ActionCategorySource, "CodeStarSourceConnection", map[string]string{
			"ConnectionArn":    "arn:aws:codeconnections:us-east-1:123456789012:connection/abc",
			"FullRepositoryId": "my-repo", "BranchName": "main", "OutputArtifactFormat": "CODEBUILD_CLONE_REF"}, nil, []string{"Src"}),
		awsAction("Build", types.ActionCategoryBuild, "CodeBuild", map[string]string{"ProjectName": "p"}, []string{"Src"}, nil),
	))
	waitExecution(t, c, "clone", id, types.PipelineExecutionStatusSucceeded)
	if v := actionExecutions(t, c, "clone", id)["Build"].Output.OutputVariables["HEAD_REF"]; v != "ref: refs/heads/main" {
		t.Fatalf("clone HEAD = %q", v)
	}

	// An unknown branch fails the source with CodePipeline's message.
	id = createPipeline(t, c, builtinPipeline("nobranch",
		awsAction("Source", types.ActionCategorySource, "CodeCommit", map[string]string{"RepositoryName": "my-repo", "BranchName": "dev"}, nil, []string{"Src"}),
		awsAction("Build", types.ActionCategoryBuild, "CodeBuild", map[string]string{"ProjectName": "p"}, []string{"Src"}, nil),
	))
	waitExecution(t, c, "nobranch", id, types.PipelineExecutionStatusFailed)
	msg := aws.ToString(actionExecutions(t, c, "nobranch", id)["Source"].Output.ExecutionResult.ErrorDetails.Message)
	if !strings.Contains(msg, "no branch named dev") {
		t.Fatalf("failure = %q", msg)
	}
}

// A COMMIT_ID source revision override makes the git source fetch that
// commit instead of the branch head.
func TestBuiltinGitSourceOverride(t *testing.T) {
	repo := newGitRepo(t)
	buildspec := "version: 0.2\nenv:\n  exported-variables: [MSG]\nphases:\n  build:\n    commands:\n      - MSG=$(cat message.txt)\n"
	first := repo.commit("First", map[string]string{"buildspec.yml": buildspec, "message.txt": "one"})
	repo.commit("Second", map[string]string{"message.txt": "two"})
	cfg := writeConfig(t, "repositories:\n  pinned: "+repo.dir+"\n")
	m := MustOpen(t, func(c *Config) { c.ConfigFile = cfg })
	c := newClient(m)
	id := createPipeline(t, c, builtinPipeline("pinned",
		awsAction("Source", types.ActionCategorySource, "CodeCommit", map[string]string{"RepositoryName": "pinned", "BranchName": "main", "PollForSourceChanges": "false"}, nil, []string{"Src"}),
		awsAction("Build", types.ActionCategoryBuild, "CodeBuild", map[string]string{"ProjectName": "p"}, []string{"Src"}, nil),
	))
	waitExecution(t, c, "pinned", id, types.PipelineExecutionStatusSucceeded)
	out, err := c.StartPipelineExecution(context.Background(), &codepipeline.StartPipelineExecutionInput{Name: aws.String("pinned"),
		SourceRevisions: []types.SourceRevisionOverride{{ActionName: aws.String("Source"), RevisionType: types.SourceRevisionTypeCommitId, RevisionValue: aws.String(first)}}})
	if err != nil {
		t.Fatal(err)
	}
	id = aws.ToString(out.PipelineExecutionId)
	ex := waitExecution(t, c, "pinned", id, types.PipelineExecutionStatusSucceeded)
	if aws.ToString(ex.ArtifactRevisions[0].RevisionId) != first {
		t.Fatalf("revision = %s, want the overridden %s", aws.ToString(ex.ArtifactRevisions[0].RevisionId), first)
	}
	if v := actionExecutions(t, c, "pinned", id)["Build"].Output.OutputVariables["MSG"]; v != "one" {
		t.Fatalf("built message = %q, want the first commit's", v)
	}
}
