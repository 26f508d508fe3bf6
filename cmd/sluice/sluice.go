package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/sluice-cd/sluice/internal/api"
	"github.com/sluice-cd/sluice/internal/artifact"
	"github.com/sluice-cd/sluice/internal/catalog"
	"github.com/sluice-cd/sluice/internal/core"
	"github.com/sluice-cd/sluice/internal/engine"
	"github.com/sluice-cd/sluice/internal/s3api"
	"github.com/sluice-cd/sluice/internal/sigv4"
	"github.com/sluice-cd/sluice/internal/store"
	"github.com/sluice-cd/sluice/internal/store/postgres"
	"github.com/sluice-cd/sluice/internal/store/sqlite"
	"github.com/sluice-cd/sluice/internal/worker"
)

// Main is a running server: the store, the services and the HTTP server,
// wired from a Config. Tests start it on 127.0.0.1:0 with a temp data dir.
type Main struct {
	cfg       Config
	store     store.Store
	artifacts artifact.Store
	server    *api.Server
	engine    *engine.Engine
	instance  *instance          // this server's id among those sharing the store
	stop      context.CancelFunc // stops the engine's timers, the worker and change detection
	done      sync.WaitGroup     // done when they stopped
	closing   sync.Once
	closeErr  error
}

// Open builds and starts everything a Config describes. The server is
// listening and ready when Open returns.
func Open(ctx context.Context, cfg Config, log *slog.Logger) (*Main, error) {
	if err := cfg.checkExposure(); err != nil {
		return nil, err
	}
	verifier, err := newVerifier(cfg)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
		return nil, fmt.Errorf("data dir: %w", err)
	}
	settings, err := worker.LoadConfig(cfg.ConfigFile)
	if err != nil {
		return nil, err
	}
	arts, err := openArtifacts(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("artifact store: %w", err)
	}
	st, err := openStore(ctx, cfg)
	if err != nil {
		return nil, err
	}
	if err := claimServerBuckets(ctx, st); err != nil {
		st.Close()
		return nil, err
	}
	// Remote workers write build logs into it with their jobs' credentials,
	// which cannot make it. An artifact store that refuses (another
	// server's, which keeps that bucket for itself) costs only those logs.
	if err := (bucketMaker{arts}).EnsureBucket(ctx, core.LogBucket); err != nil {
		log.Warn("no build log bucket: logs of remote workers will not be kept", "err", err)
	}
	// Bind before building the services: the public URL defaults to the
	// address actually bound (port 0 picks one).
	ln, err := net.Listen("tcp", cfg.Listen)
	if err != nil {
		st.Close()
		return nil, fmt.Errorf("listen %s: %w", cfg.Listen, err)
	}
	inst, err := openInstance(cfg.DataDir)
	if err != nil {
		ln.Close()
		st.Close()
		return nil, err
	}
	publicURL := cfg.PublicURL
	if publicURL == "" {
		publicURL = "http://" + ln.Addr().String()
	}
	cat := &catalog.Service{Store: st, Clock: core.SystemClock{}, PublicURL: publicURL}
	eng := engine.New(st, cat, log)
	eng.Timeouts, eng.ThirdParty = cfg.timeouts(), cfg.thirdPartyClient()
	eng.Buckets, eng.Instance = bucketMaker{arts}, inst.id
	cat.Runner = eng
	runCtx, stop := context.WithCancel(context.Background())
	m := &Main{cfg: cfg, store: st, artifacts: arts, engine: eng, instance: inst, stop: stop}
	m.joinReplicas(runCtx, log)
	m.goRun(func() { eng.Run(runCtx) }) // recovers what a crash interrupted, then keeps time
	w := &worker.Worker{
		Jobs: worker.Local{Engine: eng}, Artifacts: arts, Config: settings, Providers: worker.Builtins(),
		Concurrency: cfg.Workers, WorkDir: filepath.Join(cfg.DataDir, "work"), PublicURL: publicURL,
		OpenServer: !cfg.hasCredentials(), Owners: bucketOwners{st}, Log: log,
	}
	detector := &worker.Detector{Store: st, Engine: eng, Artifacts: arts, Worker: w, Log: log}
	if err := m.startWorker(runCtx, w, cfg); err != nil {
		m.Close()
		return nil, err
	}
	m.goRun(func() { detector.Run(runCtx) })
	s3 := &s3api.Server{Store: arts, Accounts: verifier, Jobs: jobGrants{eng}, JobKeyPrefix: engine.JobKeyPrefix,
		Owners: bucketOwners{st}, OnChange: func(s3api.Event) { detector.ObjectChanged() }, Log: log}
	h := &api.Handler{Verifier: verifier, Operations: operations(cat, eng), Webhooks: eng,
		S3: s3.Handler(), Logs: worker.LogHandler(arts), Log: log}
	m.server = api.Serve(ln, h.New(), log)
	return m, nil
}

// openStore opens the configured store: PostgreSQL for a postgres:// URL,
// otherwise the SQLite database in the data dir.
func openStore(ctx context.Context, cfg Config) (store.Store, error) {
	if strings.HasPrefix(cfg.Store, "postgres://") || strings.HasPrefix(cfg.Store, "postgresql://") {
		return postgres.Open(ctx, cfg.Store)
	}
	path := cfg.Store
	if path == "" {
		path = filepath.Join(cfg.DataDir, "sluice.db")
	}
	return sqlite.Open(ctx, path)
}

