package worker

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/http"
	"time"

	"github.com/sluice-cd/sluice/internal/wire"
)

// Lambda invokes a locally configured function with the CodePipeline job
// event, as Lambda would; the function reports the result itself with
// PutJobSuccessResult or PutJobFailureResult. A function that fails
// before reporting fails the action.
type Lambda struct{}

// lambdaTimeout is Lambda's longest run.
const lambdaTimeout = 15 * time.Minute

// Run implements Provider.
func (Lambda) Run(ctx context.Context, w *Work) (*wire.PutJobSuccessResultInput, error) {
	name, err := w.Require("FunctionName")
	if err != nil {
		return nil, err
	}
	fn, ok := w.worker.config().Functions[name]
	if !ok {
		return nil, configError("Function %s is not configured on this Sluice server (functions in the server configuration)", name)
	}
	event, err := json.Marshal(map[string]any{"CodePipeline.job": map[string]any{
		"id": w.Job.ID, "accountId": w.Job.Scope.Account, "data": w.Job.Data,
	}})
	if err != nil {
		return nil, err
	}
	timeout := fn.Timeout
	if timeout <= 0 {
		timeout = lambdaTimeout
	}
	if fn.URL != "" {
		err = invokeURL(ctx, fn.URL, event, timeout)
	} else {
		err = w.invokeCommand(ctx, fn, event, timeout)
	}
	if err != nil {
		return nil, failf("Lambda function %s failed: %v", name, err)
	}
	return nil, ErrReported
}

func (w *Work) invokeCommand(ctx context.Context, fn Function, event []byte, timeout time.Duration) error {
	env := w.callbackEnv()
	for k, v := range fn.Environment {
		env[k] = v
	}
	c := &command{Argv: fn.Command, Dir: w.Dir, Env: env, Stdin: bytes.NewReader(event), Timeout: timeout}
	tail, err := c.run(ctx)
	if err != nil {
		return fmt.Errorf("%v: %s", err, tail)
	}
	return nil
}

// callbackEnv lets an action's process call this server back with any AWS
// SDK: the endpoint, the job's region, and when the server runs without
// configured credentials, a key that resolves to the job's account.
func (w *Work) callbackEnv() map[string]string {
	env := scrubbedEnv(w.Dir)
	maps.Copy(env, w.callbackVars())
	return env
}

// callbackVars are callbackEnv's own variables, for runners (builds) that
// make the rest of the environment themselves.
func (w *Work) callbackVars() map[string]string {
	env := map[string]string{}
	env["AWS_ENDPOINT_URL"] = w.worker.PublicURL
	env["AWS_REGION"], env["AWS_DEFAULT_REGION"] = w.Job.Scope.Region, w.Job.Scope.Region
	if w.worker.OpenServer {
		env["AWS_ACCESS_KEY_ID"], env["AWS_SECRET_ACCESS_KEY"] = w.Job.Scope.Account, "open"
	}
	return env
}

func invokeURL(ctx context.Context, url string, event []byte, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(event))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, tailSize))
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("HTTP %d: %s", resp.StatusCode, body)
	}
	return nil
}
