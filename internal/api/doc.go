// Package api is the AWS JSON 1.1 transport of the CodePipeline API: it
// authenticates a request, finds its operation from X-Amz-Target, decodes
// and validates the body against the model, calls the service, and writes
// the answer or the error in the shape the AWS SDKs read.
//
// Handlers are thin: the services behind them speak wire shapes and return
// *core.Error values; this package is the one place errors become HTTP.
package api
