// Package bench is Sluice's load tool: it sends correctly signed
// CodePipeline requests at a chosen concurrency and measures throughput and
// latency, beside the ceiling of a trivial JSON handler measured the same
// way in the same run.
package bench

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

// Client sends signed JSON 1.1 requests to one endpoint.
type Client struct {
	Endpoint string
	Region   string
	Creds    aws.Credentials
	HTTP     *http.Client
	signer   *v4.Signer
}

// NewClient returns a client with a connection pool sized for concurrency.
func NewClient(endpoint, region string, creds aws.Credentials, concurrency int) *Client {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConns = concurrency * 2
	tr.MaxIdleConnsPerHost = concurrency * 2
	return &Client{Endpoint: endpoint, Region: region, Creds: creds,
		HTTP: &http.Client{Transport: tr, Timeout: 30 * time.Second}, signer: v4.NewSigner()}
}

// Call sends one operation and returns the status code and body.
func (c *Client) Call(ctx context.Context, op string, body []byte) (int, []byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.Endpoint+"/", bytes.NewReader(body))
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Content-Type", "application/x-amz-json-1.1")
	req.Header.Set("X-Amz-Target", "CodePipeline_20150709."+op)
	sum := sha256.Sum256(body)
	if err := c.signer.SignHTTP(ctx, c.Creds, req, hex.EncodeToString(sum[:]), "codepipeline", c.Region, time.Now()); err != nil {
		return 0, nil, err
	}
	resp, err := c.HTTP.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	out, err := io.ReadAll(resp.Body)
	return resp.StatusCode, out, err
}

// Result is what one load run measured.
type Result struct {
	Name     string
	Requests int
	Errors   int
	Elapsed  time.Duration
	P50      time.Duration
	P90      time.Duration
	P99      time.Duration
}

// RPS is the throughput of successful requests.
func (r Result) RPS() float64 { return float64(r.Requests-r.Errors) / r.Elapsed.Seconds() }

func (r Result) String() string {
	return fmt.Sprintf("%-14s %9d req %6d err %10.0f req/s   p50 %8s   p90 %8s   p99 %8s",
		r.Name, r.Requests, r.Errors, r.RPS(), r.P50.Round(time.Microsecond),
		r.P90.Round(time.Microsecond), r.P99.Round(time.Microsecond))
}

// Load calls op with body from concurrency goroutines until d has passed,
// and measures every call. A call that fails or answers non-200 is an error.
func Load(ctx context.Context, name string, c *Client, op string, body []byte, concurrency int, d time.Duration) (Result, error) {
	ctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	var (
		mu        sync.Mutex
		latencies []time.Duration
		errs      atomic.Int64
		firstErr  atomic.Value
		wg        sync.WaitGroup
	)
	start := time.Now()
	for range concurrency {
		wg.Add(1)
		go func() {
			defer wg.Done()
			local := make([]time.Duration, 0, 4096)
			for ctx.Err() == nil {
				t := time.Now()
				status, out, err := c.Call(ctx, op, body)
				if ctx.Err() != nil {
					break
				}
				local = append(local, time.Since(t))
				if err != nil || status != http.StatusOK {
					errs.Add(1)
					firstErr.CompareAndSwap(nil, fmt.Sprintf("status %d: %v %s", status, err, out))
				}
			}
			mu.Lock()
			latencies = append(latencies, local...)
			mu.Unlock()
		}()
	}
	wg.Wait()
	res := summarize(name, latencies, int(errs.Load()), time.Since(start))
	if msg, ok := firstErr.Load().(string); ok && res.Errors == res.Requests {
		return res, errors.New(msg)
	}
	return res, nil
}

func summarize(name string, lat []time.Duration, errs int, elapsed time.Duration) Result {
	slices.Sort(lat)
	pct := func(p float64) time.Duration {
		if len(lat) == 0 {
			return 0
		}
		return lat[min(len(lat)-1, int(p*float64(len(lat))))]
	}
	return Result{Name: name, Requests: len(lat), Errors: errs, Elapsed: elapsed,
		P50: pct(0.50), P90: pct(0.90), P99: pct(0.99)}
}
