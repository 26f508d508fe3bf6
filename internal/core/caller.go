package core

import (
	"context"
	"time"
)

// Caller is who signed a request, as far as the engine records it
// (trigger details, who changed a transition or answered an approval).
type Caller struct {
	Account     string
	AccessKeyID string
}

// ARN is the caller's identity in ARN form. Sluice has no IAM users, so
// the access key id stands in for the user name.
func (c Caller) ARN() string {
	if c.AccessKeyID == "" {
		return "arn:aws:iam::" + c.Account + ":root"
	}
	return "arn:aws:iam::" + c.Account + ":user/" + c.AccessKeyID
}

type callerKey struct{}

// WithCaller returns a context that carries the caller.
func WithCaller(ctx context.Context, c Caller) context.Context {
	return context.WithValue(ctx, callerKey{}, c)
}

// CallerFrom returns the caller the authentication layer put in ctx.
func CallerFrom(ctx context.Context) Caller {
	c, _ := ctx.Value(callerKey{}).(Caller)
	return c
}

type waitKey struct{}

// WithPollWait returns a context asking a poll operation to wait up to d
// for work instead of answering empty at once (Sluice's long-poll).
func WithPollWait(ctx context.Context, d time.Duration) context.Context {
	return context.WithValue(ctx, waitKey{}, d)
}

// PollWaitFrom returns how long a poll may wait; 0 means answer at once.
func PollWaitFrom(ctx context.Context) time.Duration {
	d, _ := ctx.Value(waitKey{}).(time.Duration)
	return d
}
