package worker

import (
	"context"
	"errors"
	"io"
	"os"
	"strings"

	"github.com/sluice-cd/sluice/internal/action/gitsource"
	"github.com/sluice-cd/sluice/internal/engine"
	"github.com/sluice-cd/sluice/internal/wire"
)

// GitSource fetches a branch of a git repository: Source/CodeCommit names
// it by RepositoryName, Source/CodeStarSourceConnection by
// FullRepositoryId; the server configuration says where it really is.
type GitSource struct {
	// RepositoryProperty is the configuration property naming the repository.
	RepositoryProperty string
}

// Output artifact formats of git sources.
const (
	formatZip      = "CODE_ZIP"
	formatCloneRef = "CODEBUILD_CLONE_REF"
)

// Run implements Provider.
func (g GitSource) Run(ctx context.Context, w *Work) (*wire.PutJobSuccessResultInput, error) {
	name, err := w.Require(g.RepositoryProperty)
	if err != nil {
		return nil, err
	}
	branch, err := w.Require("BranchName")
	if err != nil {
		return nil, err
	}
	repo, err := w.worker.repository(name)
	if err != nil {
		return nil, err
	}
	head, err := g.revision(ctx, w, repo, name, branch)
	if err != nil {
		return nil, err
	}
	format := w.Config("OutputArtifactFormat")
	if format == "" {
		format = formatZip
	}
	if err := g.output(ctx, w, repo, format, gitsource.CloneRef{Repository: name, URL: repo.URL, Branch: branch, Commit: head.ID}); err != nil {
		return nil, err
	}
	summary := firstLine(head.Message)
	return &wire.PutJobSuccessResultInput{
		CurrentRevision: &wire.CurrentRevision{
			Revision: wire.Ptr(head.ID), ChangeIdentifier: wire.Ptr(head.ID),
			Created: wire.NewTime(head.Committed), RevisionSummary: optional(summary),
		},
		ExecutionDetails: &wire.ExecutionDetails{Summary: optional(summary), ExternalExecutionId: wire.Ptr(head.ID)},
		OutputVariables: map[string]string{
			"CommitId": head.ID, "CommitMessage": strings.TrimSpace(head.Message), "AuthorDate": head.When.UTC().Format("2006-01-02T15:04:05Z"),
			"BranchName": branch, "RepositoryName": name, "FullRepositoryName": name,
		},
	}, nil
}

// revision is the commit to fetch: the one a StartPipelineExecution
// override names (COMMIT_ID), else the branch head.
func (g GitSource) revision(ctx context.Context, w *Work, repo gitsource.Repo, name, branch string) (gitsource.Commit, error) {
	if w.Config(engine.OverrideTypeKey) == string(wire.SourceRevisionTypeCOMMIT_ID) {
		id := w.Config(engine.OverrideValueKey)
		c, err := gitsource.Archive(ctx, repo, id, io.Discard)
		if err != nil {
			return c, &Failure{Type: wire.FailureTypeRevisionUnavailable,
				Message: "The commit " + id + " was not found in the selected repository " + name + ": " + err.Error()}
		}
		return c, nil
	}
	head, err := gitsource.Head(ctx, repo, branch)
	if errors.Is(err, gitsource.ErrBranchNotFound) {
		return head, &Failure{Type: wire.FailureTypeRevisionUnavailable,
			Message: "The action failed because no branch named " + branch + " was found in the selected repository " + name + "."}
	} else if err != nil {
		return head, failf("Could not read repository %s: %v", name, err)
	}
	return head, nil
}

// output writes the commit as a zip of its files or as a clone reference.
func (g GitSource) output(ctx context.Context, w *Work, repo gitsource.Repo, format string, ref gitsource.CloneRef) error {
	f, err := os.CreateTemp(w.Dir, "source-*.zip")
	if err != nil {
		return err
	}
	defer f.Close()
	switch format {
	case formatZip:
		_, err = gitsource.Archive(ctx, repo, ref.Commit, f)
	case formatCloneRef:
		err = gitsource.WriteCloneRef(f, ref)
	default:
		return configError("OutputArtifactFormat must be %s or %s, not %s", formatZip, formatCloneRef, format)
	}
	if err != nil {
		return failf("Could not package commit %s: %v", ref.Commit, err)
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return err
	}
	return w.UploadOutput(ctx, 0, f)
}

// repository finds where a repository named in a pipeline really is.
func (w *Worker) repository(name string) (gitsource.Repo, error) {
	url, ok := w.config().Repositories[name]
	if !ok {
		return gitsource.Repo{}, configError("Repository %s is not configured on this Sluice server (repositories in the server configuration)", name)
	}
	return gitsource.Repo{URL: url}, nil
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(strings.TrimSpace(s), "\n")
	return truncate(line, 2048)
}
