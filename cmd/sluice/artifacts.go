package main

import (
	"context"
	"errors"
	"net/url"
	"path/filepath"
	"strings"

	"github.com/sluice-cd/sluice/internal/artifact"
	"github.com/sluice-cd/sluice/internal/artifact/file"
	s3store "github.com/sluice-cd/sluice/internal/artifact/s3"
	"github.com/sluice-cd/sluice/internal/engine"
	"github.com/sluice-cd/sluice/internal/s3api"
	"github.com/sluice-cd/sluice/internal/sigv4"
)

// openArtifacts opens the configured artifact store: a directory, by
// default under the data dir, or an S3-compatible service.
func openArtifacts(ctx context.Context, cfg Config) (artifact.Store, error) {
	loc := cfg.Artifacts
	if strings.HasPrefix(loc, "http://") || strings.HasPrefix(loc, "https://") {
		u, err := url.Parse(loc)
		if err != nil {
			return nil, err
		}
		region := u.Query().Get("region")
		if region == "" {
			region = "us-east-1"
		}
		u.RawQuery = ""
		return s3store.Open(ctx, s3store.Config{
			Endpoint: u.String(), Region: region, PathStyle: true,
			AccessKeyID: cfg.ArtifactsAccessKeyID, SecretAccessKey: cfg.ArtifactsSecretKey,
		})
	}
	if loc == "" {
		loc = filepath.Join(cfg.DataDir, "artifacts")
	}
	return file.Open(loc)
}

// bucketMaker lets the engine create artifact store buckets.
type bucketMaker struct{ artifact.Store }

func (b bucketMaker) EnsureBucket(ctx context.Context, name string) error {
	err := b.CreateBucket(ctx, name)
	if errors.Is(err, artifact.ErrBucketExists) {
		return nil
	}
	return err
}

// jobGrants resolves the artifact credentials the engine hands to jobs.
type jobGrants struct{ eng *engine.Engine }

func (g jobGrants) Grant(ctx context.Context, accessKeyID string) (s3api.Grant, bool, error) {
	eg, ok, err := g.eng.JobGrant(ctx, accessKeyID)
	if err != nil || !ok {
		return s3api.Grant{}, false, err
	}
	out := s3api.Grant{Credential: sigv4.Credential{
		AccessKeyID: eg.AccessKeyID, SecretAccessKey: eg.SecretAccessKey, SessionToken: eg.SessionToken,
		Account: eg.Scope.Account, Expires: eg.Expires,
	}}
	for _, o := range eg.Read {
		out.Read = append(out.Read, s3api.Location{Bucket: o.Bucket, Key: o.Key})
	}
	for _, o := range eg.Write {
		out.Write = append(out.Write, s3api.Location{Bucket: o.Bucket, Key: o.Key})
	}
	return out, true, nil
}
