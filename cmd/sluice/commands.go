package main

import (
	"fmt"
	"log/slog"
	"os"

	"github.com/spf13/cobra"

	"github.com/sluice-cd/sluice/internal/engine"
)

func newRootCommand() *cobra.Command {
	root := &cobra.Command{
		Use:           "sluice",
		Short:         "A self-hosted server that speaks the AWS CodePipeline API and runs pipelines",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.AddCommand(newServeCommand(), newWorkerCommand(), newVersionCommand(), newBenchCommand())
	return root
}

func newVersionCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the version",
		Args:  cobra.NoArgs,
		Run: func(cmd *cobra.Command, _ []string) {
			fmt.Fprintln(cmd.OutOrStdout(), "sluice", version)
		},
	}
}

func newServeCommand() *cobra.Command {
	cfg := DefaultConfig()
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Serve the CodePipeline API",
		Long: `Serve the CodePipeline API on one port, keeping all state under the data directory.

Every flag can also be set by an environment variable; a flag given on the
command line wins:
  --listen            SLUICE_LISTEN             (default 127.0.0.1:4747)
  --data-dir          SLUICE_DATA_DIR           (default ./.sluice)
  --credentials-file  SLUICE_CREDENTIALS_FILE
  --public-url        SLUICE_PUBLIC_URL
  --log-level         SLUICE_LOG_LEVEL          (debug, info, warn, error)
  --store             SLUICE_STORE              (postgres://...; default <data-dir>/sluice.db)
  --artifacts         SLUICE_ARTIFACTS          (default <data-dir>/artifacts)
  --config            SLUICE_CONFIG             (built-in actions: repositories, projects, functions)
  --workers           SLUICE_WORKERS            (default 4; 0 turns the embedded worker off)
An S3-compatible artifact store takes its keys from SLUICE_ARTIFACTS_ACCESS_KEY_ID
and SLUICE_ARTIFACTS_SECRET_ACCESS_KEY. One credential can also come from SLUICE_ACCESS_KEY_ID, SLUICE_SECRET_ACCESS_KEY
and SLUICE_ACCOUNT_ID. Third-party jobs go to the partner named by
SLUICE_THIRD_PARTY_CLIENT_ID and SLUICE_THIRD_PARTY_CLIENT_TOKEN.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := cfg.applyEnv(cmd.Flags(), os.LookupEnv); err != nil {
				return err
			}
			log := newLogger(cfg.LogLevel)
			m, err := Open(cmd.Context(), cfg, log)
			if err != nil {
				return err
			}
			log.Info("sluice serving", "url", m.URL(), "data_dir", cfg.DataDir, "version", version)
			<-cmd.Context().Done()
			log.Info("sluice shutting down")
			return m.Close()
		},
	}
	f := cmd.Flags()
	f.StringVar(&cfg.Listen, "listen", cfg.Listen, "address to listen on")
	f.StringVar(&cfg.DataDir, "data-dir", cfg.DataDir, "directory that holds all state")
	f.StringVar(&cfg.CredentialsFile, "credentials-file", cfg.CredentialsFile, "credentials file: verify SigV4 signatures against its keys")
	f.StringVar(&cfg.PublicURL, "public-url", cfg.PublicURL, "base URL clients reach the server at (default http://<listen>)")
	f.StringVar(&cfg.LogLevel, "log-level", cfg.LogLevel, "log level: debug, info, warn or error")
	f.StringVar(&cfg.Store, "store", cfg.Store, "database: a postgres:// URL, or a SQLite file (default <data-dir>/sluice.db)")
	f.StringVar(&cfg.Artifacts, "artifacts", cfg.Artifacts, "artifact store: a directory, or an S3-compatible URL (default <data-dir>/artifacts)")
	f.StringVar(&cfg.ConfigFile, "config", cfg.ConfigFile, "configuration of built-in actions: repositories, CodeBuild projects, Lambda functions")
	f.DurationVar(&cfg.Timeouts.Ack, "ack-timeout", engine.DefaultTimeouts.Ack, "a job handed out but not acknowledged in this time is handed out again")
	f.IntVar(&cfg.Workers, "workers", cfg.Workers, "built-in jobs the embedded worker runs at once; 0 turns it off")
	return cmd
}

func newLogger(level string) *slog.Logger {
	var l slog.Level
	if err := l.UnmarshalText([]byte(level)); err != nil {
		l = slog.LevelInfo
	}
	return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: l}))
}
