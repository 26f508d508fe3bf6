package engine

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/sluice-cd/sluice/internal/core"
	"github.com/sluice-cd/sluice/internal/store"
	"github.com/sluice-cd/sluice/internal/wire"
)

// Grant is what the artifact credentials of a job allow: reading its
// input artifacts and writing its output artifacts, until Expires and only
// while the job is being worked.
type Grant struct {
	Scope           core.Scope
	AccessKeyID     string
	SecretAccessKey string
	SessionToken    string
	Expires         time.Time
	Read, Write     []core.Object
}

// handOut mints the artifact credentials of jobs being handed out, so each
// hand-out has its own and those of an earlier hand-out stop working.
func (e *Engine) handOut(ctx context.Context, tx store.Tx, jobs []*core.Job, now time.Time) error {
	for _, j := range jobs {
		var data wire.JobData
		if err := json.Unmarshal(j.Data, &data); err != nil {
			return fmt.Errorf("job %s data: %w", j.ID, err)
		}
		creds := mintCredentials()
		data.ArtifactCredentials = creds
		raw, err := json.Marshal(&data)
		if err != nil {
			return err
		}
		j.Data, j.AccessKeyID = raw, *creds.AccessKeyId
		j.CredentialsExpire = now.Add(e.Timeouts.Credentials)
		if err := tx.JobPut(ctx, j); err != nil {
			return err
		}
	}
	return nil
}

// JobKeyPrefix starts every access key id of artifact credentials, so the
// S3 endpoint can tell a job's key that expired from an account's key.
const JobKeyPrefix = "ASIASLUICE"

// mintCredentials makes credentials shaped like STS session credentials:
// a 20-character ASIA access key id, a 40-character secret and a session
// token.
func mintCredentials() *wire.AWSSessionCredentials {
	return &wire.AWSSessionCredentials{
		AccessKeyId:     wire.Ptr(JobKeyPrefix + randomFrom(upperAlnum, 10)),
		SecretAccessKey: wire.Ptr(randomFrom(keyAlphabet+"+/", 40)),
		SessionToken:    wire.Ptr(randomFrom(keyAlphabet, 64)),
	}
}

const upperAlnum = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"

func randomFrom(alphabet string, n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return string(b)
}

// JobGrant resolves artifact credentials by access key id; ok is false
// when no job holds them, or its work is over (succeeded, failed or handed
// out again), so they open nothing any more.
func (e *Engine) JobGrant(ctx context.Context, accessKeyID string) (g Grant, ok bool, err error) {
	j, err := e.Store.JobByAccessKey(ctx, accessKeyID)
	if errors.Is(err, store.ErrNotFound) {
		return Grant{}, false, nil
	}
	if err != nil {
		return Grant{}, false, err
	}
	if j.Status != core.JobDispatched && j.Status != core.JobInProgress {
		return Grant{}, false, nil
	}
	var data wire.JobData
	if err := json.Unmarshal(j.Data, &data); err != nil {
		return Grant{}, false, fmt.Errorf("job %s data: %w", j.ID, err)
	}
	c := data.ArtifactCredentials
	if c == nil {
		return Grant{}, false, nil
	}
	g = Grant{
		Scope: j.Scope, AccessKeyID: accessKeyID, SecretAccessKey: wire.Value(c.SecretAccessKey),
		SessionToken: wire.Value(c.SessionToken), Expires: j.CredentialsExpire,
		Read: objects(data.InputArtifacts), Write: objects(data.OutputArtifacts),
	}
	if project := buildProject(j, &data); project != "" {
		g.Write = append(g.Write, core.BuildLog(core.BuildID(project, j.ID)))
	}
	return g, true, nil
}

// buildProject names the build a built-in CodeBuild or Commands job runs,
// whose log its credentials may write; "" for other jobs.
func buildProject(j *core.Job, data *wire.JobData) string {
	if j.Type.Owner != string(wire.ActionOwnerAWS) {
		return ""
	}
	switch j.Type.Provider {
	case "CodeBuild":
		if c := data.ActionConfiguration; c != nil {
			return c.Configuration["ProjectName"]
		}
	case "Commands":
		return core.CommandsProject
	}
	return ""
}

func objects(artifacts []wire.Artifact) []core.Object {
	var out []core.Object
	for _, a := range artifacts {
		if a.Location == nil || a.Location.S3Location == nil {
			continue
		}
		l := a.Location.S3Location
		out = append(out, core.Object{Bucket: wire.Value(l.BucketName), Key: wire.Value(l.ObjectKey)})
	}
	return out
}
