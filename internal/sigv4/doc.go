// Package sigv4 verifies AWS Signature Version 4 on incoming requests, in
// both the Authorization header form and the presigned query form, for every
// service Sluice speaks (codepipeline, s3).
//
// Verification recomputes the signature from the client's own SignedHeaders
// list rather than from all headers of the request, because clients differ in
// which headers they sign (the aws-sdk-go-v2 signer skips User-Agent and
// Expect, Java SDK v1 signs them). Only the standard library's crypto is used.
//
// Verify takes a body read beforehand, as the JSON API needs it hashed.
// VerifyStream serves the S3 endpoint, whose bodies are too large for that:
// it hands back a reader of the content that checks the payload hash,
// x-amz-checksum-* values and, for aws-chunked bodies, every chunk
// signature and the trailing checksum as the content goes by.
//
// Every failure the client can act on is a *core.Error whose code is one of
// core.MissingAuthenticationToken, core.IncompleteSignature,
// core.InvalidSignature, core.UnrecognizedClient or ExpiredToken; some also
// carry a reason (ErrTimeSkewed, ErrChecksum, …) for S3, which names more
// cases apart. Anything else (a failing credential store) is an internal
// error.
package sigv4
