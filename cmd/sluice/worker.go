package main

import (
	"cmp"
	"context"
	"fmt"
	"os"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/spf13/cobra"

	"github.com/sluice-cd/sluice/internal/artifact"
	s3store "github.com/sluice-cd/sluice/internal/artifact/s3"
	"github.com/sluice-cd/sluice/internal/wire"
	"github.com/sluice-cd/sluice/internal/worker"
)

// workerConfig is everything `sluice worker` can be told.
type workerConfig struct {
	Endpoint    string
	Region      string
	ConfigFile  string
	Concurrency int
	Builtin     bool
	LogLevel    string
}

func newWorkerCommand() *cobra.Command {
	cfg := workerConfig{Endpoint: "http://127.0.0.1:4747", Region: "us-east-1", Concurrency: 4, Builtin: true, LogLevel: "info"}
	cmd := &cobra.Command{
		Use:   "worker",
		Short: "Work jobs of a Sluice server from this machine",
		Long: `Work jobs of a Sluice server from this machine: built-in actions (S3 and git
sources, CodeBuild, Commands, S3 deploy, Lambda invoke), and custom action types
whose jobs are worked by the commands of the configuration file (custom:).

The worker polls with the job operations of the API, signed with the standard
AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN, in one region,
and reads and writes artifacts through the server's S3 endpoint with the same
keys. Against a server without credentials any keys work; the default is the
account 000000000000.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runWorker(cmd.Context(), cfg)
		},
	}
	f := cmd.Flags()
	f.StringVar(&cfg.Endpoint, "endpoint", cfg.Endpoint, "URL of the Sluice server")
	f.StringVar(&cfg.Region, "region", cfg.Region, "region whose jobs to work")
	f.StringVar(&cfg.ConfigFile, "config", cfg.ConfigFile, "configuration: repositories, projects, functions, custom commands")
	f.IntVar(&cfg.Concurrency, "concurrency", cfg.Concurrency, "jobs run at once")
	f.BoolVar(&cfg.Builtin, "builtin", cfg.Builtin, "work built-in actions too, not only configured custom types")
	f.StringVar(&cfg.LogLevel, "log-level", cfg.LogLevel, "log level: debug, info, warn or error")
	return cmd
}

func runWorker(ctx context.Context, cfg workerConfig) error {
	log := newLogger(cfg.LogLevel)
	settings, err := worker.LoadConfig(cfg.ConfigFile)
	if err != nil {
		return err
	}
	creds := aws.Credentials{
		AccessKeyID:     cmp.Or(os.Getenv("AWS_ACCESS_KEY_ID"), "000000000000"),
		SecretAccessKey: cmp.Or(os.Getenv("AWS_SECRET_ACCESS_KEY"), "sluice"),
		SessionToken:    os.Getenv("AWS_SESSION_TOKEN"),
	}
	arts, err := s3store.Open(ctx, s3store.Config{Endpoint: cfg.Endpoint, Region: cfg.Region, PathStyle: true,
		AccessKeyID: creds.AccessKeyID, SecretAccessKey: creds.SecretAccessKey, SessionToken: creds.SessionToken})
	if err != nil {
		return err
	}
	providers, targets := settings.CustomProviders()
	if cfg.Builtin {
		for k, p := range worker.Builtins() {
			providers[k] = p
		}
		targets = append(targets, worker.BuiltinTargets()...)
	}
	if len(targets) == 0 {
		return fmt.Errorf("nothing to work: --builtin=false and no custom commands configured")
	}
	dir, err := os.MkdirTemp("", "sluice-worker-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	w := &worker.Worker{
		Jobs:      &worker.Remote{Endpoint: cfg.Endpoint, Region: cfg.Region, Credentials: creds, Targets: targets, Log: log},
		Artifacts: arts, Config: settings, Providers: providers, Concurrency: cfg.Concurrency, WorkDir: dir,
		PublicURL: cfg.Endpoint, OpenServer: isOpenDefault(creds), Log: log,
		JobStore: func(ctx context.Context, j worker.Job) (artifact.Store, error) {
			c := j.Data.ArtifactCredentials
			if c == nil {
				return nil, fmt.Errorf("job %s came without artifact credentials", j.ID)
			}
			return s3store.Open(ctx, s3store.Config{Endpoint: cfg.Endpoint, Region: cfg.Region, PathStyle: true,
				AccessKeyID: wire.Value(c.AccessKeyId), SecretAccessKey: wire.Value(c.SecretAccessKey), SessionToken: wire.Value(c.SessionToken)})
		},
	}
	log.Info("sluice worker polling", "endpoint", cfg.Endpoint, "region", cfg.Region, "types", describeTargets(targets))
	w.Run(ctx)
	return nil
}

// isOpenDefault: with the default keys the server must be open, and
// callbacks may sign as the job's account.
func isOpenDefault(c aws.Credentials) bool {
	return os.Getenv("AWS_ACCESS_KEY_ID") == "" && c.SessionToken == ""
}

func describeTargets(targets []worker.Target) string {
	var out []string
	for _, t := range targets {
		out = append(out, string(t.Type.Owner)+"/"+string(t.Type.Category)+"/"+wire.Value(t.Type.Provider))
	}
	return strings.Join(out, ",")
}