// startWorker starts the embedded worker, after queueing again the
// built-in jobs the last run of this server (same data dir, so same
// instance id) held: their work died with it. Other servers' jobs are left
// to their leases, whether or not this server runs a worker.
func (m *Main) startWorker(ctx context.Context, w *worker.Worker, cfg Config) error {
	if _, err := m.engine.RequeueOwn(ctx); err != nil {
		return fmt.Errorf("requeue built-in jobs: %w", err)
	}
	if cfg.Workers <= 0 {
		return nil
	}
	if err := os.MkdirAll(w.WorkDir, 0o700); err != nil {
		return fmt.Errorf("work dir: %w", err)
	}
	m.goRun(func() { w.Run(ctx) })
	return nil
}

func (m *Main) goRun(fn func()) {
	m.done.Add(1)
	go func() {
		defer m.done.Done()
		fn()
	}()
}

// URL is the base URL the server answers on.
func (m *Main) URL() string { return m.server.URL() }

// Close stops serving, letting requests in flight finish, then closes the
// store. Later calls answer what the first did: a test may stop a server
// before its cleanup does.
func (m *Main) Close() error {
	m.closing.Do(func() { m.closeErr = m.close() })
	return m.closeErr
}

func (m *Main) close() error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	m.engine.Release() // long-polls answer now instead of holding the shutdown
	var err error
	if m.server != nil {
		err = m.server.Close(ctx)
	}
	m.stop()
	m.done.Wait()
	return errors.Join(err, m.store.Close(), m.instance.Close())
}

// newVerifier verifies signatures against the configured credentials, or
// runs open (any well-formed signature) when there are none.
func newVerifier(cfg Config) (*sigv4.Verifier, error) {
	if !cfg.hasCredentials() {
		return &sigv4.Verifier{}, nil
	}
	creds := &sigv4.Static{}
	if cfg.CredentialsFile != "" {
		loaded, err := sigv4.LoadFile(cfg.CredentialsFile)
		if err != nil {
			return nil, err
		}
		creds = loaded
	}
	if cfg.AccessKeyID != "" {
		err := creds.Add(sigv4.Credential{
			AccessKeyID: cfg.AccessKeyID, SecretAccessKey: cfg.SecretAccessKey, Account: cfg.AccountID,
		})
		if err != nil {
			return nil, fmt.Errorf("credential from the environment: %w", err)
		}
	}
	return &sigv4.Verifier{Credentials: creds}, nil
}

// operations is the table of the operations this build serves. Operations
// of the model missing here answer that Sluice does not serve them yet.
func operations(cat *catalog.Service, eng *engine.Engine) map[string]api.Operation {
	return map[string]api.Operation{
		"CreatePipeline":                  api.Op(cat.CreatePipeline),
		"GetPipeline":                     api.Op(cat.GetPipeline),
		"UpdatePipeline":                  api.Op(cat.UpdatePipeline),
		"DeletePipeline":                  api.Op(cat.DeletePipeline),
		"ListPipelines":                   api.Op(cat.ListPipelines),
		"TagResource":                     api.Op(cat.TagResource),
		"UntagResource":                   api.Op(cat.UntagResource),
		"ListTagsForResource":             api.Op(cat.ListTagsForResource),
		"CreateCustomActionType":          api.Op(cat.CreateCustomActionType),
		"DeleteCustomActionType":          api.Op(cat.DeleteCustomActionType),
		"ListActionTypes":                 api.Op(cat.ListActionTypes),
		"GetActionType":                   api.Op(cat.GetActionType),
		"UpdateActionType":                api.Op(cat.UpdateActionType),
		"PutWebhook":                      api.Op(cat.PutWebhook),
		"ListWebhooks":                    api.Op(cat.ListWebhooks),
		"DeleteWebhook":                   api.Op(cat.DeleteWebhook),
		"RegisterWebhookWithThirdParty":   api.Op(cat.RegisterWebhookWithThirdParty),
		"DeregisterWebhookWithThirdParty": api.Op(cat.DeregisterWebhookWithThirdParty),

		"StartPipelineExecution":           api.Op(eng.StartPipelineExecution),
		"StopPipelineExecution":            api.Op(eng.StopPipelineExecution),
		"GetPipelineExecution":             api.Op(eng.GetPipelineExecution),
		"ListPipelineExecutions":           api.Op(eng.ListPipelineExecutions),
		"GetPipelineState":                 api.Op(eng.GetPipelineState),
		"ListActionExecutions":             api.Op(eng.ListActionExecutions),
		"ListDeployActionExecutionTargets": api.Op(eng.ListDeployActionExecutionTargets),
		"DisableStageTransition":           api.Op(eng.DisableStageTransition),
		"EnableStageTransition":            api.Op(eng.EnableStageTransition),
		"RetryStageExecution":              api.Op(eng.RetryStageExecution),
		"RollbackStage":                    api.Op(eng.RollbackStage),
		"PutApprovalResult":                api.Op(eng.PutApprovalResult),
		"PutActionRevision":                api.Op(eng.PutActionRevision),
		"PollForJobs":                      api.Op(eng.PollForJobs),
		"AcknowledgeJob":                   api.Op(eng.AcknowledgeJob),
		"GetJobDetails":                    api.Op(eng.GetJobDetails),
		"PutJobSuccessResult":              api.Op(eng.PutJobSuccessResult),
		"PutJobFailureResult":              api.Op(eng.PutJobFailureResult),
		"PollForThirdPartyJobs":            api.Op(eng.PollForThirdPartyJobs),
		"AcknowledgeThirdPartyJob":         api.Op(eng.AcknowledgeThirdPartyJob),
		"GetThirdPartyJobDetails":          api.Op(eng.GetThirdPartyJobDetails),
		"PutThirdPartyJobSuccessResult":    api.Op(eng.PutThirdPartyJobSuccessResult),
		"PutThirdPartyJobFailureResult":    api.Op(eng.PutThirdPartyJobFailureResult),
	}
}
