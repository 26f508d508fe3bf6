// Package worker runs built-in actions (S3 and git sources, CodeBuild,
// Commands, S3 deploy, Lambda invoke) and configured commands for custom
// action types. It takes jobs through the same job protocol external
// workers use: claim, acknowledge, then report success or failure. The
// embedded worker claims in-process from the engine; `sluice worker` claims
// over HTTP from a server elsewhere.
package worker
