package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/spf13/cobra"

	"github.com/sluice-cd/sluice/internal/bench"
)

type benchFlags struct {
	endpoint    string
	region      string
	accessKey   string
	secretKey   string
	concurrency int
	duration    time.Duration
	pipelines   int
}

func newBenchCommand() *cobra.Command {
	var f benchFlags
	cmd := &cobra.Command{
		Use:   "bench",
		Short: "Measure GetPipeline and ListPipelines throughput against the ceiling of a trivial JSON handler",
		Long: `Send correctly signed requests at a chosen concurrency and print requests/s and
latency percentiles for GetPipeline and ListPipelines, beside a trivial Go JSON
handler measured the same way in the same run (the ceiling).

Without --endpoint it starts a server of its own on the embedded default
(SQLite in a temporary directory) in this process.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return runBench(cmd.Context(), cmd.OutOrStdout(), f) },
	}
	fl := cmd.Flags()
	fl.StringVar(&f.endpoint, "endpoint", "", "URL of a running server (default: start one)")
	fl.StringVar(&f.region, "region", "us-east-1", "region to sign for")
	fl.StringVar(&f.accessKey, "access-key", "AKIAIOSFODNN7EXAMPLE", "access key id to sign with")
	fl.StringVar(&f.secretKey, "secret-key", "bench-secret", "secret access key to sign with")
	fl.IntVar(&f.concurrency, "concurrency", 32, "concurrent connections")
	fl.DurationVar(&f.duration, "duration", 5*time.Second, "how long each measurement runs")
	fl.IntVar(&f.pipelines, "pipelines", 50, "pipelines to create (ListPipelines lists them all)")
	return cmd
}

func runBench(ctx context.Context, out io.Writer, f benchFlags) error {
	endpoint := f.endpoint
	if endpoint == "" {
		dir, err := os.MkdirTemp("", "sluice-bench-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(dir)
		cfg := DefaultConfig()
		cfg.Listen, cfg.DataDir = "127.0.0.1:0", dir
		m, err := Open(ctx, cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
		if err != nil {
			return err
		}
		defer m.Close()
		endpoint = m.URL()
	}
	creds := aws.Credentials{AccessKeyID: f.accessKey, SecretAccessKey: f.secretKey}
	client := bench.NewClient(endpoint, f.region, creds, f.concurrency)
	if err := benchSetup(ctx, client, f.pipelines); err != nil {
		return err
	}
	ceilingURL, closeCeiling, err := bench.Ceiling()
	if err != nil {
		return err
	}
	defer closeCeiling()

	get := []byte(`{"name":"bench-0"}`)
	fmt.Fprintf(out, "concurrency %d, %s per measurement, %d pipelines, endpoint %s\n", f.concurrency, f.duration, f.pipelines, endpoint)
	runs := []struct {
		name string
		c    *bench.Client
		op   string
		body []byte
	}{
		{"ceiling", bench.NewClient(ceilingURL, f.region, creds, f.concurrency), "GetPipeline", get},
		{"GetPipeline", client, "GetPipeline", get},
		{"ListPipelines", client, "ListPipelines", []byte(`{}`)},
	}
	var ceiling float64
	for _, r := range runs {
		res, err := bench.Load(ctx, r.name, r.c, r.op, r.body, f.concurrency, f.duration)
		if err != nil {
			return fmt.Errorf("%s: %w", r.name, err)
		}
		line := res.String()
		if r.name == "ceiling" {
			ceiling = res.RPS()
		} else if ceiling > 0 {
			line += fmt.Sprintf("   %5.1f%% of ceiling", 100*res.RPS()/ceiling)
		}
		fmt.Fprintln(out, line)
	}
	return nil
}

// benchSetup creates the pipelines the measurements read.
func benchSetup(ctx context.Context, c *bench.Client, n int) error {
	for i := range max(n, 1) {
		body := strings.ReplaceAll(benchPipeline, "NAME", fmt.Sprintf("bench-%d", i))
		status, out, err := c.Call(ctx, "CreatePipeline", []byte(body))
		if err != nil {
			return fmt.Errorf("create pipeline: %w", err)
		}
		if status != http.StatusOK && !strings.Contains(string(out), "PipelineNameInUse") {
			return fmt.Errorf("create pipeline: status %d: %s", status, out)
		}
	}
	return nil
}

const benchPipeline = `{"pipeline": {
  "name": "NAME", "roleArn": "arn:aws:iam::000000000000:role/bench",
  "artifactStore": {"type": "S3", "location": "bench-artifacts"},
  "stages": [
    {"name": "Source", "actions": [{"name": "Source",
      "actionTypeId": {"category": "Source", "owner": "AWS", "provider": "S3", "version": "1"},
      "configuration": {"S3Bucket": "bench-source", "S3ObjectKey": "source.zip"},
      "outputArtifacts": [{"name": "SourceOutput"}]}]},
    {"name": "Build", "actions": [{"name": "Build",
      "actionTypeId": {"category": "Build", "owner": "AWS", "provider": "CodeBuild", "version": "1"},
      "configuration": {"ProjectName": "bench"},
      "inputArtifacts": [{"name": "SourceOutput"}], "outputArtifacts": [{"name": "BuildOutput"}]}]}
  ]}}`
