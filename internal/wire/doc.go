// Package wire holds the request and response shapes of the CodePipeline
// API (2015-07-09, awsJson1_1) and their validation against the model.
//
// Most of the package is generated from the Smithy 2.0 JSON AST by ./gen:
//
//   - types_gen.go: one struct per structure shape reachable from the
//     operations' inputs and outputs, one string type per enum;
//   - validate_gen.go: the @required, @length, @pattern, @range and enum
//     checks of every input structure, as straight-line code;
//   - operations_gen.go: the operation table, Operations.
//
// JSON member names are exactly the model's member names (mostly camelCase,
// but ListWebhooks has NextToken and MaxResults, WebhookAuthConfiguration has
// AllowedIPRange and SecretToken, and ArtifactDetail has s3location).
// Timestamps are epoch seconds as JSON numbers (see Time).
//
// Regenerate from the repository root with
//
//	go generate ./internal/wire
//
// and commit the result; CI checks that regenerating changes nothing.
package wire

//go:generate go run ./gen -model ../../../shared/model/codepipeline-2015-07-09.json -out .
