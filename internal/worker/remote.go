package worker

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/sluice-cd/sluice/internal/core"
	"github.com/sluice-cd/sluice/internal/wire"
)

// Remote takes jobs from a Sluice server over its API, signed like any
// SDK client, so workers can run on other machines. It long-polls every
// action type it runs at once and hands each job on when the worker has
// room for it.
type Remote struct {
	Endpoint    string // the server's URL
	Region      string
	Credentials aws.Credentials
	Targets     []Target
	HTTP        *http.Client
	Log         interface{ Warn(string, ...any) }

	once  sync.Once
	ready chan Job
}

var _ Jobs = (*Remote)(nil)

// Claim implements Jobs: it waits up to wait for a job any of the pollers got.
func (r *Remote) Claim(ctx context.Context, max int, wait time.Duration) ([]Job, error) {
	r.once.Do(func() {
		r.ready = make(chan Job)
		for _, t := range r.Targets {
			go r.poll(ctx, t)
		}
	})
	t := time.NewTimer(wait)
	defer t.Stop()
	select {
	case j := <-r.ready:
		return []Job{j}, nil
	case <-t.C:
		return nil, nil
	case <-ctx.Done():
		return nil, nil
	}
}

// Target is an action type a remote worker polls, with the query value
// of its queryable property if it has one.
type Target struct {
	Type  wire.ActionTypeId
	Query map[string]string
}

// poll long-polls one action type until ctx ends.
func (r *Remote) poll(ctx context.Context, t Target) {
	for ctx.Err() == nil {
		var out wire.PollForJobsOutput
		in := &wire.PollForJobsInput{ActionTypeId: &t.Type, MaxBatchSize: wire.Ptr(int32(1)), QueryParam: t.Query}
		if err := r.call(ctx, "PollForJobs", in, &out, true); err != nil {
			if ctx.Err() == nil {
				r.Log.Warn("poll for jobs", "type", kind(&t.Type), "err", err)
				backOff(ctx)
			}
			continue
		}
		for _, j := range out.Jobs {
			job := Job{Scope: core.Scope{Account: wire.Value(j.AccountId), Region: r.Region},
				ID: wire.Value(j.Id), Nonce: wire.Value(j.Nonce), Data: j.Data}
			select {
			case r.ready <- job:
			case <-ctx.Done():
				return
			}
		}
	}
}

// Acknowledge implements Jobs.
func (r *Remote) Acknowledge(ctx context.Context, j Job) error {
	return r.call(ctx, "AcknowledgeJob", &wire.AcknowledgeJobInput{JobId: &j.ID, Nonce: &j.Nonce}, nil, false)
}

// Succeed implements Jobs.
func (r *Remote) Succeed(ctx context.Context, j Job, res *wire.PutJobSuccessResultInput) error {
	res.JobId = &j.ID
	return r.call(ctx, "PutJobSuccessResult", res, nil, false)
}

// Fail implements Jobs.
func (r *Remote) Fail(ctx context.Context, j Job, f *wire.FailureDetails) error {
	return r.call(ctx, "PutJobFailureResult", &wire.PutJobFailureResultInput{JobId: &j.ID, FailureDetails: f}, nil, false)
}

// call sends one operation and decodes its output or its error.
func (r *Remote) call(ctx context.Context, op string, in, out any, longPoll bool) error {
	body, err := json.Marshal(in)
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, strings.TrimSuffix(r.Endpoint, "/")+"/", bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/x-amz-json-1.1")
	req.Header.Set("X-Amz-Target", "CodePipeline_20150709."+op)
	if longPoll {
		req.Header.Set("X-Sluice-Poll-Wait-Seconds", strconv.Itoa(int(pollWait/time.Second)))
	}
	sum := sha256.Sum256(body)
	if err := v4.NewSigner().SignHTTP(ctx, r.Credentials, req, hex.EncodeToString(sum[:]), "codepipeline", r.Region, time.Now()); err != nil {
		return err
	}
	client := r.HTTP
	if client == nil {
		client = http.DefaultClient
	}
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 16<<20))
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		var e struct {
			Type    string `json:"__type"`
			Message string `json:"message"`
		}
		_ = json.Unmarshal(raw, &e)
		return fmt.Errorf("%s: %s %s (HTTP %d)", op, e.Type, e.Message, resp.StatusCode)
	}
	if out == nil {
		return nil
	}
	return json.Unmarshal(raw, out)
}
